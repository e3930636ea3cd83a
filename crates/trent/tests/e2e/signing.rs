//! Sign and Verify: every signing kind with RAW and DIGEST messages, each
//! signature checked by the `openssl` CLI against GetPublicKey's key;
//! ML-DSA through Trent; tampering; and AWS's refusals.

use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};

use crate::asymmetric::{arn, create, public_key, Openssl};
use crate::{blob, create_key, expect_error, server};

/// How OpenSSL checks a signature of one algorithm.
#[derive(Clone, Copy)]
enum Check {
    Pkcs1,
    Pss { salt: usize },
    Ecdsa,
    Ed25519,
}

struct Case {
    spec: &'static str,
    algorithm: &'static str,
    /// OpenSSL's name of the algorithm's hash (none for pure Ed25519).
    hash: &'static str,
    check: Check,
}

const CASES: &[Case] = &[
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PKCS1_V1_5_SHA_256",
        hash: "sha256",
        check: Check::Pkcs1,
    },
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PKCS1_V1_5_SHA_384",
        hash: "sha384",
        check: Check::Pkcs1,
    },
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PKCS1_V1_5_SHA_512",
        hash: "sha512",
        check: Check::Pkcs1,
    },
    // PSS with MGF1 of the same hash and a salt as long as the hash.
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PSS_SHA_256",
        hash: "sha256",
        check: Check::Pss { salt: 32 },
    },
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PSS_SHA_384",
        hash: "sha384",
        check: Check::Pss { salt: 48 },
    },
    Case {
        spec: "RSA_2048",
        algorithm: "RSASSA_PSS_SHA_512",
        hash: "sha512",
        check: Check::Pss { salt: 64 },
    },
    Case {
        spec: "ECC_NIST_P256",
        algorithm: "ECDSA_SHA_256",
        hash: "sha256",
        check: Check::Ecdsa,
    },
    Case {
        spec: "ECC_NIST_P384",
        algorithm: "ECDSA_SHA_384",
        hash: "sha384",
        check: Check::Ecdsa,
    },
    Case {
        spec: "ECC_NIST_P521",
        algorithm: "ECDSA_SHA_512",
        hash: "sha512",
        check: Check::Ecdsa,
    },
    Case {
        spec: "ECC_SECG_P256K1",
        algorithm: "ECDSA_SHA_256",
        hash: "sha256",
        check: Check::Ecdsa,
    },
    Case {
        spec: "ECC_NIST_EDWARDS25519",
        algorithm: "ED25519_SHA_512",
        hash: "",
        check: Check::Ed25519,
    },
];

/// Whether OpenSSL accepts `signature` of the file `message` under the
/// public key in the PEM file `key`.
fn openssl_verifies(
    openssl: &Openssl,
    case: &Case,
    key: &str,
    message: &str,
    signature: &[u8],
) -> bool {
    openssl.write("sig.bin", signature);
    let hash = format!("-{}", case.hash);
    let salt;
    let mut args: Vec<&str> = match case.check {
        Check::Ed25519 => vec![
            "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", message, "-sigfile",
            "sig.bin",
        ],
        _ => vec!["dgst", &hash, "-verify", key, "-signature", "sig.bin"],
    };
    if let Check::Pss { salt: length } = case.check {
        salt = format!("rsa_pss_saltlen:{length}");
        args.extend(["-sigopt", "rsa_padding_mode:pss", "-sigopt", &salt]);
    }
    if !matches!(case.check, Check::Ed25519) {
        args.push(message);
    }
    let (ok, text) = openssl.try_run(&args);
    assert_eq!(
        ok,
        text.contains("Verified OK") || text.contains("Signature Verified Successfully"),
        "{text}"
    );
    ok
}

