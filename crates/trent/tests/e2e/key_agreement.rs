//! DeriveSharedSecret (ECDH): the secret equals what OpenSSL derives from
//! its own private key and Trent's public key; AWS's refusals.

use aws_sdk_kms::types::{KeyAgreementAlgorithmSpec, OriginType};

use crate::asymmetric::{arn, create, public_key, Openssl};
use crate::{blob, create_key, expect_error, server};

/// A fresh OpenSSL key pair on `curve`: the private key's PEM file name and
/// the public key as DER SubjectPublicKeyInfo.
fn peer(openssl: &Openssl, curve: &str) -> (String, Vec<u8>) {
    let private = format!("peer-{curve}.pem");
    let public = format!("peer-{curve}.der");
    openssl.run(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        &format!("ec_paramgen_curve:{curve}"),
        "-out",
        &private,
    ]);
    openssl.run(&[
        "pkey", "-in", &private, "-pubout", "-outform", "DER", "-out", &public,
    ]);
    (private, openssl.read(&public))
}

#[tokio::test]
async fn derived_secrets_equal_openssl_ecdh() {
    let server = server();
    let client = server.client();
    let openssl = Openssl::new();
    for (spec, curve, length) in [
        ("ECC_NIST_P256", "P-256", 32),
        ("ECC_NIST_P384", "P-384", 48),
        ("ECC_NIST_P521", "P-521", 66),
    ] {
        let key_id = create(&client, spec, "KEY_AGREEMENT").await;
        let ours = openssl.public_pem(spec, &public_key(&client, &key_id).await);
        let (peer_private, peer_public) = peer(&openssl, curve);
        let derived = client
            .derive_shared_secret()
            .key_id(&key_id)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(&peer_public))
            .send()
            .await
            .unwrap();
        assert_eq!(derived.key_id(), Some(arn(&server, &key_id).as_str()));
        assert_eq!(
            derived.key_agreement_algorithm(),
            Some(&KeyAgreementAlgorithmSpec::Ecdh)
        );
        assert_eq!(derived.key_origin(), Some(&OriginType::AwsKms), "{spec}");
        assert!(derived.ciphertext_for_recipient().is_none());
        let secret = derived.shared_secret().unwrap().as_ref().to_vec();
        assert_eq!(secret.len(), length, "{spec}: the raw x-coordinate");

        let out = format!("secret-{spec}.bin");
        openssl.run(&[
            "pkeyutl",
            "-derive",
            "-inkey",
            &peer_private,
            "-peerkey",
            &ours,
            "-out",
            &out,
        ]);
        assert_eq!(openssl.read(&out), secret, "{spec}");

        // Another peer, another secret; the key's own public key works too.
        let (_, other_public) = peer(&openssl, curve);
        let other = client
            .derive_shared_secret()
            .key_id(&key_id)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(&other_public))
            .send()
            .await
            .unwrap();
        assert_ne!(other.shared_secret().unwrap().as_ref(), secret);
        let own = public_key(&client, &key_id).await;
        client
            .derive_shared_secret()
            .key_id(&key_id)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(&own))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn derive_shared_secret_refuses_what_aws_refuses() {
    let server = server();
    let client = server.client();
    let openssl = Openssl::new();
    let key_id = create(&client, "ECC_NIST_P256", "KEY_AGREEMENT").await;
    let derive = |public: Vec<u8>, dry_run: bool| {
        client
            .derive_shared_secret()
            .key_id(&key_id)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(blob(&public))
            .dry_run(dry_run)
            .send()
    };
    let (_, p384) = peer(&openssl, "P-384");
    let (_, p256) = peer(&openssl, "P-256");
    let mut truncated = p256.clone();
    truncated.truncate(60);
    let ed25519 = {
        openssl.run(&["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"]);
        openssl.run(&[
            "pkey", "-in", "ed.pem", "-pubout", "-outform", "DER", "-out", "ed.der",
        ]);
        openssl.read("ed.der")
    };
    // AWS answers a bad public key with an empty ValidationException, with
    // or without DryRun.
    for (public, dry_run) in [
        (p384.clone(), false),
        (p384, true),
        (b"InvalidPublicKey".to_vec(), false),
        (truncated, false),
        (ed25519, false),
    ] {
        let message = expect_error(derive(public, dry_run).await, "ValidationException");
        assert_eq!(message, "");
    }
    expect_error(derive(p256.clone(), true).await, "DryRunOperationException");

    // Keys of other usages.
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let symmetric = create_key(&client).await;
    for (key, usage) in [(&signing, "SIGN_VERIFY"), (&symmetric, "ENCRYPT_DECRYPT")] {
        let message = expect_error(
            client
                .derive_shared_secret()
                .key_id(key)
                .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
                .public_key(blob(&p256))
                .send()
                .await,
            "InvalidKeyUsageException",
        );
        assert_eq!(
            message,
            format!(
                "{} key usage is {usage} which is not valid for DeriveSharedSecret.",
                arn(&server, key)
            )
        );
    }
}
