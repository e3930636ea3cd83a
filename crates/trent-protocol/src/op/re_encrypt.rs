//! ReEncrypt.

use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::view::{ReEncryptInput, ReEncrypted};

use crate::check::{self, Checks};
use crate::dto::{ReEncryptRequest, ReEncryptResponse};
use crate::error::Failure;

/// A checked ReEncrypt request.
#[derive(Debug)]
pub struct Request {
    /// What the service needs.
    pub input: ReEncryptInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ReEncryptRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    super::ciphertext_checks(&mut checks, &request.ciphertext_blob);
    checks.key_id("sourceKeyId", request.source_key_id.as_ref());
    let destination = checks.required_key_id("destinationKeyId", &request.destination_key_id);
    let source_algorithm = checks.encryption_algorithm(
        "sourceEncryptionAlgorithm",
        request.source_encryption_algorithm.as_ref(),
    );
    let destination_algorithm = checks.encryption_algorithm(
        "destinationEncryptionAlgorithm",
        request.destination_encryption_algorithm.as_ref(),
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
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
        input: ReEncryptInput {
            ciphertext: request.ciphertext_blob.unwrap_or_default().0,
            source_context,
            source_key,
            source_algorithm,
            destination_key,
            destination_context,
            destination_algorithm: destination_algorithm
                .unwrap_or(EncryptionAlgorithm::SymmetricDefault),
            dry_run: request.dry_run.unwrap_or(false),
        },
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// Encodes the new ciphertext.
pub fn encode(moved: &ReEncrypted) -> super::Reply {
    crate::encode(&ReEncryptResponse {
        ciphertext_blob: &moved.ciphertext,
        source_key_id: &moved.source_key_arn,
        key_id: &moved.key_arn,
        source_encryption_algorithm: moved.source_algorithm.as_str(),
        destination_encryption_algorithm: moved.destination_algorithm.as_str(),
    })
}
