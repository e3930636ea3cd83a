//! Sign.

use serde::Serialize;
use trent_core::algorithm::{MessageType, SigningAlgorithm};
use trent_core::view::{SignInput, Signed};

use crate::blob::{serialize_base64, SecretBlob};
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** Sign input. */ SignRequest {
    key_id: String, message: SecretBlob, message_type: String, grant_tokens: Vec<String>,
    signing_algorithm: String, dry_run: bool,
});

/// A checked Sign (or Verify) request. Holds the message: no `Debug`.
pub struct Request {
    /// What the service needs.
    pub input: SignInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// The members Sign and Verify share, checked in the model's order.
pub(crate) fn sign_input(
    checks: &mut Checks,
    key_id: &Option<String>,
    message: &mut Option<SecretBlob>,
    message_type: Option<&String>,
    signing_algorithm: &Option<String>,
    dry_run: Option<bool>,
) -> Result<SignInput, Failure> {
    let key = checks.required_key_id("keyId", key_id);
    let message = super::required_message(checks, message);
    let message_type = checks.wire_enum(
        "messageType",
        message_type,
        MessageType::ALL,
        MessageType::as_str,
    );
    let algorithm = checks.required_enum(
        "signingAlgorithm",
        signing_algorithm,
        SigningAlgorithm::ALL,
        SigningAlgorithm::as_str,
    );
    let key = super::checked_key(key);
    Ok(SignInput {
        key: key?,
        message,
        message_type: message_type.unwrap_or(MessageType::Raw),
        algorithm: algorithm.unwrap_or(SigningAlgorithm::EcdsaSha256),
        dry_run: dry_run.unwrap_or(false),
    })
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: SignRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let input = sign_input(
        &mut checks,
        &request.key_id,
        &mut request.message,
        request.message_type.as_ref(),
        &request.signing_algorithm,
        request.dry_run,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    Ok(Request {
        input: input?,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SignResponse<'a> {
    key_id: &'a str,
    #[serde(serialize_with = "serialize_base64")]
    signature: &'a [u8],
    signing_algorithm: &'static str,
}

/// Encodes the signature.
pub fn encode(signed: &Signed) -> super::Reply {
    crate::encode(&SignResponse {
        key_id: &signed.key_arn,
        signature: &signed.signature,
        signing_algorithm: signed.algorithm.as_str(),
    })
}
