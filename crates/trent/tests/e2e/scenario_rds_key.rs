//! The founding scenario (`shared/scenarios/rds-key`): the platform team's RDS key.
//!
//! Reads `../shared/scenarios/rds-key/policy.json` in place (never copied into
//! the project) and skips cleanly when the shared folder is absent. Policy
//! evaluation is a later issue; here the key is created exactly as Terraform
//! creates it and read back field by field, and expected behaviour 7
//! (deletion window) is checked.

use aws_sdk_kms::types::{KeyState, Tag};

use crate::{blob, expect_error};

const ACCOUNT: &str = "111122223333";
const DESCRIPTION: &str = "Complete key example showing various configurations available";

fn scenario_policy() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/scenarios/rds-key/policy.json");
    match std::fs::read_to_string(&path) {
        Ok(policy) => Some(policy),
        Err(_) => {
            eprintln!("skipping: {} not found", path.display());
            None
        }
    }
}

#[tokio::test]
async fn rds_key_is_created_and_read_back_as_terraform_expects() {
    let Some(policy) = scenario_policy() else {
        return;
    };
    let server = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .account_id(ACCOUNT)
        .start();
    assert_eq!(server.account(), ACCOUNT);
    let client = server.client();

    let created = client
        .create_key()
        .description(DESCRIPTION)
        .policy(&policy)
        .tags(
            Tag::builder()
                .tag_key("Name")
                .tag_value("rds_kms")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let key_id = created.key_metadata().unwrap().key_id().to_owned();
    client
        .create_alias()
        .alias_name("alias/rds_kms")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();

    // What Terraform reads after apply.
    let described = client
        .describe_key()
        .key_id("alias/rds_kms")
        .send()
        .await
        .unwrap();
    let metadata = described.key_metadata().unwrap();
    assert_eq!(metadata.key_id(), key_id);
    assert_eq!(metadata.aws_account_id(), Some(ACCOUNT));
    assert_eq!(
        metadata.arn().unwrap(),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}")
    );
    assert_eq!(metadata.description(), Some(DESCRIPTION));
    assert_eq!(metadata.key_spec().unwrap().as_str(), "SYMMETRIC_DEFAULT");
    assert_eq!(metadata.key_usage().unwrap().as_str(), "ENCRYPT_DECRYPT");
    assert_eq!(metadata.multi_region(), Some(false));
    assert!(metadata.enabled());
    let stored = client
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(stored.policy(), Some(policy.as_str()));
    let rotation = client
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(!rotation.key_rotation_enabled());
    let tags = client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(
        (tags.tags()[0].tag_key(), tags.tags()[0].tag_value()),
        ("Name", "rds_kms")
    );
    let aliases = client.list_aliases().key_id(&key_id).send().await.unwrap();
    assert_eq!(aliases.aliases().len(), 1);
    assert_eq!(aliases.aliases()[0].alias_name(), Some("alias/rds_kms"));

    // Expected behaviour 7: data encrypted before ScheduleKeyDeletion cannot be
    // decrypted while pending deletion, and can again after cancel + enable.
    let ciphertext = client
        .encrypt()
        .key_id("alias/rds_kms")
        .plaintext(blob(b"rds storage key"))
        .send()
        .await
        .unwrap();
    let ciphertext = ciphertext.ciphertext_blob().unwrap().clone();
    let scheduled = client
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    expect_error(
        client
            .decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await,
        "KMSInvalidStateException",
    );
    client
        .cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let described = client.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        described.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    client.enable_key().key_id(&key_id).send().await.unwrap();
    let decrypted = client
        .decrypt()
        .ciphertext_blob(ciphertext)
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"rds storage key");
}
