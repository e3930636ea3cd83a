//! GenerateMac.

use serde::Serialize;
use trent_core::algorithm::MacAlgorithm;
use trent_core::view::{MacInput, MacTag};

use crate::blob::{serialize_base64, SecretBlob};
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** GenerateMac input. */ GenerateMacRequest {
    message: SecretBlob, key_id: String, mac_algorithm: String, grant_tokens: Vec<String>,
    dry_run: bool,
});

/// A checked GenerateMac (or VerifyMac) request. Holds the message: no `Debug`.
pub struct Request {
    /// What the service needs.
    pub input: MacInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// The members GenerateMac and VerifyMac share, checked in the model's order.
pub(crate) fn mac_input(
    checks: &mut Checks,
    message: &mut Option<SecretBlob>,
    key_id: &Option<String>,
    mac_algorithm: &Option<String>,
    dry_run: Option<bool>,
) -> Result<MacInput, Failure> {
    let message = super::required_message(checks, message);
    let key = checks.required_key_id("keyId", key_id);
    let algorithm = checks.required_enum(
        "macAlgorithm",
        mac_algorithm,
        MacAlgorithm::ALL,
        MacAlgorithm::as_str,
    );
    let key = super::checked_key(key);
    Ok(MacInput {
        key: key?,
        message,
        algorithm: algorithm.unwrap_or(MacAlgorithm::HmacSha256),
        dry_run: dry_run.unwrap_or(false),
    })
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: GenerateMacRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let input = mac_input(
        &mut checks,
        &mut request.message,
        &request.key_id,
        &request.mac_algorithm,
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
struct GenerateMacResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    mac: &'a [u8],
    mac_algorithm: &'static str,
    key_id: &'a str,
}

/// Encodes the MAC.
pub fn encode(tag: &MacTag) -> super::Reply {
    crate::encode(&GenerateMacResponse {
        mac: &tag.mac,
        mac_algorithm: tag.algorithm.as_str(),
        key_id: &tag.key_arn,
    })
}
