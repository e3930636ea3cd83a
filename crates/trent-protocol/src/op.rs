//! One module per AWS KMS operation: `decode` turns a request body into the
//! operation's typed request (every model check first, as AWS reports them
//! together, then the conversion to core types), and `encode` turns the
//! service's answer into the response body.
//!
//! Each module is self-contained; what several share (key references,
//! listings, key metadata, principal and grant-id checks) is below.

pub mod cancel_key_deletion;
pub mod create_alias;
pub mod create_grant;
pub mod create_key;
pub mod decapsulate;
pub mod decrypt;
pub mod delete_alias;
pub mod delete_imported_key_material;
pub mod derive_shared_secret;
pub mod describe_key;
pub mod disable_key;
pub mod disable_key_rotation;
pub mod enable_key;
pub mod enable_key_rotation;
pub mod encapsulate;
pub mod encrypt;
pub mod generate_data_key;
pub mod generate_data_key_pair;
pub mod generate_data_key_pair_without_plaintext;
pub mod generate_data_key_without_plaintext;
pub mod generate_mac;
pub mod generate_random;
pub mod get_key_last_usage;
pub mod get_key_policy;
pub mod get_key_rotation_status;
pub mod get_parameters_for_import;
pub mod get_public_key;
pub mod import_key_material;
pub mod list_aliases;
pub mod list_grants;
pub mod list_key_policies;
pub mod list_key_rotations;
pub mod list_keys;
pub mod list_resource_tags;
pub mod list_retirable_grants;
pub mod put_key_policy;
pub mod re_encrypt;
pub mod replicate_key;
pub mod retire_grant;
pub mod revoke_grant;
pub mod rotate_key_on_demand;
pub mod schedule_key_deletion;
pub mod sign;
pub mod tag_resource;
pub mod untag_resource;
pub mod update_alias;
pub mod update_key_description;
pub mod update_primary_region;
pub mod verify;
pub mod verify_mac;

use trent_core::algorithm::KeyAlgorithms;
use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeySpec, KeyUsage};
use trent_core::view::{ConstraintKind, Grant, KeyMetadata, Listing};

use crate::check::{self, Checks};
use crate::dto::{
    ContextDto, EmptyResponse, GrantConstraintsDto, GrantListEntry, KeyIdRequest, KeyMetadataDto,
    ListGrantsResponse,
};
use crate::error::Failure;

/// An encoded response body, or the error to render instead.
pub type Reply = Result<Vec<u8>, Failure>;

/// The empty response of operations that answer nothing.
pub fn empty() -> Reply {
    crate::encode(&EmptyResponse {})
}

fn seconds(timestamp: Timestamp) -> f64 {
    timestamp.as_epoch_seconds()
}

/// A request whose only member is a required `KeyId`.
fn key_only(body: &[u8]) -> Result<KeyReference, Failure> {
    let request: KeyIdRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.finish()?;
    Ok(checked_key(key_id)?)
}

/// A checked request for one page of what a key has (ListResourceTags,
/// ListKeyPolicies).
#[derive(Debug)]
pub struct KeyPage {
    /// The key.
    pub key: KeyReference,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

fn key_page(body: &[u8]) -> Result<KeyPage, Failure> {
    let request: crate::dto::ListForKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    Ok(KeyPage {
        key: checked_key(key_id)?,
        marker: request.marker,
        limit,
    })
}

/// A required key id, after all checks passed.
fn checked_key(key_id: Option<&String>) -> Result<KeyReference, KmsError> {
    check::key_reference(key_id.map(String::as_str).unwrap_or_default())
}

/// An optional key id, after all checks passed.
fn optional_key(key_id: Option<&str>) -> Result<Option<KeyReference>, KmsError> {
    key_id.map(check::key_reference).transpose()
}

fn listing_parts<T, U>(
    listing: &Listing<T>,
    map: impl FnMut(&T) -> U,
) -> (Vec<U>, Option<String>, bool) {
    (
        listing.items.iter().map(map).collect(),
        listing.next_marker.clone(),
        listing.truncated(),
    )
}

fn metadata_dto(metadata: &KeyMetadata) -> KeyMetadataDto {
    let algorithms = key_algorithms(metadata.spec, metadata.usage);
    KeyMetadataDto {
        aws_account_id: metadata.scope.account.to_string(),
        key_id: metadata.key_id.to_string(),
        arn: metadata.arn.clone(),
        creation_date: seconds(metadata.created_at),
        enabled: metadata.enabled(),
        description: metadata.description.clone(),
        key_usage: metadata.usage.as_str(),
        key_state: metadata.state.as_str(),
        deletion_date: metadata.deletion_date.map(seconds),
        origin: metadata.origin.as_str(),
        key_manager: metadata.manager.as_str(),
        customer_master_key_spec: metadata.spec.as_str(),
        key_spec: metadata.spec.as_str(),
        encryption_algorithms: names(algorithms.encryption, |a| a.as_str()),
        signing_algorithms: names(algorithms.signing, |a| a.as_str()),
        mac_algorithms: names(algorithms.mac, |a| a.as_str()),
        key_agreement_algorithms: names(algorithms.key_agreement, |a| a.as_str()),
        encapsulation_algorithms: names(algorithms.encapsulation, |a| a.as_str()),
        multi_region: metadata.multi_region,
        expiration_model: metadata.expiration_model.map(|model| model.as_str()),
        valid_to: metadata.valid_to.map(seconds),
        current_key_material_id: metadata.current_key_material_id.clone(),
        multi_region_configuration: metadata.multi_region_configuration.as_ref().map(
            |configuration| {
                let key = |(arn, region): &(String, trent_core::id::Region)| {
                    crate::dto::MultiRegionKeyDto {
                        arn: arn.clone(),
                        region: region.to_string(),
                    }
                };
                crate::dto::MultiRegionConfigurationDto {
                    multi_region_key_type: if configuration.primary {
                        "PRIMARY"
                    } else {
                        "REPLICA"
                    },
                    primary_key: key(&configuration.primary_key),
                    replica_keys: configuration.replica_keys.iter().map(key).collect(),
                }
            },
        ),
        pending_deletion_window_in_days: metadata.pending_deletion_window_days,
    }
}

/// The algorithm lists AWS shows for a key of `spec` and `usage` (all empty
/// for a combination no key can have).
pub(crate) fn key_algorithms(spec: KeySpec, usage: KeyUsage) -> KeyAlgorithms {
    spec.algorithms(usage).unwrap_or(KeyAlgorithms {
        encryption: &[],
        signing: &[],
        mac: &[],
        key_agreement: &[],
        encapsulation: &[],
    })
}

/// AWS's names of a list of algorithms.
pub(crate) fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|each| name(*each)).collect()
}

