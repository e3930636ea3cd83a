//! The audit log of Trent, and its verifier.
//!
//! Owns the files of an audit folder: the hash-chained JSON lines
//! (`audit-NNNNNN.jsonl`, `trentSeq`/`trentPrev`), their group-committed
//! writer ([`log::AuditLog`], an OS thread of its own), the
//! signed digests of the chain head (`digests.jsonl`, `public-key`), and
//! the offline check of all of it ([`verify::verify`]), which needs only the
//! public key.
//!
//! It knows nothing of what an event says: it takes each event as one JSON
//! object already serialized by the caller. It must not know HTTP, the KMS
//! wire format, the service, storage or metrics (a caller counts syncs
//! through a hook it hands in); its cryptography comes from `trent-crypto`.

pub mod log;
pub mod verify;
