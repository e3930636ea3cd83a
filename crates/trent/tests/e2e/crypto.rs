//! Encrypt, Decrypt, ReEncrypt, data keys and random bytes.

use aws_sdk_kms::types::DataKeySpec;

use crate::{blob, create_key, expect_error, server};

#[tokio::test]
async fn encrypt_decrypt_round_trips_with_context() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"database password"))
        .encryption_context("purpose", "db")
        .encryption_context("tenant", "a")
        .send()
        .await
        .unwrap();
    let arn = encrypted.key_id().unwrap().to_owned();
    assert!(arn.ends_with(&key_id));
    assert_eq!(
        encrypted.encryption_algorithm().unwrap().as_str(),
        "SYMMETRIC_DEFAULT"
    );
    let ciphertext = encrypted.ciphertext_blob().unwrap().clone();
    assert!(!ciphertext.as_ref().windows(8).any(|w| w == b"database"));

    let decrypted = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .encryption_context("tenant", "a")
        .encryption_context("purpose", "db")
        .send()
        .await
        .unwrap();
    assert_eq!(
        decrypted.plaintext().unwrap().as_ref(),
        b"database password"
    );
    assert_eq!(decrypted.key_id(), Some(arn.as_str()));

    for context in [
        vec![],
        vec![("purpose", "db")],
        vec![("purpose", "db"), ("tenant", "b")],
    ] {
        let mut request = client.decrypt().ciphertext_blob(ciphertext.clone());
        for (k, v) in context {
            request = request.encryption_context(k, v);
        }
        let message = expect_error(request.send().await, "InvalidCiphertextException");
        assert!(
            message.is_empty(),
            "the message must say nothing: {message}"
        );
    }
}

#[tokio::test]
async fn decrypt_with_another_key_id_is_incorrect_key() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let other = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/mine")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    let ciphertext = ciphertext.ciphertext_blob().unwrap().clone();
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(ciphertext.clone())
            .key_id(&other)
            .send()
            .await,
        "IncorrectKeyException",
    );
    let ok = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .key_id("alias/mine")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.plaintext().unwrap().as_ref(), b"x");
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(ciphertext)
            .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
            .send()
            .await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn every_flipped_byte_of_a_ciphertext_is_refused() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"0123456789abcdef"))
        .encryption_context("k", "v")
        .send()
        .await
        .unwrap();
    let ciphertext = encrypted.ciphertext_blob().unwrap().as_ref().to_vec();
    for position in 0..ciphertext.len() {
        let mut tampered = ciphertext.clone();
        tampered[position] ^= 0x01;
        let message = expect_error(
            client
                .decrypt()
                .ciphertext_blob(blob(&tampered))
                .encryption_context("k", "v")
                .send()
                .await,
            "InvalidCiphertextException",
        );
        assert!(message.is_empty(), "byte {position}: {message}");
    }
    // Truncated and extended blobs fail alike.
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&ciphertext[..20]))
            .send()
            .await,
        "InvalidCiphertextException",
    );
    let mut longer = ciphertext.clone();
    longer.push(0);
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(blob(&longer))
            .encryption_context("k", "v")
            .send()
            .await,
        "InvalidCiphertextException",
    );
    let ok = client
        .decrypt()
        .ciphertext_blob(blob(&ciphertext))
        .encryption_context("k", "v")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.plaintext().unwrap().as_ref(), b"0123456789abcdef");
}

#[tokio::test]
async fn a_blob_from_another_server_is_invalid() {
    let first = server();
    let second = server();
    let key_id = create_key(&first.client()).await;
    let ciphertext = first
        .client()
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    expect_error(
        second
            .client()
            .decrypt()
            .ciphertext_blob(ciphertext.ciphertext_blob().unwrap().clone())
            .send()
            .await,
        "InvalidCiphertextException",
    );
}

#[tokio::test]
async fn plaintext_size_limits_follow_the_model() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(&[7; 4096]))
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(&[7; 4097]))
            .send()
            .await,
        "ValidationException",
    );
    assert_eq!(
        message,
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096"
    );
    expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(&[]))
            .send()
            .await,
        "ValidationException",
    );
    expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .encryption_algorithm(aws_sdk_kms::types::EncryptionAlgorithmSpec::RsaesOaepSha256)
            .send()
            .await,
        "InvalidKeyUsageException",
    );
}

