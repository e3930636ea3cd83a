//! Answers pinned to what AWS KMS itself returns, word for word where AWS's
//! wording is on record: alias names without `alias/`, tag refusals,
//! `InvalidCiphertextException`'s bare body, GenerateRandom without
//! `NumberOfBytes`, RotateKeyOnDemand's `KeyId`, CreateKey's spec and usage
//! pairs, and the operations of the AWS API that Trent does not serve.

use aws_sdk_kms::error::ProvideErrorMetadata as _;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, Tag};
use base64::Engine as _;
use trent_testkit::{RawRequest, RawResponse, RootCredentials, TestServer};

use crate::{create_key, expect_error, server};

const ALIAS_PREFIX: &str = "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

fn tags(count: usize, prefix: &str) -> Vec<Tag> {
    (0..count)
        .map(|n| tag(&format!("{prefix}{n}"), "v"))
        .collect()
}

async fn raw(server: &TestServer, operation: &str, body: &str) -> RawResponse {
    RawRequest::kms(operation, body)
        .send(server, &server.root_credentials())
        .await
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn alias_names_without_the_prefix_are_validation_exceptions() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    client
        .create_alias()
        .alias_name("alias/kept")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    for name in ["no-prefix", "Alias/upper", "kept"] {
        let message = expect_error(
            client
                .create_alias()
                .alias_name(name)
                .target_key_id(&key_id)
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(message, ALIAS_PREFIX, "CreateAlias {name}");
        let message = expect_error(
            client
                .update_alias()
                .alias_name(name)
                .target_key_id(&key_id)
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(message, ALIAS_PREFIX, "UpdateAlias {name}");
        let message = expect_error(
            client.delete_alias().alias_name(name).send().await,
            "ValidationException",
        );
        assert_eq!(message, ALIAS_PREFIX, "DeleteAlias {name}");
    }
    // On the wire: a 400 with exactly that message.
    let response = raw(
        &server,
        "CreateAlias",
        &format!(r#"{{"AliasName":"no-prefix","TargetKeyId":"{key_id}"}}"#),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json(),
        serde_json::json!({"__type": "ValidationException", "message": ALIAS_PREFIX})
    );
    // A name with the prefix but nothing after it is still the alias-name error.
    expect_error(
        client
            .create_alias()
            .alias_name("alias/")
            .target_key_id(&key_id)
            .send()
            .await,
        "InvalidAliasNameException",
    );
    // Nothing was created, changed or deleted by the refusals.
    let aliases = client.list_aliases().send().await.unwrap();
    let names: Vec<&str> = aliases
        .aliases()
        .iter()
        .filter_map(|alias| alias.alias_name())
        .collect();
    assert_eq!(names, ["alias/kept"]);
}

#[tokio::test]
async fn reserved_tag_prefixes_in_any_case_are_tag_exceptions() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    for key in ["aws:key1", "AWS:key1", "Aws:x", "aWs:"] {
        let message = expect_error(
            client.create_key().tags(tag(key, "v")).send().await,
            "TagException",
        );
        assert_eq!(message, "Tags beginning with aws: are reserved", "{key}");
        let message = expect_error(
            client
                .tag_resource()
                .key_id(&key_id)
                .tags(tag("fine", "v"))
                .tags(tag(key, "v"))
                .send()
                .await,
            "TagException",
        );
        assert_eq!(message, "Tags beginning with aws: are reserved", "{key}");
    }
    // Only the prefix is reserved.
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("awsx", "v"))
        .tags(tag("my:aws:", "v"))
        .send()
        .await
        .unwrap();
    let listed = client
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 2, "{:?}", listed.tags());
    assert_eq!(client.list_keys().send().await.unwrap().keys().len(), 1);
}

