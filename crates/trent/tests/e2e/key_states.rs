//! The key-state table (the Developer Guide's "Key states of AWS KMS keys"),
//! as one table: every operation Trent has that takes a key, on a key in
//! each state a symmetric key can reach (Enabled, Disabled,
//! PendingDeletion), against a fresh key per cell.

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::types::{GrantOperation, Tag};
use aws_sdk_kms::Client;

use crate::{blob, create_key, server};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Enabled,
    Disabled,
    PendingDeletion,
}

/// The outcome of a call: `None` for success, else the error code.
type Outcome = Option<String>;

fn outcome<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> Outcome {
    result
        .err()
        .map(|error| error.code().unwrap_or("?").to_owned())
}

async fn run(op: &str, client: &Client, key_id: &str, ciphertext: &[u8]) -> Outcome {
    let key = key_id;
    match op {
        "DescribeKey" => outcome(client.describe_key().key_id(key).send().await),
        "EnableKey" => outcome(client.enable_key().key_id(key).send().await),
        "DisableKey" => outcome(client.disable_key().key_id(key).send().await),
        "ScheduleKeyDeletion" => outcome(
            client
                .schedule_key_deletion()
                .key_id(key)
                .pending_window_in_days(7)
                .send()
                .await,
        ),
        "CancelKeyDeletion" => outcome(client.cancel_key_deletion().key_id(key).send().await),
        "UpdateKeyDescription" => outcome(
            client
                .update_key_description()
                .key_id(key)
                .description("d")
                .send()
                .await,
        ),
        "CreateAlias" => outcome(
            client
                .create_alias()
                .alias_name(format!("alias/new-{key}"))
                .target_key_id(key)
                .send()
                .await,
        ),
        "UpdateAlias" => outcome(
            client
                .update_alias()
                .alias_name("alias/shared")
                .target_key_id(key)
                .send()
                .await,
        ),
        "TagResource" => outcome(
            client
                .tag_resource()
                .key_id(key)
                .tags(Tag::builder().tag_key("k").tag_value("v").build().unwrap())
                .send()
                .await,
        ),
        "UntagResource" => outcome(
            client
                .untag_resource()
                .key_id(key)
                .tag_keys("k")
                .send()
                .await,
        ),
        "ListResourceTags" => outcome(client.list_resource_tags().key_id(key).send().await),
        "GetKeyPolicy" => outcome(client.get_key_policy().key_id(key).send().await),
        "PutKeyPolicy" => {
            let policy = client.get_key_policy().key_id(key).send().await.unwrap();
            outcome(
                client
                    .put_key_policy()
                    .key_id(key)
                    .policy(policy.policy().unwrap())
                    .send()
                    .await,
            )
        }
        "ListKeyPolicies" => outcome(client.list_key_policies().key_id(key).send().await),
        "ListAliases" => outcome(client.list_aliases().key_id(key).send().await),
        "GetKeyRotationStatus" => {
            outcome(client.get_key_rotation_status().key_id(key).send().await)
        }
        "EnableKeyRotation" => outcome(client.enable_key_rotation().key_id(key).send().await),
        "DisableKeyRotation" => outcome(client.disable_key_rotation().key_id(key).send().await),
        "RotateKeyOnDemand" => outcome(client.rotate_key_on_demand().key_id(key).send().await),
        "ListKeyRotations" => outcome(client.list_key_rotations().key_id(key).send().await),
        "Encrypt" => outcome(
            client
                .encrypt()
                .key_id(key)
                .plaintext(blob(b"x"))
                .send()
                .await,
        ),
        "Decrypt" => outcome(
            client
                .decrypt()
                .ciphertext_blob(blob(ciphertext))
                .send()
                .await,
        ),
        "ReEncrypt" => outcome(
            client
                .re_encrypt()
                .ciphertext_blob(blob(ciphertext))
                .destination_key_id(key)
                .send()
                .await,
        ),
        "GenerateDataKey" => outcome(
            client
                .generate_data_key()
                .key_id(key)
                .number_of_bytes(32)
                .send()
                .await,
        ),
        "GenerateDataKeyWithoutPlaintext" => outcome(
            client
                .generate_data_key_without_plaintext()
                .key_id(key)
                .number_of_bytes(32)
                .send()
                .await,
        ),
        "CreateGrant" => outcome(
            client
                .create_grant()
                .key_id(key)
                .grantee_principal("arn:aws:iam::111122223333:root")
                .operations(GrantOperation::Encrypt)
                .send()
                .await,
        ),
        "ListGrants" => outcome(client.list_grants().key_id(key).send().await),
        other => panic!("no such operation in the table: {other}"),
    }
}

