//! The KMS JSON 1.1 protocol: `X-Amz-Target` and the request body of every
//! operation in trent-core's operation table, through the codec the server
//! dispatches to (`trent_protocol::op::<operation>::decode`), and the error
//! rendering of whatever it refuses.
//!
//! Properties: no panic; a target that resolves names exactly that
//! operation; a refused request renders (`error::render`) without echoing
//! the content of a secret member (plaintext, ciphertext, grant token...:
//! the operation row's `secret_members`); base64 blobs round-trip.

#![no_main]

use arbitrary::Arbitrary;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use trent_core::operation::Operation;
use trent_fuzz::json::{object, Fuzzed, Key};
use trent_protocol::error::{render, Failure};
use trent_protocol::op;

#[derive(Arbitrary, Debug)]
enum Body {
    /// Any bytes.
    Raw(Vec<u8>),
    /// A JSON object of API members.
    Members(Vec<(Key, Fuzzed)>),
}

#[derive(Arbitrary, Debug)]
enum Input {
    /// An operation of the table, by index, and its body.
    Operation { index: u8, body: Body },
    /// Any `X-Amz-Target`.
    Target(String),
    /// A blob, encoded then decoded as the protocol does.
    Blob(Vec<u8>),
}

fuzz_target!(|data: &[u8]| {
    if let Some(plain) = trent_fuzz::plain(data) {
        // An operation's index, then a body as an SDK sends it.
        if let Some((index, body)) = plain.split_first() {
            let operation = Operation::ALL[usize::from(*index) % Operation::ALL.len()];
            if let Err(failure) = decode(operation, body) {
                check_no_secret_echoed(operation, body, &failure);
            }
        }
        return;
    }
    if let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
        run(input);
    }
});

fn run(input: Input) {
    match input {
        Input::Operation { index, body } => {
            let operation = Operation::ALL[usize::from(index) % Operation::ALL.len()];
            let bytes = match &body {
                Body::Raw(bytes) => bytes.clone(),
                Body::Members(members) => {
                    serde_json::to_vec(&Value::Object(object(members, 0))).unwrap_or_default()
                }
            };
            if let Err(failure) = decode(operation, &bytes) {
                check_no_secret_echoed(operation, &bytes, &failure);
            }
        }
        Input::Target(target) => {
            if let Ok(operation) = trent_protocol::operation(&target) {
                assert_eq!(
                    target,
                    format!("{}{}", trent_protocol::TARGET_PREFIX, operation.name())
                );
            } else if let Err(failure) = trent_protocol::operation(&target) {
                let _ = render(&failure);
            }
        }
        Input::Blob(bytes) => {
            let text = STANDARD.encode(&bytes);
            let json = serde_json::to_vec(&Value::String(text)).unwrap_or_default();
            let blob: trent_protocol::blob::Blob =
                serde_json::from_slice(&json).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(blob.0, bytes);
        }
    }
}

/// A refused request's message must not depend on what a secret member
/// holds. A secret string (8 characters or more) found in the message is a
/// leak when the same body with that string's letters and digits rotated
/// is refused alike (same `__type`) with a message that no longer holds it:
/// the text came from the member, not from the message's own wording.
fn check_no_secret_echoed(operation: Operation, body: &[u8], failure: &Failure) {
    let wire = render(failure);
    let Some(message) = wire.message.as_deref() else {
        return;
    };
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    for name in operation.facts().secret_members {
        let secrets: Vec<&str> = match members.get(*name) {
            Some(Value::String(value)) => vec![value.as_str()],
            Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        for secret in secrets {
            if secret.chars().count() < 8
                || !message.contains(secret)
                || text.matches(secret).count() > 1
            {
                continue;
            }
            let mut changed = members.clone();
            let rotated = rotate(secret);
            match changed.get_mut(*name) {
                Some(Value::String(value)) => *value = rotated.clone(),
                Some(Value::Array(values)) => {
                    for value in values.iter_mut() {
                        if value.as_str() == Some(secret) {
                            *value = Value::String(rotated.clone());
                        }
                    }
                }
                _ => continue,
            }
            let Ok(changed_body) = serde_json::to_vec(&Value::Object(changed)) else {
                continue;
            };
            let Err(other) = decode(operation, &changed_body) else {
                continue;
            };
            let other = render(&other);
            if other.type_name == wire.type_name
                && !other.message_text().contains(secret)
            {
                panic!(
                    "{} echoed its secret member {name}'s value in {}: {message}",
                    operation.name(),
                    wire.type_name
                );
            }
        }
    }
}

/// Letters and digits moved one place within their class; the rest kept.
fn rotate(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            other => other,
        })
        .collect()
}

/// Every operation's decoder, as `trent-server`'s `dispatch` calls it. No
/// catch-all arm: an operation added to the table does not compile here
/// until it is fuzzed too.
fn decode(operation: Operation, body: &[u8]) -> Result<(), Failure> {
    macro_rules! decoders {
        ($($variant:ident => $module:ident),+ $(,)?) => {
            match operation {
                $(Operation::$variant => op::$module::decode(body).map(drop),)+
            }
        };
    }
    decoders! {
        CancelKeyDeletion => cancel_key_deletion,
        CreateAlias => create_alias,
        CreateGrant => create_grant,
        CreateKey => create_key,
        Decrypt => decrypt,
        Decapsulate => decapsulate,
        DeleteAlias => delete_alias,
        DeleteImportedKeyMaterial => delete_imported_key_material,
        DeriveSharedSecret => derive_shared_secret,
        DescribeKey => describe_key,
        DisableKey => disable_key,
        DisableKeyRotation => disable_key_rotation,
        EnableKey => enable_key,
        EnableKeyRotation => enable_key_rotation,
        Encapsulate => encapsulate,
        Encrypt => encrypt,
        GenerateDataKey => generate_data_key,
        GenerateDataKeyPair => generate_data_key_pair,
        GenerateDataKeyPairWithoutPlaintext => generate_data_key_pair_without_plaintext,
        GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext,
        GenerateMac => generate_mac,
        GenerateRandom => generate_random,
        GetKeyLastUsage => get_key_last_usage,
        GetKeyPolicy => get_key_policy,
        GetKeyRotationStatus => get_key_rotation_status,
        GetParametersForImport => get_parameters_for_import,
        GetPublicKey => get_public_key,
        ImportKeyMaterial => import_key_material,
        ListAliases => list_aliases,
        ListGrants => list_grants,
        ListKeyPolicies => list_key_policies,
        ListKeyRotations => list_key_rotations,
        ListKeys => list_keys,
        ListResourceTags => list_resource_tags,
        ListRetirableGrants => list_retirable_grants,
        PutKeyPolicy => put_key_policy,
        ReEncrypt => re_encrypt,
        ReplicateKey => replicate_key,
        RetireGrant => retire_grant,
        RevokeGrant => revoke_grant,
        RotateKeyOnDemand => rotate_key_on_demand,
        ScheduleKeyDeletion => schedule_key_deletion,
        Sign => sign,
        TagResource => tag_resource,
        UntagResource => untag_resource,
        UpdateAlias => update_alias,
        UpdateKeyDescription => update_key_description,
        UpdatePrimaryRegion => update_primary_region,
        Verify => verify,
        VerifyMac => verify_mac,
    }
}
