//! UntagResource.

use trent_core::id::KeyReference;

use crate::check::Checks;
use crate::dto::UntagResourceRequest;
use crate::error::Failure;

/// A checked UntagResource request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The tag keys to remove.
    pub tag_keys: Vec<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: UntagResourceRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let tag_keys = checks
        .required("tagKeys", &request.tag_keys)
        .cloned()
        .unwrap_or_default();
    for (index, tag_key) in tag_keys.iter().enumerate() {
        checks.length(
            &format!("tagKeys.{}.member", index + 1),
            tag_key,
            1,
            trent_core::quota::MAX_TAG_KEY_CHARS,
        );
    }
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        tag_keys,
    })
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
