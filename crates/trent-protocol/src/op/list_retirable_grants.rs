//! ListRetirableGrants.

use trent_core::view::{Grant, Listing};

use crate::check::Checks;
use crate::dto::ListRetirableGrantsRequest;
use crate::error::Failure;

/// A checked ListRetirableGrants request.
#[derive(Debug)]
pub struct Request {
    /// The retiring principal.
    pub retiring: String,
    /// Where the page starts.
    pub marker: Option<String>,
    /// Most entries on the page.
    pub limit: u32,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ListRetirableGrantsRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let limit = checks.limit(request.limit);
    checks.marker(request.marker.as_ref());
    if let Some(retiring) = checks.required("retiringPrincipal", &request.retiring_principal) {
        super::principal_check(&mut checks, "retiringPrincipal", retiring);
    }
    checks.finish()?;
    Ok(Request {
        retiring: request.retiring_principal.unwrap_or_default(),
        marker: request.marker,
        limit,
    })
}

/// Encodes one page of grants.
pub fn encode(listing: &Listing<Grant>) -> super::Reply {
    super::encode_grants(listing)
}
