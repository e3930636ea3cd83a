//! Multi-Region keys: primaries (`CreateKey MultiRegion=true`, `mrk-` ids,
//! `MultiRegionConfiguration`) and their replicas (ReplicateKey,
//! UpdatePrimaryRegion, PendingReplicaDeletion), driven across three Regions:
//! A = us-east-1 (the primary's), B = eu-west-1 and C = ap-southeast-2.
//! Related keys share their id and material; policies, tags, aliases,
//! grants, description and state are per Region; rotation and the roles
//! are set on the primary only. `docs/multi-region-design.md` §1 and §2.6.

use aws_sdk_kms::error::ProvideErrorMetadata as _;
use aws_sdk_kms::operation::replicate_key::ReplicateKeyOutput;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    GrantOperation, KeyMetadata, KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec,
    MultiRegionKeyType, RotationType, SigningAlgorithmSpec, Tag,
};
use aws_sdk_kms::Client;
use trent_testkit::{Identity, TestServer};

use crate::{blob, create_key, expect_error, server};

/// The primary's Region (the harness's default client).
const A: &str = "us-east-1";
/// The first replica's Region.
const B: &str = "eu-west-1";
/// The second replica's Region.
const C: &str = "ap-southeast-2";

const DAY: u64 = 86_400;

/// AWS's answer to ReplicateKey into a Region that holds a related key.
const ONE_PER_REGION: &str =
    "You can create only one replica of each primary key in each AWS Region.";

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

// ---------------------------------------------------------------------------
// Replicas: helpers.

/// A server on the test clock (`--dev --test-clock`).
fn clocked() -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .test_clock()
        .start()
}

/// A root client in `region`.
fn root_in(server: &TestServer, region: &str) -> Client {
    let credentials = server.root_credentials();
    server.client_with(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        region,
    )
}

/// A client of `user` in `region`.
fn user_in(server: &TestServer, user: &Identity, region: &str) -> Client {
    server.client_with(&user.access_key_id, &user.secret_access_key, region)
}

/// Root clients in A, B and C.
fn clients(server: &TestServer) -> (Client, Client, Client) {
    (root_in(server, A), root_in(server, B), root_in(server, C))
}

/// The key ARN of `key_id` in `region`.
fn arn_in(server: &TestServer, region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{}:key/{key_id}", server.account())
}

/// The ARN of an IAM user of the server's account.
fn user_arn(server: &TestServer, name: &str) -> String {
    format!("arn:aws:iam::{}:user/{name}", server.account())
}

/// The refusal of an operation reserved to multi-Region primary keys.
fn not_primary(arn: &str) -> String {
    format!("{arn} is not a multi-region primary key.")
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

/// Creates a symmetric multi-Region primary key with `client`; returns its id.
async fn create_mrk(client: &Client) -> String {
    let created = client.create_key().multi_region(true).send().await.unwrap();
    created.key_metadata().unwrap().key_id().to_owned()
}

/// Creates a multi-Region primary key of `spec` and `usage`; returns its id.
async fn create_mrk_of(client: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let created = client
        .create_key()
        .multi_region(true)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap();
    created.key_metadata().unwrap().key_id().to_owned()
}

/// ReplicateKey of `key_id` into `region`, with no policy, description or tags.
async fn replicate(client: &Client, key_id: &str, region: &str) -> ReplicateKeyOutput {
    client
        .replicate_key()
        .key_id(key_id)
        .replica_region(region)
        .send()
        .await
        .unwrap_or_else(|error| panic!("ReplicateKey {key_id} into {region}: {error:?}"))
}

async fn describe(client: &Client, key_id: &str) -> KeyMetadata {
    client
        .describe_key()
        .key_id(key_id)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .clone()
}

fn key_type(metadata: &KeyMetadata) -> MultiRegionKeyType {
    metadata
        .multi_region_configuration()
        .unwrap()
        .multi_region_key_type()
        .unwrap()
        .clone()
}

/// The configuration's primary key, as (Region, ARN).
fn primary_of(metadata: &KeyMetadata) -> (String, String) {
    let primary = metadata
        .multi_region_configuration()
        .unwrap()
        .primary_key()
        .unwrap();
    (
        primary.region().unwrap().to_owned(),
        primary.arn().unwrap().to_owned(),
    )
}

/// The configuration's replica keys, as (Region, ARN), in the answer's order.
fn replicas_of(metadata: &KeyMetadata) -> Vec<(String, String)> {
    metadata
        .multi_region_configuration()
        .unwrap()
        .replica_keys()
        .iter()
        .map(|key| {
            (
                key.region().unwrap().to_owned(),
                key.arn().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The expected (Region, ARN) list of `key_id` in `regions`.
fn expected(server: &TestServer, key_id: &str, regions: &[&str]) -> Vec<(String, String)> {
    regions
        .iter()
        .map(|region| ((*region).to_owned(), arn_in(server, region, key_id)))
        .collect()
}

async fn encrypt(client: &Client, key_id: &str, text: &str) -> Vec<u8> {
    client
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(text.as_bytes()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec()
}

/// Decrypts with no KeyId; returns the plaintext and the answer's KeyId.
async fn decrypt(client: &Client, ciphertext: &[u8]) -> (String, String) {
    let answer = client
        .decrypt()
        .ciphertext_blob(blob(ciphertext))
        .send()
        .await
        .unwrap();
    (
        String::from_utf8(answer.plaintext().unwrap().as_ref().to_vec()).unwrap(),
        answer.key_id().unwrap().to_owned(),
    )
}

fn seconds(date: Option<&aws_sdk_kms::primitives::DateTime>) -> i64 {
    date.unwrap().secs()
}

/// The server's time: the real clock plus how far the test advanced it.
fn server_now(advanced: u64) -> i64 {
    let real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(real + advanced).unwrap()
}

/// Creates IAM user `name`, allowed `kms:*` by its identity policy.
async fn kms_user(server: &TestServer, name: &str) -> Identity {
    let user = server.new_user(name).await;
    server
        .iam()
        .put_user_policy()
        .user_name(name)
        .policy_name("kms")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    user
}

/// A key policy of the account root (everything) and `statements`.
fn policy_with(server: &TestServer, statements: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"kms:*","Resource":"*"}}{statements}]}}"#,
        server.account()
    )
}

