//! Cryptography of Trent.
//!
//! Owns the zeroizing secret types ([`material::KeyMaterial`],
//! [`material::PlaintextDataKey`], [`root_key::RootKey`],
//! [`asymmetric::PrivateKey`], [`mac::HmacKey`]), the versioned ciphertext
//! blob (`docs/ciphertext-format.md`), envelope encryption with the
//! encryption context as additional authenticated data, the
//! [`root_key::RootKeyProvider`] seam with its file-backed provider, and the
//! sealed form of asymmetric and HMAC material (`docs/key-material-format.md`).
//!
//! Asymmetric operations: [`sign`] (Sign, Verify), [`oaep`] (RSA Encrypt,
//! Decrypt), [`agreement`] (DeriveSharedSecret), [`kem`] (Encapsulate,
//! Decapsulate), [`mac`] (GenerateMac, VerifyMac), [`data_key_pair`].
//!
//! It deliberately knows nothing of storage, the wire format or async code,
//! and its one error, [`CryptoError`], says nothing about why an operation
//! failed: a wrong key, a changed byte and another context look identical.
//! Every primitive comes from `aws-lc-rs`.

pub mod aead;
pub mod agreement;
pub mod asymmetric;
pub mod audit;
pub mod ciphertext;
pub mod data_key_pair;
mod der;
pub mod import;
pub mod kem;
pub mod mac;
pub mod material;
pub mod oaep;
pub mod root_key;
pub mod sealed_key;
pub mod sign;
pub mod token;

/// The one opaque error of this crate. It never says which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Authentication, decoding or a primitive failed; no detail is kept on purpose.
    #[error("cryptographic operation failed")]
    Failed,
    /// The root key could not be read or created.
    #[error("root key unavailable")]
    RootKeyUnavailable,
    /// The caller's input is malformed or outside a stated limit: a public
    /// key that is not the SPKI of a key of the expected spec (including a
    /// peer key on another curve), a plaintext over the RSA-OAEP limit, a
    /// digest or μ of the wrong length, an algorithm the key does not offer,
    /// a KEM ciphertext of the wrong length. Decided from public facts only,
    /// never from a decryption or verification result.
    #[error("invalid input")]
    InvalidInput,
    /// aws-lc-rs offers no safe interface for this (Ed25519ph, ML-DSA with
    /// an external μ) or AWS offers it only in the China Regions (SM2).
    #[error("unsupported algorithm")]
    Unsupported,
}

/// The outcome of checking a signature or a MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The signature or MAC is valid for the message and key.
    Valid,
    /// It is not (AWS `KMSInvalidSignatureException` / `KMSInvalidMacException`).
    Invalid,
}
