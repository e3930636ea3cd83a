//! From a decoded request to the service and back: one function per operation.
//!
//! Each function checks the request DTO (all model constraints first, as AWS
//! reports them together), converts it to core types, calls the service, and
//! encodes the response DTO.

use trent_core::clock::Timestamp;
use trent_core::error::{KmsError, ShownValue, Unsupported};
use trent_protocol::check::{self, Checks};
use trent_protocol::dto::*;
use trent_protocol::{decode, encode, Operation};
use trent_service::metadata::KeyMetadata;
use trent_service::op::{CreateGrantInput, CreateKeyInput, Listing, RetireTarget};
use trent_service::{Caller, Kms};
use trent_store::record::ConstraintKind;

type Reply = Result<Vec<u8>, KmsError>;

const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";

/// Whether an operation writes to the store (and so waits for a durable commit).
pub(crate) fn writes(operation: Operation) -> bool {
    match operation {
        Operation::CreateKey
        | Operation::EnableKey
        | Operation::DisableKey
        | Operation::ScheduleKeyDeletion
        | Operation::CancelKeyDeletion
        | Operation::UpdateKeyDescription
        | Operation::CreateAlias
        | Operation::UpdateAlias
        | Operation::DeleteAlias
        | Operation::TagResource
        | Operation::UntagResource
        | Operation::PutKeyPolicy
        | Operation::EnableKeyRotation
        | Operation::DisableKeyRotation
        | Operation::RotateKeyOnDemand
        | Operation::CreateGrant
        | Operation::RetireGrant
        | Operation::RevokeGrant => true,
        Operation::Decrypt
        | Operation::DescribeKey
        | Operation::Encrypt
        | Operation::GenerateDataKey
        | Operation::GenerateDataKeyWithoutPlaintext
        | Operation::GenerateRandom
        | Operation::GetKeyPolicy
        | Operation::GetKeyRotationStatus
        | Operation::ListAliases
        | Operation::ListKeyPolicies
        | Operation::ListKeyRotations
        | Operation::ListGrants
        | Operation::ListRetirableGrants
        | Operation::ListKeys
        | Operation::ListResourceTags
        | Operation::ReEncrypt => false,
    }
}

