//! CreateKey.

use trent_core::error::{KmsError, ShownValue, Unsupported};
use trent_core::key::{KeySpec, KeyUsage, Origin};
use trent_core::view::{CreateKeyInput, KeyMetadata};

use crate::check::{self, Checks};
use crate::dto::{CreateKeyRequest, KeyMetadataResponse};

/// Decodes and checks the request; refuses the key shapes and stores Trent
/// does not offer.
pub fn decode(body: &[u8]) -> Result<CreateKeyInput, KmsError> {
    let request: CreateKeyRequest = crate::decode(body)?;
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
    let Some((spec, usage, origin)) = shape.filter(|shape| {
        *shape
            == (
                KeySpec::SymmetricDefault,
                KeyUsage::EncryptDecrypt,
                Origin::AwsKms,
            )
    }) else {
        return Err(check::unsupported_shape(
            request.key_spec.as_ref(),
            request.customer_master_key_spec.as_ref(),
            request.key_usage.as_ref(),
            request.origin.as_ref(),
        ));
    };
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
    })
}

/// Encodes the new key's metadata.
pub fn encode(metadata: &KeyMetadata) -> super::Reply {
    crate::encode(&KeyMetadataResponse {
        key_metadata: super::metadata_dto(metadata),
    })
}
