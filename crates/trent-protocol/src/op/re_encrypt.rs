//! ReEncrypt.

use trent_core::context::EncryptionContext;
use trent_core::id::KeyReference;
use trent_core::view::ReEncrypted;

use crate::blob::Blob;
use crate::check::{self, Checks};
use crate::dto::{ReEncryptRequest, ReEncryptResponse};
use crate::error::Failure;

/// A checked ReEncrypt request.
#[derive(Debug)]
pub struct Request {
    /// The ciphertext blob.
    pub ciphertext: Blob,
    /// The encryption context it was sealed with.
    pub source_context: EncryptionContext,
    /// The key it must have been sealed under, when given.
    pub source_key: Option<KeyReference>,
    /// The key to seal it under.
    pub destination_key: KeyReference,
    /// The encryption context to seal it with.
    pub destination_context: EncryptionContext,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
    /// Only check; re-encrypt nothing for the caller.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ReEncryptRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    super::ciphertext_checks(&mut checks, &request.ciphertext_blob);
    checks.key_id("sourceKeyId", request.source_key_id.as_ref());
    let destination = checks.required_key_id("destinationKeyId", &request.destination_key_id);
    checks.encryption_algorithm(
        "sourceEncryptionAlgorithm",
        request.source_encryption_algorithm.as_ref(),
    );
    checks.encryption_algorithm(
        "destinationEncryptionAlgorithm",
        request.destination_encryption_algorithm.as_ref(),
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    check::symmetric_algorithm(request.source_encryption_algorithm.as_ref())?;
    check::symmetric_algorithm(request.destination_encryption_algorithm.as_ref())?;
    let source_context = check::encryption_context(
        "sourceEncryptionContext",
        request.source_encryption_context.as_ref(),
    )?;
    let destination_context = check::encryption_context(
        "destinationEncryptionContext",
        request.destination_encryption_context.as_ref(),
    )?;
    let source_key = super::optional_key(request.source_key_id.as_deref())?;
    let destination_key = super::checked_key(destination)?;
    Ok(Request {
        ciphertext: request.ciphertext_blob.unwrap_or_default(),
        source_context,
        source_key,
        destination_key,
        destination_context,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Encodes the new ciphertext.
pub fn encode(moved: &ReEncrypted) -> super::Reply {
    crate::encode(&ReEncryptResponse {
        ciphertext_blob: &moved.ciphertext,
        source_key_id: &moved.source_key_arn,
        key_id: &moved.key_arn,
        source_encryption_algorithm: super::SYMMETRIC_DEFAULT,
        destination_encryption_algorithm: super::SYMMETRIC_DEFAULT,
    })
}
