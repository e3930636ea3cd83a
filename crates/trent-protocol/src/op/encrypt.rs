//! Encrypt.

use trent_core::context::EncryptionContext;
use trent_core::id::KeyReference;
use trent_core::view::Encrypted;

use crate::blob::SecretBlob;
use crate::check::{self, Checks};
use crate::dto::{EncryptRequest, EncryptResponse};
use crate::error::Failure;

/// A checked Encrypt request. Holds a plaintext: no `Debug`.
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The plaintext, zeroized on drop.
    pub plaintext: SecretBlob,
    /// The encryption context.
    pub context: EncryptionContext,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
    /// Only check; encrypt nothing for the caller.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: EncryptRequest = crate::decode(body)?;
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
    checks.encryption_algorithm("encryptionAlgorithm", request.encryption_algorithm.as_ref());
    checks.finish()?;
    check::symmetric_algorithm(request.encryption_algorithm.as_ref())?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        plaintext: request.plaintext.unwrap_or_default(),
        context,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Encodes the ciphertext.
pub fn encode(encrypted: &Encrypted) -> super::Reply {
    crate::encode(&EncryptResponse {
        ciphertext_blob: &encrypted.ciphertext,
        key_id: &encrypted.key_arn,
        encryption_algorithm: super::SYMMETRIC_DEFAULT,
    })
}
