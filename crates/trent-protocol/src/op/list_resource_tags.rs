//! ListResourceTags.

use trent_core::key::Tag;
use trent_core::view::Listing;

use crate::dto::{ListResourceTagsResponse, TagDto};
use crate::error::Failure;

/// Decodes and checks the request: the key, and which page.
pub fn decode(body: &[u8]) -> Result<super::KeyPage, Failure> {
    super::key_page(body)
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
