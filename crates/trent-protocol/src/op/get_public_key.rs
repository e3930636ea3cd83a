//! GetPublicKey.

use serde::Serialize;
use trent_core::view::PublicKeyInfo;

use crate::blob::serialize_base64;

/// GetPublicKey takes exactly DescribeKey's members (`KeyId`, `GrantTokens`).
pub use super::describe_key::{decode, Request};

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
