//! UpdateKeyDescription.

use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::UpdateKeyDescriptionRequest;
use crate::error::Failure;

/// A checked UpdateKeyDescription request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The new description.
    pub description: String,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: UpdateKeyDescriptionRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.required("description", &request.description);
    checks.description(request.description.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        description: request.description.unwrap_or_default(),
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
