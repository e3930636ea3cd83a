//! Encapsulate and Decapsulate: ML-KEM (FIPS 203) with the KMS key's
//! parameter set. The ciphertext is the raw FIPS 203 encoding; the shared
//! secret is 32 bytes.

use aws_lc_rs::kem as lc_kem;
use trent_core::algorithm::EncapsulationAlgorithm;

use crate::asymmetric::{ml_kem_parameters, PrivateKey, PublicKey};
use crate::der;
use crate::material::SharedSecret;
use crate::CryptoError;

/// Encapsulates a fresh shared secret to an ML-KEM public key. Returns the
/// ciphertext and the secret. A key that is not ML-KEM is
/// [`CryptoError::InvalidInput`].
pub fn encapsulate(
    key: &PublicKey,
    algorithm: EncapsulationAlgorithm,
) -> Result<(Vec<u8>, SharedSecret), CryptoError> {
    let EncapsulationAlgorithm::MlKem = algorithm;
    let parameters = ml_kem_parameters(key.spec()).ok_or(CryptoError::InvalidInput)?;
    let raw = der::ml_kem_spki_key(parameters.arc, parameters.encapsulation_key_len, key.der())?;
    let encapsulation = lc_kem::EncapsulationKey::new(parameters.algorithm, raw)
        .map_err(|_| CryptoError::Failed)?;
    let (ciphertext, secret) = encapsulation
        .encapsulate()
        .map_err(|_| CryptoError::Failed)?;
    Ok((
        ciphertext.as_ref().to_vec(),
        SharedSecret::new(secret.as_ref()),
    ))
}

/// Decapsulates `ciphertext` with an ML-KEM private key. A key that is not
/// ML-KEM or a ciphertext of the wrong length (a public fact) is
/// [`CryptoError::InvalidInput`]; ML-KEM's implicit rejection answers a
/// changed ciphertext of the right length with an unrelated secret, not an
/// error.
pub fn decapsulate(
    key: &PrivateKey,
    algorithm: EncapsulationAlgorithm,
    ciphertext: &[u8],
) -> Result<SharedSecret, CryptoError> {
    let EncapsulationAlgorithm::MlKem = algorithm;
    let PrivateKey::MlKem(ml_kem) = key else {
        return Err(CryptoError::InvalidInput);
    };
    let parameters = ml_kem_parameters(ml_kem.spec()).ok_or(CryptoError::Failed)?;
    if ciphertext.len() != parameters.ciphertext_len {
        return Err(CryptoError::InvalidInput);
    }
    let secret = ml_kem
        .decapsulation
        .decapsulate(lc_kem::Ciphertext::from(ciphertext))
        .map_err(|_| CryptoError::Failed)?;
    Ok(SharedSecret::new(secret.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::key::KeySpec;

    #[test]
    fn every_parameter_set_round_trips() {
        let kem = EncapsulationAlgorithm::MlKem;
        for (spec, ciphertext_len) in [
            (KeySpec::MlKem512, 768),
            (KeySpec::MlKem768, 1088),
            (KeySpec::MlKem1024, 1568),
        ] {
            let key = PrivateKey::generate(spec).unwrap();
            let public = key.public_key().unwrap();
            let (ciphertext, secret) = encapsulate(&public, kem).unwrap();
            assert_eq!(ciphertext.len(), ciphertext_len);
            assert_eq!(secret.expose().len(), 32);
            assert_eq!(
                decapsulate(&key, kem, &ciphertext).unwrap().expose(),
                secret.expose()
            );
            let mut changed = ciphertext.clone();
            changed[0] ^= 1;
            assert_ne!(
                decapsulate(&key, kem, &changed).unwrap().expose(),
                secret.expose()
            );
            assert_eq!(
                decapsulate(&key, kem, &ciphertext[1..]).unwrap_err(),
                CryptoError::InvalidInput
            );
        }
        let p256 = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        assert_eq!(
            encapsulate(&p256.public_key().unwrap(), kem).unwrap_err(),
            CryptoError::InvalidInput
        );
        assert_eq!(
            decapsulate(&p256, kem, &[0; 768]).unwrap_err(),
            CryptoError::InvalidInput
        );
    }
}
