//! ListGrants.

use trent_core::id::KeyReference;
use trent_core::view::{Grant, Listing};

use crate::check::Checks;
use crate::dto::ListGrantsRequest;
use crate::error::Failure;

/// A checked ListGrants request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Only this grant, when given.
    pub grant_id: Option<String>,
    /// Only grants to this principal, when given.
    pub grantee: Option<String>,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListGrantsRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    super::grant_id_check(&mut checks, "grantId", &request.grant_id);
    if let Some(grantee) = &request.grantee_principal {
        super::principal_check(&mut checks, "granteePrincipal", grantee);
    }
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        grant_id: request.grant_id,
        grantee: request.grantee_principal,
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of grants.
pub fn encode(listing: &Listing<Grant>) -> super::Reply {
    super::encode_grants(listing)
}