fn principal_check(checks: &mut Checks, member: &str, value: &str) {
    if checks.length(member, value, 1, 256) {
        let valid = value
            .chars()
            .all(|c| c.is_alphanumeric() || "_+=,.@:/-".contains(c));
        checks.pattern(member, value, valid, "^[\\w+=,.@:/-]+$");
    }
}

/// An optional `KeyMaterialId`: 64 lower-case hex digits.
fn key_material_id_check(checks: &mut Checks, value: Option<&String>) {
    if let Some(id) = value {
        if checks.length("keyMaterialId", id, 64, 64) {
            let valid = id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            checks.pattern("keyMaterialId", id, valid, "^[a-f0-9]+$");
        }
    }
}

fn grant_id_check(checks: &mut Checks, member: &str, value: &Option<String>) {
    if let Some(value) = value {
        checks.length(member, value, 1, 128);
    }
}

fn policy_name(checks: &mut Checks, name: Option<&String>) {
    if let Some(name) = name {
        if checks.length("policyName", name, 1, 128) {
            let ok = name.chars().all(|c| c.is_alphanumeric() || c == '_');
            checks.pattern("policyName", name, ok, "[\\w]+");
        }
    }
}

fn ciphertext_checks(checks: &mut Checks, blob: &Option<crate::blob::Blob>) {
    if let Some(blob) = checks.required("ciphertextBlob", blob) {
        checks.secret_length(
            "ciphertextBlob",
            blob.0.len(),
            1,
            trent_core::quota::MAX_CIPHERTEXT_BYTES,
        );
    }
}

/// A required blob member of 1 to `max` bytes, shown in no message.
fn required_blob(checks: &mut Checks, member: &str, blob: &Option<crate::blob::Blob>, max: usize) {
    if let Some(blob) = checks.required(member, blob) {
        checks.secret_length(member, blob.0.len(), 1, max);
    }
}

/// A required sensitive `Message` (1 to 4096 bytes), moved into a zeroized
/// plaintext.
fn required_message(
    checks: &mut Checks,
    message: &mut Option<crate::blob::SecretBlob>,
) -> trent_core::secret::Plaintext {
    if let Some(bytes) = checks.required("message", message) {
        checks.secret_length(
            "message",
            bytes.0.len(),
            1,
            trent_core::quota::MAX_PLAINTEXT_BYTES,
        );
    }
    let mut bytes = message.take().unwrap_or_default();
    trent_core::secret::Plaintext::new(std::mem::take(&mut *bytes.0))
}

fn grant_entry(grant: &Grant) -> GrantListEntry {
    let constraints = grant.constraint.as_ref().map(|(kind, pairs)| {
        let context: ContextDto = pairs.iter().cloned().collect();
        match kind {
            ConstraintKind::Equals => GrantConstraintsDto {
                encryption_context_equals: Some(context),
                encryption_context_subset: None,
            },
            ConstraintKind::Subset => GrantConstraintsDto {
                encryption_context_equals: None,
                encryption_context_subset: Some(context),
            },
        }
    });
    GrantListEntry {
        key_id: grant.key_arn.clone(),
        grant_id: grant.grant_id.clone(),
        name: grant.name.clone(),
        creation_date: seconds(grant.created_at),
        grantee_principal: grant.grantee.clone(),
        retiring_principal: grant.retiring.clone(),
        issuing_account: grant.issuing_account.clone(),
        operations: grant.operations.clone(),
        constraints,
    }
}

/// ListGrants and ListRetirableGrants answer alike.
fn encode_grants(listing: &Listing<Grant>) -> Reply {
    let (grants, next_marker, truncated) = listing_parts(listing, grant_entry);
    crate::encode(&ListGrantsResponse {
        grants,
        next_marker,
        truncated,
    })
}