pub(crate) fn dispatch(kms: &Kms, caller: &Caller, operation: Operation, body: &[u8]) -> Reply {
    match operation {
        Operation::CreateKey => create_key(kms, caller, decode(body)?),
        Operation::DescribeKey => describe_key(kms, caller, decode(body)?),
        Operation::ListKeys => list_keys(kms, caller, decode(body)?),
        Operation::EnableKey => {
            let key = key_only(decode(body)?)?;
            kms.enable_key(caller, &key)?;
            empty()
        }
        Operation::DisableKey => {
            let key = key_only(decode(body)?)?;
            kms.disable_key(caller, &key)?;
            empty()
        }
        Operation::ScheduleKeyDeletion => schedule_key_deletion(kms, caller, decode(body)?),
        Operation::CancelKeyDeletion => {
            let key = key_only(decode(body)?)?;
            encode(&KeyIdResponse {
                key_id: kms.cancel_key_deletion(caller, &key)?,
            })
        }
        Operation::UpdateKeyDescription => update_key_description(kms, caller, decode(body)?),
        Operation::CreateAlias => alias(kms, caller, decode(body)?, Kms::create_alias),
        Operation::UpdateAlias => alias(kms, caller, decode(body)?, Kms::update_alias),
        Operation::DeleteAlias => delete_alias(kms, caller, decode(body)?),
        Operation::ListAliases => list_aliases(kms, caller, decode(body)?),
        Operation::TagResource => tag_resource(kms, caller, decode(body)?),
        Operation::UntagResource => untag_resource(kms, caller, decode(body)?),
        Operation::ListResourceTags => list_resource_tags(kms, caller, decode(body)?),
        Operation::GetKeyPolicy => get_key_policy(kms, caller, decode(body)?),
        Operation::PutKeyPolicy => put_key_policy(kms, caller, decode(body)?),
        Operation::ListKeyPolicies => list_key_policies(kms, caller, decode(body)?),
        Operation::GetKeyRotationStatus => get_key_rotation_status(kms, caller, decode(body)?),
        Operation::EnableKeyRotation => enable_key_rotation(kms, caller, decode(body)?),
        Operation::DisableKeyRotation => {
            let key = key_only(decode(body)?)?;
            kms.disable_key_rotation(caller, &key)?;
            empty()
        }
        Operation::RotateKeyOnDemand => {
            let key = key_only(decode(body)?)?;
            let key_id = kms.rotate_key_on_demand(caller, &key)?;
            encode(&KeyIdResponse {
                key_id: key_id.to_string(),
            })
        }
        Operation::ListKeyRotations => list_key_rotations(kms, caller, decode(body)?),
        Operation::CreateGrant => create_grant(kms, caller, decode(body)?),
        Operation::ListGrants => list_grants(kms, caller, decode(body)?),
        Operation::ListRetirableGrants => list_retirable_grants(kms, caller, decode(body)?),
        Operation::RetireGrant => retire_grant(kms, caller, decode(body)?),
        Operation::RevokeGrant => revoke_grant(kms, caller, decode(body)?),
        Operation::Encrypt => encrypt(kms, caller, decode(body)?),
        Operation::Decrypt => decrypt(kms, caller, decode(body)?),
        Operation::ReEncrypt => re_encrypt(kms, caller, decode(body)?),
        Operation::GenerateDataKey => generate_data_key(kms, caller, decode(body)?, true),
        Operation::GenerateDataKeyWithoutPlaintext => {
            generate_data_key(kms, caller, decode(body)?, false)
        }
        Operation::GenerateRandom => generate_random(kms, caller, decode(body)?),
    }
}

/// `DryRun`: the operation ran its checks (and, having no lasting effect,
/// its work), so it would have succeeded.
fn dry_run(requested: Option<bool>) -> Result<(), KmsError> {
    if requested == Some(true) {
        Err(KmsError::DryRun)
    } else {
        Ok(())
    }
}

fn empty() -> Reply {
    encode(&EmptyResponse {})
}

fn seconds(timestamp: Timestamp) -> f64 {
    timestamp.as_epoch_seconds()
}

fn metadata_dto(metadata: &KeyMetadata) -> KeyMetadataDto {
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
        encryption_algorithms: vec![SYMMETRIC_DEFAULT],
        multi_region: metadata.multi_region,
    }
}

fn key_only(request: KeyIdRequest) -> Result<trent_core::id::KeyReference, KmsError> {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.finish()?;
    check::key_reference(key_id.map(String::as_str).unwrap_or_default())
}

/// A required key id after all checks passed.
fn checked_key(key_id: Option<&String>) -> Result<trent_core::id::KeyReference, KmsError> {
    check::key_reference(key_id.map(String::as_str).unwrap_or_default())
}

fn listing_parts<T, U>(
    listing: Listing<T>,
    map: impl FnMut(T) -> U,
) -> (Vec<U>, Option<String>, bool) {
    let truncated = listing.next_marker.is_some();
    (
        listing.items.into_iter().map(map).collect(),
        listing.next_marker,
        truncated,
    )
}

