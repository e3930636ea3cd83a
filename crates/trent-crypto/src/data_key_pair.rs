//! GenerateDataKeyPair: a fresh key pair returned whole (the private key as
//! PKCS#8 DER, zeroized on drop; the public key as DER SPKI), never stored.

use trent_core::algorithm::DataKeyPairSpec;

use crate::asymmetric::PrivateKey;
use crate::material::PrivateKeyDer;
use crate::CryptoError;

/// A data key pair.
#[derive(Debug)]
pub struct DataKeyPair {
    /// The private key, PKCS#8 v1 DER (ML-KEM: the `expandedKey` form).
    pub private_key: PrivateKeyDer,
    /// The public key, DER `SubjectPublicKeyInfo`.
    pub public_key: Vec<u8>,
}

/// Generates a key pair of `spec`. SM2 is [`CryptoError::Unsupported`].
pub fn generate_data_key_pair(spec: DataKeyPairSpec) -> Result<DataKeyPair, CryptoError> {
    let key = PrivateKey::generate(spec.key_spec())?;
    Ok(DataKeyPair {
        private_key: key.to_pkcs8()?,
        public_key: key.public_key()?.der().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asymmetric::PublicKey;
    use crate::sign::{self, Message};
    use trent_core::algorithm::SigningAlgorithm;
    use trent_core::key::KeySpec;

    #[test]
    fn data_key_pairs_reload_and_match_their_public_key() {
        for spec in DataKeyPairSpec::ALL {
            if matches!(spec, DataKeyPairSpec::Rsa3072 | DataKeyPairSpec::Rsa4096) {
                continue;
            }
            if *spec == DataKeyPairSpec::Sm2 {
                assert_eq!(
                    generate_data_key_pair(*spec).unwrap_err(),
                    CryptoError::Unsupported
                );
                continue;
            }
            let pair = generate_data_key_pair(*spec).unwrap();
            let public = PublicKey::from_der(spec.key_spec(), &pair.public_key).unwrap();
            assert_eq!(pair.private_key.expose()[0], 0x30, "{spec}");
            if spec.key_spec().is_asymmetric() && !spec.as_str().starts_with("ML_KEM") {
                let private =
                    PrivateKey::from_pkcs8(spec.key_spec(), pair.private_key.expose()).unwrap();
                assert_eq!(private.public_key().unwrap(), public, "{spec}");
            }
        }
    }

    #[test]
    fn a_data_key_pair_signs_and_its_public_key_verifies() {
        let pair = generate_data_key_pair(DataKeyPairSpec::EccSecgP256k1).unwrap();
        let private =
            PrivateKey::from_pkcs8(KeySpec::EccSecgP256k1, pair.private_key.expose()).unwrap();
        let public = PublicKey::from_der(KeySpec::EccSecgP256k1, &pair.public_key).unwrap();
        let signature =
            sign::sign(&private, SigningAlgorithm::EcdsaSha256, Message::Raw(b"m")).unwrap();
        assert_eq!(
            sign::verify(
                &public,
                SigningAlgorithm::EcdsaSha256,
                Message::Raw(b"m"),
                &signature
            ),
            Ok(crate::Verification::Valid)
        );
    }
}
