//! GetKeyLastUsage: the last successful cryptographic use of a key, with
//! its request id and audit event id, kept across restarts and crashes.

use std::path::Path;

use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::types::KeyLastUsageData;
use serde_json::Value;

use crate::{audit_events, blob, create_key, expect_error, server};

/// The audit event whose `requestID` is `request_id`.
fn event_of(dir: &Path, request_id: &str) -> Value {
    audit_events(dir)
        .into_iter()
        .find(|event| event["requestID"] == request_id)
        .unwrap_or_else(|| panic!("no audit event for {request_id}"))
}

/// The key's last use, which must exist.
async fn last_use(kms: &aws_sdk_kms::Client, key: &str) -> KeyLastUsageData {
    let report = kms.get_key_last_usage().key_id(key).send().await.unwrap();
    report.key_last_usage().cloned().expect("a last use")
}

#[tokio::test]
async fn last_use_names_the_operation_its_request_and_its_audit_event() {
    let server = server();
    let kms = server.client();
    let key_id = create_key(&kms).await;
    let described = kms.describe_key().key_id(&key_id).send().await.unwrap();
    let created = *described.key_metadata().unwrap().creation_date().unwrap();

    let fresh = kms
        .get_key_last_usage()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.key_id(), Some(key_id.as_str()));
    assert!(fresh.key_last_usage().is_none(), "{fresh:?}");
    assert_eq!(fresh.key_creation_date(), Some(&created));
    // Tracking began when the server first started, before the key existed.
    assert_eq!(fresh.tracking_start_date(), Some(&created));

    let encrypted = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"secret"))
        .send()
        .await
        .unwrap();
    let usage = last_use(&kms, &key_id).await;
    assert_eq!(usage.operation().unwrap().as_str(), "Encrypt");
    assert_eq!(usage.kms_request_id(), encrypted.request_id());
    let event = event_of(
        &server.data_dir().join("audit"),
        encrypted.request_id().unwrap(),
    );
    assert_eq!(event["eventName"], "Encrypt");
    assert_eq!(usage.cloud_trail_event_id(), event["eventID"].as_str());
    let used_at = usage.timestamp().unwrap().as_secs_f64();
    assert!(
        used_at >= created.as_secs_f64(),
        "{used_at} before {created:?}"
    );

    // The key ARN names the key as well; aliases do not.
    let arn = described.key_metadata().unwrap().arn().unwrap().to_owned();
    let by_arn = kms.get_key_last_usage().key_id(&arn).send().await.unwrap();
    assert_eq!(by_arn.key_id(), Some(key_id.as_str()));
    kms.create_alias()
        .alias_name("alias/used")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(kms
        .get_key_last_usage()
        .key_id("alias/used")
        .send()
        .await
        .is_err());

    // A dry run and a failed decrypt are not uses.
    expect_error(
        kms.encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    expect_error(
        kms.decrypt()
            .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
            .encryption_context("wrong", "context")
            .send()
            .await,
        "InvalidCiphertextException",
    );
    let unchanged = kms
        .get_key_last_usage()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.key_last_usage(), Some(&usage));

    let decrypted = kms
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    let usage = last_use(&kms, &key_id).await;
    assert_eq!(usage.operation().unwrap().as_str(), "Decrypt");
    assert_eq!(usage.kms_request_id(), decrypted.request_id());
}

#[tokio::test]
async fn re_encrypt_is_a_use_of_both_keys_and_a_disabled_key_still_reports() {
    let server = server();
    let kms = server.client();
    let source = create_key(&kms).await;
    let destination = create_key(&kms).await;
    let encrypted = kms
        .encrypt()
        .key_id(&source)
        .plaintext(blob(b"move me"))
        .send()
        .await
        .unwrap();
    let moved = kms
        .re_encrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .destination_key_id(&destination)
        .send()
        .await
        .unwrap();
    for key in [&source, &destination] {
        let usage = last_use(&kms, key).await;
        assert_eq!(usage.operation().unwrap().as_str(), "ReEncrypt", "{key}");
        assert_eq!(usage.kms_request_id(), moved.request_id(), "{key}");
    }
    let data_key = kms
        .generate_data_key_without_plaintext()
        .key_id(&destination)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    kms.disable_key().key_id(&destination).send().await.unwrap();
    let usage = last_use(&kms, &destination).await;
    assert_eq!(
        usage.operation().unwrap().as_str(),
        "GenerateDataKeyWithoutPlaintext"
    );
    assert_eq!(usage.kms_request_id(), data_key.request_id());
    expect_error(
        kms.get_key_last_usage()
            .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
            .send()
            .await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn last_use_survives_a_clean_stop_and_a_crash_after_its_second() {
    let mut server = server();
    let kms = server.client();
    let key_id = create_key(&kms).await;
    let generated = kms
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();
    // A clean stop persists what the last second recorded.
    server.terminate();
    server.restart();
    let kms = server.client();
    let usage = last_use(&kms, &key_id).await;
    assert_eq!(usage.operation().unwrap().as_str(), "GenerateDataKey");
    assert_eq!(usage.kms_request_id(), generated.request_id());

    // After a crash, uses older than the once-a-second persistence remain.
    let encrypted = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    server.restart();
    let kms = server.client();
    let usage = last_use(&kms, &key_id).await;
    assert_eq!(usage.operation().unwrap().as_str(), "Encrypt");
    assert_eq!(usage.kms_request_id(), encrypted.request_id());
}
