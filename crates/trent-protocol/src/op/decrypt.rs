//! Decrypt.

use trent_core::view::{DecryptInput, Decrypted};

use crate::check::{self, Checks};
use crate::dto::{DecryptRequest, DecryptResponse};
use crate::error::Failure;

/// A checked Decrypt request.
#[derive(Debug)]
pub struct Request {
    /// What the service needs.
    pub input: DecryptInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DecryptRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    super::ciphertext_checks(&mut checks, &request.ciphertext_blob);
    checks.key_id("keyId", request.key_id.as_ref());
    checks.grant_tokens(request.grant_tokens.as_ref());
    let algorithm =
        checks.encryption_algorithm("encryptionAlgorithm", request.encryption_algorithm.as_ref());
    checks.finish()?;
    check::no_recipient(request.recipient.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    Ok(Request {
        input: DecryptInput {
            key: super::optional_key(request.key_id.as_deref())?,
            ciphertext: request.ciphertext_blob.unwrap_or_default().0,
            context,
            algorithm,
            dry_run: request.dry_run.unwrap_or(false),
        },
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// Encodes the plaintext.
pub fn encode(decrypted: &Decrypted) -> super::Reply {
    crate::encode(&DecryptResponse {
        key_id: &decrypted.key_arn,
        plaintext: decrypted.plaintext.expose(),
        encryption_algorithm: decrypted.algorithm.as_str(),
    })
}