// ---------------------------------------------------------------------------
// Replicas: tests.

#[tokio::test]
async fn replicate_key_answers_a_creating_replica_that_then_describes_as_enabled() {
    let server = server();
    let (a, b, c) = clients(&server);
    let key_id = create_mrk(&a).await;
    let primary_arn = arn_in(&server, A, &key_id);
    let primary_material = describe(&a, &key_id)
        .await
        .current_key_material_id()
        .map(str::to_owned);
    assert!(primary_material.is_some());

    // AWS's recorded answer: Creating, disabled, no material id, "" and the default policy.
    let answer = replicate(&a, &key_id, B).await;
    let metadata = answer.replica_key_metadata().unwrap();
    assert_eq!(metadata.key_id(), key_id);
    assert_eq!(metadata.arn(), Some(arn_in(&server, B, &key_id).as_str()));
    assert_eq!(metadata.aws_account_id(), Some(server.account()));
    assert_eq!(metadata.key_state(), Some(&KeyState::Creating));
    assert!(!metadata.enabled());
    assert_eq!(metadata.current_key_material_id(), None);
    assert_eq!(metadata.description(), Some(""));
    assert_eq!(metadata.multi_region(), Some(true));
    assert_eq!(key_type(metadata), MultiRegionKeyType::Replica);
    assert_eq!(primary_of(metadata), (A.to_owned(), primary_arn.clone()));
    assert_eq!(replicas_of(metadata), expected(&server, &key_id, &[B]));
    assert!(answer.replica_policy().unwrap().contains("key-default-1"));
    assert!(answer.replica_tags().is_empty());

    // Then it is Enabled, with the primary's material.
    let replica = describe(&b, &key_id).await;
    assert_eq!(replica.key_state(), Some(&KeyState::Enabled));
    assert!(replica.enabled());
    assert_eq!(
        replica.current_key_material_id().map(str::to_owned),
        primary_material
    );
    assert_eq!(replica.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(replica.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(key_type(&replica), MultiRegionKeyType::Replica);
    assert_eq!(primary_of(&replica), (A.to_owned(), primary_arn.clone()));
    let default_policy = b.get_key_policy().key_id(&key_id).send().await.unwrap();
    assert!(default_policy.policy().unwrap().contains("key-default-1"));
    let primary = describe(&a, &key_id).await;
    assert_eq!(key_type(&primary), MultiRegionKeyType::Primary);
    assert_eq!(replicas_of(&primary), expected(&server, &key_id, &[B]));

    // A second replica, given a policy, a description and tags: they are its own.
    let policy = policy_with(&server, "");
    let tags = [tag("Env", "prod"), tag("Team", "core")];
    let answer = a
        .replicate_key()
        .key_id(&primary_arn)
        .replica_region(C)
        .policy(&policy)
        .description("Sydney copy")
        .set_tags(Some(tags.to_vec()))
        .send()
        .await
        .unwrap();
    let metadata = answer.replica_key_metadata().unwrap();
    assert_eq!(metadata.arn(), Some(arn_in(&server, C, &key_id).as_str()));
    assert_eq!(metadata.key_state(), Some(&KeyState::Creating));
    assert_eq!(metadata.description(), Some("Sydney copy"));
    assert_eq!(replicas_of(metadata), expected(&server, &key_id, &[B, C]));
    assert_eq!(answer.replica_policy(), Some(policy.as_str()));
    let mut answered = answer.replica_tags().to_vec();
    answered.sort_by(|x, y| x.tag_key().cmp(y.tag_key()));
    assert_eq!(answered, tags);
    let sydney = describe(&c, &key_id).await;
    assert_eq!(sydney.key_state(), Some(&KeyState::Enabled));
    assert_eq!(sydney.description(), Some("Sydney copy"));
    assert_eq!(replicas_of(&sydney), expected(&server, &key_id, &[B, C]));
    let listed = c.list_resource_tags().key_id(&key_id).send().await.unwrap();
    assert_eq!(listed.tags().len(), 2);
    // The primary lists both, in creation order, and kept its own (empty) description.
    let primary = describe(&a, &key_id).await;
    assert_eq!(key_type(&primary), MultiRegionKeyType::Primary);
    assert_eq!(replicas_of(&primary), expected(&server, &key_id, &[B, C]));
    assert_eq!(primary.description(), Some(""));
    // Each Region's ListKeys shows its own key.
    for client in [&a, &b, &c] {
        let keys = client.list_keys().send().await.unwrap();
        assert!(keys
            .keys()
            .iter()
            .any(|k| k.key_id() == Some(key_id.as_str())));
    }
}

#[tokio::test]
async fn related_keys_decrypt_verify_and_reencrypt_what_other_regions_made() {
    let server = server();
    let (a, b, c) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    replicate(&a, &key_id, C).await;

    // Encrypt in A; B and C decrypt, named by nothing, the bare id, or their own ARN.
    let encrypted = a
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"across the sea"))
        .encryption_context("purpose", "mrk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        encrypted.key_id(),
        Some(arn_in(&server, A, &key_id).as_str())
    );
    let ciphertext = encrypted.ciphertext_blob().unwrap().clone();
    for (client, region) in [(&b, B), (&c, C)] {
        let own_arn = arn_in(&server, region, &key_id);
        for named in [None, Some(key_id.clone()), Some(own_arn.clone())] {
            let decrypted = client
                .decrypt()
                .ciphertext_blob(ciphertext.clone())
                .encryption_context("purpose", "mrk")
                .set_key_id(named.clone())
                .send()
                .await
                .unwrap_or_else(|error| panic!("{region} {named:?}: {error:?}"));
            assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"across the sea");
            assert_eq!(decrypted.key_id(), Some(own_arn.as_str()), "{region}");
        }
        // The context still binds.
        expect_error(
            client
                .decrypt()
                .ciphertext_blob(ciphertext.clone())
                .send()
                .await,
            "InvalidCiphertextException",
        );
    }

    // A data key made in C opens in A.
    let data_key = c
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_eq!(
        data_key.key_id(),
        Some(arn_in(&server, C, &key_id).as_str())
    );
    let opened = a
        .decrypt()
        .ciphertext_blob(data_key.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(opened.plaintext(), data_key.plaintext());
    assert_eq!(opened.key_id(), Some(arn_in(&server, A, &key_id).as_str()));

    // ReEncrypt in B: from A's ciphertext to the same key, opened in A.
    let reencrypted = b
        .re_encrypt()
        .ciphertext_blob(ciphertext.clone())
        .source_encryption_context("purpose", "mrk")
        .destination_key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        reencrypted.source_key_id(),
        Some(arn_in(&server, B, &key_id).as_str())
    );
    assert_eq!(
        reencrypted.key_id(),
        Some(arn_in(&server, B, &key_id).as_str())
    );
    let (text, answered) = decrypt(&a, reencrypted.ciphertext_blob().unwrap().as_ref()).await;
    assert_eq!(text, "across the sea");
    assert_eq!(answered, arn_in(&server, A, &key_id));

    // A single-Region key's ciphertext names no key in B.
    let single = create_key(&a).await;
    let local = encrypt(&a, &single, "stays home").await;
    expect_error(
        b.decrypt().ciphertext_blob(blob(&local)).send().await,
        "InvalidCiphertextException",
    );
}

