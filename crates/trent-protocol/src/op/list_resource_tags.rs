//! ListResourceTags.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::Tag;
use trent_core::view::Listing;

use crate::check::Checks;
use crate::dto::{ListForKeyRequest, ListResourceTagsResponse, TagDto};

/// A checked ListResourceTags request.
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
pub fn decode(body: &[u8]) -> Result<Request, KmsError> {
    let request: ListForKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of tags.
pub fn encode(listing: &Listing<Tag>) -> super::Reply {
    let (tags, next_marker, truncated) = super::listing_parts(listing, |tag| TagDto {
        tag_key: Some(tag.key.clone()),
        tag_value: Some(tag.value.clone()),
    });
    crate::encode(&ListResourceTagsResponse {
        tags,
        next_marker,
        truncated,
    })
}
