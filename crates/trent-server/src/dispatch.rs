//! From a request body to the service and back: one arm per operation.
//!
//! Each arm hands the request that `trent_protocol::op::<operation>::decode`
//! made to the service and the service's answer to that module's `encode`.
//! Model checks, conversions and encodings live in trent-protocol; rules in
//! trent-service.

use trent_core::operation::Operation;
use trent_protocol::op::{self, Reply};
use trent_service::{Caller, Kms};

pub(crate) fn dispatch(kms: &Kms, caller: &Caller, operation: Operation, body: &[u8]) -> Reply {
    match operation {
        Operation::CreateKey => {
            op::create_key::encode(&kms.create_key(caller, op::create_key::decode(body)?)?)
        }
        Operation::DescribeKey => {
            let request = op::describe_key::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::describe_key::encode(&kms.describe_key(caller, &request.key)?)
        }
        Operation::ListKeys => {
            let request = op::list_keys::decode(body)?;
            op::list_keys::encode(&kms.list_keys(
                caller,
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::EnableKey => {
            kms.enable_key(caller, &op::enable_key::decode(body)?)?;
            op::enable_key::encode()
        }
        Operation::DisableKey => {
            kms.disable_key(caller, &op::disable_key::decode(body)?)?;
            op::disable_key::encode()
        }
        Operation::ScheduleKeyDeletion => {
            let request = op::schedule_key_deletion::decode(body)?;
            op::schedule_key_deletion::encode(&kms.schedule_key_deletion(
                caller,
                &request.key,
                request.pending_window_days,
            )?)
        }
        Operation::CancelKeyDeletion => {
            let key = op::cancel_key_deletion::decode(body)?;
            op::cancel_key_deletion::encode(&kms.cancel_key_deletion(caller, &key)?)
        }
        Operation::ReplicateKey => {
            let request = op::replicate_key::decode(body)?;
            op::replicate_key::encode(&kms.replicate_key(caller, &request.key, request.input)?)
        }
        Operation::UpdatePrimaryRegion => {
            let request = op::update_primary_region::decode(body)?;
            kms.update_primary_region(caller, &request.key, &request.primary_region)?;
            op::update_primary_region::encode()
        }
        Operation::UpdateKeyDescription => {
            let request = op::update_key_description::decode(body)?;
            kms.update_key_description(caller, &request.key, request.description)?;
            op::update_key_description::encode()
        }
        Operation::CreateAlias => {
            let request = op::create_alias::decode(body)?;
            kms.create_alias(caller, request.alias, &request.target)?;
            op::create_alias::encode()
        }
        Operation::UpdateAlias => {
            let request = op::update_alias::decode(body)?;
            kms.update_alias(caller, request.alias, &request.target)?;
            op::update_alias::encode()
        }
        Operation::DeleteAlias => {
            kms.delete_alias(caller, op::delete_alias::decode(body)?)?;
            op::delete_alias::encode()
        }
        Operation::ListAliases => {
            let request = op::list_aliases::decode(body)?;
            op::list_aliases::encode(&kms.list_aliases(
                caller,
                request.key.as_ref(),
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::GetParametersForImport => {
            let request = op::get_parameters_for_import::decode(body)?;
            op::get_parameters_for_import::encode(&kms.get_parameters_for_import(
                caller,
                &request.key,
                request.algorithm,
                request.wrapping_key_spec,
            )?)
        }
        Operation::ImportKeyMaterial => {
            let request = op::import_key_material::decode(body)?;
            op::import_key_material::encode(&kms.import_key_material(
                caller,
                &request.key,
                request.input,
            )?)
        }
        Operation::DeleteImportedKeyMaterial => {
            let request = op::delete_imported_key_material::decode(body)?;
            op::delete_imported_key_material::encode(&kms.delete_imported_key_material(
                caller,
                &request.key,
                request.key_material_id.as_deref(),
            )?)
        }
        Operation::TagResource => {
            let request = op::tag_resource::decode(body)?;
            kms.tag_resource(caller, &request.key, request.tags)?;
            op::tag_resource::encode()
        }
        Operation::UntagResource => {
            let request = op::untag_resource::decode(body)?;
            kms.untag_resource(caller, &request.key, request.tag_keys)?;
            op::untag_resource::encode()
        }
        Operation::ListResourceTags => {
            let request = op::list_resource_tags::decode(body)?;
            op::list_resource_tags::encode(&kms.list_resource_tags(
                caller,
                &request.key,
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::GetKeyLastUsage => {
            let key = op::get_key_last_usage::decode(body)?;
            op::get_key_last_usage::encode(&kms.get_key_last_usage(caller, &key)?)
        }
        Operation::GetKeyPolicy => {
            let request = op::get_key_policy::decode(body)?;
            op::get_key_policy::encode(kms.get_key_policy(
                caller,
                &request.key,
                request.policy_name.as_deref(),
            )?)
        }
        Operation::PutKeyPolicy => {
            let request = op::put_key_policy::decode(body)?;
            kms.put_key_policy(
                caller,
                &request.key,
                request.policy_name.as_deref(),
                request.policy,
                request.bypass_policy_lockout_safety_check,
            )?;
            op::put_key_policy::encode()
        }
        Operation::ListKeyPolicies => {
            let request = op::list_key_policies::decode(body)?;
            op::list_key_policies::encode(kms.list_key_policies(caller, &request.key)?)
        }
        Operation::GetKeyRotationStatus => {
            let key = op::get_key_rotation_status::decode(body)?;
            op::get_key_rotation_status::encode(&kms.get_key_rotation_status(caller, &key)?)
        }
        Operation::EnableKeyRotation => {
            let request = op::enable_key_rotation::decode(body)?;
            kms.enable_key_rotation(caller, &request.key, request.rotation_period_days)?;
            op::enable_key_rotation::encode()
        }
        Operation::DisableKeyRotation => {
            kms.disable_key_rotation(caller, &op::disable_key_rotation::decode(body)?)?;
            op::disable_key_rotation::encode()
        }
        Operation::RotateKeyOnDemand => {
            let key = op::rotate_key_on_demand::decode(body)?;
            op::rotate_key_on_demand::encode(&kms.rotate_key_on_demand(caller, &key)?)
        }
        Operation::ListKeyRotations => {
            let request = op::list_key_rotations::decode(body)?;
            op::list_key_rotations::encode(&kms.list_key_rotations(
                caller,
                &request.key,
                request.include,
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::CreateGrant => {
            let request = op::create_grant::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::create_grant::encode(&kms.create_grant(caller, &request.key, request.input)?)
        }
        Operation::ListGrants => {
            let request = op::list_grants::decode(body)?;
            op::list_grants::encode(&kms.list_grants(
                caller,
                &request.key,
                request.grant_id.as_deref(),
                request.grantee.as_deref(),
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::ListRetirableGrants => {
            let request = op::list_retirable_grants::decode(body)?;
            op::list_retirable_grants::encode(&kms.list_retirable_grants(
                caller,
                &request.retiring,
                request.marker.as_deref(),
                request.limit,
            )?)
        }
        Operation::RetireGrant => {
            let request = op::retire_grant::decode(body)?;
            kms.retire_grant(caller, request.target, request.dry_run)?;
            op::retire_grant::encode()
        }
        Operation::RevokeGrant => {
            let request = op::revoke_grant::decode(body)?;
            kms.revoke_grant(caller, &request.key, &request.grant_id, request.dry_run)?;
            op::revoke_grant::encode()
        }
        Operation::Encrypt => {
            let request = op::encrypt::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::encrypt::encode(&kms.encrypt(caller, &request.input)?)
        }
        Operation::Decrypt => {
            let request = op::decrypt::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::decrypt::encode(&kms.decrypt(caller, &request.input)?)
        }
        Operation::ReEncrypt => {
            let request = op::re_encrypt::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::re_encrypt::encode(&kms.re_encrypt(caller, &request.input)?)
        }
        Operation::Sign => {
            let request = op::sign::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::sign::encode(&kms.sign(caller, &request.input)?)
        }
        Operation::Verify => {
            let request = op::verify::decode(body)?;
            kms.check_grant_tokens(&request.sign.grant_tokens)?;
            op::verify::encode(&kms.verify(caller, &request.sign.input, &request.signature)?)
        }
        Operation::GetPublicKey => {
            let request = op::get_public_key::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::get_public_key::encode(&kms.get_public_key(caller, &request.key)?)
        }
        Operation::GenerateMac => {
            let request = op::generate_mac::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::generate_mac::encode(&kms.generate_mac(caller, &request.input)?)
        }
        Operation::VerifyMac => {
            let request = op::verify_mac::decode(body)?;
            kms.check_grant_tokens(&request.mac_request.grant_tokens)?;
            op::verify_mac::encode(&kms.verify_mac(
                caller,
                &request.mac_request.input,
                &request.mac,
            )?)
        }
        Operation::GenerateDataKeyPair => {
            let request = op::generate_data_key_pair::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::generate_data_key_pair::encode(&kms.generate_data_key_pair(caller, &request.input)?)
        }
        Operation::GenerateDataKeyPairWithoutPlaintext => {
            let request = op::generate_data_key_pair_without_plaintext::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::generate_data_key_pair_without_plaintext::encode(
                &kms.generate_data_key_pair_without_plaintext(caller, &request.input)?,
            )
        }
        Operation::DeriveSharedSecret => {
            let request = op::derive_shared_secret::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::derive_shared_secret::encode(&kms.derive_shared_secret(caller, &request.input)?)
        }
        Operation::Encapsulate => {
            let request = op::encapsulate::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::encapsulate::encode(&kms.encapsulate(caller, &request.key, request.dry_run)?)
        }
        Operation::Decapsulate => {
            let request = op::decapsulate::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::decapsulate::encode(&kms.decapsulate(
                caller,
                &request.key,
                &request.ciphertext,
                request.dry_run,
            )?)
        }
        Operation::GenerateDataKey => {
            let request = op::generate_data_key::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::generate_data_key::encode(&kms.generate_data_key(
                caller,
                &request.key,
                &request.context,
                request.length,
                request.dry_run,
            )?)
        }
        Operation::GenerateDataKeyWithoutPlaintext => {
            let request = op::generate_data_key_without_plaintext::decode(body)?;
            kms.check_grant_tokens(&request.grant_tokens)?;
            op::generate_data_key_without_plaintext::encode(
                &kms.generate_data_key_without_plaintext(
                    caller,
                    &request.key,
                    &request.context,
                    request.length,
                    request.dry_run,
                )?,
            )
        }
        Operation::GenerateRandom => {
            let length = op::generate_random::decode(body)?;
            op::generate_random::encode(&kms.generate_random(caller, length)?)
        }
    }
}