fn create_key(kms: &Kms, caller: &Caller, request: CreateKeyRequest) -> Reply {
    let mut checks = Checks::new();
    checks.policy(request.policy.as_ref());
    checks.description(request.description.as_ref());
    let tags = checks.tags("tags", request.tags.as_ref());
    if let Some(store_id) = &request.custom_key_store_id {
        checks.length("customKeyStoreId", store_id, 1, 64);
    }
    let shape = check::key_shape(
        &mut checks,
        request.key_spec.as_ref(),
        request.customer_master_key_spec.as_ref(),
        request.key_usage.as_ref(),
        request.origin.as_ref(),
    );
    checks.finish()?;
    if request.custom_key_store_id.is_some() || request.xks_key_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Unsupported::CustomKeyStore));
    }
    if request.key_spec.is_some() && request.customer_master_key_spec.is_some() {
        return Err(KmsError::validation(
            "customerMasterKeySpec",
            ShownValue::Hidden,
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request.",
        ));
    }
    if request.multi_region == Some(true) {
        return Err(KmsError::UnsupportedOperation(Unsupported::MultiRegion));
    }
    let Some((spec, usage, origin)) =
        shape.filter(|(_, _, origin)| *origin == trent_core::key::Origin::AwsKms)
    else {
        return Err(check::unsupported_shape(
            request.key_spec.as_ref(),
            request.customer_master_key_spec.as_ref(),
            request.key_usage.as_ref(),
            request.origin.as_ref(),
        ));
    };
    let metadata = kms.create_key(
        caller,
        CreateKeyInput {
            description: request.description.unwrap_or_default(),
            policy: request.policy,
            tags,
            spec,
            usage,
            origin,
            bypass_policy_lockout_safety_check: request
                .bypass_policy_lockout_safety_check
                .unwrap_or(false),
        },
    )?;
    encode(&KeyMetadataResponse {
        key_metadata: metadata_dto(&metadata),
    })
}

fn describe_key(kms: &Kms, caller: &Caller, request: DescribeKeyRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    let metadata = kms.describe_key(caller, &checked_key(key_id)?)?;
    encode(&KeyMetadataResponse {
        key_metadata: metadata_dto(&metadata),
    })
}

fn list_keys(kms: &Kms, caller: &Caller, request: ListKeysRequest) -> Reply {
    let mut checks = Checks::new();
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    let listing = kms.list_keys(caller, request.marker.as_deref(), limit)?;
    let (keys, next_marker, truncated) = listing_parts(listing, |(key_id, key_arn)| KeyListEntry {
        key_id,
        key_arn,
    });
    encode(&ListKeysResponse {
        keys,
        next_marker,
        truncated,
    })
}

fn schedule_key_deletion(kms: &Kms, caller: &Caller, request: ScheduleKeyDeletionRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let days = request
        .pending_window_in_days
        .unwrap_or(i64::from(trent_core::quota::DEFAULT_PENDING_WINDOW_DAYS));
    let window = trent_core::quota::PENDING_WINDOW_DAYS_RANGE;
    checks.range(
        "pendingWindowInDays",
        days,
        i64::from(*window.start()),
        i64::from(*window.end()),
    );
    checks.finish()?;
    let scheduled = kms.schedule_key_deletion(caller, &checked_key(key_id)?, days as u32)?;
    encode(&ScheduleKeyDeletionResponse {
        key_id: scheduled.key_arn,
        deletion_date: seconds(scheduled.deletion_date),
        key_state: scheduled.state.as_str(),
        pending_window_in_days: scheduled.pending_window_days,
    })
}

fn update_key_description(
    kms: &Kms,
    caller: &Caller,
    request: UpdateKeyDescriptionRequest,
) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.required("description", &request.description);
    checks.description(request.description.as_ref());
    checks.finish()?;
    kms.update_key_description(
        caller,
        &checked_key(key_id)?,
        request.description.unwrap_or_default(),
    )?;
    empty()
}

type AliasOp = fn(
    &Kms,
    &Caller,
    trent_core::id::AliasName,
    &trent_core::id::KeyReference,
) -> Result<(), KmsError>;

fn alias(kms: &Kms, caller: &Caller, request: AliasRequest, op: AliasOp) -> Reply {
    let mut checks = Checks::new();
    let name = checks.alias_name(&request.alias_name);
    let target = checks.required_key_id("targetKeyId", &request.target_key_id);
    checks.finish()?;
    let name = check::alias_name(name.map(String::as_str).unwrap_or_default())?;
    op(kms, caller, name, &checked_key(target)?)?;
    empty()
}

