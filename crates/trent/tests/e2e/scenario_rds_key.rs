//! The founding scenario (`shared/scenarios/rds-key`): the platform team's RDS key.
//!
//! Reads `../shared/scenarios/rds-key/policy.json` in place (never copied into
//! the project) and skips cleanly when the shared folder is absent. The key is
//! created exactly as Terraform creates it and read back field by field, and
//! every expected behaviour of the scenario's README (1–7) is checked with
//! separate IAM users and access keys, a second account, and the decision
//! trace.

use aws_sdk_kms::types::{KeyState, Tag};
use trent_testkit::Identity;

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
    let mut server = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .account_id(ACCOUNT)
        .start();
    assert_eq!(server.account(), ACCOUNT);
    let client = server.client();

    // The policy names kmsuser, who does not exist yet: AWS refuses such a policy.
    expect_error(
        client.create_key().policy(&policy).send().await,
        "MalformedPolicyDocumentException",
    );
    let kmsuser = server.new_user("kmsuser").await;
    let second = server.new_user("second").await;

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

    let key_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}");
    behaviour_1_kmsuser_may_do_everything(&server, &kmsuser, &key_id, &policy).await;
    behaviours_2_and_3_other_users_need_identity_policies(&server, &second, &key_id, &key_arn)
        .await;
    behaviour_5_grants_need_an_integrated_service(&server, &key_id, &policy).await;
    behaviour_6_lockout_safety_check(&server, &kmsuser, &policy).await;
    behaviour_4_other_accounts_are_denied(&mut server, &key_arn).await;
    let client = server.client();

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

