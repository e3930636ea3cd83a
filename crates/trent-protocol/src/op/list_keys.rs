//! ListKeys.

use trent_core::view::{KeyEntry, Listing};

use crate::check::Checks;
use crate::dto::{KeyListEntry, ListKeysRequest, ListKeysResponse};
use crate::error::Failure;

/// A checked ListKeys request.
#[derive(Debug)]
pub struct Request {
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListKeysRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    Ok(Request {
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of keys.
pub fn encode(listing: &Listing<KeyEntry>) -> super::Reply {
    let (keys, next_marker, truncated) = super::listing_parts(listing, |key| KeyListEntry {
        key_id: key.key_id.clone(),
        key_arn: key.key_arn.clone(),
    });
    crate::encode(&ListKeysResponse {
        keys,
        next_marker,
        truncated,
    })
}
