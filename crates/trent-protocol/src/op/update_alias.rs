//! UpdateAlias: CreateAlias's members, pointing an existing alias elsewhere.

use super::create_alias::{self, Request};
use crate::error::Failure;

/// Decodes and checks the request, member for member CreateAlias's.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    create_alias::decode(body)
}

/// Encodes the (empty) answer.
pub fn encode() -> super::Reply {
    super::empty()
}
