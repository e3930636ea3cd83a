//! Request and response bodies, member for member as the AWS KMS API model
//! names them. Every request member is optional here so that a missing
//! required member becomes AWS's `ValidationException`, not a parse error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::blob::{serialize_base64, Blob, SecretBlob};

macro_rules! request {
    ($(#[$meta:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Default, ::serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        #[allow(missing_docs, reason = "members are named exactly as in the AWS KMS API reference")]
        pub struct $name {
            $(#[serde(default)] pub $field: Option<$ty>),*
        }
    };
}

pub(crate) use request;

/// A tag as AWS KMS carries it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct TagDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_value: Option<String>,
}

/// An encryption context on the wire.
pub type ContextDto = BTreeMap<String, String>;

request!(/** CreateKey input. */ CreateKeyRequest {
    policy: String, description: String, key_usage: String, customer_master_key_spec: String,
    key_spec: String, origin: String, custom_key_store_id: String,
    bypass_policy_lockout_safety_check: bool, tags: Vec<TagDto>, multi_region: bool, xks_key_id: String,
});
request!(/** DescribeKey input. */ DescribeKeyRequest { key_id: String, grant_tokens: Vec<String> });
request!(/** ReplicateKey input. */ ReplicateKeyRequest {
    key_id: String, replica_region: String, policy: String,
    bypass_policy_lockout_safety_check: bool, description: String, tags: Vec<TagDto>,
});
request!(/** UpdatePrimaryRegion input. */ UpdatePrimaryRegionRequest {
    key_id: String, primary_region: String,
});
request!(/** ListKeys input. */ ListKeysRequest { limit: i64, marker: String });
request!(/** EnableKey, DisableKey, CancelKeyDeletion, GetKeyRotationStatus input. */ KeyIdRequest { key_id: String });
request!(/** ScheduleKeyDeletion input. */ ScheduleKeyDeletionRequest { key_id: String, pending_window_in_days: i64 });
request!(/** UpdateKeyDescription input. */ UpdateKeyDescriptionRequest { key_id: String, description: String });
request!(/** CreateAlias and UpdateAlias input. */ AliasRequest { alias_name: String, target_key_id: String });
request!(/** DeleteAlias input. */ DeleteAliasRequest { alias_name: String });
request!(/** ListAliases input. */ ListAliasesRequest { key_id: String, limit: i64, marker: String });
request!(/** TagResource input. */ TagResourceRequest { key_id: String, tags: Vec<TagDto> });
request!(/** UntagResource input. */ UntagResourceRequest { key_id: String, tag_keys: Vec<String> });
request!(/** ListResourceTags and ListKeyPolicies input. */ ListForKeyRequest { key_id: String, limit: i64, marker: String });
request!(/** GetKeyPolicy input. */ GetKeyPolicyRequest { key_id: String, policy_name: String });
request!(/** PutKeyPolicy input. */ PutKeyPolicyRequest {
    key_id: String, policy_name: String, policy: String, bypass_policy_lockout_safety_check: bool,
});
request!(/** Encrypt input. */ EncryptRequest {
    key_id: String, plaintext: SecretBlob, encryption_context: ContextDto, grant_tokens: Vec<String>,
    encryption_algorithm: String, dry_run: bool,
});
request!(/** Decrypt input. */ DecryptRequest {
    ciphertext_blob: Blob, encryption_context: ContextDto, grant_tokens: Vec<String>, key_id: String,
    encryption_algorithm: String, recipient: serde_json::Value, dry_run: bool,
});
request!(/** ReEncrypt input. */ ReEncryptRequest {
    ciphertext_blob: Blob, source_encryption_context: ContextDto, source_key_id: String,
    destination_key_id: String, destination_encryption_context: ContextDto,
    source_encryption_algorithm: String, destination_encryption_algorithm: String,
    grant_tokens: Vec<String>, dry_run: bool,
});
request!(/** GenerateDataKey and GenerateDataKeyWithoutPlaintext input. */ GenerateDataKeyRequest {
    key_id: String, encryption_context: ContextDto, number_of_bytes: i64, key_spec: String,
    grant_tokens: Vec<String>, recipient: serde_json::Value, dry_run: bool,
});
request!(/** EnableKeyRotation input. */ EnableKeyRotationRequest { key_id: String, rotation_period_in_days: i64 });
request!(/** ListKeyRotations input. */ ListKeyRotationsRequest {
    key_id: String, limit: i64, marker: String, include_key_material: String,
});
/// A grant's constraints on the wire.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GrantConstraintsDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<ContextDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<ContextDto>,
}

request!(/** CreateGrant input. */ CreateGrantRequest {
    key_id: String, grantee_principal: String, retiring_principal: String, operations: Vec<String>,
    constraints: GrantConstraintsDto, grant_tokens: Vec<String>, name: String, dry_run: bool,
});
request!(/** ListGrants input. */ ListGrantsRequest {
    limit: i64, marker: String, key_id: String, grant_id: String, grantee_principal: String,
});
request!(/** ListRetirableGrants input. */ ListRetirableGrantsRequest {
    limit: i64, marker: String, retiring_principal: String,
});
request!(/** RetireGrant input. */ RetireGrantRequest {
    grant_token: String, key_id: String, grant_id: String, dry_run: bool,
});
request!(/** RevokeGrant input. */ RevokeGrantRequest { key_id: String, grant_id: String, dry_run: bool });
request!(/** GenerateRandom input. */ GenerateRandomRequest {
    number_of_bytes: i64, custom_key_store_id: String, recipient: serde_json::Value,
});