#[tokio::test]
async fn asymmetric_and_hmac_replicas_share_their_primary_key_material() {
    let server = server();
    let (a, b, c) = clients(&server);

    let signing = create_mrk_of(&a, KeySpec::Rsa2048, KeyUsageType::SignVerify).await;
    let replica = replicate(&a, &signing, B).await;
    let metadata = replica.replica_key_metadata().unwrap();
    assert_eq!(metadata.key_spec(), Some(&KeySpec::Rsa2048));
    assert_eq!(metadata.key_usage(), Some(&KeyUsageType::SignVerify));
    replicate(&a, &signing, C).await;
    let signature = b
        .sign()
        .key_id(&signing)
        .message(blob(b"signed in Ireland"))
        .signing_algorithm(SigningAlgorithmSpec::RsassaPssSha256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        signature.key_id(),
        Some(arn_in(&server, B, &signing).as_str())
    );
    let verified = c
        .verify()
        .key_id(&signing)
        .message(blob(b"signed in Ireland"))
        .signature(signature.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::RsassaPssSha256)
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    assert_eq!(
        verified.key_id(),
        Some(arn_in(&server, C, &signing).as_str())
    );
    let public_a = a.get_public_key().key_id(&signing).send().await.unwrap();
    let public_b = b.get_public_key().key_id(&signing).send().await.unwrap();
    assert_eq!(public_a.public_key(), public_b.public_key());
    assert!(public_a.public_key().is_some());

    let mac_key = create_mrk_of(&a, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    replicate(&a, &mac_key, C).await;
    let mac = a
        .generate_mac()
        .key_id(&mac_key)
        .message(blob(b"tagged in Virginia"))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    let checked = c
        .verify_mac()
        .key_id(&mac_key)
        .message(blob(b"tagged in Virginia"))
        .mac(mac.mac().unwrap().clone())
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    assert!(checked.mac_valid());
    assert_eq!(
        checked.key_id(),
        Some(arn_in(&server, C, &mac_key).as_str())
    );
}

#[tokio::test]
async fn replicate_key_refuses_non_primaries_taken_regions_and_bad_input() {
    let server = server();
    let (a, b, _) = clients(&server);
    let key_id = create_mrk(&a).await;

    // A single-Region key is not a primary.
    let single = create_key(&a).await;
    let message = expect_error(
        a.replicate_key()
            .key_id(&single)
            .replica_region(B)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&arn_in(&server, A, &single)));

    replicate(&a, &key_id, B).await;
    // A replica is not a primary, whatever the target (its own Region included).
    let b_arn = arn_in(&server, B, &key_id);
    for region in [C, B] {
        let message = expect_error(
            b.replicate_key()
                .key_id(&key_id)
                .replica_region(region)
                .send()
                .await,
            "UnsupportedOperationException",
        );
        assert_eq!(message, not_primary(&b_arn), "{region}");
    }

    // One related key per Region: not the primary's own, not B twice.
    for region in [A, B] {
        let message = expect_error(
            a.replicate_key()
                .key_id(&key_id)
                .replica_region(region)
                .send()
                .await,
            "AlreadyExistsException",
        );
        assert_eq!(message, ONE_PER_REGION, "{region}");
    }

    // Not a Region at all.
    expect_error(
        a.replicate_key()
            .key_id(&key_id)
            .replica_region("nowhere")
            .send()
            .await,
        "ValidationException",
    );

    // A disabled primary.
    a.disable_key().key_id(&key_id).send().await.unwrap();
    expect_error(
        a.replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "DisabledException",
    );
    a.enable_key().key_id(&key_id).send().await.unwrap();
    replicate(&a, &key_id, C).await;

    // The primary's ARN names a key of A, not B's replica.
    let a_arn = arn_in(&server, A, &key_id);
    let message = expect_error(
        b.describe_key().key_id(&a_arn).send().await,
        "NotFoundException",
    );
    assert_eq!(message, "Invalid arn us-east-1");
    let message = expect_error(
        b.encrypt()
            .key_id(&a_arn)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "NotFoundException",
    );
    assert_eq!(message, "Invalid arn us-east-1");
    // ...and no key was made by the refusals.
    let primary = describe(&a, &key_id).await;
    assert_eq!(replicas_of(&primary), expected(&server, &key_id, &[B, C]));
    let single_now = describe(&a, &single).await;
    assert!(single_now.multi_region_configuration().is_none());
    expect_error(
        b.describe_key().key_id(&single).send().await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn each_region_enforces_its_own_key_policy() {
    let server = server();
    let (a, b, c) = clients(&server);
    let user = kms_user(&server, "reader").await;
    let key_id = create_mrk(&a).await;
    let deny = format!(
        r#",{{"Sid":"NoDecrypt","Effect":"Deny","Principal":{{"AWS":"{}"}},"Action":"kms:Decrypt","Resource":"*"}}"#,
        user_arn(&server, "reader")
    );
    let denying = policy_with(&server, &deny);
    // B gets the denying policy at ReplicateKey; C gets it later by PutKeyPolicy.
    let answer = a
        .replicate_key()
        .key_id(&key_id)
        .replica_region(B)
        .policy(&denying)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.replica_policy(), Some(denying.as_str()));
    replicate(&a, &key_id, C).await;
    c.put_key_policy()
        .key_id(&key_id)
        .policy(&denying)
        .send()
        .await
        .unwrap();

    let ciphertext = encrypt(&a, &key_id, "for the reader").await;
    let (text, _) = decrypt(&user_in(&server, &user, A), &ciphertext).await;
    assert_eq!(text, "for the reader");
    for region in [B, C] {
        let as_user = user_in(&server, &user, region);
        expect_error(
            as_user
                .decrypt()
                .ciphertext_blob(blob(&ciphertext))
                .send()
                .await,
            "AccessDeniedException",
        );
        // Only Decrypt is denied there.
        encrypt(&as_user, &key_id, "still allowed").await;
    }
    // The primary's policy is still its default one.
    let primary_policy = a.get_key_policy().key_id(&key_id).send().await.unwrap();
    assert!(primary_policy.policy().unwrap().contains("key-default-1"));
    for client in [&b, &c] {
        let replica_policy = client
            .get_key_policy()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert_eq!(replica_policy.policy(), Some(denying.as_str()));
    }
}

#[tokio::test]
async fn tags_aliases_description_state_and_grants_are_per_region() {
    let server = server();
    let (a, b, _) = clients(&server);
    server.new_user("grantee").await;
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;

    b.tag_resource()
        .key_id(&key_id)
        .tags(tag("Where", "Ireland"))
        .send()
        .await
        .unwrap();
    b.create_alias()
        .alias_name("alias/european")
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    b.update_key_description()
        .key_id(&key_id)
        .description("the Irish copy")
        .send()
        .await
        .unwrap();

    // B sees them...
    let tags = b.list_resource_tags().key_id(&key_id).send().await.unwrap();
    assert_eq!(tags.tags(), [tag("Where", "Ireland")]);
    assert_eq!(
        describe(&b, &key_id).await.description(),
        Some("the Irish copy")
    );
    let aliases = b.list_aliases().send().await.unwrap();
    assert!(aliases
        .aliases()
        .iter()
        .any(|alias| alias.alias_name() == Some("alias/european")
            && alias.target_key_id() == Some(key_id.as_str())));
    encrypt(&b, "alias/european", "by alias").await;
    // ...A does not.
    let tags = a.list_resource_tags().key_id(&key_id).send().await.unwrap();
    assert!(tags.tags().is_empty());
    assert_eq!(describe(&a, &key_id).await.description(), Some(""));
    let aliases = a.list_aliases().send().await.unwrap();
    assert!(aliases
        .aliases()
        .iter()
        .all(|alias| alias.alias_name() != Some("alias/european")));
    expect_error(
        a.describe_key().key_id("alias/european").send().await,
        "NotFoundException",
    );

    // A grant on B's key is B's only.
    b.create_grant()
        .key_id(&key_id)
        .grantee_principal(user_arn(&server, "grantee"))
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    let grants = b.list_grants().key_id(&key_id).send().await.unwrap();
    assert_eq!(grants.grants().len(), 1);
    let grants = a.list_grants().key_id(&key_id).send().await.unwrap();
    assert!(grants.grants().is_empty());

    // Disabling B leaves A working.
    b.disable_key().key_id(&key_id).send().await.unwrap();
    expect_error(
        b.encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "DisabledException",
    );
    let ciphertext = encrypt(&a, &key_id, "Virginia works").await;
    assert_eq!(decrypt(&a, &ciphertext).await.0, "Virginia works");
    let primary = describe(&a, &key_id).await;
    assert_eq!(primary.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        describe(&b, &key_id).await.key_state(),
        Some(&KeyState::Disabled)
    );
    // A replica works while its primary is disabled.
    b.enable_key().key_id(&key_id).send().await.unwrap();
    a.disable_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(decrypt(&b, &ciphertext).await.0, "Virginia works");
}

#[tokio::test]
async fn rotation_is_set_on_the_primary_and_seen_by_every_replica() {
    let server = server();
    let (a, b, c) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    let b_arn = arn_in(&server, B, &key_id);

    // A replica's rotation is its primary's.
    let message = expect_error(
        b.enable_key_rotation().key_id(&key_id).send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&b_arn));
    let message = expect_error(
        b.disable_key_rotation().key_id(&key_id).send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&b_arn));
    let message = expect_error(
        b.rotate_key_on_demand().key_id(&key_id).send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&b_arn));

    a.enable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let primary_status = a
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let replica_status = b
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(primary_status.key_rotation_enabled());
    assert!(replica_status.key_rotation_enabled());
    assert!(primary_status.next_rotation_date().is_some());
    assert_eq!(
        replica_status.next_rotation_date(),
        primary_status.next_rotation_date()
    );
    assert_eq!(
        replica_status.rotation_period_in_days(),
        primary_status.rotation_period_in_days()
    );
    assert_eq!(replica_status.key_id(), Some(b_arn.as_str()));

    // On-demand rotation in A: B holds and uses the new material at once.
    let before_a = encrypt(&a, &key_id, "before, in A").await;
    let before_b = encrypt(&b, &key_id, "before, in B").await;
    let old_material = describe(&a, &key_id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_owned();
    a.rotate_key_on_demand()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let new_material = describe(&a, &key_id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_owned();
    assert_ne!(new_material, old_material);
    assert_eq!(
        describe(&b, &key_id).await.current_key_material_id(),
        Some(new_material.as_str())
    );
    let rotations_b = b.list_key_rotations().key_id(&key_id).send().await.unwrap();
    assert_eq!(rotations_b.rotations().len(), 1);
    assert_eq!(
        rotations_b.rotations()[0].rotation_type(),
        Some(&RotationType::OnDemand)
    );
    let rotations_a = a.list_key_rotations().key_id(&key_id).send().await.unwrap();
    let material_ids =
        |rotations: &aws_sdk_kms::operation::list_key_rotations::ListKeyRotationsOutput| {
            rotations
                .rotations()
                .iter()
                .map(|entry| entry.key_material_id().map(str::to_owned))
                .collect::<Vec<_>>()
        };
    assert_eq!(material_ids(&rotations_b), material_ids(&rotations_a));
    let after_b = encrypt(&b, &key_id, "after, in B").await;
    assert_eq!(decrypt(&a, &after_b).await.0, "after, in B");
    assert_eq!(decrypt(&b, &before_b).await.0, "before, in B");
    assert_eq!(decrypt(&b, &before_a).await.0, "before, in A");

    // A replica made after the rotation holds every version.
    replicate(&a, &key_id, C).await;
    assert_eq!(
        describe(&c, &key_id).await.current_key_material_id(),
        Some(new_material.as_str())
    );
    assert_eq!(decrypt(&c, &before_a).await.0, "before, in A");
    assert_eq!(decrypt(&c, &before_b).await.0, "before, in B");
    assert_eq!(decrypt(&c, &after_b).await.0, "after, in B");
    let status_c = c
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    assert!(status_c.key_rotation_enabled());
    assert_eq!(
        status_c.next_rotation_date(),
        primary_status.next_rotation_date()
    );

    // Disabling on the primary shows everywhere.
    a.disable_key_rotation()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    for client in [&b, &c] {
        let status = client
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert!(!status.key_rotation_enabled());
    }
}

#[tokio::test]
async fn update_primary_region_swaps_the_roles() {
    let server = server();
    let (a, b, c) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    let a_arn = arn_in(&server, A, &key_id);
    let b_arn = arn_in(&server, B, &key_id);
    let before = encrypt(&a, &key_id, "made under A").await;

    a.update_primary_region()
        .key_id(&key_id)
        .primary_region(B)
        .send()
        .await
        .unwrap();

    let old_primary = describe(&a, &key_id).await;
    assert_eq!(key_type(&old_primary), MultiRegionKeyType::Replica);
    assert_eq!(primary_of(&old_primary), (B.to_owned(), b_arn.clone()));
    assert_eq!(old_primary.arn(), Some(a_arn.as_str()));
    assert_eq!(old_primary.key_state(), Some(&KeyState::Enabled));
    let new_primary = describe(&b, &key_id).await;
    assert_eq!(key_type(&new_primary), MultiRegionKeyType::Primary);
    assert_eq!(primary_of(&new_primary), (B.to_owned(), b_arn.clone()));
    assert_eq!(replicas_of(&new_primary), expected(&server, &key_id, &[A]));

    // Only the new primary replicates and rotates.
    let message = expect_error(
        a.replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&a_arn));
    let message = expect_error(
        a.rotate_key_on_demand().key_id(&key_id).send().await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&a_arn));
    let message = expect_error(
        a.update_primary_region()
            .key_id(&key_id)
            .primary_region(A)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    assert_eq!(message, not_primary(&a_arn));
    let answer = replicate(&b, &key_id, C).await;
    let metadata = answer.replica_key_metadata().unwrap();
    assert_eq!(primary_of(metadata), (B.to_owned(), b_arn.clone()));
    let sydney = describe(&c, &key_id).await;
    assert_eq!(key_type(&sydney), MultiRegionKeyType::Replica);
    assert_eq!(primary_of(&sydney), (B.to_owned(), b_arn.clone()));
    assert_eq!(
        replicas_of(&describe(&b, &key_id).await),
        expected(&server, &key_id, &[A, C])
    );
    b.rotate_key_on_demand()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let material = describe(&b, &key_id)
        .await
        .current_key_material_id()
        .unwrap()
        .to_owned();
    assert_eq!(
        describe(&a, &key_id).await.current_key_material_id(),
        Some(material.as_str())
    );

    // The target must hold a replica.
    expect_error(
        b.update_primary_region()
            .key_id(&key_id)
            .primary_region("sa-east-1")
            .send()
            .await,
        "NotFoundException",
    );

    // Ciphertexts still cross Regions, whichever side made them.
    assert_eq!(decrypt(&b, &before).await.0, "made under A");
    assert_eq!(decrypt(&c, &before).await.0, "made under A");
    let after = encrypt(&b, &key_id, "made under B").await;
    assert_eq!(decrypt(&a, &after).await.0, "made under B");
    assert_eq!(decrypt(&c, &after).await.0, "made under B");
}

