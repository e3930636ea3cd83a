//! Verify.

use serde::Serialize;
use trent_core::algorithm::SigningAlgorithm;
use trent_core::view::Verified;

use super::sign::{sign_input, Request as SignRequest};
use crate::blob::{Blob, SecretBlob};
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** Verify input. */ VerifyRequest {
    key_id: String, message: SecretBlob, message_type: String, signature: Blob,
    signing_algorithm: String, grant_tokens: Vec<String>, dry_run: bool,
});

/// A checked Verify request: Sign's members and the signature.
pub struct Request {
    /// The members Verify shares with Sign.
    pub sign: SignRequest,
    /// The signature to check.
    pub signature: Vec<u8>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: VerifyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let input = sign_input(
        &mut checks,
        &request.key_id,
        &mut request.message,
        request.message_type.as_ref(),
        &request.signing_algorithm,
        request.dry_run,
    );
    super::required_blob(
        &mut checks,
        "signature",
        &request.signature,
        trent_core::quota::MAX_CIPHERTEXT_BYTES,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    Ok(Request {
        sign: SignRequest {
            input: input?,
            grant_tokens: request.grant_tokens.unwrap_or_default(),
        },
        signature: request.signature.unwrap_or_default().0,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VerifyResponse<'a> {
    key_id: &'a str,
    signature_valid: bool,
    signing_algorithm: &'static str,
}

/// Encodes the verdict: only a valid signature gets here.
pub fn encode(verified: &Verified<SigningAlgorithm>) -> super::Reply {
    crate::encode(&VerifyResponse {
        key_id: &verified.key_arn,
        signature_valid: true,
        signing_algorithm: verified.algorithm.as_str(),
    })
}
