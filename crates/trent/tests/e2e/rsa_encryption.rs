//! RSA ENCRYPT_DECRYPT keys: OAEP ciphertexts made offline by OpenSSL from
//! GetPublicKey's key decrypt in Trent, Trent's own round trip, the
//! plaintext limits, the refusals, and ReEncrypt to and from RSA.

use aws_sdk_kms::types::EncryptionAlgorithmSpec;

use crate::asymmetric::{arn, b64, create, public_key, raw, Openssl};
use crate::{blob, create_key, expect_error, server};

const OAEP_256: EncryptionAlgorithmSpec = EncryptionAlgorithmSpec::RsaesOaepSha256;
const OAEP_1: EncryptionAlgorithmSpec = EncryptionAlgorithmSpec::RsaesOaepSha1;

#[tokio::test]
async fn rsa_keys_encrypt_decrypt_and_interoperate_with_openssl() {
    let server = server();
    let client = server.client();
    let key_id = create(&client, "RSA_2048", "ENCRYPT_DECRYPT").await;
    let key_arn = arn(&server, &key_id);
    let openssl = Openssl::new();
    let pem = openssl.public_pem("rsa", &public_key(&client, &key_id).await);
    let plaintext = b"a 32-byte AES key, sealed offline";
    openssl.write("plain.bin", plaintext);

    // Offline OAEP with SHA-256 (label hash and MGF1) and with SHA-1.
    for (algorithm, options) in [
        (
            OAEP_256,
            &[
                "-pkeyopt",
                "rsa_padding_mode:oaep",
                "-pkeyopt",
                "rsa_oaep_md:sha256",
                "-pkeyopt",
                "rsa_mgf1_md:sha256",
            ][..],
        ),
        (OAEP_1, &["-pkeyopt", "rsa_padding_mode:oaep"][..]),
    ] {
        let mut args = vec![
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            &pem,
            "-in",
            "plain.bin",
            "-out",
            "ct.bin",
        ];
        args.extend(options);
        openssl.run(&args);
        let ciphertext = openssl.read("ct.bin");
        assert_eq!(ciphertext.len(), 256);
        let decrypted = client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob(&ciphertext))
            .encryption_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(decrypted.plaintext().unwrap().as_ref(), plaintext);
        assert_eq!(decrypted.key_id(), Some(key_arn.as_str()));
        assert_eq!(decrypted.encryption_algorithm(), Some(&algorithm));
        // Only symmetric decryptions name a key material.
        assert_eq!(decrypted.key_material_id(), None);
        // The other OAEP hash does not decrypt it; nor does no algorithm.
        let other = if algorithm == OAEP_256 {
            OAEP_1
        } else {
            OAEP_256
        };
        let message = expect_error(
            client
                .decrypt()
                .key_id(&key_id)
                .ciphertext_blob(blob(&ciphertext))
                .encryption_algorithm(other)
                .send()
                .await,
            "InvalidCiphertextException",
        );
        assert_eq!(message, "");
    }

    // Trent's own ciphertext: raw OAEP, k/8 bytes, randomized.
    let encrypt = |plaintext: &[u8], algorithm: EncryptionAlgorithmSpec| {
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(plaintext))
            .encryption_algorithm(algorithm)
            .send()
    };
    let encrypted = encrypt(plaintext, OAEP_256).await.unwrap();
    assert_eq!(encrypted.key_id(), Some(key_arn.as_str()));
    assert_eq!(encrypted.encryption_algorithm(), Some(&OAEP_256));
    let ciphertext = encrypted.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!(ciphertext.len(), 256);
    let again = encrypt(plaintext, OAEP_256).await.unwrap();
    assert_ne!(again.ciphertext_blob().unwrap().as_ref(), ciphertext);
    let decrypt = |ciphertext: &[u8]| {
        client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob(ciphertext))
            .encryption_algorithm(OAEP_256)
            .send()
    };
    let decrypted = decrypt(&ciphertext).await.unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), plaintext);
    let mut tampered = ciphertext.clone();
    tampered[100] ^= 0x01;
    assert_eq!(
        expect_error(decrypt(&tampered).await, "InvalidCiphertextException"),
        ""
    );
    // An RSA ciphertext carries no key id: Decrypt must name the key and the
    // algorithm.
    let message = expect_error(
        client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob(&ciphertext))
            .send()
            .await,
        "InvalidCiphertextException",
    );
    assert_eq!(message, "");
    let message = expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&ciphertext))
            .encryption_algorithm(OAEP_256)
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(message, "KeyId must not be null");
    // DryRun checks the ciphertext first.
    expect_error(
        client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob(&tampered))
            .encryption_algorithm(OAEP_256)
            .dry_run(true)
            .send()
            .await,
        "InvalidCiphertextException",
    );

    // The plaintext limits: k/8 - 2·hLen - 2 bytes.
    for (algorithm, name, max) in [
        (OAEP_256, "RSAES_OAEP_SHA_256", 190),
        (OAEP_1, "RSAES_OAEP_SHA_1", 214),
    ] {
        let largest = vec![0xab; max];
        let encrypted = encrypt(&largest, algorithm.clone()).await.unwrap();
        let decrypted = client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
            .encryption_algorithm(algorithm.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(decrypted.plaintext().unwrap().as_ref(), largest);
        let message = expect_error(
            encrypt(&vec![0xab; max + 1], algorithm).await,
            "ValidationException",
        );
        assert_eq!(
            message,
            format!(
                "Algorithm {name} and key spec RSA_2048 cannot encrypt data larger than {max} bytes."
            )
        );
    }

    // No algorithm means SYMMETRIC_DEFAULT, which an RSA key cannot do.
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048."
    );
    // No encryption context with an asymmetric key.
    let context_refused =
        "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.";
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .encryption_algorithm(OAEP_256)
            .encryption_context("purpose", "test")
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(message, context_refused);
    let message = expect_error(
        client
            .decrypt()
            .key_id(&key_id)
            .ciphertext_blob(blob(&ciphertext))
            .encryption_algorithm(OAEP_256)
            .encryption_context("purpose", "test")
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(message, context_refused);

    // An empty context is no context (AWS accepts `{}`).
    let (status, body) = raw(
        &server,
        "Encrypt",
        &serde_json::json!({
            "KeyId": key_id,
            "Plaintext": b64(b"x"),
            "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
            "EncryptionContext": {},
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // A signing key does not encrypt.
    let signing = create(&client, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let message = expect_error(
        client
            .encrypt()
            .key_id(&signing)
            .plaintext(blob(b"x"))
            .encryption_algorithm(OAEP_256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
    assert_eq!(
        message,
        format!(
            "{} key usage is SIGN_VERIFY which is not valid for Encrypt.",
            arn(&server, &signing)
        )
    );
}

#[tokio::test]
async fn re_encrypt_moves_ciphertexts_between_symmetric_and_rsa_keys() {
    let server = server();
    let client = server.client();
    let rsa = create(&client, "RSA_2048", "ENCRYPT_DECRYPT").await;
    let symmetric = create_key(&client).await;
    let plaintext = b"moved between keys";
    let sealed = client
        .encrypt()
        .key_id(&symmetric)
        .plaintext(blob(plaintext))
        .send()
        .await
        .unwrap();

    // Symmetric to RSA.
    let to_rsa = client
        .re_encrypt()
        .ciphertext_blob(sealed.ciphertext_blob().unwrap().clone())
        .destination_key_id(&rsa)
        .destination_encryption_algorithm(OAEP_256)
        .send()
        .await
        .unwrap();
    assert_eq!(to_rsa.key_id(), Some(arn(&server, &rsa).as_str()));
    assert_eq!(
        to_rsa.source_key_id(),
        Some(arn(&server, &symmetric).as_str())
    );
    assert_eq!(to_rsa.destination_encryption_algorithm(), Some(&OAEP_256));
    let rsa_ciphertext = to_rsa.ciphertext_blob().unwrap().clone();
    assert_eq!(rsa_ciphertext.as_ref().len(), 256);
    let decrypted = client
        .decrypt()
        .key_id(&rsa)
        .ciphertext_blob(rsa_ciphertext.clone())
        .encryption_algorithm(OAEP_256)
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), plaintext);

    // RSA back to symmetric, with a context now.
    let back = client
        .re_encrypt()
        .ciphertext_blob(rsa_ciphertext.clone())
        .source_key_id(&rsa)
        .source_encryption_algorithm(OAEP_256)
        .destination_key_id(&symmetric)
        .destination_encryption_context("purpose", "back")
        .send()
        .await
        .unwrap();
    assert_eq!(back.source_key_id(), Some(arn(&server, &rsa).as_str()));
    let decrypted = client
        .decrypt()
        .ciphertext_blob(back.ciphertext_blob().unwrap().clone())
        .encryption_context("purpose", "back")
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), plaintext);

    // RSA to RSA (the same key, through an alias), SHA-256 to SHA-1.
    client
        .create_alias()
        .alias_name("alias/rsa")
        .target_key_id(&rsa)
        .send()
        .await
        .unwrap();
    let rsa_to_rsa = client
        .re_encrypt()
        .ciphertext_blob(rsa_ciphertext.clone())
        .source_key_id("alias/rsa")
        .source_encryption_algorithm(OAEP_256)
        .destination_key_id("alias/rsa")
        .destination_encryption_algorithm(OAEP_1)
        .send()
        .await
        .unwrap();
    assert_ne!(rsa_to_rsa.ciphertext_blob().unwrap(), &rsa_ciphertext);
    let decrypted = client
        .decrypt()
        .key_id("alias/rsa")
        .ciphertext_blob(rsa_to_rsa.ciphertext_blob().unwrap().clone())
        .encryption_algorithm(OAEP_1)
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), plaintext);

    // The RSA source needs its algorithm.
    expect_error(
        client
            .re_encrypt()
            .ciphertext_blob(rsa_ciphertext)
            .source_key_id(&rsa)
            .destination_key_id(&symmetric)
            .send()
            .await,
        "InvalidCiphertextException",
    );
}