fn delete_alias(kms: &Kms, caller: &Caller, request: DeleteAliasRequest) -> Reply {
    let mut checks = Checks::new();
    let name = checks.alias_name(&request.alias_name);
    checks.finish()?;
    kms.delete_alias(
        caller,
        check::alias_name(name.map(String::as_str).unwrap_or_default())?,
    )?;
    empty()
}

fn list_aliases(kms: &Kms, caller: &Caller, request: ListAliasesRequest) -> Reply {
    let mut checks = Checks::new();
    checks.key_id("keyId", request.key_id.as_ref());
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    let key = request
        .key_id
        .as_deref()
        .map(check::key_reference)
        .transpose()?;
    let listing = kms.list_aliases(caller, key.as_ref(), request.marker.as_deref(), limit)?;
    let (aliases, next_marker, truncated) = listing_parts(listing, |alias| AliasListEntry {
        alias_name: alias.name,
        alias_arn: alias.arn,
        target_key_id: alias.target.to_string(),
        creation_date: seconds(alias.created_at),
        last_updated_date: seconds(alias.updated_at),
    });
    encode(&ListAliasesResponse {
        aliases,
        next_marker,
        truncated,
    })
}

fn tag_resource(kms: &Kms, caller: &Caller, request: TagResourceRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.required("tags", &request.tags);
    let tags = checks.tags("tags", request.tags.as_ref());
    checks.finish()?;
    kms.tag_resource(caller, &checked_key(key_id)?, tags)?;
    empty()
}

fn untag_resource(kms: &Kms, caller: &Caller, request: UntagResourceRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let tag_keys = checks
        .required("tagKeys", &request.tag_keys)
        .cloned()
        .unwrap_or_default();
    for (index, tag_key) in tag_keys.iter().enumerate() {
        checks.length(
            &format!("tagKeys.{}.member", index + 1),
            tag_key,
            1,
            trent_core::quota::MAX_TAG_KEY_CHARS,
        );
    }
    checks.finish()?;
    kms.untag_resource(caller, &checked_key(key_id)?, tag_keys)?;
    empty()
}

fn list_resource_tags(kms: &Kms, caller: &Caller, request: ListForKeyRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    let listing = kms.list_resource_tags(
        caller,
        &checked_key(key_id)?,
        request.marker.as_deref(),
        limit,
    )?;
    let (tags, next_marker, truncated) = listing_parts(listing, |tag| TagDto {
        tag_key: Some(tag.key),
        tag_value: Some(tag.value),
    });
    encode(&ListResourceTagsResponse {
        tags,
        next_marker,
        truncated,
    })
}

fn policy_name(checks: &mut Checks, name: Option<&String>) {
    if let Some(name) = name {
        if checks.length("policyName", name, 1, 128) {
            let ok = name.chars().all(|c| c.is_alphanumeric() || c == '_');
            checks.pattern("policyName", name, ok, "[\\w]+");
        }
    }
}

fn get_key_policy(kms: &Kms, caller: &Caller, request: GetKeyPolicyRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    policy_name(&mut checks, request.policy_name.as_ref());
    checks.finish()?;
    let policy = kms.get_key_policy(
        caller,
        &checked_key(key_id)?,
        request.policy_name.as_deref(),
    )?;
    encode(&GetKeyPolicyResponse {
        policy,
        policy_name: trent_service::op::DEFAULT_POLICY_NAME.to_owned(),
    })
}

fn put_key_policy(kms: &Kms, caller: &Caller, request: PutKeyPolicyRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    policy_name(&mut checks, request.policy_name.as_ref());
    checks.required("policy", &request.policy);
    checks.policy(request.policy.as_ref());
    checks.finish()?;
    let policy = request.policy.unwrap_or_default();
    let bypass = request.bypass_policy_lockout_safety_check.unwrap_or(false);
    kms.put_key_policy(
        caller,
        &checked_key(key_id)?,
        request.policy_name.as_deref(),
        policy,
        bypass,
    )?;
    empty()
}

