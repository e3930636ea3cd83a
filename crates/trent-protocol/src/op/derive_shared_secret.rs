//! DeriveSharedSecret.

use serde::Serialize;
use trent_core::algorithm::KeyAgreementAlgorithm;
use trent_core::view::{DeriveSharedSecretInput, SharedSecret};

use crate::blob::{serialize_base64, Blob};
use crate::check::{self, Checks};
use crate::dto::request;
use crate::error::Failure;

/// The most bytes of a `PublicKey` member (the model's `PublicKeyType`).
const MAX_PUBLIC_KEY_BYTES: usize = 8192;

request!(/** DeriveSharedSecret input. */ DeriveSharedSecretRequest {
    key_id: String, key_agreement_algorithm: String, public_key: Blob,
    grant_tokens: Vec<String>, dry_run: bool, recipient: serde_json::Value,
});

/// A checked DeriveSharedSecret request.
#[derive(Debug)]
pub struct Request {
    /// What the service needs.
    pub input: DeriveSharedSecretInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request; `Recipient` (Nitro Enclaves) is refused.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DeriveSharedSecretRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let algorithm = checks.required_enum(
        "keyAgreementAlgorithm",
        &request.key_agreement_algorithm,
        KeyAgreementAlgorithm::ALL,
        KeyAgreementAlgorithm::as_str,
    );
    super::required_blob(
        &mut checks,
        "publicKey",
        &request.public_key,
        MAX_PUBLIC_KEY_BYTES,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    check::no_recipient(request.recipient.as_ref())?;
    Ok(Request {
        input: DeriveSharedSecretInput {
            key: super::checked_key(key_id)?,
            algorithm: algorithm.unwrap_or(KeyAgreementAlgorithm::Ecdh),
            public_key: request.public_key.unwrap_or_default().0,
            dry_run: request.dry_run.unwrap_or(false),
        },
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// Holds a shared secret: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeriveSharedSecretResponse<'a> {
    key_id: &'a str,
    #[serde(serialize_with = "serialize_base64")]
    shared_secret: &'a [u8],
    key_agreement_algorithm: &'static str,
    key_origin: &'static str,
}

/// Encodes the shared secret.
pub fn encode(secret: &SharedSecret) -> super::Reply {
    crate::encode(&DeriveSharedSecretResponse {
        key_id: &secret.key_arn,
        shared_secret: secret.secret.expose(),
        key_agreement_algorithm: KeyAgreementAlgorithm::Ecdh.as_str(),
        key_origin: secret.origin.as_str(),
    })
}
