//! One module per AWS KMS operation. Each loads, checks, acts and persists.

mod cancel_key_deletion;
mod create_alias;
mod create_key;
mod decapsulate;
pub(crate) mod decrypt;
mod delete_alias;
mod delete_imported_key_material;
mod derive_shared_secret;
mod describe_key;
mod disable_key;
mod enable_key;
mod encapsulate;
mod encrypt;
mod generate_data_key;
mod generate_data_key_pair;
mod generate_data_key_pair_without_plaintext;
mod generate_data_key_without_plaintext;
mod generate_mac;
mod generate_random;
mod get_key_last_usage;
mod get_key_policy;
mod get_key_rotation_status;
mod get_parameters_for_import;
mod get_public_key;
mod grants;
mod import_key_material;
pub(crate) mod imported;
mod list_aliases;
mod list_key_policies;
mod list_keys;
mod list_resource_tags;
mod material;
mod put_key_policy;
mod re_encrypt;
mod replicate_key;
mod rotation;
mod schedule_key_deletion;
mod sign;
mod tag_resource;
mod untag_resource;
mod update_alias;
mod update_key_description;
mod update_primary_region;
mod verify;
mod verify_mac;

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

/// Pages a listing held whole in memory by offset markers (the decimal
/// position of the next item), as AWS paginates: the one place such pages
/// are cut.
pub(crate) fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    limit: u32,
) -> Result<trent_core::view::Listing<T>, trent_core::error::KmsError> {
    let start = match marker {
        None => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| trent_core::error::KmsError::InvalidMarker)?,
    };
    let total = items.len();
    let end = start.saturating_add(limit as usize).min(total);
    let items: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    Ok(trent_core::view::Listing {
        items,
        next_marker: (end < total).then(|| end.to_string()),
    })
}

/// Answers a request that asked for `DryRun`: its checks (and, having no
/// lasting effect, its work) ran, so it would have succeeded.
pub(crate) fn unless_dry_run<T>(
    dry_run: bool,
    answer: T,
) -> Result<T, trent_core::error::KmsError> {
    if dry_run {
        Err(trent_core::error::KmsError::DryRun)
    } else {
        Ok(answer)
    }
}
