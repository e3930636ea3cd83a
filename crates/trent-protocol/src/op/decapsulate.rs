//! Decapsulate.

use serde::Serialize;
use trent_core::algorithm::EncapsulationAlgorithm;
use trent_core::id::KeyReference;
use trent_core::view::SharedSecret;

use crate::blob::{serialize_base64, Blob};
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** Decapsulate input. */ DecapsulateRequest {
    key_id: String, shared_secret_ciphertext_blob: Blob, encapsulation_algorithm: String,
    grant_tokens: Vec<String>, dry_run: bool,
});

/// A checked Decapsulate request.
#[derive(Debug)]
pub struct Request {
    /// The ML-KEM key.
    pub key: KeyReference,
    /// The encapsulated secret.
    pub ciphertext: Vec<u8>,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
    /// Only check; decapsulate nothing for the caller.
    pub dry_run: bool,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DecapsulateRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    super::required_blob(
        &mut checks,
        "sharedSecretCiphertextBlob",
        &request.shared_secret_ciphertext_blob,
        trent_core::quota::MAX_CIPHERTEXT_BYTES,
    );
    checks.required_enum(
        "encapsulationAlgorithm",
        &request.encapsulation_algorithm,
        EncapsulationAlgorithm::ALL,
        EncapsulationAlgorithm::as_str,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        ciphertext: request.shared_secret_ciphertext_blob.unwrap_or_default().0,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
    })
}

/// Holds a shared secret: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DecapsulateResponse<'a> {
    key_id: &'a str,
    #[serde(serialize_with = "serialize_base64")]
    shared_secret: &'a [u8],
    encapsulation_algorithm: &'static str,
}

/// Encodes the secret.
pub fn encode(secret: &SharedSecret) -> super::Reply {
    crate::encode(&DecapsulateResponse {
        key_id: &secret.key_arn,
        shared_secret: secret.secret.expose(),
        encapsulation_algorithm: EncapsulationAlgorithm::MlKem.as_str(),
    })
}
