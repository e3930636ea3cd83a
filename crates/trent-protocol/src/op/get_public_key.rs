//! GetPublicKey.

use serde::Serialize;
use trent_core::id::KeyReference;
use trent_core::view::PublicKeyInfo;

use crate::blob::serialize_base64;
use crate::check::Checks;
use crate::dto::DescribeKeyRequest;
use crate::error::Failure;

/// A checked GetPublicKey request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request (`KeyId` and `GrantTokens`, as DescribeKey).
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DescribeKeyRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetPublicKeyResponse<'a> {
    key_id: &'a str,
    #[serde(serialize_with = "serialize_base64")]
    public_key: &'a [u8],
    customer_master_key_spec: &'static str,
    key_spec: &'static str,
    key_usage: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signing_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_agreement_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encapsulation_algorithms: Vec<&'static str>,
}

/// Encodes the public key and the algorithms the key offers.
pub fn encode(info: &PublicKeyInfo) -> super::Reply {
    let algorithms = super::key_algorithms(info.spec, info.usage);
    crate::encode(&GetPublicKeyResponse {
        key_id: &info.key_arn,
        public_key: &info.public_key,
        customer_master_key_spec: info.spec.as_str(),
        key_spec: info.spec.as_str(),
        key_usage: info.usage.as_str(),
        encryption_algorithms: super::names(algorithms.encryption, |a| a.as_str()),
        signing_algorithms: super::names(algorithms.signing, |a| a.as_str()),
        key_agreement_algorithms: super::names(algorithms.key_agreement, |a| a.as_str()),
        encapsulation_algorithms: super::names(algorithms.encapsulation, |a| a.as_str()),
    })
}
