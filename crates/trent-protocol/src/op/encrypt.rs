//! Encrypt.

use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::secret::Plaintext;
use trent_core::view::{EncryptInput, Encrypted};

use crate::check::{self, Checks};
use crate::dto::{EncryptRequest, EncryptResponse};
use crate::error::Failure;

/// A checked Encrypt request. Holds a plaintext: no `Debug`.
pub struct Request {
    /// What the service needs.
    pub input: EncryptInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: EncryptRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    if let Some(plaintext) = checks.required("plaintext", &request.plaintext) {
        checks.secret_length(
            "plaintext",
            plaintext.0.len(),
            1,
            trent_core::quota::MAX_PLAINTEXT_BYTES,
        );
    }
    checks.grant_tokens(request.grant_tokens.as_ref());
    let algorithm =
        checks.encryption_algorithm("encryptionAlgorithm", request.encryption_algorithm.as_ref());
    checks.finish()?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    let mut plaintext = request.plaintext.take().unwrap_or_default();
    Ok(Request {
        input: EncryptInput {
            key: super::checked_key(key_id)?,
            // Moved, not copied: the zeroized buffer is handed over whole.
            plaintext: Plaintext::new(std::mem::take(&mut *plaintext.0)),
            context,
            algorithm: algorithm.unwrap_or(EncryptionAlgorithm::SymmetricDefault),
            dry_run: request.dry_run.unwrap_or(false),
        },
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// Encodes the ciphertext.
pub fn encode(encrypted: &Encrypted) -> super::Reply {
    crate::encode(&EncryptResponse {
        ciphertext_blob: &encrypted.ciphertext,
        key_id: &encrypted.key_arn,
        encryption_algorithm: encrypted.algorithm.as_str(),
    })
}