#[tokio::test]
async fn more_than_fifty_tags_are_tag_exceptions() {
    let server = server();
    let client = server.client();
    let message = expect_error(
        client
            .create_key()
            .set_tags(Some(tags(51, "key")))
            .send()
            .await,
        "TagException",
    );
    assert_eq!(message, "Too many tags");
    let key_id = create_key(&client).await;
    let message = expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .set_tags(Some(tags(51, "key")))
            .send()
            .await,
        "TagException",
    );
    assert_eq!(message, "Too many tags");
    // Fifty is the quota: reached, overwritten at the limit, then exceeded.
    client
        .tag_resource()
        .key_id(&key_id)
        .set_tags(Some(tags(50, "key")))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("key0", "new value"))
        .send()
        .await
        .unwrap();
    let message = expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag("key50", "v"))
            .send()
            .await,
        "TagException",
    );
    assert_eq!(message, "Too many tags");
    let response = raw(
        &server,
        "TagResource",
        &format!(r#"{{"KeyId":"{key_id}","Tags":[{{"TagKey":"extra","TagValue":"v"}}]}}"#),
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json(),
        serde_json::json!({"__type": "TagException", "message": "Too many tags"})
    );
    assert_eq!(client.list_keys().send().await.unwrap().keys().len(), 1);
}

