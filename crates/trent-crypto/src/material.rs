//! Secret key material and data keys, zeroized on drop and never printed.

use aws_lc_rs::aead::LessSafeKey;
use zeroize::Zeroizing;

use crate::aead::{expand, fill_random, KEY_LEN};
use crate::CryptoError;

/// The 256-bit secret of one version of a symmetric KMS key, with its AES
/// key schedule expanded once (aws-lc cleanses that state when it is freed).
pub struct KeyMaterial {
    secret: Zeroizing<[u8; KEY_LEN]>,
    expanded: LessSafeKey,
}

impl KeyMaterial {
    /// Fresh random material.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut secret = Zeroizing::new([0u8; KEY_LEN]);
        fill_random(secret.as_mut())?;
        Self::from_secret(secret)
    }

    /// Imported material (ImportKeyMaterial): refuses any length but 32.
    pub fn from_imported(bytes: &[u8]) -> Result<Self, CryptoError> {
        Self::from_slice(bytes)
    }

    /// Material from unsealed bytes; refuses any length but 32.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| CryptoError::Failed)?;
        Self::from_secret(Zeroizing::new(array))
    }

    fn from_secret(secret: Zeroizing<[u8; KEY_LEN]>) -> Result<Self, CryptoError> {
        let expanded = expand(secret.as_ref())?;
        Ok(Self { secret, expanded })
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        &self.secret
    }

    pub(crate) fn expanded(&self) -> &LessSafeKey {
        &self.expanded
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial(AES-256, redacted)")
    }
}

/// A plaintext data key returned once by GenerateDataKey, or random bytes
/// from GenerateRandom.
pub struct PlaintextDataKey(Zeroizing<Vec<u8>>);

impl PlaintextDataKey {
    /// `len` fresh random bytes.
    pub fn generate(len: usize) -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new(vec![0u8; len]);
        fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The secret bytes, to be encoded into a response and dropped.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for PlaintextDataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlaintextDataKey({} bytes, redacted)", self.0.len())
    }
}

/// A private key serialized as DER (PKCS#8), as GenerateDataKeyPair
/// returns it once in plaintext.
pub struct PrivateKeyDer(Zeroizing<Vec<u8>>);

impl PrivateKeyDer {
    pub(crate) fn new(der: Zeroizing<Vec<u8>>) -> Self {
        Self(der)
    }

    /// The DER bytes, to be encoded into a response or encrypted and dropped.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for PrivateKeyDer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKeyDer({} bytes, redacted)", self.0.len())
    }
}

/// A shared secret from ECDH (DeriveSharedSecret) or ML-KEM (Encapsulate,
/// Decapsulate).
pub struct SharedSecret(Zeroizing<Vec<u8>>);

impl SharedSecret {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// The secret bytes, to be encoded into a response and dropped.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedSecret({} bytes, redacted)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_shows_no_secret_bytes() {
        let material = KeyMaterial::from_slice(&[0xAB; 32]).unwrap();
        assert_eq!(format!("{material:?}"), "KeyMaterial(AES-256, redacted)");
        let data_key = PlaintextDataKey(Zeroizing::new(vec![0xAB; 4]));
        let shown = format!("{data_key:?}");
        assert_eq!(shown, "PlaintextDataKey(4 bytes, redacted)");
        assert!(!shown.to_lowercase().contains("ab, "));
        let secret = SharedSecret::new(&[0xAB; 32]);
        assert_eq!(format!("{secret:?}"), "SharedSecret(32 bytes, redacted)");
        let der = PrivateKeyDer::new(Zeroizing::new(vec![0xAB; 5]));
        assert_eq!(format!("{der:?}"), "PrivateKeyDer(5 bytes, redacted)");
    }

    #[test]
    fn generated_material_differs() {
        let a = KeyMaterial::generate().unwrap();
        let b = KeyMaterial::generate().unwrap();
        assert_ne!(a.secret(), b.secret());
        assert!(KeyMaterial::from_slice(&[0u8; 31]).is_err());
    }
}
