//! Key lifecycle: create, describe, list, enable, disable, deletion, description, regions.

use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState, KeyUsageType, OriginType, Tag};

use crate::{blob, create_key, expect_error, server};

#[tokio::test]
async fn create_key_reads_back_field_by_field() {
    let server = server();
    let client = server.client();
    let created = client
        .create_key()
        .description("payments database")
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("payments")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let created = created.key_metadata().unwrap();
    let described = client
        .describe_key()
        .key_id(created.key_id())
        .send()
        .await
        .unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_id(), created.key_id());
    assert_eq!(metadata.aws_account_id(), Some(server.account()));
    assert_eq!(
        metadata.arn().unwrap(),
        format!(
            "arn:aws:kms:us-east-1:{}:key/{}",
            server.account(),
            created.key_id()
        )
    );
    assert_eq!(metadata.description(), Some("payments database"));
    assert!(metadata.enabled());
    assert_eq!(metadata.key_state(), Some(&KeyState::Enabled));
    assert_eq!(metadata.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(metadata.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(metadata.origin(), Some(&OriginType::AwsKms));
    assert_eq!(metadata.key_manager(), Some(&KeyManagerType::Customer));
    assert_eq!(metadata.multi_region(), Some(false));
    assert!(metadata.deletion_date().is_none());
    assert_eq!(metadata.encryption_algorithms().len(), 1);
    let age = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        - metadata.creation_date().unwrap().as_secs_f64();
    assert!((0.0..60.0).contains(&age), "creation date {age} s ago");
    assert_eq!(
        uuid::Uuid::parse_str(created.key_id())
            .unwrap()
            .get_version_num(),
        4
    );

    let tags = client
        .list_resource_tags()
        .key_id(created.key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].tag_key(), "team");
    assert_eq!(tags.tags()[0].tag_value(), "payments");
}

#[tokio::test]
async fn a_key_without_policy_gets_the_default_key_policy() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert_eq!(policy["Version"], "2012-10-17");
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(
        statement["Principal"]["AWS"],
        format!("arn:aws:iam::{}:root", server.account())
    );
    assert_eq!(statement["Action"], "kms:*");
    assert_eq!(statement["Resource"], "*");
}

#[tokio::test]
async fn describe_key_accepts_all_four_identifier_forms() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/four")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let prefix = format!("arn:aws:kms:us-east-1:{}", server.account());
    for form in [
        key_id.clone(),
        format!("{prefix}:key/{key_id}"),
        "alias/four".to_owned(),
        format!("{prefix}:alias/four"),
    ] {
        let described = client.describe_key().key_id(&form).send().await.unwrap();
        assert_eq!(described.key_metadata().unwrap().key_id(), key_id, "{form}");
    }
}

#[tokio::test]
async fn unknown_and_malformed_key_ids_are_not_found() {
    let server = server();
    let client = server.client();
    let missing = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let message = expect_error(
        client.describe_key().key_id(missing).send().await,
        "NotFoundException",
    );
    assert_eq!(
        message,
        format!(
            "Key 'arn:aws:kms:us-east-1:{}:key/{missing}' does not exist",
            server.account()
        )
    );
    let message = expect_error(
        client.describe_key().key_id("alias/none").send().await,
        "NotFoundException",
    );
    assert!(message.contains(":alias/none"), "{message}");
    expect_error(
        client.describe_key().key_id("not-a-key").send().await,
        "NotFoundException",
    );
    // Management operations take a key id or key ARN, not an alias.
    let key_id = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/mgmt")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    expect_error(
        client.disable_key().key_id("alias/mgmt").send().await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn list_keys_paginates_with_limit_and_marker() {
    let server = server();
    let client = server.client();
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(create_key(&client).await);
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_keys()
            .limit(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.keys().len() <= 2);
        for entry in page.keys() {
            assert_eq!(
                entry.key_arn().unwrap(),
                format!(
                    "arn:aws:kms:us-east-1:{}:key/{}",
                    server.account(),
                    entry.key_id().unwrap()
                )
            );
            seen.push(entry.key_id().unwrap().to_owned());
        }
        if !page.truncated() {
            assert!(page.next_marker().is_none());
            break;
        }
        marker = page.next_marker().map(str::to_owned);
        assert!(marker.is_some());
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    expect_error(
        client.list_keys().marker("garbage").send().await,
        "InvalidMarkerException",
    );
    expect_error(
        client.list_keys().limit(0).send().await,
        "ValidationException",
    );
    expect_error(
        client.list_keys().limit(1001).send().await,
        "ValidationException",
    );
}

#[tokio::test]
async fn disabled_keys_refuse_cryptography_until_enabled() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    let ciphertext = ciphertext.ciphertext_blob().unwrap().clone();
    client.disable_key().key_id(&key_id).send().await.unwrap();
    client.disable_key().key_id(&key_id).send().await.unwrap();
    let metadata = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        metadata.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    assert!(!metadata.key_metadata().unwrap().enabled());
    let arn = metadata.key_metadata().unwrap().arn().unwrap().to_owned();
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "DisabledException",
    );
    assert_eq!(message, format!("{arn} is disabled."));
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await,
        "DisabledException",
    );
    expect_error(
        client
            .generate_data_key()
            .key_id(&key_id)
            .number_of_bytes(32)
            .send()
            .await,
        "DisabledException",
    );
    expect_error(
        client.cancel_key_deletion().key_id(&key_id).send().await,
        "KMSInvalidStateException",
    );
    client.enable_key().key_id(&key_id).send().await.unwrap();
    let plaintext = client
        .decrypt()
        .ciphertext_blob(ciphertext)
        .send()
        .await
        .unwrap();
    assert_eq!(plaintext.plaintext().unwrap().as_ref(), b"x");
}

