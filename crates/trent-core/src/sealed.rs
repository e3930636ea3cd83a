//! Opaque sealed bytes: key material wrapped under the root key.

/// Key material sealed (wrapped) under the root key. Opaque to everything
/// but the crypto crate; safe to store, log by length, and copy.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedKeyMaterial(Vec<u8>);

impl SealedKeyMaterial {
    /// Wraps sealed bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The sealed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SealedKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedKeyMaterial({} bytes)", self.0.len())
    }
}