#[tokio::test]
async fn duplicate_tag_keys_are_tag_exceptions() {
    let server = server();
    let client = server.client();
    let message = expect_error(
        client
            .create_key()
            .tags(tag("tag1", "value1"))
            .tags(tag("tag1", "another-value1"))
            .send()
            .await,
        "TagException",
    );
    assert_eq!(message, "Duplicate tag keys");
    let key_id = create_key(&client).await;
    let message = expect_error(
        client
            .tag_resource()
            .key_id(&key_id)
            .tags(tag("tag1", "value1"))
            .tags(tag("tag1", "another-value1"))
            .send()
            .await,
        "TagException",
    );
    assert_eq!(message, "Duplicate tag keys");
    // Tag keys are case-sensitive: these are two tags.
    client
        .tag_resource()
        .key_id(&key_id)
        .tags(tag("tag1", "value1"))
        .tags(tag("Tag1", "value1"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn invalid_ciphertext_exception_has_no_message_member() {
    const BARE: &[u8] = br#"{"__type":"InvalidCiphertextException"}"#;
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(crate::blob(b"secret"))
        .encryption_context("purpose", "test")
        .send()
        .await
        .unwrap();
    let ciphertext = encrypted.ciphertext_blob().unwrap().as_ref().to_vec();
    let mut tampered = ciphertext.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let rsa = crate::asymmetric::create(&client, "RSA_2048", "ENCRYPT_DECRYPT").await;
    let ml_kem = crate::asymmetric::create(&client, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
    for (operation, body) in [
        // The wrong encryption context.
        (
            "Decrypt",
            format!(
                r#"{{"CiphertextBlob":"{}","EncryptionContext":{{"purpose":"other"}}}}"#,
                base64(&ciphertext)
            ),
        ),
        // No encryption context at all.
        (
            "Decrypt",
            format!(r#"{{"CiphertextBlob":"{}"}}"#, base64(&ciphertext)),
        ),
        // A flipped bit.
        (
            "Decrypt",
            format!(
                r#"{{"CiphertextBlob":"{}","EncryptionContext":{{"purpose":"test"}}}}"#,
                base64(&tampered)
            ),
        ),
        // Not a Trent ciphertext.
        (
            "Decrypt",
            format!(r#"{{"CiphertextBlob":"{}"}}"#, base64(&[7; 64])),
        ),
        (
            "ReEncrypt",
            format!(
                r#"{{"CiphertextBlob":"{}","DestinationKeyId":"{key_id}"}}"#,
                base64(&ciphertext)
            ),
        ),
        // RSA-OAEP over bytes that are no RSA ciphertext.
        (
            "Decrypt",
            format!(
                r#"{{"KeyId":"{rsa}","CiphertextBlob":"{}","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}"#,
                base64(&[1; 256])
            ),
        ),
        // An ML-KEM ciphertext of a length the spec does not have.
        (
            "Decapsulate",
            format!(
                r#"{{"KeyId":"{ml_kem}","SharedSecretCiphertextBlob":"{}","EncapsulationAlgorithm":"ML_KEM"}}"#,
                base64(&[1; 5])
            ),
        ),
    ] {
        let response = raw(&server, operation, &body).await;
        assert_eq!(response.status, 400, "{operation} {body}");
        assert_eq!(
            response.body,
            BARE,
            "{operation}: {}",
            String::from_utf8_lossy(&response.body)
        );
    }
    // Through the SDK: the code, and no message.
    let error = client
        .decrypt()
        .ciphertext_blob(crate::blob(&ciphertext))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("InvalidCiphertextException"));
    assert_eq!(error.message(), None);
}

#[tokio::test]
async fn generate_random_without_number_of_bytes_is_a_validation_exception() {
    let server = server();
    let client = server.client();
    let message = expect_error(client.generate_random().send().await, "ValidationException");
    assert_eq!(message, "NumberOfBytes is required.");
    for body in ["{}", r#"{"NumberOfBytes":null}"#, ""] {
        let response = raw(&server, "GenerateRandom", body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(
            response.json(),
            serde_json::json!({"__type": "ValidationException", "message": "NumberOfBytes is required."}),
            "{body}"
        );
    }
    // The model's range still speaks the model's language.
    let message = expect_error(
        client.generate_random().number_of_bytes(0).send().await,
        "ValidationException",
    );
    assert!(
        message.starts_with("1 validation error detected"),
        "{message}"
    );
    let random = client
        .generate_random()
        .number_of_bytes(16)
        .send()
        .await
        .unwrap();
    assert_eq!(random.plaintext().unwrap().as_ref().len(), 16);
}

#[tokio::test]
async fn rotate_key_on_demand_answers_the_key_arn() {
    let server = server();
    let client = server.client();
    let created = client.create_key().send().await.unwrap();
    let metadata = created.key_metadata().unwrap();
    let (key_id, arn) = (metadata.key_id(), metadata.arn().unwrap());
    assert_eq!(
        arn,
        format!("arn:aws:kms:us-east-1:{}:key/{key_id}", server.account())
    );
    for named in [key_id, arn] {
        let rotated = client
            .rotate_key_on_demand()
            .key_id(named)
            .send()
            .await
            .unwrap();
        assert_eq!(rotated.key_id(), Some(arn), "named by {named}");
    }
    // As GetKeyRotationStatus answers.
    let status = client
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.key_id(), Some(arn));
    let response = raw(
        &server,
        "RotateKeyOnDemand",
        &format!(r#"{{"KeyId":"{key_id}"}}"#),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({ "KeyId": arn }));
}

#[tokio::test]
async fn spec_and_usage_that_do_not_go_together_are_validation_exceptions() {
    let server = server();
    let client = server.client();
    for (spec, usage) in [
        ("HMAC_256", "ENCRYPT_DECRYPT"),
        ("HMAC_512", "SIGN_VERIFY"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"),
        ("ECC_NIST_P256", "ENCRYPT_DECRYPT"),
        ("ML_DSA_44", "ENCRYPT_DECRYPT"),
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"),
        ("SYMMETRIC_DEFAULT", "GENERATE_VERIFY_MAC"),
    ] {
        let message = expect_error(
            client
                .create_key()
                .key_spec(KeySpec::from(spec))
                .key_usage(KeyUsageType::from(usage))
                .send()
                .await,
            "ValidationException",
        );
        assert_eq!(
            message,
            format!("KeyUsage {usage} is not compatible with KeySpec {spec}")
        );
    }
    // The legacy member is held to the same rule.
    let response = raw(
        &server,
        "CreateKey",
        r#"{"CustomerMasterKeySpec":"HMAC_256","KeyUsage":"ENCRYPT_DECRYPT"}"#,
    )
    .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json(),
        serde_json::json!({
            "__type": "ValidationException",
            "message": "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256"
        })
    );
    assert!(client.list_keys().send().await.unwrap().keys().is_empty());
}

#[tokio::test]
async fn operations_trent_does_not_serve_are_unsupported_after_authentication() {
    let server = server();
    let client = server.client();
    let custom_key_stores = [
        "ConnectCustomKeyStore",
        "CreateCustomKeyStore",
        "DeleteCustomKeyStore",
        "DescribeCustomKeyStores",
        "DisconnectCustomKeyStore",
        "UpdateCustomKeyStore",
    ];
    for name in custom_key_stores {
        let response = raw(&server, name, "{}").await;
        assert_eq!(response.status, 400, "{name}");
        assert_eq!(
            response.json(),
            serde_json::json!({
                "__type": "UnsupportedOperationException",
                "message": "Custom key stores are not supported by Trent."
            }),
            "{name}"
        );
    }
    // The rest of the list, until each is served (the list is the one in
    // trent-core, so serving an operation takes it out of this loop).
    for (name, why) in trent_core::operation::NOT_SERVED {
        let response = raw(&server, name, "{}").await;
        assert_eq!(response.status, 400, "{name}");
        let body = response.json();
        assert_eq!(body["__type"], "UnsupportedOperationException", "{name}");
        let expected = match why {
            trent_core::operation::NotServed::CustomKeyStores => {
                assert!(custom_key_stores.contains(name), "{name}");
                "Custom key stores are not supported by Trent.".to_owned()
            }
            trent_core::operation::NotServed::NotYet => {
                format!("{name} is not supported by this Trent server yet.")
            }
        };
        assert_eq!(body["message"], expected.as_str(), "{name}");
    }
    // Through the SDK, as a client would see it.
    let message = expect_error(
        client.describe_custom_key_stores().send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, "Custom key stores are not supported by Trent.");
    let message = expect_error(
        client
            .create_custom_key_store()
            .custom_key_store_name("store")
            .cloud_hsm_cluster_id("cluster-1234567890a")
            .send()
            .await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, "Custom key stores are not supported by Trent.");

    // A name AWS does not have stays an UnknownOperationException.
    let response = raw(&server, "NoSuchThing", "{}").await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["__type"], "UnknownOperationException");

    // None of this answers before the signature is checked.
    let mut unsigned = RawRequest::kms("CreateCustomKeyStore", "{}");
    unsigned.sign = false;
    let response = unsigned.send(&server, &server.root_credentials()).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json()["__type"],
        "MissingAuthenticationTokenException"
    );
    let wrong_secret = RootCredentials {
        access_key_id: server.root_credentials().access_key_id,
        secret_access_key: "x".repeat(40),
    };
    for name in ["ReplicateKey", "DescribeCustomKeyStores"] {
        let response = RawRequest::kms(name, "{}")
            .send(&server, &wrong_secret)
            .await;
        assert_eq!(response.status, 400, "{name}");
        assert_eq!(
            response.json()["__type"],
            "InvalidSignatureException",
            "{name}"
        );
    }

    // The audit trail names the operation that was refused.
    let events = crate::audit_events(&server.data_dir().join("audit"));
    let refused = events
        .iter()
        .find(|event| event["eventName"] == "DescribeCustomKeyStores")
        .expect("an event for DescribeCustomKeyStores");
    assert_eq!(refused["errorCode"], "UnsupportedOperationException");
}

#[tokio::test]
async fn multi_region_ids_that_do_not_exist_are_not_found_by_their_arn() {
    let server = server();
    let client = server.client();
    let id = "mrk-1234abcd12ab34cd56ef1234567890ab";
    let arn = format!("arn:aws:kms:us-east-1:{}:key/{id}", server.account());
    for given in [id, arn.as_str()] {
        let message = expect_error(
            client.describe_key().key_id(given).send().await,
            "NotFoundException",
        );
        assert_eq!(message, format!("Key '{arn}' does not exist"), "{given}");
    }
    // Upper-case hex digits name the same id, shown in AWS's lower case.
    let message = expect_error(
        client
            .describe_key()
            .key_id("mrk-1234ABCD12AB34CD56EF1234567890AB")
            .send()
            .await,
        "NotFoundException",
    );
    assert_eq!(message, format!("Key '{arn}' does not exist"));
    // Not an id at all: AWS's invalid-key-id answer, as before.
    let message = expect_error(
        client.describe_key().key_id("mrk-12").send().await,
        "NotFoundException",
    );
    assert_eq!(message, "Invalid keyId 'mrk-12'");
}

#[tokio::test]
async fn a_key_arn_of_another_region_names_that_region() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let arn = format!("arn:aws:kms:eu-west-1:{}:key/{key_id}", server.account());
    let message = expect_error(
        client.describe_key().key_id(&arn).send().await,
        "NotFoundException",
    );
    assert_eq!(message, "Invalid arn eu-west-1");
    let message = expect_error(
        client
            .encrypt()
            .key_id(&arn)
            .plaintext(aws_sdk_kms::primitives::Blob::new(b"x".to_vec()))
            .send()
            .await,
        "NotFoundException",
    );
    assert_eq!(message, "Invalid arn eu-west-1");
}
