//! UpdateAlias: CreateAlias's members, pointing an existing alias elsewhere.

use trent_core::error::KmsError;

use super::create_alias::{self, Request};

/// Decodes and checks the request, member for member CreateAlias's.
pub fn decode(body: &[u8]) -> Result<Request, KmsError> {
    create_alias::decode(body)
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
