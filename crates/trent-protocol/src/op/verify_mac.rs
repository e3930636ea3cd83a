//! VerifyMac.

use serde::Serialize;
use trent_core::algorithm::MacAlgorithm;
use trent_core::view::Verified;

use super::generate_mac::{mac_input, Request as MacRequest};
use crate::blob::{Blob, SecretBlob};
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** VerifyMac input. */ VerifyMacRequest {
    message: SecretBlob, key_id: String, mac_algorithm: String, mac: Blob,
    grant_tokens: Vec<String>, dry_run: bool,
});

/// A checked VerifyMac request: GenerateMac's members and the MAC.
pub struct Request {
    /// The members VerifyMac shares with GenerateMac.
    pub mac_request: MacRequest,
    /// The MAC to check.
    pub mac: Vec<u8>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let mut request: VerifyMacRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let input = mac_input(
        &mut checks,
        &mut request.message,
        &request.key_id,
        &request.mac_algorithm,
        request.dry_run,
    );
    super::required_blob(
        &mut checks,
        "mac",
        &request.mac,
        trent_core::quota::MAX_CIPHERTEXT_BYTES,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    Ok(Request {
        mac_request: MacRequest {
            input: input?,
            grant_tokens: request.grant_tokens.unwrap_or_default(),
        },
        mac: request.mac.unwrap_or_default().0,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VerifyMacResponse<'a> {
    key_id: &'a str,
    mac_valid: bool,
    mac_algorithm: &'static str,
}

/// Encodes the verdict: only a valid MAC gets here.
pub fn encode(verified: &Verified<MacAlgorithm>) -> super::Reply {
    crate::encode(&VerifyMacResponse {
        key_id: &verified.key_arn,
        mac_valid: true,
        mac_algorithm: verified.algorithm.as_str(),
    })
}
