//! The audit trail: one CloudTrail-shaped event per request
//! (`event`), appended to a hash-chained, signed log ([`log`]) before the
//! response is sent, and verified offline ([`verify`]).

pub(crate) mod event;
pub mod log;
pub mod verify;