#[tokio::test]
async fn a_primary_with_replicas_waits_for_them_before_its_own_window() {
    let server = clocked();
    let (a, b, _) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    // `--dev` callers belong to the dev account, not the one printed at start.
    let a_arn = describe(&a, &key_id).await.arn().unwrap().to_owned();
    let earlier = encrypt(&a, &key_id, "earlier").await;

    // Scheduling a primary with a replica is no error: it waits, with no date.
    let scheduled = a
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.key_id(), Some(a_arn.as_str()));
    assert_eq!(
        scheduled.key_state(),
        Some(&KeyState::PendingReplicaDeletion)
    );
    assert_eq!(scheduled.pending_window_in_days(), Some(7));
    assert_eq!(scheduled.deletion_date(), None);
    let waiting = describe(&a, &key_id).await;
    assert_eq!(waiting.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert!(!waiting.enabled());
    assert_eq!(waiting.pending_deletion_window_in_days(), Some(7));
    assert_eq!(waiting.deletion_date(), None);
    let regions = |m: &KeyMetadata| {
        replicas_of(m)
            .into_iter()
            .map(|(region, _)| region)
            .collect::<Vec<_>>()
    };
    assert_eq!(regions(&waiting), [B]);
    let message = expect_error(
        a.encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "KMSInvalidStateException",
    );
    assert!(message.contains("pending replica deletion"), "{message}");
    expect_error(
        a.replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "KMSInvalidStateException",
    );
    // The replica is unaffected.
    let replica = describe(&b, &key_id).await;
    assert_eq!(replica.key_state(), Some(&KeyState::Enabled));
    let in_b = encrypt(&b, &key_id, "in B").await;
    assert_eq!(decrypt(&b, &in_b).await.0, "in B");
    assert_eq!(decrypt(&b, &earlier).await.0, "earlier");

    // Cancelling leaves it Disabled, with no window.
    a.cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let cancelled = describe(&a, &key_id).await;
    assert_eq!(cancelled.key_state(), Some(&KeyState::Disabled));
    assert_eq!(cancelled.pending_deletion_window_in_days(), None);
    assert_eq!(cancelled.deletion_date(), None);

    // Waiting lasts as long as the replica lives.
    a.schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let b_scheduled = b
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(b_scheduled.key_state(), Some(&KeyState::PendingDeletion));
    assert!(b_scheduled.deletion_date().is_some());
    let b_pending = describe(&b, &key_id).await;
    assert_eq!(b_pending.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(b_pending.pending_deletion_window_in_days(), None);
    server.advance_clock(6 * DAY).await;
    assert_eq!(
        describe(&a, &key_id).await.key_state(),
        Some(&KeyState::PendingReplicaDeletion)
    );

    // B's window ends: B is gone, and A's own window starts.
    let advanced = 7 * DAY + 60;
    server.advance_clock(DAY + 60).await;
    expect_error(
        b.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
    let pending = describe(&a, &key_id).await;
    assert_eq!(pending.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(pending.pending_deletion_window_in_days(), None);
    assert!(replicas_of(&pending).is_empty());
    let due = seconds(pending.deletion_date());
    let expected_due = server_now(advanced) + i64::try_from(7 * DAY).unwrap();
    assert!(
        (due - expected_due).abs() < 3_600,
        "due {due}, expected about {expected_due}"
    );
    expect_error(
        a.decrypt().ciphertext_blob(blob(&earlier)).send().await,
        "KMSInvalidStateException",
    );

    // Seven more days: the primary, and the material, are gone.
    server.advance_clock(7 * DAY + 60).await;
    expect_error(
        a.describe_key().key_id(&key_id).send().await,
        "NotFoundException",
    );
    for ciphertext in [&earlier, &in_b] {
        expect_error(
            a.decrypt().ciphertext_blob(blob(ciphertext)).send().await,
            "InvalidCiphertextException",
        );
    }
}

#[tokio::test]
async fn replicas_roles_and_regional_tags_survive_a_restart() {
    let mut server = server();
    let (a, b, _) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    a.replicate_key()
        .key_id(&key_id)
        .replica_region(C)
        .tags(tag("Where", "Sydney"))
        .send()
        .await
        .unwrap();
    b.tag_resource()
        .key_id(&key_id)
        .tags(tag("Where", "Ireland"))
        .send()
        .await
        .unwrap();
    let ciphertext = encrypt(&a, &key_id, "durable").await;

    server.restart();
    let (a, b, c) = clients(&server);
    let primary = describe(&a, &key_id).await;
    assert_eq!(key_type(&primary), MultiRegionKeyType::Primary);
    assert_eq!(replicas_of(&primary), expected(&server, &key_id, &[B, C]));
    let replica = describe(&b, &key_id).await;
    assert_eq!(key_type(&replica), MultiRegionKeyType::Replica);
    assert_eq!(replica.key_state(), Some(&KeyState::Enabled));
    assert_eq!(
        primary_of(&replica),
        (A.to_owned(), arn_in(&server, A, &key_id))
    );
    assert_eq!(
        b.list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .unwrap()
            .tags(),
        [tag("Where", "Ireland")]
    );
    assert_eq!(
        c.list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .unwrap()
            .tags(),
        [tag("Where", "Sydney")]
    );
    assert!(a
        .list_resource_tags()
        .key_id(&key_id)
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
    assert_eq!(decrypt(&b, &ciphertext).await.0, "durable");
    assert_eq!(decrypt(&c, &ciphertext).await.0, "durable");

    // A moved primary Region is durable too.
    a.update_primary_region()
        .key_id(&key_id)
        .primary_region(B)
        .send()
        .await
        .unwrap();
    server.restart();
    let (a, b, c) = clients(&server);
    let b_arn = arn_in(&server, B, &key_id);
    assert_eq!(
        key_type(&describe(&b, &key_id).await),
        MultiRegionKeyType::Primary
    );
    let old_primary = describe(&a, &key_id).await;
    assert_eq!(key_type(&old_primary), MultiRegionKeyType::Replica);
    assert_eq!(primary_of(&old_primary), (B.to_owned(), b_arn.clone()));
    assert_eq!(
        primary_of(&describe(&c, &key_id).await),
        (B.to_owned(), b_arn)
    );
    assert_eq!(
        replicas_of(&describe(&b, &key_id).await),
        expected(&server, &key_id, &[A, C])
    );
    assert_eq!(decrypt(&a, &ciphertext).await.0, "durable");
}

#[tokio::test]
async fn a_key_policy_can_limit_the_replica_regions() {
    let server = server();
    let a = root_in(&server, A);
    let user = kms_user(&server, "replicator").await;
    let key_id = create_mrk(&a).await;
    // The root may do all but ReplicateKey; the user may replicate, into B only.
    let document = format!(
        r#"{{"Version":"2012-10-17","Statement":[
          {{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"NotAction":"kms:ReplicateKey","Resource":"*"}},
          {{"Sid":"IrelandOnly","Effect":"Allow","Principal":{{"AWS":"{user}"}},"Action":"kms:ReplicateKey","Resource":"*",
            "Condition":{{"StringEquals":{{"kms:ReplicaRegion":"{B}"}}}}}}]}}"#,
        account = server.account(),
        user = user_arn(&server, "replicator"),
    );
    a.put_key_policy()
        .key_id(&key_id)
        .policy(document)
        .send()
        .await
        .unwrap();
    let as_user = user_in(&server, &user, A);
    replicate(&as_user, &key_id, B).await;
    expect_error(
        as_user
            .replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "AccessDeniedException",
    );
    // Only the allowed replica exists.
    let primary = describe(&a, &key_id).await;
    assert_eq!(replicas_of(&primary), expected(&server, &key_id, &[B]));
    expect_error(
        root_in(&server, C)
            .describe_key()
            .key_id(&key_id)
            .send()
            .await,
        "NotFoundException",
    );
}

#[tokio::test]
async fn creating_the_replica_is_judged_in_the_replica_region() {
    let server = server();
    let a = root_in(&server, A);
    let key_id = create_mrk(&a).await;
    // Everything, except creating keys in C (`aws:RequestedRegion` is where
    // the replica is made, not where ReplicateKey was sent).
    let user = server.new_user("builder").await;
    server
        .iam()
        .put_user_policy()
        .user_name("builder")
        .policy_name("kms")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Action":"kms:*","Resource":"*"}},
              {{"Effect":"Deny","Action":"kms:CreateKey","Resource":"*",
                "Condition":{{"StringEquals":{{"aws:RequestedRegion":"{C}"}}}}}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let as_user = user_in(&server, &user, A);
    replicate(&as_user, &key_id, B).await;
    expect_error(
        as_user
            .replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "AccessDeniedException",
    );
    // The same user may still create keys where it was sent, in A.
    create_key(&as_user).await;
    let primary = describe(&a, &key_id).await;
    let regions: Vec<String> = replicas_of(&primary)
        .into_iter()
        .map(|(region, _)| region)
        .collect();
    assert_eq!(regions, [B]);
}

#[tokio::test]
async fn grants_of_a_replica_are_retired_and_listed_in_its_own_region() {
    let server = server();
    let (a, b, _) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    let retiring = user_arn(&server, "retirer");
    server.new_user("retirer").await;
    let grant = b
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(&retiring)
        .retiring_principal(&retiring)
        .operations(GrantOperation::Decrypt)
        .send()
        .await
        .unwrap();
    let retirable = |client: Client| {
        let retiring = retiring.clone();
        async move {
            client
                .list_retirable_grants()
                .retiring_principal(retiring)
                .send()
                .await
                .unwrap()
                .grants()
                .len()
        }
    };
    assert_eq!(retirable(b.clone()).await, 1);
    assert_eq!(retirable(a.clone()).await, 0, "A lists only A's grants");
    // Its token names a grant of B's key: in A it is no grant at all.
    expect_error(
        a.retire_grant()
            .grant_token(grant.grant_token().unwrap())
            .send()
            .await,
        "NotFoundException",
    );
    b.retire_grant()
        .grant_token(grant.grant_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(retirable(b).await, 0);
}

#[tokio::test]
async fn a_server_serves_only_the_regions_it_is_told() {
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--regions")
        .arg("us-east-1,eu-west-1")
        .start();
    let (a, b, c) = clients(&server);
    let key_id = create_mrk(&a).await;
    replicate(&a, &key_id, B).await;
    let ciphertext = encrypt(&b, &key_id, "in B").await;
    assert_eq!(decrypt(&a, &ciphertext).await.0, "in B");
    // A request signed for a Region not served: AWS's wrong-Region answer.
    let message = expect_error(c.list_keys().send().await, "InvalidSignatureException");
    assert_eq!(
        message,
        "Credential should be scoped to a valid region, not 'ap-southeast-2'."
    );
    // No replica goes there either.
    let message = expect_error(
        a.replicate_key()
            .key_id(&key_id)
            .replica_region(C)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    assert_eq!(
        message,
        "The Region ap-southeast-2 is not served by this Trent server."
    );
    // IAM is global: its scope is us-east-1 whatever is served.
    server.new_user("anyone").await;
}
