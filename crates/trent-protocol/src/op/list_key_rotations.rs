//! ListKeyRotations.

use trent_core::id::KeyReference;
use trent_core::import::IncludeKeyMaterial;
use trent_core::view::{Listing, Rotation};

use crate::check::Checks;
use crate::dto::{ListKeyRotationsRequest, ListKeyRotationsResponse, RotationsListEntry};
use crate::error::Failure;

/// A checked ListKeyRotations request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
    /// Rotations only (the default), or every key material.
    pub include: IncludeKeyMaterial,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListKeyRotationsRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    let include = checks.wire_enum(
        "includeKeyMaterial",
        request.include_key_material.as_ref(),
        IncludeKeyMaterial::ALL,
        IncludeKeyMaterial::as_str,
    );
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        marker: request.marker,
        limit,
        include: include.unwrap_or(IncludeKeyMaterial::RotationsOnly),
    })
}

/// Encodes one page of rotations.
pub fn encode(listing: &Listing<Rotation>) -> super::Reply {
    let (rotations, next_marker, truncated) = super::listing_parts(listing, |rotation| {
        let import = rotation.import.as_ref();
        RotationsListEntry {
            key_id: rotation.key_id.to_string(),
            key_material_id: rotation.key_material_id.clone(),
            key_material_description: import
                .filter(|import| !import.description.is_empty())
                .map(|import| import.description.clone()),
            import_state: import.map(|import| import.state.as_str()),
            key_material_state: rotation.material_state.map(|state| state.as_str()),
            expiration_model: import.map(|import| import.expiration_model.as_str()),
            valid_to: import.and_then(|import| import.valid_to.map(super::seconds)),
            rotation_date: rotation.rotation_date.map(super::seconds),
            rotation_type: rotation.rotation_type.map(|kind| kind.as_str()),
        }
    });
    crate::encode(&ListKeyRotationsResponse {
        rotations,
        next_marker,
        truncated,
    })
}
