//! GenerateDataKeyPair.

use serde::Serialize;
use trent_core::algorithm::DataKeyPairSpec;
use trent_core::view::{DataKeyPair, DataKeyPairInput};

use crate::blob::serialize_base64;
use crate::check::{self, Checks};
use crate::dto::{request, ContextDto};
use crate::error::Failure;

request!(/** GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext input. */
    GenerateDataKeyPairRequest {
        encryption_context: ContextDto, key_id: String, key_pair_spec: String,
        grant_tokens: Vec<String>, recipient: serde_json::Value, dry_run: bool,
    }
);

/// A checked GenerateDataKeyPair (or WithoutPlaintext) request.
#[derive(Debug)]
pub struct Request {
    /// What the service needs.
    pub input: DataKeyPairInput,
    /// Grant tokens, still to be checked by the service.
    pub grant_tokens: Vec<String>,
}

/// Decodes and checks the request; `Recipient` (Nitro Enclaves) is refused.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: GenerateDataKeyPairRequest = crate::decode(body)?;
    check::no_recipient(request.recipient.as_ref())?;
    decode_members(request)
}

/// The members both forms share, checked (WithoutPlaintext has no `Recipient`).
pub(crate) fn decode_members(request: GenerateDataKeyPairRequest) -> Result<Request, Failure> {
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let spec = checks.required_enum(
        "keyPairSpec",
        &request.key_pair_spec,
        DataKeyPairSpec::ALL,
        DataKeyPairSpec::as_str,
    );
    checks.grant_tokens(request.grant_tokens.as_ref());
    checks.finish()?;
    let context =
        check::encryption_context("encryptionContext", request.encryption_context.as_ref())?;
    Ok(Request {
        input: DataKeyPairInput {
            key: super::checked_key(key_id)?,
            context,
            spec: spec.unwrap_or(DataKeyPairSpec::EccNistP256),
            dry_run: request.dry_run.unwrap_or(false),
        },
        grant_tokens: request.grant_tokens.unwrap_or_default(),
    })
}

/// The response of both forms; holds a private key: no `Debug`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GenerateDataKeyPairResponse<'a> {
    #[serde(serialize_with = "serialize_base64")]
    pub(crate) private_key_ciphertext_blob: &'a [u8],
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::blob::serialize_base64_opt"
    )]
    pub(crate) private_key_plaintext: Option<&'a [u8]>,
    #[serde(serialize_with = "serialize_base64")]
    pub(crate) public_key: &'a [u8],
    pub(crate) key_id: &'a str,
    pub(crate) key_pair_spec: &'static str,
}

/// Encodes the key pair, with its private key in plaintext.
pub fn encode(pair: &DataKeyPair) -> super::Reply {
    crate::encode(&GenerateDataKeyPairResponse {
        private_key_ciphertext_blob: &pair.private_key_ciphertext,
        private_key_plaintext: pair.private_key_plaintext.as_ref().map(|key| key.expose()),
        public_key: &pair.public_key,
        key_id: &pair.key_arn,
        key_pair_spec: pair.spec.as_str(),
    })
}
