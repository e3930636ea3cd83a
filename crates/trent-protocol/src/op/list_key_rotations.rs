//! ListKeyRotations.

use trent_core::id::KeyReference;
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
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListKeyRotationsRequest = crate::decode(body)?;
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
    Ok(Request {
        key: super::checked_key(key_id)?,
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of rotations.
pub fn encode(listing: &Listing<Rotation>) -> super::Reply {
    let (rotations, next_marker, truncated) =
        super::listing_parts(listing, |rotation| RotationsListEntry {
            key_id: rotation.key_id.to_string(),
            rotation_date: super::seconds(rotation.rotation_date),
            rotation_type: rotation.rotation_type.as_str(),
        });
    crate::encode(&ListKeyRotationsResponse {
        rotations,
        next_marker,
        truncated,
    })
}
