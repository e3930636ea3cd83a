//! DescribeKey.

use trent_core::id::KeyReference;
use trent_core::view::KeyMetadata;

use crate::check::Checks;
use crate::dto::{DescribeKeyRequest, KeyMetadataResponse};
use crate::error::Failure;

/// A checked DescribeKey request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DescribeKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    let key = super::checked_key(key_id)?;
    Ok(Request {
        key,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// Encodes the key's metadata.
pub fn encode(metadata: &KeyMetadata) -> super::Reply {
    crate::encode(&KeyMetadataResponse {
        key_metadata: super::metadata_dto(metadata),
    })
}
