//! Imported key material: the RSA wrapping key pair GetParametersForImport
//! hands out, and the unwrapping of the `EncryptedKeyMaterial` that
//! ImportKeyMaterial receives.
//!
//! - `RSAES_OAEP_SHA_1` / `RSAES_OAEP_SHA_256`: the material itself is
//!   encrypted with RSA-OAEP (MGF1 with the same hash, empty label).
//! - `RSA_AES_KEY_WRAP_SHA_1` / `RSA_AES_KEY_WRAP_SHA_256`: an ephemeral
//!   256-bit AES key encrypted with RSA-OAEP (modulus-size bytes), followed
//!   by the material wrapped under that AES key with AES key wrap with
//!   padding (RFC 5649, OpenSSL's `id-aes256-wrap-pad`).
//!
//! Every failure of the unwrapping itself is the same opaque
//! [`CryptoError::Failed`]: a wrong wrapping key, a changed byte and a wrong
//! algorithm look identical.

use aws_lc_rs::key_wrap::{AesKek, KeyWrapPadded, AES_256};
use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::import::{WrappingAlgorithm, WrappingKeySpec};
use zeroize::Zeroizing;

use crate::asymmetric::{PrivateKey, PublicKey};
use crate::material::PrivateKeyDer;
use crate::{oaep, CryptoError};

/// Bytes of the ephemeral AES key of the `RSA_AES_KEY_WRAP_*` algorithms.
const AES_KEY_LEN: usize = 32;

/// The RSA key pair material to import is wrapped with (zeroized on drop).
pub struct WrappingKey {
    spec: WrappingKeySpec,
    private: PrivateKey,
}

impl std::fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WrappingKey({}, redacted)", self.spec)
    }
}

impl WrappingKey {
    /// A fresh key pair of `spec`: RSA generation takes up to seconds.
    pub fn generate(spec: WrappingKeySpec) -> Result<Self, CryptoError> {
        let key_spec = spec.key_spec().ok_or(CryptoError::Unsupported)?;
        Ok(Self {
            spec,
            private: PrivateKey::generate(key_spec)?,
        })
    }

    /// The key pair of `spec` from its PKCS#8 DER (as an import token holds it).
    pub fn from_pkcs8(spec: WrappingKeySpec, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let key_spec = spec.key_spec().ok_or(CryptoError::Unsupported)?;
        Ok(Self {
            spec,
            private: PrivateKey::from_pkcs8(key_spec, pkcs8)?,
        })
    }

    /// The key's spec.
    pub fn spec(&self) -> WrappingKeySpec {
        self.spec
    }

    /// The private key as PKCS#8 DER, to seal into an import token.
    pub fn to_pkcs8(&self) -> Result<PrivateKeyDer, CryptoError> {
        self.private.to_pkcs8()
    }

    /// The public key (DER `SubjectPublicKeyInfo`), as GetParametersForImport returns it.
    pub fn public_key(&self) -> Result<PublicKey, CryptoError> {
        self.private.public_key()
    }

    /// Unwraps `wrapped` as `algorithm` made it. `RSAES_PKCS1_V1_5` and
    /// `SM2PKE` are [`CryptoError::Unsupported`].
    pub fn unwrap(
        &self,
        algorithm: WrappingAlgorithm,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let oaep_hash = oaep_of(algorithm)?;
        if !algorithm.uses_aes_key_wrap() {
            return oaep::decrypt(&self.private, oaep_hash, wrapped)
                .map_err(|_| CryptoError::Failed);
        }
        let modulus_len = self.modulus_len()?;
        if wrapped.len() <= modulus_len {
            return Err(CryptoError::Failed);
        }
        let (wrapped_key, wrapped_material) = wrapped.split_at(modulus_len);
        let aes_key = oaep::decrypt(&self.private, oaep_hash, wrapped_key)
            .map_err(|_| CryptoError::Failed)?;
        if aes_key.len() != AES_KEY_LEN {
            return Err(CryptoError::Failed);
        }
        let kek = AesKek::new(&AES_256, &aes_key).map_err(|_| CryptoError::Failed)?;
        let mut out = Zeroizing::new(vec![0u8; wrapped_material.len()]);
        let len = kek
            .unwrap_with_padding(wrapped_material, &mut out)
            .map_err(|_| CryptoError::Failed)?
            .len();
        out.truncate(len);
        Ok(out)
    }

    fn modulus_len(&self) -> Result<usize, CryptoError> {
        match self.spec {
            WrappingKeySpec::Rsa2048 => Ok(256),
            WrappingKeySpec::Rsa3072 => Ok(384),
            WrappingKeySpec::Rsa4096 => Ok(512),
            WrappingKeySpec::Sm2 => Err(CryptoError::Unsupported),
        }
    }
}