fn list_key_policies(kms: &Kms, caller: &Caller, request: ListForKeyRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    let policy_names = kms.list_key_policies(caller, &checked_key(key_id)?)?;
    encode(&ListKeyPoliciesResponse {
        policy_names,
        truncated: false,
    })
}

fn get_key_rotation_status(kms: &Kms, caller: &Caller, request: KeyIdRequest) -> Reply {
    let key = key_only(request)?;
    let status = kms.get_key_rotation_status(caller, &key)?;
    encode(&GetKeyRotationStatusResponse {
        key_rotation_enabled: status.enabled,
        key_id: status.key_arn,
        rotation_period_in_days: status.period_days,
        next_rotation_date: status.next_rotation.map(seconds),
    })
}

fn enable_key_rotation(kms: &Kms, caller: &Caller, request: EnableKeyRotationRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let period = trent_service::op::ROTATION_PERIOD_DAYS;
    if let Some(days) = request.rotation_period_in_days {
        checks.range(
            "rotationPeriodInDays",
            days,
            i64::from(*period.start()),
            i64::from(*period.end()),
        );
    }
    checks.finish()?;
    let days = request
        .rotation_period_in_days
        .and_then(|days| u32::try_from(days).ok());
    kms.enable_key_rotation(caller, &checked_key(key_id)?, days)?;
    empty()
}

fn list_key_rotations(kms: &Kms, caller: &Caller, request: ListKeyRotationsRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    if let Some(include) = &request.include_key_material {
        checks.one_of(
            "includeKeyMaterial",
            include,
            &["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"],
        );
    }
    checks.finish()?;
    let listing = kms.list_key_rotations(
        caller,
        &checked_key(key_id)?,
        request.marker.as_deref(),
        limit,
    )?;
    let (rotations, next_marker, truncated) =
        listing_parts(listing, |rotation| RotationsListEntry {
            key_id: rotation.key_id.to_string(),
            rotation_date: seconds(rotation.rotation_date),
            rotation_type: rotation.rotation_type.as_str(),
        });
    encode(&ListKeyRotationsResponse {
        rotations,
        next_marker,
        truncated,
    })
}

fn principal_check(checks: &mut Checks, member: &str, value: &str) {
    if checks.length(member, value, 1, 256) {
        let valid = value
            .chars()
            .all(|c| c.is_alphanumeric() || "_+=,.@:/-".contains(c));
        checks.pattern(member, value, valid, "^[\\w+=,.@:/-]+$");
    }
}

fn grant_id_check(checks: &mut Checks, member: &str, value: &Option<String>) {
    if let Some(value) = value {
        checks.length(member, value, 1, 128);
    }
}

