//! Base64 blobs as AWS JSON carries them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serializer};
use zeroize::Zeroizing;

/// A non-secret blob (a ciphertext).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

/// A secret blob (a plaintext): zeroized on drop and never printed.
#[derive(Clone, Default)]
pub struct SecretBlob(pub Zeroizing<Vec<u8>>);

impl std::fmt::Debug for SecretBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBlob({} bytes, redacted)", self.0.len())
    }
}

fn decode_base64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Zeroizing<Vec<u8>>, D::Error> {
    let text = Zeroizing::new(String::deserialize(deserializer)?);
    STANDARD
        .decode(text.as_bytes())
        .map(Zeroizing::new)
        .map_err(|_| serde::de::Error::custom("invalid base64"))
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode_base64(deserializer).map(|bytes| Self(bytes.to_vec()))
    }
}

impl<'de> Deserialize<'de> for SecretBlob {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        decode_base64(deserializer).map(Self)
    }
}

/// Serializes an optional blob as base64 (or null; pair with `skip_serializing_if`).
pub fn serialize_base64_opt<S: Serializer>(
    bytes: &Option<&[u8]>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(bytes) => serialize_base64(bytes, serializer),
        None => serializer.serialize_none(),
    }
}

/// Serializes bytes as base64 (for `#[serde(serialize_with)]`).
pub fn serialize_base64<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    let text = Zeroizing::new(STANDARD.encode(bytes));
    serializer.serialize_str(&text)
}
