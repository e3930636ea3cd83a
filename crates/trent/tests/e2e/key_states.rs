//! The key-state table (the Developer Guide's "Key states of AWS KMS keys"),
//! as two tables: every operation Trent has that takes a key, on a key in
//! each state a key Trent creates can reach (Enabled, Disabled,
//! PendingDeletion), against a fresh key per cell: symmetric keys first,
//! then the operations of asymmetric and HMAC keys.

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::types::{
    DataKeyPairSpec, EncapsulationAlgorithmSpec, GrantOperation, KeyAgreementAlgorithmSpec,
    KeySpec, KeyUsageType, MacAlgorithmSpec, SigningAlgorithmSpec, Tag,
};
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

/// What a cell of the asymmetric and HMAC table needs, made while the key is enabled.
struct Prepared {
    key_id: String,
    signature: Vec<u8>,
    mac: Vec<u8>,
    kem_ciphertext: Vec<u8>,
    peer_public_key: Vec<u8>,
}

/// The key kind each operation of the second table needs.
fn key_kind(op: &str) -> (KeySpec, Option<KeyUsageType>) {
    match op {
        "Sign" | "Verify" | "GetPublicKey" => {
            (KeySpec::EccNistP256, Some(KeyUsageType::SignVerify))
        }
        "GenerateMac" | "VerifyMac" => (KeySpec::Hmac256, Some(KeyUsageType::GenerateVerifyMac)),
        "DeriveSharedSecret" => (KeySpec::EccNistP256, Some(KeyUsageType::KeyAgreement)),
        "Encapsulate" | "Decapsulate" => (
            KeySpec::MlKem768,
            Some(KeyUsageType::EncapsulateDecapsulate),
        ),
        _ => (KeySpec::SymmetricDefault, None),
    }
}

async fn prepare(client: &Client, op: &str, peer_public_key: &[u8]) -> Prepared {
    let (spec, usage) = key_kind(op);
    let key_id = client
        .create_key()
        .key_spec(spec)
        .set_key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let mut prepared = Prepared {
        key_id,
        signature: Vec::new(),
        mac: Vec::new(),
        kem_ciphertext: Vec::new(),
        peer_public_key: peer_public_key.to_vec(),
    };
    let key = prepared.key_id.clone();
    match op {
        "Verify" => {
            prepared.signature = client
                .sign()
                .key_id(&key)
                .message(blob(b"m"))
                .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                .send()
                .await
                .unwrap()
                .signature()
                .unwrap()
                .as_ref()
                .to_vec();
        }
        "VerifyMac" => {
            prepared.mac = client
                .generate_mac()
                .key_id(&key)
                .message(blob(b"m"))
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await
                .unwrap()
                .mac()
                .unwrap()
                .as_ref()
                .to_vec();
        }
        "Decapsulate" => {
            prepared.kem_ciphertext = client
                .encapsulate()
                .key_id(&key)
                .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
                .send()
                .await
                .unwrap()
                .shared_secret_ciphertext_blob()
                .unwrap()
                .as_ref()
                .to_vec();
        }
        _ => {}
    }
    prepared
}

async fn run_asymmetric(op: &str, client: &Client, cell: &Prepared) -> Outcome {
    let key = cell.key_id.as_str();
    match op {
        "Sign" => outcome(
            client
                .sign()
                .key_id(key)
                .message(blob(b"m"))
                .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                .send()
                .await,
        ),
        "Verify" => outcome(
            client
                .verify()
                .key_id(key)
                .message(blob(b"m"))
                .signature(blob(&cell.signature))
                .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
                .send()
                .await,
        ),
        "GetPublicKey" => outcome(client.get_public_key().key_id(key).send().await),
        "GenerateMac" => outcome(
            client
                .generate_mac()
                .key_id(key)
                .message(blob(b"m"))
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await,
        ),
        "VerifyMac" => outcome(
            client
                .verify_mac()
                .key_id(key)
                .message(blob(b"m"))
                .mac(blob(&cell.mac))
                .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                .send()
                .await,
        ),
        "DeriveSharedSecret" => outcome(
            client
                .derive_shared_secret()
                .key_id(key)
                .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
                .public_key(blob(&cell.peer_public_key))
                .send()
                .await,
        ),
        "Encapsulate" => outcome(
            client
                .encapsulate()
                .key_id(key)
                .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
                .send()
                .await,
        ),
        "Decapsulate" => outcome(
            client
                .decapsulate()
                .key_id(key)
                .shared_secret_ciphertext_blob(blob(&cell.kem_ciphertext))
                .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
                .send()
                .await,
        ),
        "GenerateDataKeyPair" => outcome(
            client
                .generate_data_key_pair()
                .key_id(key)
                .key_pair_spec(DataKeyPairSpec::EccNistP256)
                .send()
                .await,
        ),
        "GenerateDataKeyPairWithoutPlaintext" => outcome(
            client
                .generate_data_key_pair_without_plaintext()
                .key_id(key)
                .key_pair_spec(DataKeyPairSpec::EccNistP256)
                .send()
                .await,
        ),
        other => panic!("no such operation in the table: {other}"),
    }
}

#[tokio::test]
async fn asymmetric_and_hmac_operations_in_every_state_answer_as_aws_does() {
    use State::*;
    const OK: Option<&str> = None;
    const DISABLED: Option<&str> = Some("DisabledException");
    const INVALID: Option<&str> = Some("KMSInvalidStateException");
    // operation: (Enabled, Disabled, PendingDeletion). GetPublicKey answers
    // for a disabled key, as AWS does today (its 2023 table said otherwise).
    let table: &[(&str, [Option<&str>; 3])] = &[
        ("Sign", [OK, DISABLED, INVALID]),
        ("Verify", [OK, DISABLED, INVALID]),
        ("GetPublicKey", [OK, OK, INVALID]),
        ("GenerateMac", [OK, DISABLED, INVALID]),
        ("VerifyMac", [OK, DISABLED, INVALID]),
        ("DeriveSharedSecret", [OK, DISABLED, INVALID]),
        ("Encapsulate", [OK, DISABLED, INVALID]),
        ("Decapsulate", [OK, DISABLED, INVALID]),
        ("GenerateDataKeyPair", [OK, DISABLED, INVALID]),
        (
            "GenerateDataKeyPairWithoutPlaintext",
            [OK, DISABLED, INVALID],
        ),
    ];
    let server = server();
    let client = server.client();
    // A peer for DeriveSharedSecret: another key agreement key's public key.
    let peer = client
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::KeyAgreement)
        .send()
        .await
        .unwrap();
    let peer_public_key = client
        .get_public_key()
        .key_id(peer.key_metadata().unwrap().key_id())
        .send()
        .await
        .unwrap()
        .public_key()
        .unwrap()
        .as_ref()
        .to_vec();
    let mut failures = Vec::new();
    for (op, expected) in table {
        for (state, want) in [Enabled, Disabled, PendingDeletion]
            .into_iter()
            .zip(expected)
        {
            let cell = prepare(&client, op, &peer_public_key).await;
            match state {
                Enabled => {}
                Disabled => {
                    client
                        .disable_key()
                        .key_id(&cell.key_id)
                        .send()
                        .await
                        .unwrap();
                }
                PendingDeletion => {
                    client
                        .schedule_key_deletion()
                        .key_id(&cell.key_id)
                        .send()
                        .await
                        .unwrap();
                }
            }
            let got = run_asymmetric(op, &client, &cell).await;
            if got.as_deref() != *want {
                failures.push(format!("{op} on {state:?}: expected {want:?}, got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