fn create_grant(kms: &Kms, caller: &Caller, request: CreateGrantRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if let Some(grantee) = checks.required("granteePrincipal", &request.grantee_principal) {
        principal_check(&mut checks, "granteePrincipal", grantee);
    }
    if let Some(retiring) = &request.retiring_principal {
        principal_check(&mut checks, "retiringPrincipal", retiring);
    }
    if let Some(operations) = checks.required("operations", &request.operations) {
        for (index, operation) in operations.iter().enumerate() {
            checks.one_of(
                &format!("operations.{}.member", index + 1),
                operation,
                trent_service::op::GRANT_OPERATIONS,
            );
        }
    }
    if let Some(name) = &request.name {
        if checks.length("name", name, 1, 256) {
            let valid = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c));
            checks.pattern("name", name, valid, "^[a-zA-Z0-9:/_-]+$");
        }
    }
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    let constraint = match &request.constraints {
        None => None,
        Some(constraints) => match (
            &constraints.encryption_context_equals,
            &constraints.encryption_context_subset,
        ) {
            (Some(_), Some(_)) => {
                return Err(KmsError::validation(
                    "constraints",
                    ShownValue::Hidden,
                    "A grant can have an EncryptionContextEquals or an EncryptionContextSubset constraint, not both",
                ))
            }
            (Some(equals), None) => Some((
                ConstraintKind::Equals,
                check::encryption_context("encryptionContextEquals", Some(equals))?,
            )),
            (None, Some(subset)) => Some((
                ConstraintKind::Subset,
                check::encryption_context("encryptionContextSubset", Some(subset))?,
            )),
            (None, None) => None,
        },
    };
    let mut operations = request.operations.unwrap_or_default();
    operations.dedup();
    let created = kms.create_grant(
        caller,
        &checked_key(key_id)?,
        CreateGrantInput {
            grantee: request.grantee_principal.unwrap_or_default(),
            retiring: request.retiring_principal,
            operations,
            constraint,
            name: request.name,
            dry_run: request.dry_run.unwrap_or(false),
        },
    )?;
    encode(&CreateGrantResponse {
        grant_token: created.grant_token,
        grant_id: created.grant_id,
    })
}

fn grant_entry(key_arn: String, grant: trent_store::record::GrantRecord) -> GrantListEntry {
    let constraints = grant.constraint.map(|(kind, pairs)| {
        let context: ContextDto = pairs.into_iter().collect();
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
        key_id: key_arn,
        grant_id: grant.grant_id,
        name: grant.name,
        creation_date: seconds(grant.created_at),
        grantee_principal: grant.grantee,
        retiring_principal: grant.retiring,
        issuing_account: grant.issuing_account,
        operations: grant.operations,
        constraints,
    }
}

/// Pages a listing by offset markers.
fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    limit: u32,
) -> Result<(Vec<T>, Option<String>, bool), KmsError> {
    let start = match marker {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| KmsError::InvalidMarker)?,
    };
    let total = items.len();
    let end = start.saturating_add(limit as usize).min(total);
    let items: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let more = end < total;
    Ok((items, more.then(|| end.to_string()), more))
}

fn list_grants(kms: &Kms, caller: &Caller, request: ListGrantsRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    grant_id_check(&mut checks, "grantId", &request.grant_id);
    if let Some(grantee) = &request.grantee_principal {
        principal_check(&mut checks, "granteePrincipal", grantee);
    }
    checks.finish()?;
    let key = checked_key(key_id)?;
    let (key_arn, grants) = kms.list_grants(
        caller,
        &key,
        request.grant_id.as_deref(),
        request.grantee_principal.as_deref(),
    )?;
    let (grants, next_marker, truncated) = page(grants, request.marker.as_deref(), limit)?;
    let grants = grants
        .into_iter()
        .map(|grant| grant_entry(key_arn.clone(), grant))
        .collect();
    encode(&ListGrantsResponse {
        grants,
        next_marker,
        truncated,
    })
}

fn list_retirable_grants(kms: &Kms, caller: &Caller, request: ListRetirableGrantsRequest) -> Reply {
    let mut checks = Checks::new();
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    if let Some(retiring) = checks.required("retiringPrincipal", &request.retiring_principal) {
        principal_check(&mut checks, "retiringPrincipal", retiring);
    }
    checks.finish()?;
    let grants = kms.list_retirable_grants(
        caller,
        request.retiring_principal.as_deref().unwrap_or_default(),
    )?;
    let (grants, next_marker, truncated) = page(grants, request.marker.as_deref(), limit)?;
    encode(&ListGrantsResponse {
        grants: grants
            .into_iter()
            .map(|(arn, grant)| grant_entry(arn, grant))
            .collect(),
        next_marker,
        truncated,
    })
}