/// The RSA-OAEP variant a wrapping algorithm uses (for the AES key, with
/// key wrap); `RSAES_PKCS1_V1_5` and `SM2PKE` are not offered.
fn oaep_of(algorithm: WrappingAlgorithm) -> Result<EncryptionAlgorithm, CryptoError> {
    match algorithm {
        WrappingAlgorithm::RsaesOaepSha1 | WrappingAlgorithm::RsaAesKeyWrapSha1 => {
            Ok(EncryptionAlgorithm::RsaesOaepSha1)
        }
        WrappingAlgorithm::RsaesOaepSha256 | WrappingAlgorithm::RsaAesKeyWrapSha256 => {
            Ok(EncryptionAlgorithm::RsaesOaepSha256)
        }
        WrappingAlgorithm::RsaesPkcs1V15 | WrappingAlgorithm::Sm2Pke => {
            Err(CryptoError::Unsupported)
        }
    }
}

/// The key material id of generated (origin `AWS_KMS`) material: 64 lowercase
/// hex digits of SHA-256 over a label, the key id and the version. It names
/// the version and says nothing of the material.
pub fn generated_material_id(key_id: &[u8; 16], version: u32) -> String {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(b"trent/generated-key-material-id/v1");
    context.update(key_id);
    context.update(&version.to_be_bytes());
    hex::encode(context.finish().as_ref())
}

/// Wraps `material` to `public` as `algorithm` does: the client side of an
/// import, for tools and tests (the `aws` CLI recipe does the same with
/// `openssl`).
pub fn wrap(
    public: &PublicKey,
    algorithm: WrappingAlgorithm,
    material: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let oaep_hash = oaep_of(algorithm)?;
    if !algorithm.uses_aes_key_wrap() {
        return oaep::encrypt(public, oaep_hash, material);
    }
    let mut aes_key = Zeroizing::new([0u8; AES_KEY_LEN]);
    crate::aead::fill_random(aes_key.as_mut())?;
    let mut out = oaep::encrypt(public, oaep_hash, aes_key.as_ref())?;
    let kek = AesKek::new(&AES_256, aes_key.as_ref()).map_err(|_| CryptoError::Failed)?;
    let mut wrapped = vec![0u8; material.len() + 16];
    let len = kek
        .wrap_with_padding(material, &mut wrapped)
        .map_err(|_| CryptoError::Failed)?
        .len();
    out.extend_from_slice(&wrapped[..len]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_round_trips_and_a_changed_byte_fails() {
        let key = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
        let public = key.public_key().unwrap();
        let material = [7u8; 32];
        let pkcs8_like = vec![9u8; 1217];
        for algorithm in [
            WrappingAlgorithm::RsaesOaepSha1,
            WrappingAlgorithm::RsaesOaepSha256,
            WrappingAlgorithm::RsaAesKeyWrapSha1,
            WrappingAlgorithm::RsaAesKeyWrapSha256,
        ] {
            let wrapped = wrap(&public, algorithm, &material).unwrap();
            assert_eq!(
                key.unwrap(algorithm, &wrapped).unwrap().as_slice(),
                material
            );
            let mut changed = wrapped.clone();
            let last = changed.len() - 1;
            changed[last] ^= 1;
            assert_eq!(key.unwrap(algorithm, &changed), Err(CryptoError::Failed));
            if algorithm.uses_aes_key_wrap() {
                let long = wrap(&public, algorithm, &pkcs8_like).unwrap();
                assert_eq!(key.unwrap(algorithm, &long).unwrap().as_slice(), pkcs8_like);
            }
        }
        // Wrapped with one hash, unwrapped with the other: refused.
        let wrapped = wrap(&public, WrappingAlgorithm::RsaesOaepSha1, &material).unwrap();
        assert!(key
            .unwrap(WrappingAlgorithm::RsaesOaepSha256, &wrapped)
            .is_err());
        assert_eq!(
            key.unwrap(WrappingAlgorithm::RsaesPkcs1V15, &wrapped),
            Err(CryptoError::Unsupported)
        );
    }

    #[test]
    fn generated_ids_name_key_and_version() {
        let id = generated_material_id(&[1; 16], 1);
        assert_eq!(id.len(), 64);
        assert_eq!(id, generated_material_id(&[1; 16], 1));
        assert_ne!(id, generated_material_id(&[1; 16], 2));
        assert_ne!(id, generated_material_id(&[2; 16], 1));
    }

    #[test]
    fn the_key_survives_its_pkcs8_form() {
        let key = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
        let again =
            WrappingKey::from_pkcs8(WrappingKeySpec::Rsa2048, key.to_pkcs8().unwrap().expose())
                .unwrap();
        let wrapped = wrap(
            &key.public_key().unwrap(),
            WrappingAlgorithm::RsaAesKeyWrapSha256,
            b"material",
        )
        .unwrap();
        assert_eq!(
            again
                .unwrap(WrappingAlgorithm::RsaAesKeyWrapSha256, &wrapped)
                .unwrap()
                .as_slice(),
            b"material"
        );
        assert!(WrappingKey::from_pkcs8(
            WrappingKeySpec::Rsa3072,
            key.to_pkcs8().unwrap().expose()
        )
        .is_err());
    }
}
