//! CreateAlias (and UpdateAlias, which has the same members).

use trent_core::id::{AliasName, KeyReference};

use crate::check::{self, Checks};
use crate::dto::AliasRequest;
use crate::error::Failure;

/// A checked CreateAlias or UpdateAlias request.
#[derive(Debug)]
pub struct Request {
    /// The alias.
    pub alias: AliasName,
    /// The key it is to point to.
    pub target: KeyReference,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: AliasRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let name = checks.alias_name(&request.alias_name);
    let target = checks.required_key_id("targetKeyId", &request.target_key_id);
    checks.finish()?;
    let alias = check::alias_name(name.map(String::as_str).unwrap_or_default())?;
    Ok(Request {
        alias,
        target: super::checked_key(target)?,
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
