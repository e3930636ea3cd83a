//! HMAC keys: GenerateMac and VerifyMac for every spec, and AWS's refusals.
//! An HMAC key never leaves Trent, so no MAC can be checked offline: the
//! tests check GenerateMac and VerifyMac against each other, and that keys
//! and messages change the MAC.

use aws_sdk_kms::types::{EncryptionAlgorithmSpec, MacAlgorithmSpec};

use crate::asymmetric::{arn, create};
use crate::{blob, create_key, expect_error, server};

async fn generate(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    message: &[u8],
    algorithm: &MacAlgorithmSpec,
) -> Vec<u8> {
    client
        .generate_mac()
        .key_id(key_id)
        .message(blob(message))
        .mac_algorithm(algorithm.clone())
        .send()
        .await
        .unwrap()
        .mac()
        .unwrap()
        .as_ref()
        .to_vec()
}

#[tokio::test]
async fn every_hmac_spec_generates_and_verifies_macs() {
    let server = server();
    let client = server.client();
    for (spec, algorithm, length) in [
        ("HMAC_224", MacAlgorithmSpec::HmacSha224, 28),
        ("HMAC_256", MacAlgorithmSpec::HmacSha256, 32),
        ("HMAC_384", MacAlgorithmSpec::HmacSha384, 48),
        ("HMAC_512", MacAlgorithmSpec::HmacSha512, 64),
    ] {
        let key_id = create(&client, spec, "GENERATE_VERIFY_MAC").await;
        let key_arn = arn(&server, &key_id);
        let message = b"session=42;expires=1700000000";
        let generated = client
            .generate_mac()
            .key_id(&key_id)
            .message(blob(message))
            .mac_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(generated.key_id(), Some(key_arn.as_str()), "{spec}");
        assert_eq!(generated.mac_algorithm(), Some(&algorithm), "{spec}");
        let mac = generated.mac().unwrap().as_ref().to_vec();
        assert_eq!(mac.len(), length, "{spec}");
        // Deterministic; another message, another MAC.
        assert_eq!(generate(&client, &key_id, message, &algorithm).await, mac);
        assert_ne!(
            generate(
                &client,
                &key_id,
                b"session=43;expires=1700000000",
                &algorithm
            )
            .await,
            mac
        );
        assert_eq!(
            generate(&client, &key_id, &[9; 4096], &algorithm)
                .await
                .len(),
            length
        );

        let verify = |message: &[u8], mac: &[u8], dry_run: bool| {
            client
                .verify_mac()
                .key_id(&key_id)
                .message(blob(message))
                .mac(blob(mac))
                .mac_algorithm(algorithm.clone())
                .dry_run(dry_run)
                .send()
        };
        let verified = verify(message, &mac, false).await.unwrap();
        assert!(verified.mac_valid(), "{spec}");
        assert_eq!(verified.key_id(), Some(key_arn.as_str()));
        assert_eq!(verified.mac_algorithm(), Some(&algorithm));
        let mut changed = mac.clone();
        changed[length - 1] ^= 0x80;
        for (message, mac, dry_run) in [
            (&message[..], changed.as_slice(), false),
            // The MAC is checked before DryRun answers.
            (&message[..], changed.as_slice(), true),
            (&message[..], &mac[..length - 1], false),
            (&b"session=43;expires=1700000000"[..], mac.as_slice(), false),
        ] {
            let refused = expect_error(
                verify(message, mac, dry_run).await,
                "KMSInvalidMacException",
            );
            assert_eq!(refused, "", "{spec}");
        }
        expect_error(
            verify(message, &mac, true).await,
            "DryRunOperationException",
        );
    }
}

#[tokio::test]
async fn two_hmac_keys_give_different_macs() {
    let server = server();
    let client = server.client();
    let a = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let b = create(&client, "HMAC_256", "GENERATE_VERIFY_MAC").await;
    let algorithm = MacAlgorithmSpec::HmacSha256;
    let mac_a = generate(&client, &a, b"same message", &algorithm).await;
    let mac_b = generate(&client, &b, b"same message", &algorithm).await;
    assert_ne!(mac_a, mac_b);
    // Each key verifies only its own MAC.
    expect_error(
        client
            .verify_mac()
            .key_id(&b)
            .message(blob(b"same message"))
            .mac(blob(&mac_a))
            .mac_algorithm(algorithm)
            .send()
            .await,
        "KMSInvalidMacException",
    );
}

#[tokio::test]
async fn hmac_keys_refuse_what_aws_refuses() {
    let server = server();
    let client = server.client();
    let hmac_224 = create(&client, "HMAC_224", "GENERATE_VERIFY_MAC").await;
    let symmetric = create_key(&client).await;
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let message = expect_error(
        client
            .generate_mac()
            .key_id(&hmac_224)
            .message(blob(b"m"))
            .mac_algorithm(MacAlgorithmSpec::HmacSha512)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_224."
    );
    let message = expect_error(
        client
            .verify_mac()
            .key_id(&hmac_224)
            .message(blob(b"m"))
            .mac(blob(&[0; 28]))
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224."
    );
    let message = expect_error(
        client
            .generate_mac()
            .key_id(&hmac_224)
            .message(blob(&[0; 4097]))
            .mac_algorithm(MacAlgorithmSpec::HmacSha224)
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096"
    );
    // Another key's usage.
    for (key, usage) in [(&symmetric, "ENCRYPT_DECRYPT"), (&signing, "SIGN_VERIFY")] {
        let message = expect_error(
            client
                .generate_mac()
                .key_id(key)
                .message(blob(b"m"))
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await,
            "InvalidKeyUsageException",
        );
        assert_eq!(
            message,
            format!(
                "{} key usage is {usage} which is not valid for GenerateMac.",
                arn(&server, key)
            )
        );
    }
    let hmac_arn = arn(&server, &hmac_224);
    let message = expect_error(
        client
            .encrypt()
            .key_id(&hmac_224)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        format!("{hmac_arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.")
    );
    let message = expect_error(
        client
            .encrypt()
            .key_id(&hmac_224)
            .plaintext(blob(b"x"))
            .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        format!("{hmac_arn} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.")
    );
    expect_error(
        client
            .generate_data_key()
            .key_id(&hmac_224)
            .number_of_bytes(32)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    expect_error(
        client.get_public_key().key_id(&hmac_224).send().await,
        "UnsupportedOperationException",
    );
}
