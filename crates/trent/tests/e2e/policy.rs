//! Key policies are stored and returned exactly; rotation status is reported.

use crate::{create_key, expect_error, server};

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "x", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]
}"#;

#[tokio::test]
async fn put_key_policy_is_read_back_exactly() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(POLICY)
        .send()
        .await
        .unwrap();
    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(policy.policy(), Some(POLICY));
    assert_eq!(policy.policy_name(), Some("default"));
    let named = client
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(named.policy(), Some(POLICY));
    expect_error(
        client
            .get_key_policy()
            .key_id(&key_id)
            .policy_name("other")
            .send()
            .await,
        "NotFoundException",
    );
    let names = client
        .list_key_policies()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["default"]);
    assert!(!names.truncated());
}

#[tokio::test]
async fn malformed_and_oversized_policies_are_refused() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy("{")
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy("[]")
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    let big = format!(
        "{{\"Version\":\"2012-10-17\",\"Id\":\"{}\"}}",
        "a".repeat(33_000)
    );
    expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy(big)
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    let policy = client
        .get_key_policy()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(policy.policy().unwrap().contains("key-default-1"));
}

#[tokio::test]
async fn rotation_status_is_off_for_new_keys() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let status = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    assert!(status.key_id().unwrap().ends_with(&key_id));
    assert!(status.rotation_period_in_days().is_none());
    assert!(status.next_rotation_date().is_none());
}
