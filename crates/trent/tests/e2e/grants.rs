//! Grants through `aws-sdk-kms`: used by grantees with and without tokens,
//! constraints honoured and refused, retire and revoke, grants passing on
//! CreateGrant, DryRun, and the grant condition keys.

use aws_sdk_kms::types::{GrantConstraints, GrantOperation};
use trent_testkit::{Identity, TestServer};

use crate::{blob, create_key, expect_error, server};

const DENIED: &str = "AccessDeniedException";

fn arn(server: &TestServer, user: &str) -> String {
    format!("arn:aws:iam::{}:user/{user}", server.account())
}

async fn encrypt(
    client: &aws_sdk_kms::Client,
    key_id: &str,
    context: &[(&str, &str)],
) -> Result<Vec<u8>, aws_sdk_kms::error::SdkError<aws_sdk_kms::operation::encrypt::EncryptError>> {
    let mut request = client.encrypt().key_id(key_id).plaintext(blob(b"data"));
    for (key, value) in context {
        request = request.encryption_context(*key, *value);
    }
    request
        .send()
        .await
        .map(|out| out.ciphertext_blob().unwrap().as_ref().to_vec())
}

struct World {
    server: TestServer,
    root: aws_sdk_kms::Client,
    key_id: String,
    app: Identity,
    other: Identity,
    retirer: Identity,
}

async fn world() -> World {
    let server = server();
    let root = server.client();
    let key_id = create_key(&root).await;
    let app = server.new_user("app").await;
    let other = server.new_user("other").await;
    let retirer = server.new_user("retirer").await;
    World {
        server,
        root,
        key_id,
        app,
        other,
        retirer,
    }
}

