//! CreateKey.

use trent_core::error::{KmsError, Unsupported};
use trent_core::key::Origin;
use trent_core::view::{CreateKeyInput, KeyMetadata};

use crate::check::{self, Checks};
use crate::dto::{CreateKeyRequest, KeyMetadataResponse};
use crate::error::{Failure, RequestError, ShownValue};

/// Decodes and checks the request: every model check, then AWS's rules
/// joining spec and usage; refuses the origins and stores Trent does not
/// offer (which specs may be `EXTERNAL` is the service's rule).
pub fn decode(body: &[u8]) -> Result<CreateKeyInput, Failure> {
    let request: CreateKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    checks.policy(request.policy.as_ref());
    checks.description(request.description.as_ref());
    let tags = checks.tags("tags", request.tags.as_ref());
    if let Some(store_id) = &request.custom_key_store_id {
        checks.length("customKeyStoreId", store_id, 1, 64);
    }
    let (spec, usage, origin) = check::key_shape(
        &mut checks,
        request.key_spec.as_ref(),
        request.customer_master_key_spec.as_ref(),
        request.key_usage.as_ref(),
        request.origin.as_ref(),
    );
    checks.finish()?;
    if request.custom_key_store_id.is_some() || request.xks_key_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Unsupported::CustomKeyStore).into());
    }
    if request.key_spec.is_some() && request.customer_master_key_spec.is_some() {
        return Err(RequestError::validation(
            "customerMasterKeySpec",
            ShownValue::Hidden,
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request.",
        )
        .into());
    }

    // AWS_CLOUDHSM and EXTERNAL_KEY_STORE pass the model's check but name
    // custom key stores, which Trent does not offer.
    let origin = match (origin, request.origin.as_deref()) {
        (Some(origin), _) => origin,
        (None, Some(_)) => {
            return Err(KmsError::UnsupportedOperation(Unsupported::CustomKeyStore).into())
        }
        (None, None) => Origin::AwsKms,
    };
    let multi_region = request.multi_region == Some(true);
    if multi_region && origin == Origin::External {
        // AWS imports material into each Region's key separately; Trent's
        // replicas share material, so it does not offer these yet.
        return Err(KmsError::UnsupportedOperation(Unsupported::MultiRegion).into());
    }
    let spec = spec.unwrap_or(trent_core::key::KeySpec::SymmetricDefault);
    let usage = check::key_usage_for(spec, usage)?;
    Ok(CreateKeyInput {
        description: request.description.unwrap_or_default(),
        policy: request.policy,
        tags,
        spec,
        usage,
        origin,
        bypass_policy_lockout_safety_check: request
            .bypass_policy_lockout_safety_check
            .unwrap_or(false),
        multi_region,
    })
}

/// Encodes the new key's metadata.
pub fn encode(metadata: &KeyMetadata) -> super::Reply {
    crate::encode(&KeyMetadataResponse {
        key_metadata: super::metadata_dto(metadata),
    })
}
