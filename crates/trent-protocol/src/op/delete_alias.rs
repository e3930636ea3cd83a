//! DeleteAlias.

use trent_core::id::AliasName;

use crate::check::{self, Checks};
use crate::dto::DeleteAliasRequest;
use crate::error::Failure;

/// Decodes and checks the request: the alias to delete.
pub fn decode(body: &[u8]) -> Result<AliasName, Failure> {
    let request: DeleteAliasRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let name = checks.alias_name(&request.alias_name);
    checks.finish()?;
    Ok(check::alias_name(
        name.map(String::as_str).unwrap_or_default(),
    )?)
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
