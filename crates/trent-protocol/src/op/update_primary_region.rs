//! UpdatePrimaryRegion.

use trent_core::id::{KeyReference, Region};

use crate::check::Checks;
use crate::dto::UpdatePrimaryRegionRequest;
use crate::error::Failure;

/// A checked UpdatePrimaryRegion request.
#[derive(Debug)]
pub struct Request {
    /// The current primary key.
    pub key: KeyReference,
    /// The Region of the replica that becomes the primary.
    pub primary_region: Region,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: UpdatePrimaryRegionRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let region =
        super::replicate_key::region_member(&mut checks, "primaryRegion", &request.primary_region);
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        primary_region: super::replicate_key::checked_region("primaryRegion", region)?,
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