#[tokio::test]
async fn re_encrypt_moves_a_ciphertext_to_another_key_and_context() {
    let server = server();
    let client = server.client();
    let source = create_key(&client).await;
    let destination = create_key(&client).await;
    let encrypted = client
        .encrypt()
        .key_id(&source)
        .plaintext(blob(b"moving"))
        .encryption_context("a", "1")
        .send()
        .await
        .unwrap();
    let moved = client
        .re_encrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .source_encryption_context("a", "1")
        .destination_key_id(&destination)
        .destination_encryption_context("b", "2")
        .send()
        .await
        .unwrap();
    assert!(moved.source_key_id().unwrap().ends_with(&source));
    assert!(moved.key_id().unwrap().ends_with(&destination));
    let ciphertext = moved.ciphertext_blob().unwrap().clone();
    let decrypted = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .encryption_context("b", "2")
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"moving");
    assert!(decrypted.key_id().unwrap().ends_with(&destination));
    expect_error(
        client
            .re_encrypt()
            .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
            .destination_key_id(&destination)
            .send()
            .await,
        "InvalidCiphertextException",
    );
    expect_error(
        client
            .re_encrypt()
            .ciphertext_blob(ciphertext)
            .source_encryption_context("b", "2")
            .source_key_id(&source)
            .destination_key_id(&destination)
            .send()
            .await,
        "IncorrectKeyException",
    );
    client
        .disable_key()
        .key_id(&destination)
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .re_encrypt()
            .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
            .source_encryption_context("a", "1")
            .destination_key_id(&destination)
            .send()
            .await,
        "DisabledException",
    );
}

#[tokio::test]
async fn data_keys_decrypt_to_their_plaintext() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    for (spec, bytes, expected) in [
        (Some(DataKeySpec::Aes256), None, 32),
        (Some(DataKeySpec::Aes128), None, 16),
        (None, Some(64), 64),
        (None, Some(1), 1),
    ] {
        let data_key = client
            .generate_data_key()
            .key_id(&key_id)
            .set_key_spec(spec)
            .set_number_of_bytes(bytes)
            .encryption_context("use", "disk")
            .send()
            .await
            .unwrap();
        let plaintext = data_key.plaintext().unwrap().as_ref().to_vec();
        assert_eq!(plaintext.len(), expected);
        assert!(data_key.key_id().unwrap().ends_with(&key_id));
        let decrypted = client
            .decrypt()
            .ciphertext_blob(data_key.ciphertext_blob().unwrap().clone())
            .encryption_context("use", "disk")
            .send()
            .await
            .unwrap();
        assert_eq!(
            decrypted.plaintext().unwrap().as_ref(),
            plaintext.as_slice()
        );
    }
    let without = client
        .generate_data_key_without_plaintext()
        .key_id(&key_id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let decrypted = client
        .decrypt()
        .ciphertext_blob(without.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref().len(), 32);

    expect_error(
        client.generate_data_key().key_id(&key_id).send().await,
        "ValidationException",
    );
    expect_error(
        client
            .generate_data_key()
            .key_id(&key_id)
            .number_of_bytes(32)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await,
        "ValidationException",
    );
    expect_error(
        client
            .generate_data_key()
            .key_id(&key_id)
            .number_of_bytes(1025)
            .send()
            .await,
        "ValidationException",
    );
}

#[tokio::test]
async fn generate_random_returns_fresh_bytes() {
    let server = server();
    let client = server.client();
    let first = client
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let second = client
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_eq!(first.plaintext().unwrap().as_ref().len(), 32);
    assert_ne!(
        first.plaintext().unwrap().as_ref(),
        second.plaintext().unwrap().as_ref()
    );
    expect_error(
        client.generate_random().number_of_bytes(0).send().await,
        "ValidationException",
    );
    expect_error(
        client.generate_random().number_of_bytes(1025).send().await,
        "ValidationException",
    );
    expect_error(client.generate_random().send().await, "ValidationException");
}