fn retire_grant(kms: &Kms, caller: &Caller, request: RetireGrantRequest) -> Reply {
    let mut checks = Checks::new();
    checks.key_id("keyId", request.key_id.as_ref());
    grant_id_check(&mut checks, "grantId", &request.grant_id);
    if let Some(token) = &request.grant_token {
        checks.length("grantToken", token, 1, 8192);
    }
    checks.finish()?;
    let target = match (request.grant_token, request.key_id, request.grant_id) {
        (Some(token), _, _) => RetireTarget::Token(token),
        (None, Some(key_id), Some(grant_id)) => {
            RetireTarget::Id(check::key_reference(&key_id)?, grant_id)
        }
        _ => {
            return Err(KmsError::validation(
                "grantToken",
                ShownValue::Null,
                "Either GrantToken, or both KeyId and GrantId, must be specified",
            ))
        }
    };
    kms.retire_grant(caller, target, request.dry_run.unwrap_or(false))?;
    empty()
}

fn revoke_grant(kms: &Kms, caller: &Caller, request: RevokeGrantRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if checks.required("grantId", &request.grant_id).is_some() {
        grant_id_check(&mut checks, "grantId", &request.grant_id);
    }
    checks.finish()?;
    kms.revoke_grant(
        caller,
        &checked_key(key_id)?,
        request.grant_id.as_deref().unwrap_or_default(),
        request.dry_run.unwrap_or(false),
    )?;
    empty()
}

fn encrypt(kms: &Kms, caller: &Caller, request: EncryptRequest) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if let Some(plaintext) = checks.required("plaintext", &request.plaintext) {
        checks.secret_length(
            "plaintext",
            plaintext.0.len(),
            1,
            trent_core::quota::MAX_PLAINTEXT_BYTES,
        );
    }
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.encryption_algorithm("encryptionAlgorithm", request.encryption_algorithm.as_ref());
    checks.finish()?;
    check::symmetric_algorithm(request.encryption_algorithm.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    let plaintext = request.plaintext.unwrap_or_default();
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    let encrypted = kms.encrypt(caller, &checked_key(key_id)?, &plaintext.0, &context)?;
    dry_run(request.dry_run)?;
    encode(&EncryptResponse {
        ciphertext_blob: encrypted.ciphertext,
        key_id: encrypted.key_arn,
        encryption_algorithm: SYMMETRIC_DEFAULT,
    })
}

fn ciphertext_checks(checks: &mut Checks, blob: &Option<trent_protocol::blob::Blob>) {
    if let Some(blob) = checks.required("ciphertextBlob", blob) {
        checks.secret_length(
            "ciphertextBlob",
            blob.0.len(),
            1,
            trent_core::quota::MAX_CIPHERTEXT_BYTES,
        );
    }
}