async fn behaviour_1_kmsuser_may_do_everything(
    server: &trent_testkit::TestServer,
    kmsuser: &Identity,
    key_id: &str,
    policy: &str,
) {
    let kms = server.kms_as(kmsuser);
    let ciphertext = kms
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(b"by kmsuser"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let plain = kms
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"by kmsuser");
    kms.re_encrypt()
        .ciphertext_blob(ciphertext)
        .destination_key_id(key_id)
        .send()
        .await
        .unwrap();
    kms.generate_data_key()
        .key_id("alias/rds_kms")
        .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    kms.generate_data_key_without_plaintext()
        .key_id(key_id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    kms.describe_key().key_id(key_id).send().await.unwrap();
    kms.get_key_policy().key_id(key_id).send().await.unwrap();
    kms.put_key_policy()
        .key_id(key_id)
        .policy(policy)
        .send()
        .await
        .unwrap();
    kms.list_resource_tags()
        .key_id(key_id)
        .send()
        .await
        .unwrap();
    kms.disable_key().key_id(key_id).send().await.unwrap();
    kms.enable_key().key_id(key_id).send().await.unwrap();
    kms.schedule_key_deletion()
        .key_id(key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    kms.cancel_key_deletion()
        .key_id(key_id)
        .send()
        .await
        .unwrap();
    kms.enable_key().key_id(key_id).send().await.unwrap();
}

async fn behaviours_2_and_3_other_users_need_identity_policies(
    server: &trent_testkit::TestServer,
    second: &Identity,
    key_id: &str,
    key_arn: &str,
) {
    let root = server.client();
    let ciphertext = root
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(b"secret"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    let kms = server.kms_as(second);
    let denied = "AccessDeniedException";
    // 2. No identity policy: every operation on the key is denied.
    let message = expect_error(
        kms.encrypt()
            .key_id(key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        denied,
    );
    assert_eq!(
        message,
        format!("User: arn:aws:iam::{ACCOUNT}:user/second is not authorized to perform: kms:Encrypt on resource: {key_arn} because no identity-based policy allows the kms:Encrypt action")
    );
    expect_error(
        kms.decrypt()
            .ciphertext_blob(ciphertext.clone())
            .send()
            .await,
        denied,
    );
    expect_error(kms.describe_key().key_id(key_id).send().await, denied);
    expect_error(kms.get_key_policy().key_id(key_id).send().await, denied);
    expect_error(
        kms.put_key_policy()
            .key_id(key_id)
            .policy("{}")
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.schedule_key_deletion().key_id(key_id).send().await,
        denied,
    );
    expect_error(kms.disable_key().key_id(key_id).send().await, denied);
    expect_error(
        kms.generate_data_key()
            .key_id(key_id)
            .number_of_bytes(16)
            .send()
            .await,
        denied,
    );
    expect_error(kms.list_resource_tags().key_id(key_id).send().await, denied);

    // 3. An identity policy allowing Encrypt and Decrypt on this key's ARN.
    server
        .iam()
        .put_user_policy()
        .user_name("second")
        .policy_name("use-rds-key")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": key_arn}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    kms.encrypt()
        .key_id(key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    let plain = kms
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"secret");
    // ... and nothing else.
    expect_error(kms.describe_key().key_id(key_id).send().await, denied);
    expect_error(
        kms.re_encrypt()
            .ciphertext_blob(ciphertext)
            .destination_key_id(key_id)
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.generate_data_key()
            .key_id(key_id)
            .number_of_bytes(16)
            .send()
            .await,
        denied,
    );
    expect_error(
        kms.schedule_key_deletion().key_id(key_id).send().await,
        denied,
    );
}

async fn behaviour_4_other_accounts_are_denied(
    server: &mut trent_testkit::TestServer,
    key_arn: &str,
) {
    const OTHER: &str = "444455556666";
    let binary = env!("CARGO_BIN_EXE_trent");
    let dir = tempfile::tempdir().unwrap();
    let root_file = dir.path().join("other-root");
    let user_file = dir.path().join("other-user");
    let policy_file = dir.path().join("policy.json");
    std::fs::write(
        &policy_file,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    )
    .unwrap();
    server.while_stopped(|data_dir| {
        let data_dir = data_dir.to_str().unwrap();
        let admin = |args: &[&str]| {
            let output = std::process::Command::new(binary)
                .args(["admin", "--data-dir", data_dir])
                .args(args)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "trent admin {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        };
        let created = admin(&[
            "create-account",
            "--account-id",
            OTHER,
            "--credentials-file",
            root_file.to_str().unwrap(),
        ]);
        assert!(created.contains(OTHER), "{created}");
        admin(&["create-user", "--account", OTHER, "--name", "outsider"]);
        admin(&[
            "put-user-policy",
            "--account",
            OTHER,
            "--user",
            "outsider",
            "--policy-name",
            "everything",
            "--document",
            policy_file.to_str().unwrap(),
        ]);
        admin(&[
            "create-access-key",
            "--account",
            OTHER,
            "--user",
            "outsider",
            "--credentials-file",
            user_file.to_str().unwrap(),
        ]);
        assert!(admin(&["list-accounts"]).contains(OTHER));
    });
    let read = |path: &std::path::Path| {
        let text = std::fs::read_to_string(path).unwrap();
        let field = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(&format!("{name} = ")))
                .unwrap()
                .to_owned()
        };
        Identity {
            access_key_id: field("aws_access_key_id"),
            secret_access_key: field("aws_secret_access_key"),
            session_token: None,
        }
    };
    for (who, credentials) in [
        (format!("arn:aws:iam::{OTHER}:root"), read(&root_file)),
        (
            format!("arn:aws:iam::{OTHER}:user/outsider"),
            read(&user_file),
        ),
    ] {
        let kms = server.kms_as(&credentials);
        let message = expect_error(
            kms.encrypt()
                .key_id(key_arn)
                .plaintext(blob(b"x"))
                .send()
                .await,
            "AccessDeniedException",
        );
        assert_eq!(
            message,
            format!("User: {who} is not authorized to perform: kms:Encrypt on resource: {key_arn} because no resource-based policy allows the kms:Encrypt action")
        );
        expect_error(
            kms.describe_key().key_id(key_arn).send().await,
            "AccessDeniedException",
        );
    }
}

/// The decision trace, asked by the account root through the admin API.
async fn explain(
    server: &trent_testkit::TestServer,
    principal: &str,
    action: &str,
    key_id: &str,
) -> serde_json::Value {
    let mut request = trent_testkit::RawRequest::kms(
        "ExplainDecision",
        &serde_json::json!({"PrincipalArn": principal, "Action": action, "KeyId": key_id})
            .to_string(),
    );
    request.target = Some("TrentAdmin.ExplainDecision".into());
    let response = request.send(server, &server.root_credentials()).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

async fn behaviour_5_grants_need_an_integrated_service(
    server: &trent_testkit::TestServer,
    key_id: &str,
    policy: &str,
) {
    let kmsuser = format!("arn:aws:iam::{ACCOUNT}:user/kmsuser");
    // kmsuser is allowed CreateGrant by statement 2 (kms:*); statement 4
    // alone would not allow it: its condition fails on a direct call.
    let answer = explain(server, &kmsuser, "kms:CreateGrant", key_id).await;
    assert_eq!(answer["Decision"], "Allow", "{answer}");
    assert_eq!(answer["KeyPolicy"][1]["Outcome"], "Matched");
    assert_eq!(answer["KeyPolicy"][3]["Outcome"], "ConditionFailed");
    assert_eq!(
        answer["KeyPolicy"][3]["ConditionKey"],
        "kms:GrantIsForAWSResource"
    );

    // A key whose policy keeps only statements 1 and 4: a principal covered
    // only by statement 4 is denied a direct CreateGrant.
    let mut only_grants: serde_json::Value = serde_json::from_str(policy).unwrap();
    let statements = only_grants["Statement"].as_array().unwrap().clone();
    only_grants["Statement"] = serde_json::json!([statements[0], statements[3]]);
    let grant_key = server
        .client()
        .create_key()
        .policy(only_grants.to_string())
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    for principal in [
        kmsuser.clone(),
        format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"),
    ] {
        let answer = explain(server, &principal, "kms:CreateGrant", &grant_key).await;
        assert_eq!(answer["Decision"], "Deny", "{answer}");
        assert_eq!(answer["KeyPolicy"][1]["Outcome"], "ConditionFailed");
        assert_eq!(answer["KeyPolicy"][0]["Outcome"], "MatchedAccount");
    }
    // Statement 4 does not cover other actions at all.
    let answer = explain(server, &kmsuser, "kms:Encrypt", &grant_key).await;
    assert_eq!(answer["KeyPolicy"][1]["Outcome"], "ActionDidNotMatch");
    assert_eq!(answer["Denial"], "NoIdentityPolicyAllows");

    // The trace is for administrators only: a user cannot ask, even kmsuser.
    let mut request = trent_testkit::RawRequest::kms(
        "ExplainDecision",
        &serde_json::json!({"PrincipalArn": kmsuser, "Action": "kms:Encrypt", "KeyId": key_id})
            .to_string(),
    );
    request.target = Some("TrentAdmin.ExplainDecision".into());
    let iam = server.iam();
    let key = iam
        .create_access_key()
        .user_name("kmsuser")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let response = request
        .send(
            server,
            &trent_testkit::RootCredentials {
                access_key_id: key.access_key_id().to_owned(),
                secret_access_key: key.secret_access_key().to_owned(),
            },
        )
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["__type"], "AccessDeniedException");
    iam.delete_access_key()
        .user_name("kmsuser")
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
}

async fn behaviour_6_lockout_safety_check(
    server: &trent_testkit::TestServer,
    kmsuser: &Identity,
    policy: &str,
) {
    let key_id = server
        .client()
        .create_key()
        .policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    // Only the account statement: kmsuser has no identity policy, so this
    // policy would lock kmsuser out of PutKeyPolicy.
    let mut account_only: serde_json::Value = serde_json::from_str(policy).unwrap();
    let first = account_only["Statement"][0].clone();
    account_only["Statement"] = serde_json::json!([first]);
    let kms = server.kms_as(kmsuser);
    let message = expect_error(
        kms.put_key_policy()
            .key_id(&key_id)
            .policy(account_only.to_string())
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    assert_eq!(
        message,
        "The new key policy will not allow you to update the key policy in the future."
    );
    kms.put_key_policy()
        .key_id(&key_id)
        .policy(account_only.to_string())
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    expect_error(
        kms.put_key_policy()
            .key_id(&key_id)
            .policy(policy)
            .send()
            .await,
        "AccessDeniedException",
    );
}