#[tokio::test]
async fn every_operation_in_every_state_answers_as_aws_does() {
    use State::*;
    const OK: Option<&str> = None;
    const DISABLED: Option<&str> = Some("DisabledException");
    const INVALID: Option<&str> = Some("KMSInvalidStateException");
    // operation: (Enabled, Disabled, PendingDeletion)
    let table: &[(&str, [Option<&str>; 3])] = &[
        ("DescribeKey", [OK, OK, OK]),
        ("EnableKey", [OK, OK, INVALID]),
        ("DisableKey", [OK, OK, INVALID]),
        ("ScheduleKeyDeletion", [OK, OK, INVALID]),
        ("CancelKeyDeletion", [INVALID, INVALID, OK]),
        ("UpdateKeyDescription", [OK, OK, INVALID]),
        ("CreateAlias", [OK, OK, INVALID]),
        ("UpdateAlias", [OK, OK, INVALID]),
        ("TagResource", [OK, OK, INVALID]),
        ("UntagResource", [OK, OK, INVALID]),
        ("ListResourceTags", [OK, OK, OK]),
        ("GetKeyPolicy", [OK, OK, OK]),
        ("PutKeyPolicy", [OK, OK, OK]),
        ("ListKeyPolicies", [OK, OK, OK]),
        ("ListAliases", [OK, OK, OK]),
        ("GetKeyRotationStatus", [OK, OK, OK]),
        ("EnableKeyRotation", [OK, DISABLED, INVALID]),
        ("DisableKeyRotation", [OK, DISABLED, INVALID]),
        ("RotateKeyOnDemand", [OK, DISABLED, INVALID]),
        ("ListKeyRotations", [OK, OK, OK]),
        ("Encrypt", [OK, DISABLED, INVALID]),
        ("Decrypt", [OK, DISABLED, INVALID]),
        ("ReEncrypt", [OK, DISABLED, INVALID]),
        ("GenerateDataKey", [OK, DISABLED, INVALID]),
        ("GenerateDataKeyWithoutPlaintext", [OK, DISABLED, INVALID]),
        ("CreateGrant", [OK, DISABLED, INVALID]),
        ("ListGrants", [OK, OK, OK]),
    ];
    let server = server();
    let client = server.client();
    // UpdateAlias needs an alias to move.
    let anchor = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/shared")
        .target_key_id(&anchor)
        .send()
        .await
        .unwrap();
    let mut failures = Vec::new();
    for (op, expected) in table {
        for (state, want) in [Enabled, Disabled, PendingDeletion]
            .into_iter()
            .zip(expected)
        {
            let key_id = create_key(&client).await;
            let ciphertext = client
                .encrypt()
                .key_id(&key_id)
                .plaintext(blob(b"x"))
                .send()
                .await
                .unwrap()
                .ciphertext_blob()
                .unwrap()
                .as_ref()
                .to_vec();
            match state {
                Enabled => {}
                Disabled => {
                    client.disable_key().key_id(&key_id).send().await.unwrap();
                }
                PendingDeletion => {
                    client
                        .schedule_key_deletion()
                        .key_id(&key_id)
                        .send()
                        .await
                        .unwrap();
                }
            }
            let got = run(op, &client, &key_id, &ciphertext).await;
            if got.as_deref() != *want {
                failures.push(format!("{op} on {state:?}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The messages name the key and its state.
    let key_id = create_key(&client).await;
    client.disable_key().key_id(&key_id).send().await.unwrap();
    let error = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap_err();
    let message = error.message().unwrap_or_default().to_owned();
    assert!(
        message.contains(&key_id) && message.contains("disabled"),
        "{message}"
    );
    client
        .schedule_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let error = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap_err();
    let message = error.message().unwrap_or_default().to_owned();
    assert!(
        message.contains(&key_id) && message.contains("pending deletion"),
        "{message}"
    );
}