#[tokio::test]
async fn scheduled_deletion_blocks_use_until_cancelled() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    let ciphertext = ciphertext.ciphertext_blob().unwrap().clone();

    for bad in [6, 31, 0] {
        let message = expect_error(
            client
                .schedule_key_deletion()
                .key_id(&key_id)
                .pending_window_in_days(bad)
                .send()
                .await,
            "ValidationException",
        );
        assert!(message.contains("'pendingWindowInDays'"), "{message}");
    }
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.pending_window_in_days(), Some(30));
    assert_eq!(scheduled.key_state(), Some(&KeyState::PendingDeletion));
    let arn = scheduled.key_id().unwrap().to_owned();
    assert!(arn.ends_with(&key_id));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let due = scheduled.deletion_date().unwrap().as_secs_f64();
    assert!(
        (due - now - 30.0 * 86_400.0).abs() < 120.0,
        "deletion date {due}"
    );

    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_state(), Some(&KeyState::PendingDeletion));
    assert!(!metadata.enabled());
    assert_eq!(metadata.deletion_date().unwrap().as_secs_f64(), due);

    let message = expect_error(
        client
            .decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await,
        "KMSInvalidStateException",
    );
    assert_eq!(message, format!("{arn} is pending deletion."));
    expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "KMSInvalidStateException",
    );
    expect_error(
        client.enable_key().key_id(&key_id).send().await,
        "KMSInvalidStateException",
    );
    expect_error(
        client.disable_key().key_id(&key_id).send().await,
        "KMSInvalidStateException",
    );
    expect_error(
        client.schedule_key_deletion().key_id(&key_id).send().await,
        "KMSInvalidStateException",
    );
    expect_error(
        client
            .update_key_description()
            .key_id(&key_id)
            .description("x")
            .send()
            .await,
        "KMSInvalidStateException",
    );
    // Reads still work while pending deletion.
    client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();

    let cancelled = client
        .cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.key_id(), Some(arn.as_str()));
    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    assert!(described.key_metadata().unwrap().deletion_date().is_none());
    client.enable_key().key_id(&key_id).send().await.unwrap();
    client
        .decrypt()
        .ciphertext_blob(ciphertext)
        .send()
        .await
        .unwrap();

    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
}

#[tokio::test]
async fn update_key_description_is_read_back() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .update_key_description()
        .key_id(&key_id)
        .description("new words")
        .send()
        .await
        .unwrap();
    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().description(),
        Some("new words")
    );
    let message = expect_error(
        client
            .update_key_description()
            .key_id(&key_id)
            .description("d".repeat(8193))
            .send()
            .await,
        "ValidationException",
    );
    assert!(
        message.contains("Member must have length less than or equal to 8192"),
        "{message}"
    );
}

#[tokio::test]
async fn keys_live_per_region() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let credentials = server.root_credentials();
    let europe = server.client_with(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        "eu-west-1",
    );
    assert!(europe.list_keys().send().await.unwrap().keys().is_empty());
    expect_error(
        europe.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
    let european_key = create_key(&europe).await;
    let described = europe
        .describe_key()
        .key_id(&european_key)
        .send()
        .await
        .unwrap();
    assert!(described
        .key_metadata()
        .unwrap()
        .arn()
        .unwrap()
        .starts_with("arn:aws:kms:eu-west-1:"));
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    expect_error(
        europe
            .decrypt()
            .ciphertext_blob(ciphertext.ciphertext_blob().unwrap().clone())
            .send()
            .await,
        "InvalidCiphertextException",
    );
    assert_eq!(client.list_keys().send().await.unwrap().keys().len(), 1);
}

#[tokio::test]
async fn unsupported_key_shapes_are_refused_clearly() {
    let server = server();
    let client = server.client();
    expect_error(
        client.create_key().key_spec(KeySpec::Sm2).send().await,
        "UnsupportedOperationException",
    );
    expect_error(
        client
            .create_key()
            .multi_region(true)
            .origin(aws_sdk_kms::types::OriginType::External)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    expect_error(
        client
            .create_key()
            .key_usage(KeyUsageType::SignVerify)
            .send()
            .await,
        "ValidationException",
    );
    expect_error(
        client.create_key().policy("not json").send().await,
        "MalformedPolicyDocumentException",
    );
    assert!(client.list_keys().send().await.unwrap().keys().is_empty());
}
