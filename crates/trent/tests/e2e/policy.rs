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

/// A Deny whose condition reads the key's tags only through a policy
/// variable applies (found by the policy fuzz target: the tags were
/// gathered only for conditions naming `aws:ResourceTag/` as their key, so
/// the variable had no value and the Deny never matched).
#[tokio::test]
async fn a_deny_that_reads_resource_tags_through_a_variable_applies() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(
            aws_sdk_kms::types::Tag::builder()
                .tag_key("owner")
                .tag_value("blue")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let policy = format!(
        r#"{{
  "Version": "2012-10-17",
  "Statement": [
    {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{account}:root"}}, "Action": "kms:*", "Resource": "*"}},
    {{"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
      "Condition": {{"StringEquals": {{"kms:EncryptionContext:owner": "${{aws:ResourceTag/owner}}"}}}}}}
  ]
}}"#,
        account = server.account()
    );
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(policy)
        .send()
        .await
        .unwrap();
    let encrypt = |owner: &'static str| {
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(crate::blob(b"x"))
            .encryption_context("owner", owner)
            .send()
    };
    // The context names the key's owner: denied.
    expect_error(encrypt("blue").await, "AccessDeniedException");
    // Another owner: the Deny does not match.
    encrypt("green").await.unwrap();
}
