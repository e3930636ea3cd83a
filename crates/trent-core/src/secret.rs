//! Secret bytes that cross from the service to the wire: zeroized on drop,
//! never shown by `Debug`.

use zeroize::Zeroizing;

/// A plaintext (decrypted data, a data key, random bytes) on its way to
/// the caller.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    /// Takes ownership of `bytes`; they are zeroized when this is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new plaintext.
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The bytes, for encoding into a response.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plaintext({} bytes, redacted)", self.0.len())
    }
}

/// A secret access key, zeroized on drop and never printed.
pub struct SecretAccessKey(Zeroizing<String>);

impl SecretAccessKey {
    /// Takes ownership of `secret`; it is zeroized when this is dropped.
    pub fn new(secret: String) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// The secret, for SigV4 key derivation or the credentials file only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretAccessKey(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_length() {
        let plaintext = Plaintext::copy_from(b"hunter2");
        assert_eq!(format!("{plaintext:?}"), "Plaintext(7 bytes, redacted)");
        assert_eq!(plaintext.expose(), b"hunter2");
    }
}
