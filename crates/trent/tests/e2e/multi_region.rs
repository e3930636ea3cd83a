//! Multi-Region primary keys (`CreateKey MultiRegion=true`): `mrk-` ids,
//! `MultiRegionConfiguration`, and every operation working on them as on any
//! key. Replicas (ReplicateKey, UpdatePrimaryRegion) are not served yet:
//! `docs/multi-region-design.md`.

use aws_sdk_kms::error::ProvideErrorMetadata as _;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyUsageType, MacAlgorithmSpec, MultiRegionKeyType, SigningAlgorithmSpec,
};

use crate::{expect_error, server};

fn is_mrk_id(id: &str) -> bool {
    id.len() == 36
        && id.starts_with("mrk-")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn multi_region_keys_are_primaries_with_mrk_ids_and_work_as_any_key() {
    let server = server();
    let client = server.client();
    let created = client.create_key().multi_region(true).send().await.unwrap();
    let metadata = created.key_metadata().unwrap();
    let key_id = metadata.key_id().to_owned();
    assert!(is_mrk_id(&key_id), "{key_id}");
    assert!(metadata.multi_region().unwrap_or(false));
    let arn = metadata.arn().unwrap().to_owned();
    assert!(arn.ends_with(&format!(":key/{key_id}")), "{arn}");
    let configuration = metadata.multi_region_configuration().unwrap();
    assert_eq!(
        configuration.multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    let primary = configuration.primary_key().unwrap();
    assert_eq!(primary.arn(), Some(arn.as_str()));
    assert_eq!(primary.region(), Some("us-east-1"));
    assert!(configuration.replica_keys().is_empty());

    // Found by id, ARN and alias; a ciphertext names it, so Decrypt needs no KeyId.
    for given in [key_id.as_str(), arn.as_str()] {
        let described = client.describe_key().key_id(given).send().await.unwrap();
        assert_eq!(described.key_metadata().unwrap().key_id(), key_id);
    }
    client
        .create_alias()
        .alias_name("alias/global")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let encrypted = client
        .encrypt()
        .key_id("alias/global")
        .plaintext(Blob::new(b"everywhere".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(encrypted.key_id(), Some(arn.as_str()));
    let decrypted = client
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.key_id(), Some(arn.as_str()));
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"everywhere");
    // It rotates, and the ciphertext made before still decrypts.
    client
        .rotate_key_on_demand()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let again = client
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.plaintext().unwrap().as_ref(), b"everywhere");
    let listed = client.list_keys().send().await.unwrap();
    assert!(listed
        .keys()
        .iter()
        .any(|k| k.key_id() == Some(key_id.as_str())));

    // A single-Region key has no configuration member at all.
    let single = client.create_key().send().await.unwrap();
    let single = single.key_metadata().unwrap();
    assert!(!single.multi_region().unwrap_or(true));
    assert!(single.multi_region_configuration().is_none());
    assert!(!single.key_id().starts_with("mrk-"));
}

#[tokio::test]
async fn asymmetric_and_hmac_keys_can_be_multi_region() {
    let server = server();
    let client = server.client();
    let signing = client
        .create_key()
        .multi_region(true)
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let signing_id = signing.key_metadata().unwrap().key_id().to_owned();
    assert!(is_mrk_id(&signing_id));
    let signature = client
        .sign()
        .key_id(&signing_id)
        .message(Blob::new(b"m".to_vec()))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    let verified = client
        .verify()
        .key_id(&signing_id)
        .message(Blob::new(b"m".to_vec()))
        .signature(signature.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    let mac_key = client
        .create_key()
        .multi_region(true)
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap();
    let mac_id = mac_key.key_metadata().unwrap().key_id().to_owned();
    assert!(is_mrk_id(&mac_id));
    client
        .generate_mac()
        .key_id(&mac_id)
        .message(Blob::new(b"m".to_vec()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_policy_can_tell_multi_region_keys_apart() {
    let server = server();
    let iam = server.iam();
    let user = server.new_user("regional").await;
    // CreateKey only for single-Region keys; Encrypt only with multi-Region ones.
    let policy = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": "kms:CreateKey", "Resource": "*",
         "Condition": {"Bool": {"kms:MultiRegion": "false"}}},
        {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}}
      ]
    }"#;
    iam.put_user_policy()
        .user_name("regional")
        .policy_name("keys")
        .policy_document(policy)
        .send()
        .await
        .unwrap();
    let as_user = server.kms_as(&user);
    as_user.create_key().send().await.unwrap();
    let refused = as_user.create_key().multi_region(true).send().await;
    assert_eq!(refused.unwrap_err().code(), Some("AccessDeniedException"));
    let root = server.client();
    let global = root.create_key().multi_region(true).send().await.unwrap();
    let local = root.create_key().send().await.unwrap();
    let encrypt = |key: String| {
        as_user
            .encrypt()
            .key_id(key)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
    };
    encrypt(global.key_metadata().unwrap().key_id().to_owned())
        .await
        .unwrap();
    expect_error(
        encrypt(local.key_metadata().unwrap().key_id().to_owned()).await,
        "AccessDeniedException",
    );
}