#[tokio::test]
async fn grants_allow_exactly_their_operations() {
    let w = world().await;
    let app = w.server.kms_as(&w.app);
    expect_error(encrypt(&app, &w.key_id, &[]).await, DENIED);

    let grant = w
        .root
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "app"))
        .retiring_principal(arn(&w.server, "retirer"))
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::Decrypt)
        .operations(GrantOperation::DescribeKey)
        .send()
        .await
        .unwrap();
    let grant_id = grant.grant_id().unwrap().to_owned();
    let token = grant.grant_token().unwrap().to_owned();
    assert_eq!(grant_id.len(), 64);

    // Immediately usable, with or without the token.
    let ciphertext = encrypt(&app, &w.key_id, &[]).await.unwrap();
    app.encrypt()
        .key_id(&w.key_id)
        .plaintext(blob(b"x"))
        .grant_tokens(&token)
        .send()
        .await
        .unwrap();
    app.decrypt()
        .ciphertext_blob(blob(&ciphertext))
        .send()
        .await
        .unwrap();
    app.describe_key().key_id(&w.key_id).send().await.unwrap();
    // Only its operations.
    expect_error(
        app.generate_data_key()
            .key_id(&w.key_id)
            .number_of_bytes(16)
            .send()
            .await,
        DENIED,
    );
    expect_error(
        app.schedule_key_deletion().key_id(&w.key_id).send().await,
        DENIED,
    );
    // Only for its grantee.
    expect_error(
        encrypt(&w.server.kms_as(&w.other), &w.key_id, &[]).await,
        DENIED,
    );
    // A token this server did not issue.
    expect_error(
        app.encrypt()
            .key_id(&w.key_id)
            .plaintext(blob(b"x"))
            .grant_tokens("not-a-token")
            .send()
            .await,
        "InvalidGrantTokenException",
    );

    // ListGrants, with filters.
    let listed = w.root.list_grants().key_id(&w.key_id).send().await.unwrap();
    assert_eq!(listed.grants().len(), 1);
    let entry = &listed.grants()[0];
    assert_eq!(entry.grant_id(), Some(grant_id.as_str()));
    assert_eq!(
        entry.key_id(),
        Some(
            format!(
                "arn:aws:kms:us-east-1:{}:key/{}",
                w.server.account(),
                w.key_id
            )
            .as_str()
        )
    );
    assert_eq!(
        entry.issuing_account(),
        Some(format!("arn:aws:iam::{}:root", w.server.account()).as_str())
    );
    assert_eq!(entry.operations().len(), 3);
    assert_eq!(
        entry.retiring_principal(),
        Some(arn(&w.server, "retirer").as_str())
    );
    let none = w
        .root
        .list_grants()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .send()
        .await
        .unwrap();
    assert!(none.grants().is_empty());
    expect_error(
        w.root
            .list_grants()
            .key_id(&w.key_id)
            .grant_id("nothex")
            .send()
            .await,
        "InvalidGrantIdException",
    );
    let retirable = w
        .root
        .list_retirable_grants()
        .retiring_principal(arn(&w.server, "retirer"))
        .send()
        .await
        .unwrap();
    assert_eq!(retirable.grants().len(), 1);

    // The grantee may not retire a grant without RetireGrant; the retiring
    // principal may.
    expect_error(app.retire_grant().grant_token(&token).send().await, DENIED);
    w.server
        .kms_as(&w.retirer)
        .retire_grant()
        .key_id(&w.key_id)
        .grant_id(&grant_id)
        .send()
        .await
        .unwrap();
    expect_error(encrypt(&app, &w.key_id, &[]).await, DENIED);
    expect_error(
        w.root
            .revoke_grant()
            .key_id(&w.key_id)
            .grant_id(&grant_id)
            .send()
            .await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn constraints_are_honoured() {
    let w = world().await;
    let other = w.server.kms_as(&w.other);
    let subset = w
        .root
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::Decrypt)
        .constraints(
            GrantConstraints::builder()
                .encryption_context_subset("purpose", "backup")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ciphertext = encrypt(
        &other,
        &w.key_id,
        &[("purpose", "backup"), ("db", "orders")],
    )
    .await
    .unwrap();
    expect_error(encrypt(&other, &w.key_id, &[]).await, DENIED);
    expect_error(
        encrypt(&other, &w.key_id, &[("purpose", "restore")]).await,
        DENIED,
    );
    other
        .decrypt()
        .ciphertext_blob(blob(&ciphertext))
        .encryption_context("purpose", "backup")
        .encryption_context("db", "orders")
        .send()
        .await
        .unwrap();
    w.root
        .revoke_grant()
        .key_id(&w.key_id)
        .grant_id(subset.grant_id().unwrap())
        .send()
        .await
        .unwrap();

    // Equals: exactly this context.
    w.root
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .operations(GrantOperation::Encrypt)
        .constraints(
            GrantConstraints::builder()
                .encryption_context_equals("purpose", "backup")
                .build(),
        )
        .send()
        .await
        .unwrap();
    encrypt(&other, &w.key_id, &[("purpose", "backup")])
        .await
        .unwrap();
    expect_error(
        encrypt(
            &other,
            &w.key_id,
            &[("purpose", "backup"), ("db", "orders")],
        )
        .await,
        DENIED,
    );

    // A constraint cannot cover an operation without a context.
    expect_error(
        w.root
            .create_grant()
            .key_id(&w.key_id)
            .grantee_principal(arn(&w.server, "other"))
            .operations(GrantOperation::DescribeKey)
            .constraints(
                GrantConstraints::builder()
                    .encryption_context_equals("a", "b")
                    .build(),
            )
            .send()
            .await,
        "ValidationException",
    );
    // Grant operations for other key types are refused on a symmetric key.
    expect_error(
        w.root
            .create_grant()
            .key_id(&w.key_id)
            .grantee_principal(arn(&w.server, "other"))
            .operations(GrantOperation::Sign)
            .send()
            .await,
        "ValidationException",
    );
}

#[tokio::test]
async fn names_dry_runs_revocation_and_passing_grants_on() {
    let w = world().await;
    let create = |operations: &[GrantOperation], grantee: &str| {
        let mut request = w
            .root
            .create_grant()
            .key_id(&w.key_id)
            .grantee_principal(arn(&w.server, grantee))
            .name("nightly-backup");
        for operation in operations {
            request = request.operations(operation.clone());
        }
        request
    };
    let first = create(&[GrantOperation::Encrypt], "app")
        .send()
        .await
        .unwrap();
    let again = create(&[GrantOperation::Encrypt], "app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.grant_id(),
        again.grant_id(),
        "same name and parameters"
    );
    let different = create(&[GrantOperation::Decrypt], "app")
        .send()
        .await
        .unwrap();
    assert_ne!(first.grant_id(), different.grant_id());

    // DryRun: the answer without the effect.
    expect_error(
        create(&[GrantOperation::Encrypt], "other")
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    let listed = w.root.list_grants().key_id(&w.key_id).send().await.unwrap();
    assert_eq!(listed.grants().len(), 2, "the dry run created nothing");
    expect_error(
        w.root
            .encrypt()
            .key_id(&w.key_id)
            .plaintext(blob(b"x"))
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    // A dry run that would fail gives the real error.
    expect_error(
        w.server
            .kms_as(&w.other)
            .encrypt()
            .key_id(&w.key_id)
            .plaintext(blob(b"x"))
            .dry_run(true)
            .send()
            .await,
        DENIED,
    );
    expect_error(
        w.root
            .revoke_grant()
            .key_id(&w.key_id)
            .grant_id(first.grant_id().unwrap())
            .dry_run(true)
            .send()
            .await,
        "DryRunOperationException",
    );
    // Revoking needs kms:RevokeGrant from the policies: app has none.
    expect_error(
        w.server
            .kms_as(&w.app)
            .revoke_grant()
            .key_id(&w.key_id)
            .grant_id(first.grant_id().unwrap())
            .send()
            .await,
        DENIED,
    );
    w.root
        .revoke_grant()
        .key_id(&w.key_id)
        .grant_id(first.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    expect_error(
        w.root
            .revoke_grant()
            .key_id(&w.key_id)
            .grant_id("0".repeat(64))
            .send()
            .await,
        "NotFoundException",
    );

    // A grant that includes CreateGrant passes on no more than it has.
    w.root
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "retirer"))
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::CreateGrant)
        .operations(GrantOperation::RetireGrant)
        .send()
        .await
        .unwrap();
    let retirer = w.server.kms_as(&w.retirer);
    let passed = retirer
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .operations(GrantOperation::Encrypt)
        .send()
        .await
        .unwrap();
    encrypt(&w.server.kms_as(&w.other), &w.key_id, &[])
        .await
        .unwrap();
    expect_error(
        retirer
            .create_grant()
            .key_id(&w.key_id)
            .grantee_principal(arn(&w.server, "other"))
            .operations(GrantOperation::Decrypt)
            .send()
            .await,
        DENIED,
    );
    // The grantee of a grant with RetireGrant may retire its own grant by token.
    let own = w
        .root
        .create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .operations(GrantOperation::Encrypt)
        .operations(GrantOperation::RetireGrant)
        .send()
        .await
        .unwrap();
    w.server
        .kms_as(&w.other)
        .retire_grant()
        .grant_token(own.grant_token().unwrap())
        .send()
        .await
        .unwrap();
    // The root of the key's account may retire any grant.
    w.root
        .retire_grant()
        .key_id(&w.key_id)
        .grant_id(passed.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    expect_error(
        encrypt(&w.server.kms_as(&w.other), &w.key_id, &[]).await,
        DENIED,
    );
}

#[tokio::test]
async fn explicit_denies_beat_grants_and_grant_condition_keys_reach_policies() {
    let w = world().await;
    let account = w.server.account().to_owned();
    // kms:GrantOperations in an identity policy: app may grant Encrypt and
    // Decrypt only.
    w.server
        .iam()
        .put_user_policy()
        .user_name("app")
        .policy_name("grant-some")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*",
                "Condition": {
                    "ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]},
                    "StringLike": {"kms:GranteePrincipal": format!("arn:aws:iam::{account}:user/*")}}}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let app = w.server.kms_as(&w.app);
    app.create_grant()
        .key_id(&w.key_id)
        .grantee_principal(arn(&w.server, "other"))
        .operations(GrantOperation::Encrypt)
        .send()
        .await
        .unwrap();
    expect_error(
        app.create_grant()
            .key_id(&w.key_id)
            .grantee_principal(arn(&w.server, "other"))
            .operations(GrantOperation::Encrypt)
            .operations(GrantOperation::ReEncryptFrom)
            .send()
            .await,
        DENIED,
    );
    // An explicit deny in the key policy wins over other's grant.
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": arn(&w.server, "other")}, "Action": "kms:Encrypt", "Resource": "*"}]})
    .to_string();
    let other = w.server.kms_as(&w.other);
    encrypt(&other, &w.key_id, &[]).await.unwrap();
    w.root
        .put_key_policy()
        .key_id(&w.key_id)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    let message = expect_error(encrypt(&other, &w.key_id, &[]).await, DENIED);
    assert!(message.contains("explicit deny"), "{message}");
}
