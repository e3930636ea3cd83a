//! Aliases: create, update, delete, list (with the KeyId filter), and their errors.

use crate::{blob, create_key, expect_error, server};

#[tokio::test]
async fn alias_lifecycle_follows_aws() {
    let server = server();
    let client = server.client();
    let first = create_key(&client).await;
    let second = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/app")
        .target_key_id(&first)
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .create_alias()
            .alias_name("alias/app")
            .target_key_id(&second)
            .send()
            .await,
        "AlreadyExistsException",
    );
    assert!(
        message.contains(&format!(
            "arn:aws:kms:us-east-1:{}:alias/app",
            server.account()
        )),
        "{message}"
    );

    let listed = client.list_aliases().send().await.unwrap();
    assert_eq!(listed.aliases().len(), 1);
    let alias = &listed.aliases()[0];
    assert_eq!(alias.alias_name(), Some("alias/app"));
    assert_eq!(
        alias.alias_arn().unwrap(),
        format!("arn:aws:kms:us-east-1:{}:alias/app", server.account())
    );
    assert_eq!(alias.target_key_id(), Some(first.as_str()));
    assert!(alias.creation_date().is_some() && alias.last_updated_date().is_some());

    let ciphertext = client
        .encrypt()
        .key_id("alias/app")
        .plaintext(blob(b"v1"))
        .send()
        .await
        .unwrap();
    assert!(ciphertext.key_id().unwrap().ends_with(&first));

    client
        .update_alias()
        .alias_name("alias/app")
        .target_key_id(&second)
        .send()
        .await
        .unwrap();
    let ciphertext = client
        .encrypt()
        .key_id("alias/app")
        .plaintext(blob(b"v2"))
        .send()
        .await
        .unwrap();
    assert!(ciphertext.key_id().unwrap().ends_with(&second));

    let for_first = client.list_aliases().key_id(&first).send().await.unwrap();
    assert!(for_first.aliases().is_empty());
    let for_second = client.list_aliases().key_id(&second).send().await.unwrap();
    assert_eq!(for_second.aliases().len(), 1);

    client
        .delete_alias()
        .alias_name("alias/app")
        .send()
        .await
        .unwrap();
    expect_error(
        client.delete_alias().alias_name("alias/app").send().await,
        "NotFoundException",
    );
    expect_error(
        client
            .encrypt()
            .key_id("alias/app")
            .plaintext(blob(b"x"))
            .send()
            .await,
        "NotFoundException",
    );
    // The key outlives its alias.
    client.describe_key().key_id(&second).send().await.unwrap();
}

#[tokio::test]
async fn alias_names_are_checked() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    expect_error(
        client
            .create_alias()
            .alias_name("alias/aws/ebs")
            .target_key_id(&key_id)
            .send()
            .await,
        "InvalidAliasNameException",
    );
    // Without the prefix: AWS's ValidationException (aws_answers.rs pins its words).
    expect_error(
        client
            .create_alias()
            .alias_name("no-prefix")
            .target_key_id(&key_id)
            .send()
            .await,
        "ValidationException",
    );
    let message = expect_error(
        client
            .create_alias()
            .alias_name("alias/has space")
            .target_key_id(&key_id)
            .send()
            .await,
        "ValidationException",
    );
    assert!(message.contains("'aliasName'"), "{message}");
    expect_error(
        client
            .create_alias()
            .alias_name("alias/x")
            .target_key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
            .send()
            .await,
        "NotFoundException",
    );
    expect_error(
        client
            .update_alias()
            .alias_name("alias/missing")
            .target_key_id(&key_id)
            .send()
            .await,
        "NotFoundException",
    );
    client
        .schedule_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    expect_error(
        client
            .create_alias()
            .alias_name("alias/late")
            .target_key_id(&key_id)
            .send()
            .await,
        "KMSInvalidStateException",
    );
}

#[tokio::test]
async fn list_aliases_paginates() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    for n in 0..5 {
        client
            .create_alias()
            .alias_name(format!("alias/a{n}"))
            .target_key_id(&key_id)
            .send()
            .await
            .unwrap();
    }
    let first = client.list_aliases().limit(3).send().await.unwrap();
    assert_eq!(first.aliases().len(), 3);
    assert!(first.truncated());
    let rest = client
        .list_aliases()
        .limit(3)
        .marker(first.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.aliases().len(), 2);
    assert!(!rest.truncated());
    let names: Vec<_> = first
        .aliases()
        .iter()
        .chain(rest.aliases())
        .filter_map(|a| a.alias_name())
        .collect();
    assert_eq!(
        names,
        ["alias/a0", "alias/a1", "alias/a2", "alias/a3", "alias/a4"]
    );
}
