//! TagResource.

use trent_core::id::KeyReference;
use trent_core::key::Tag;

use crate::check::Checks;
use crate::dto::TagResourceRequest;
use crate::error::Failure;

/// A checked TagResource request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The tags to set.
    pub tags: Vec<Tag>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: TagResourceRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.required("tags", &request.tags);
    let tags = checks.tags("tags", request.tags.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        tags,
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
