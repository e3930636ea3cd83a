//! Cryptography of Trent.
//!
//! Owns the zeroizing secret types ([`material::KeyMaterial`],
//! [`material::PlaintextDataKey`], [`root_key::RootKey`]), the versioned
//! ciphertext blob (`docs/ciphertext-format.md`), envelope encryption with the
//! encryption context as additional authenticated data, and the
//! [`root_key::RootKeyProvider`] seam with its file-backed provider.
//!
//! It deliberately knows nothing of storage, the wire format or async code,
//! and its one error, [`CryptoError`], says nothing about why an operation
//! failed: a wrong key, a changed byte and another context look identical.
//! Every primitive comes from `aws-lc-rs`.

pub mod aead;
pub mod audit;
pub mod ciphertext;
pub mod material;
pub mod root_key;

/// The one opaque error of this crate. It never says which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Authentication, decoding or a primitive failed; no detail is kept on purpose.
    #[error("cryptographic operation failed")]
    Failed,
    /// The root key could not be read or created.
    #[error("root key unavailable")]
    RootKeyUnavailable,
}
