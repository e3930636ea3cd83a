//! GenerateDataKey (and GenerateDataKeyWithoutPlaintext, which has the same members).

use trent_core::context::EncryptionContext;
use trent_core::id::KeyReference;
use trent_core::view::DataKey;

use crate::check::{self, Checks};
use crate::dto::{GenerateDataKeyRequest, GenerateDataKeyResponse};
use crate::error::Failure;

/// A checked GenerateDataKey or GenerateDataKeyWithoutPlaintext request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The encryption context.
    pub context: EncryptionContext,
    /// The data key's length in bytes.
    pub length: usize,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
    /// Only check; make no data key for the caller.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: GenerateDataKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.grant_tokens(request.grant_tokens.as_ref());
    let length = checks.data_key_length(request.number_of_bytes, request.key_spec.as_ref());
    checks.finish()?;
    let length = length?;
    check::no_recipient(request.recipient.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        context,
        length,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Encodes the data key: its ciphertext, and its plaintext when present.
pub fn encode(data_key: &DataKey) -> super::Reply {
    crate::encode(&GenerateDataKeyResponse {
        ciphertext_blob: &data_key.ciphertext,
        plaintext: data_key
            .plaintext
            .as_ref()
            .map(|plaintext| plaintext.expose()),
        key_id: &data_key.key_arn,
    })
}