#[tokio::test]
async fn signatures_verify_with_openssl_and_with_trent() {
    let server = server();
    let client = server.client();
    let openssl = Openssl::new();
    let message: &[u8] = b"release v1.4.2, sha256 of the tarball follows";
    openssl.write("message.bin", message);
    openssl.write("other.bin", b"release v1.4.3");
    let mut keys: Vec<(&str, String, String)> = Vec::new();
    for spec in [
        "RSA_2048",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "ECC_NIST_EDWARDS25519",
    ] {
        let key_id = create(&client, spec, "SIGN_VERIFY").await;
        let pem = openssl.public_pem(spec, &public_key(&client, &key_id).await);
        keys.push((spec, key_id, pem));
    }
    for case in CASES {
        let (_, key_id, pem) = keys.iter().find(|(spec, ..)| *spec == case.spec).unwrap();
        let what = format!("{} {}", case.spec, case.algorithm);
        let algorithm = SigningAlgorithmSpec::from(case.algorithm);
        let signed = client
            .sign()
            .key_id(key_id)
            .message(blob(message))
            .signing_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            signed.key_id(),
            Some(arn(&server, key_id).as_str()),
            "{what}"
        );
        assert_eq!(signed.signing_algorithm(), Some(&algorithm), "{what}");
        let raw_signature = signed.signature().unwrap().as_ref().to_vec();
        assert!(
            openssl_verifies(&openssl, case, pem, "message.bin", &raw_signature),
            "{what}: OpenSSL refuses the RAW signature"
        );
        // The check can fail: not for another message.
        assert!(
            !openssl_verifies(&openssl, case, pem, "other.bin", &raw_signature),
            "{what}"
        );
        let verified = client
            .verify()
            .key_id(key_id)
            .message(blob(message))
            .signature(blob(&raw_signature))
            .signing_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        assert!(verified.signature_valid(), "{what}");
        assert_eq!(verified.key_id(), Some(arn(&server, key_id).as_str()));
        assert_eq!(verified.signing_algorithm(), Some(&algorithm));

        if case.hash.is_empty() {
            // Pure Ed25519 takes no digest; it is deterministic.
            let again = client
                .sign()
                .key_id(key_id)
                .message(blob(message))
                .signing_algorithm(algorithm.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(again.signature().unwrap().as_ref(), raw_signature);
            assert_eq!(raw_signature.len(), 64);
            continue;
        }
        // A digest signs as its message would.
        let digest = openssl.digest(case.hash, "message.bin");
        let signed = client
            .sign()
            .key_id(key_id)
            .message(blob(&digest))
            .message_type(MessageType::Digest)
            .signing_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        let digest_signature = signed.signature().unwrap().as_ref().to_vec();
        assert!(
            openssl_verifies(&openssl, case, pem, "message.bin", &digest_signature),
            "{what}: OpenSSL refuses the DIGEST signature"
        );
        if matches!(case.check, Check::Pkcs1) {
            // PKCS#1 v1.5 is deterministic: the same signature either way.
            assert_eq!(digest_signature, raw_signature, "{what}");
        } else {
            assert_ne!(digest_signature, raw_signature, "{what}: randomized");
        }
        // And a message and its digest are the same message to Verify.
        for (signature, message_type, input) in [
            (&raw_signature, MessageType::Digest, digest.as_slice()),
            (&digest_signature, MessageType::Raw, message),
        ] {
            let verified = client
                .verify()
                .key_id(key_id)
                .message(blob(input))
                .message_type(message_type)
                .signature(blob(signature))
                .signing_algorithm(algorithm.clone())
                .send()
                .await
                .unwrap();
            assert!(verified.signature_valid(), "{what}");
        }
    }
}

#[tokio::test]
async fn a_changed_signature_or_message_is_an_invalid_signature() {
    let server = server();
    let client = server.client();
    for (spec, algorithm) in [
        ("ECC_NIST_P256", SigningAlgorithmSpec::EcdsaSha256),
        ("ECC_NIST_EDWARDS25519", SigningAlgorithmSpec::Ed25519Sha512),
        ("ML_DSA_44", SigningAlgorithmSpec::MlDsaShake256),
    ] {
        let key_id = create(&client, spec, "SIGN_VERIFY").await;
        let signature = client
            .sign()
            .key_id(&key_id)
            .message(blob(b"pay 100 to alice"))
            .signing_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap()
            .signature()
            .unwrap()
            .as_ref()
            .to_vec();
        let verify = |message: &'static [u8], signature: Vec<u8>, dry_run: bool| {
            client
                .verify()
                .key_id(&key_id)
                .message(blob(message))
                .signature(blob(&signature))
                .signing_algorithm(algorithm.clone())
                .dry_run(dry_run)
                .send()
        };
        let mut changed = signature.clone();
        let last = changed.len() - 1;
        changed[last / 2] ^= 0x01;
        let cases = [
            (&b"pay 100 to alice"[..], changed.clone(), false),
            (&b"pay 900 to alice"[..], signature.clone(), false),
            (&b"pay 100 to alice"[..], signature[..last].to_vec(), false),
            // Verification runs before DryRun's answer.
            (&b"pay 100 to alice"[..], changed, true),
        ];
        for (message, signature, dry_run) in cases {
            let refused = expect_error(
                verify(message, signature, dry_run).await,
                "KMSInvalidSignatureException",
            );
            assert_eq!(refused, "", "{spec}");
        }
        expect_error(
            verify(b"pay 100 to alice", signature.clone(), true).await,
            "DryRunOperationException",
        );
        assert!(verify(b"pay 100 to alice", signature, false)
            .await
            .unwrap()
            .signature_valid());
    }
}

