//! One module per AWS KMS operation. Each loads, checks, acts and persists.

mod cancel_key_deletion;
mod create_alias;
mod create_key;
mod decrypt;
mod delete_alias;
mod describe_key;
mod disable_key;
mod enable_key;
mod encrypt;
mod generate_data_key;
mod generate_data_key_without_plaintext;
mod generate_random;
mod get_key_policy;
mod get_key_rotation_status;
mod grants;
mod list_aliases;
mod list_key_policies;
mod list_keys;
mod list_resource_tags;
mod material;
mod put_key_policy;
mod re_encrypt;
mod rotation;
mod schedule_key_deletion;
mod tag_resource;
mod untag_resource;
mod update_alias;
mod update_key_description;

pub use create_key::CreateKeyInput;
pub use decrypt::Decrypted;
pub use encrypt::Encrypted;
pub use generate_data_key::DataKey;
pub use get_key_rotation_status::RotationStatus;
pub use grants::{CreateGrantInput, CreatedGrant, RetireTarget, GRANT_OPERATIONS};
pub use list_aliases::AliasEntry;
pub use re_encrypt::ReEncrypted;
pub use rotation::{Rotation, ROTATION_PERIOD_DAYS};
pub use schedule_key_deletion::ScheduledDeletion;

/// The only key policy name AWS KMS has.
pub const DEFAULT_POLICY_NAME: &str = "default";

/// One page of a listing and the marker for the next, as AWS paginates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The marker of the next page, when `Truncated` is true.
    pub next_marker: Option<String>,
}

/// Decodes a marker this server issued: the decimal position after the last item.
pub(crate) fn parse_marker(
    marker: Option<&str>,
) -> Result<Option<i64>, trent_core::error::KmsError> {
    marker
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|position| *position >= 0)
                .ok_or(trent_core::error::KmsError::InvalidMarker)
        })
        .transpose()
}
