//! Key policies are enforced: explicit denies, conditions on the request,
//! the lockout safety check, and other accounts.

use trent_testkit::TestServer;

use crate::{blob, create_key, expect_error, server};

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn allow_account(account: &str) -> String {
    format!(
        r#"{{"Sid":"Account","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"kms:*","Resource":"*"}}"#
    )
}

#[tokio::test]
async fn an_explicit_deny_refuses_the_action_and_nothing_else() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let earlier = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    let deny = r#"{"Sid":"NoEncrypt","Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*"}"#;
    let document = policy(&format!("{},{deny}", allow_account(server.account())));
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );
    assert_eq!(
        message,
        format!(
            "User: arn:aws:iam::{0}:root is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:us-east-1:{0}:key/{key_id} with an explicit deny in a resource-based policy",
            server.account()
        )
    );
    let decrypted = client
        .decrypt()
        .ciphertext_blob(earlier.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"x");
    client.describe_key().key_id(&key_id).send().await.unwrap();
}

#[tokio::test]
async fn encryption_context_conditions_are_enforced() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let account = server.account();
    let document = policy(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"NotAction":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}},
           {{"Effect":"Allow","Principal":{{"AWS":"{account}"}},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*",
             "Condition":{{"StringEquals":{{"kms:EncryptionContext:purpose":"db"}}}}}}"#
    ));
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .encryption_context("purpose", "db")
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );
    assert!(
        message.ends_with("because no resource-based policy allows the kms:Encrypt action"),
        "{message}"
    );
    expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .encryption_context("purpose", "web")
            .send()
            .await,
        "AccessDeniedException",
    );
    let decrypted = client
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .encryption_context("purpose", "db")
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"x");
}

#[tokio::test]
async fn request_alias_feeds_conditions() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/blocked")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    client
        .create_alias()
        .alias_name("alias/open")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let deny = r#"{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:RequestAlias":"alias/blocked"}}}"#;
    let document = policy(&format!("{},{deny}", allow_account(server.account())));
    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .encrypt()
            .key_id("alias/blocked")
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );
    client
        .encrypt()
        .key_id("alias/open")
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
    client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_lockout_safety_check_refuses_policies_that_lock_the_caller_out() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let other_only = policy(&allow_account("444455556666"));
    let message = expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy(&other_only)
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    assert_eq!(
        message,
        "The new key policy will not allow you to update the key policy in the future."
    );
    client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .unwrap();

    client
        .put_key_policy()
        .key_id(&key_id)
        .policy(&other_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    // The key is now out of this account's reach, as AWS would leave it.
    expect_error(
        client.describe_key().key_id(&key_id).send().await,
        "AccessDeniedException",
    );
    expect_error(
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );
    expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy(policy(&allow_account(server.account())))
            .send()
            .await,
        "AccessDeniedException",
    );

    expect_error(
        client.create_key().policy(&other_only).send().await,
        "MalformedPolicyDocumentException",
    );
    let created = client
        .create_key()
        .policy(&other_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .describe_key()
            .key_id(created.key_metadata().unwrap().key_id())
            .send()
            .await,
        "AccessDeniedException",
    );
}

#[tokio::test]
async fn policy_grammar_errors_are_explained() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let no_principal = policy(r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#);
    let message = expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy(no_principal)
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    assert!(message.contains("Principal"), "{message}");
    let bad_principal = policy(
        r#"{"Effect":"Allow","Principal":{"AWS":"somebody"},"Action":"kms:*","Resource":"*"}"#,
    );
    let message = expect_error(
        client
            .put_key_policy()
            .key_id(&key_id)
            .policy(bad_principal)
            .send()
            .await,
        "MalformedPolicyDocumentException",
    );
    assert!(message.contains("Invalid principal"), "{message}");
}

#[tokio::test]
async fn other_accounts_need_the_key_policy() {
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .dev()
        .start();
    let owner = server.client_with("111122223333", "x", "us-east-1");
    let other = server.client_with("444455556666", "x", "us-east-1");
    let key_id = create_key(&owner).await;
    let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{key_id}");
    let message = expect_error(
        other
            .encrypt()
            .key_id(&arn)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );
    assert!(
        message.starts_with(
            "User: arn:aws:iam::444455556666:root is not authorized to perform: kms:Encrypt"
        ),
        "{message}"
    );
    let both = policy(&format!(
        "{},{}",
        allow_account("111122223333"),
        allow_account("444455556666")
    ));
    owner
        .put_key_policy()
        .key_id(&key_id)
        .policy(both)
        .send()
        .await
        .unwrap();
    let encrypted = other
        .encrypt()
        .key_id(&arn)
        .plaintext(blob(b"shared"))
        .send()
        .await
        .unwrap();
    let decrypted = owner
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"shared");
    // A bare key id still means "in my account": not found for the other account.
    expect_error(
        other.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
}