fn decrypt(kms: &Kms, caller: &Caller, request: DecryptRequest) -> Reply {
    let mut checks = Checks::new();
    ciphertext_checks(&mut checks, &request.ciphertext_blob);
    checks.key_id("keyId", request.key_id.as_ref());
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.encryption_algorithm("encryptionAlgorithm", request.encryption_algorithm.as_ref());
    checks.finish()?;
    check::no_recipient(request.recipient.as_ref())?;
    check::symmetric_algorithm(request.encryption_algorithm.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    let key = request
        .key_id
        .as_deref()
        .map(check::key_reference)
        .transpose()?;
    let blob = request.ciphertext_blob.unwrap_or_default();
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    let decrypted = kms.decrypt(caller, &blob.0, &context, key.as_ref())?;
    dry_run(request.dry_run)?;
    encode(&DecryptResponse {
        key_id: decrypted.key_arn.clone(),
        plaintext: &decrypted.plaintext,
        encryption_algorithm: SYMMETRIC_DEFAULT,
    })
}

fn re_encrypt(kms: &Kms, caller: &Caller, request: ReEncryptRequest) -> Reply {
    let mut checks = Checks::new();
    ciphertext_checks(&mut checks, &request.ciphertext_blob);
    checks.key_id("sourceKeyId", request.source_key_id.as_ref());
    let destination = checks.required_key_id("destinationKeyId", &request.destination_key_id);
    checks.encryption_algorithm(
        "sourceEncryptionAlgorithm",
        request.source_encryption_algorithm.as_ref(),
    );
    checks.encryption_algorithm(
        "destinationEncryptionAlgorithm",
        request.destination_encryption_algorithm.as_ref(),
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    check::symmetric_algorithm(request.source_encryption_algorithm.as_ref())?;
    check::symmetric_algorithm(request.destination_encryption_algorithm.as_ref())?;
    let source_context = check::encryption_context(
        "sourceEncryptionContext",
        request.source_encryption_context.as_ref(),
    )?;
    let destination_context = check::encryption_context(
        "destinationEncryptionContext",
        request.destination_encryption_context.as_ref(),
    )?;
    let source_key = request
        .source_key_id
        .as_deref()
        .map(check::key_reference)
        .transpose()?;
    let destination = checked_key(destination)?;
    let blob = request.ciphertext_blob.unwrap_or_default();
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    let moved = kms.re_encrypt(
        caller,
        &blob.0,
        &source_context,
        source_key.as_ref(),
        &destination,
        &destination_context,
    )?;
    dry_run(request.dry_run)?;
    encode(&ReEncryptResponse {
        ciphertext_blob: moved.ciphertext,
        source_key_id: moved.source_key_arn,
        key_id: moved.key_arn,
        source_encryption_algorithm: SYMMETRIC_DEFAULT,
        destination_encryption_algorithm: SYMMETRIC_DEFAULT,
    })
}

fn generate_data_key(
    kms: &Kms,
    caller: &Caller,
    request: GenerateDataKeyRequest,
    with_plaintext: bool,
) -> Reply {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.grant_tokens(request.grant_tokens.as_ref());
    let length = checks.data_key_length(request.number_of_bytes, request.key_spec.as_ref());
    checks.finish()?;
    let length = length?;
    check::no_recipient(request.recipient.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    let key = checked_key(key_id)?;
    kms.check_grant_tokens(request.grant_tokens.as_deref().unwrap_or_default())?;
    if with_plaintext {
        let data_key = kms.generate_data_key(caller, &key, &context, length)?;
        dry_run(request.dry_run)?;
        encode(&GenerateDataKeyResponse {
            ciphertext_blob: data_key.ciphertext.clone(),
            plaintext: Some(data_key.plaintext.expose()),
            key_id: data_key.key_arn.clone(),
        })
    } else {
        let encrypted = kms.generate_data_key_without_plaintext(caller, &key, &context, length)?;
        dry_run(request.dry_run)?;
        encode(&GenerateDataKeyResponse {
            ciphertext_blob: encrypted.ciphertext,
            plaintext: None,
            key_id: encrypted.key_arn,
        })
    }
}

fn generate_random(kms: &Kms, caller: &Caller, request: GenerateRandomRequest) -> Reply {
    let mut checks = Checks::new();
    let number_of_bytes = checks
        .required("numberOfBytes", &request.number_of_bytes)
        .copied();
    if let Some(bytes) = number_of_bytes {
        let range = trent_core::quota::RANDOM_BYTES_RANGE;
        checks.range(
            "numberOfBytes",
            bytes,
            i64::from(*range.start()),
            i64::from(*range.end()),
        );
    }
    if let Some(store_id) = &request.custom_key_store_id {
        checks.length("customKeyStoreId", store_id, 1, 64);
    }
    checks.finish()?;
    if request.custom_key_store_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Unsupported::CustomKeyStore));
    }
    check::no_recipient(request.recipient.as_ref())?;
    let random = kms.generate_random(caller, number_of_bytes.unwrap_or(0) as usize)?;
    encode(&GenerateRandomResponse {
        plaintext: random.expose(),
    })
}