/// AWS's `KeyMetadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct KeyMetadataDto {
    #[serde(rename = "AWSAccountId")]
    pub aws_account_id: String,
    pub key_id: String,
    pub arn: String,
    pub creation_date: f64,
    pub enabled: bool,
    pub description: String,
    pub key_usage: &'static str,
    pub key_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<f64>,
    pub origin: &'static str,
    pub key_manager: &'static str,
    pub customer_master_key_spec: &'static str,
    pub key_spec: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signing_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mac_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_agreement_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub encapsulation_algorithms: Vec<&'static str>,
    pub multi_region: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_region_configuration: Option<MultiRegionConfigurationDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_deletion_window_in_days: Option<u32>,
}

/// ReplicateKey output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ReplicateKeyResponse {
    pub replica_key_metadata: KeyMetadataDto,
    pub replica_policy: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replica_tags: Vec<TagDto>,
}

/// A multi-Region key's related keys.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct MultiRegionConfigurationDto {
    pub multi_region_key_type: &'static str,
    pub primary_key: MultiRegionKeyDto,
    pub replica_keys: Vec<MultiRegionKeyDto>,
}

/// One key of a multi-Region configuration.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct MultiRegionKeyDto {
    pub arn: String,
    pub region: String,
}

/// CreateKey and DescribeKey output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct KeyMetadataResponse {
    pub key_metadata: KeyMetadataDto,
}

/// One entry of ListKeys.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct KeyListEntry {
    pub key_id: String,
    pub key_arn: String,
}

/// ListKeys output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListKeysResponse {
    pub keys: Vec<KeyListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// One entry of ListAliases.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct AliasListEntry {
    pub alias_name: String,
    pub alias_arn: String,
    pub target_key_id: String,
    pub creation_date: f64,
    pub last_updated_date: f64,
}

/// ListAliases output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListAliasesResponse {
    pub aliases: Vec<AliasListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// ListResourceTags output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListResourceTagsResponse {
    pub tags: Vec<TagDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// ListKeyPolicies output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListKeyPoliciesResponse {
    pub policy_names: Vec<String>,
    pub truncated: bool,
}

/// GetKeyPolicy output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GetKeyPolicyResponse {
    pub policy: String,
    pub policy_name: String,
}

/// ScheduleKeyDeletion output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ScheduleKeyDeletionResponse {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<f64>,
    pub key_state: &'static str,
    pub pending_window_in_days: u32,
}

/// CancelKeyDeletion output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct KeyIdResponse {
    pub key_id: String,
}

/// CreateGrant output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct CreateGrantResponse {
    pub grant_token: String,
    pub grant_id: String,
}

/// One grant in ListGrants and ListRetirableGrants.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GrantListEntry {
    pub key_id: String,
    pub grant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub creation_date: f64,
    pub grantee_principal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retiring_principal: Option<String>,
    pub issuing_account: String,
    pub operations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<GrantConstraintsDto>,
}

/// ListGrants and ListRetirableGrants output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListGrantsResponse {
    pub grants: Vec<GrantListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// One completed rotation in ListKeyRotations.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct RotationsListEntry {
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_material_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_model: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_date: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_type: Option<&'static str>,
}

/// ListKeyRotations output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ListKeyRotationsResponse {
    pub rotations: Vec<RotationsListEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    pub truncated: bool,
}

/// GetKeyRotationStatus output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GetKeyRotationStatusResponse {
    pub key_rotation_enabled: bool,
    pub key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<f64>,
}

/// Encrypt output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct EncryptResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    pub ciphertext_blob: &'a [u8],
    pub key_id: &'a str,
    pub encryption_algorithm: &'static str,
}

/// Decrypt output. Holds a plaintext: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct DecryptResponse<'a> {
    pub key_id: &'a str,
    #[serde(serialize_with = "serialize_base64")]
    pub plaintext: &'a [u8],
    pub encryption_algorithm: &'static str,
}

/// ReEncrypt output.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct ReEncryptResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    pub ciphertext_blob: &'a [u8],
    pub source_key_id: &'a str,
    pub key_id: &'a str,
    pub source_encryption_algorithm: &'static str,
    pub destination_encryption_algorithm: &'static str,
}

/// GenerateDataKey and GenerateDataKeyWithoutPlaintext output. Holds a
/// plaintext: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GenerateDataKeyResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    pub ciphertext_blob: &'a [u8],
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_base64_ref_opt"
    )]
    pub plaintext: Option<&'a [u8]>,
    pub key_id: &'a str,
}

/// GenerateRandom output. Holds secret bytes: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
#[allow(
    missing_docs,
    reason = "members are named exactly as in the AWS KMS API reference"
)]
pub struct GenerateRandomResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    pub plaintext: &'a [u8],
}

/// An empty output (`{}`).
#[derive(Debug, Serialize)]
pub struct EmptyResponse {}

fn serialize_base64_ref_opt<S: serde::Serializer>(
    bytes: &Option<&[u8]>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    crate::blob::serialize_base64_opt(bytes, serializer)
}