#[tokio::test]
async fn ml_dsa_signs_raw_messages_and_verifies_them() {
    // OpenSSL 3.0 has no ML-DSA, so these signatures are checked by Trent's
    // Verify only (trent-crypto checks them with OpenSSL 3.5+ when present).
    let server = server();
    let client = server.client();
    for (spec, length) in [
        ("ML_DSA_44", 2420),
        ("ML_DSA_65", 3309),
        ("ML_DSA_87", 4627),
    ] {
        let key_id = create(&client, spec, "SIGN_VERIFY").await;
        let message = vec![0x5a; 4096];
        let signed = client
            .sign()
            .key_id(&key_id)
            .message(blob(&message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
            .send()
            .await
            .unwrap();
        let signature = signed.signature().unwrap().as_ref().to_vec();
        assert_eq!(signature.len(), length, "{spec}");
        let verified = client
            .verify()
            .key_id(&key_id)
            .message(blob(&message))
            .signature(blob(&signature))
            .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
            .send()
            .await
            .unwrap();
        assert!(verified.signature_valid(), "{spec}");

        let digest_refused = format!("Message type DIGEST is incompatible with key spec {spec}.");
        let message = expect_error(
            client
                .sign()
                .key_id(&key_id)
                .message(blob(&[1; 32]))
                .message_type(MessageType::Digest)
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(message, digest_refused);
        let message = expect_error(
            client
                .verify()
                .key_id(&key_id)
                .message(blob(&[1; 32]))
                .message_type(MessageType::Digest)
                .signature(blob(&signature))
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(message, digest_refused);

        // μ must be 64 bytes (AWS's check, applied first).
        let message = expect_error(
            client
                .sign()
                .key_id(&key_id)
                .message(blob(&[1; 63]))
                .message_type(MessageType::ExternalMu)
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(
            message,
            "External Mu is invalid length for algorithm ML_DSA_SHAKE_256."
        );
        // AWS signs a 64-byte external μ; Trent deliberately refuses it:
        // aws-lc-rs has no interface for signing a precomputed μ.
        let message = expect_error(
            client
                .sign()
                .key_id(&key_id)
                .message(blob(&[1; 64]))
                .message_type(MessageType::ExternalMu)
                .signing_algorithm(SigningAlgorithmSpec::MlDsaShake256)
                .send()
                .await,
            "UnsupportedOperationException",
        );
        assert!(message.contains("ML_DSA_SHAKE_256"), "{message}");
    }
}

#[tokio::test]
async fn sign_refuses_what_aws_refuses() {
    let server = server();
    let client = server.client();
    let p256 = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let p521 = create(&client, "ECC_NIST_P521", "SIGN_VERIFY").await;
    let ed25519 = create(&client, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY").await;
    let ml_dsa = create(&client, "ML_DSA_44", "SIGN_VERIFY").await;
    let symmetric = create_key(&client).await;
    let hmac = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let agreement = create(&client, "ECC_NIST_P256", "KEY_AGREEMENT").await;
    let sign = |key: &str, message: &[u8], message_type: &str, algorithm: &str| {
        client
            .sign()
            .key_id(key)
            .message(blob(message))
            .message_type(MessageType::from(message_type))
            .signing_algorithm(SigningAlgorithmSpec::from(algorithm))
            .send()
    };

    // An algorithm of another spec.
    for (key, spec, algorithm) in [
        (&p256, "ECC_NIST_P256", "RSASSA_PSS_SHA_256"),
        (&p256, "ECC_NIST_P256", "ECDSA_SHA_384"),
        (&p521, "ECC_NIST_P521", "ECDSA_SHA_256"),
        (&ed25519, "ECC_NIST_EDWARDS25519", "ECDSA_SHA_256"),
        (&ml_dsa, "ML_DSA_44", "ECDSA_SHA_256"),
        (&p256, "ECC_NIST_P256", "ML_DSA_SHAKE_256"),
    ] {
        let message = expect_error(
            sign(key, b"m", "RAW", algorithm).await,
            "InvalidKeyUsageException",
        );
        assert_eq!(
            message,
            format!("Algorithm {algorithm} is incompatible with key spec {spec}.")
        );
    }
    // A message type the spec or algorithm does not take.
    for (key, message_type, algorithm, expected) in [
        (
            &p256,
            "EXTERNAL_MU",
            "ECDSA_SHA_256",
            "Message type EXTERNAL_MU is incompatible with key spec ECC_NIST_P256.",
        ),
        (
            &ed25519,
            "RAW",
            "ED25519_PH_SHA_512",
            "Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.",
        ),
        (
            &ed25519,
            "DIGEST",
            "ED25519_SHA_512",
            "Message type DIGEST is incompatible with algorithm ED25519_SHA_512.",
        ),
    ] {
        let message = expect_error(
            sign(key, &[3; 64], message_type, algorithm).await,
            "ValidationException",
        );
        assert_eq!(message, expected);
    }
    // A digest of the wrong length, on Sign and on Verify.
    for length in [31, 33, 64] {
        let message = expect_error(
            sign(&p256, &vec![1; length], "DIGEST", "ECDSA_SHA_256").await,
            "ValidationException",
        );
        assert_eq!(
            message,
            "Digest is invalid length for algorithm ECDSA_SHA_256."
        );
    }
    let message = expect_error(
        sign(&p521, &[1; 32], "DIGEST", "ECDSA_SHA_512").await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "Digest is invalid length for algorithm ECDSA_SHA_512."
    );
    let message = expect_error(
        sign(&ed25519, &[1; 32], "DIGEST", "ED25519_PH_SHA_512").await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "Digest is invalid length for algorithm ED25519_PH_SHA_512."
    );
    let message = expect_error(
        client
            .verify()
            .key_id(&p256)
            .message(blob(&[1; 20]))
            .message_type(MessageType::Digest)
            .signature(blob(&[0x30; 70]))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "Digest is invalid length for algorithm ECDSA_SHA_256."
    );
    // AWS signs Ed25519ph over a 64-byte SHA-512 digest; Trent deliberately
    // refuses it: aws-lc-rs has no interface for Ed25519ph.
    let message = expect_error(
        sign(&ed25519, &[1; 64], "DIGEST", "ED25519_PH_SHA_512").await,
        "UnsupportedOperationException",
    );
    assert!(message.contains("ED25519_PH_SHA_512"), "{message}");

    // RAW messages: 1 to 4096 bytes.
    sign(&p256, &[0; 4096], "RAW", "ECDSA_SHA_256")
        .await
        .unwrap();
    let message = expect_error(
        sign(&p256, &[0; 4097], "RAW", "ECDSA_SHA_256").await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"
    );
    let message = expect_error(
        sign(&p256, b"", "RAW", "ECDSA_SHA_256").await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );

    // A key of another usage.
    for (key, usage) in [
        (&symmetric, "ENCRYPT_DECRYPT"),
        (&hmac, "GENERATE_VERIFY_MAC"),
        (&agreement, "KEY_AGREEMENT"),
    ] {
        let message = expect_error(
            sign(key, b"m", "RAW", "ECDSA_SHA_256").await,
            "InvalidKeyUsageException",
        );
        assert_eq!(
            message,
            format!(
                "{} key usage is {usage} which is not valid for Sign.",
                arn(&server, key)
            )
        );
        let message = expect_error(
            client
                .verify()
                .key_id(key)
                .message(blob(b"m"))
                .signature(blob(&[0x30; 70]))
                .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                .send()
                .await,
            "InvalidKeyUsageException",
        );
        assert_eq!(
            message,
            format!(
                "{} key usage is {usage} which is not valid for Verify.",
                arn(&server, key)
            )
        );
    }
    // DryRun answers only once every check passed.
    expect_error(
        client
            .sign()
            .key_id(&p256)
            .message(blob(b"m"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    expect_error(
        client
            .sign()
            .key_id(&p256)
            .message(blob(b"m"))
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha512)
            .dry_run(true)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
}

#[tokio::test]
async fn external_mu_on_ed25519_names_the_key_spec() {
    let server = server();
    let client = server.client();
    let key_id = create(&client, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY").await;
    let message = expect_error(
        client
            .sign()
            .key_id(&key_id)
            .message(blob(&[3; 64]))
            .message_type(MessageType::ExternalMu)
            .signing_algorithm(SigningAlgorithmSpec::Ed25519Sha512)
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "Message type EXTERNAL_MU is incompatible with key spec ECC_NIST_EDWARDS25519."
    );
}
