//! ListAliases.

use trent_core::id::KeyReference;
use trent_core::view::{AliasEntry, Listing};

use crate::check::Checks;
use crate::dto::{AliasListEntry, ListAliasesRequest, ListAliasesResponse};
use crate::error::Failure;

/// A checked ListAliases request.
#[derive(Debug)]
pub struct Request {
    /// Only the aliases of this key, when given.
    pub key: Option<KeyReference>,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListAliasesRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    checks.key_id("keyId", request.key_id.as_ref());
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::optional_key(request.key_id.as_deref())?,
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of aliases.
pub fn encode(listing: &Listing<AliasEntry>) -> super::Reply {
    let (aliases, next_marker, truncated) = super::listing_parts(listing, |alias| AliasListEntry {
        alias_name: alias.name.clone(),
        alias_arn: alias.arn.clone(),
        target_key_id: alias.target.to_string(),
        creation_date: super::seconds(alias.created_at),
        last_updated_date: super::seconds(alias.updated_at),
    });
    crate::encode(&ListAliasesResponse {
        aliases,
        next_marker,
        truncated,
    })
}
