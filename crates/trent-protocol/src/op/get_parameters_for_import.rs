//! GetParametersForImport.

use serde::Serialize;
use trent_core::id::KeyReference;
use trent_core::import::{WrappingAlgorithm, WrappingKeySpec};
use trent_core::view::ImportParameters;

use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** GetParametersForImport input. */ GetParametersForImportRequest {
    key_id: String, wrapping_algorithm: String, wrapping_key_spec: String,
});

/// A checked GetParametersForImport request.
#[derive(Debug)]
pub struct Request {
    /// The key the material is for.
    pub key: KeyReference,
    /// How the material will be wrapped.
    pub algorithm: WrappingAlgorithm,
    /// The wrapping key pair to make.
    pub wrapping_key_spec: WrappingKeySpec,
}

/// Decodes and checks the request: all three members are required.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: GetParametersForImportRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let algorithm = checks.required_enum(
        "wrappingAlgorithm",
        &request.wrapping_algorithm,
        WrappingAlgorithm::ALL,
        WrappingAlgorithm::as_str,
    );
    let wrapping_key_spec = checks.required_enum(
        "wrappingKeySpec",
        &request.wrapping_key_spec,
        WrappingKeySpec::ALL,
        WrappingKeySpec::as_str,
    );
    checks.finish()?;
    let (Some(algorithm), Some(wrapping_key_spec)) = (algorithm, wrapping_key_spec) else {
        // Unreachable: a required enumeration that failed made `finish` fail.
        return Err(trent_core::error::KmsError::internal_text("checked member missing").into());
    };
    Ok(Request {
        key: super::checked_key(key_id)?,
        algorithm,
        wrapping_key_spec,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct GetParametersForImportResponse<'a> {
    key_id: &'a str,
    #[serde(serialize_with = "crate::blob::serialize_base64")]
    import_token: &'a [u8],
    #[serde(serialize_with = "crate::blob::serialize_base64")]
    public_key: &'a [u8],
    parameters_valid_to: f64,
}

/// Encodes the wrapping public key, the token and their expiry.
pub fn encode(parameters: &ImportParameters) -> super::Reply {
    crate::encode(&GetParametersForImportResponse {
        key_id: &parameters.key_arn,
        import_token: &parameters.import_token,
        public_key: &parameters.public_key,
        parameters_valid_to: super::seconds(parameters.valid_to),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_is_required_and_enumerations_are_checked() {
        let Err(Failure::Request(error)) = decode(b"{}") else {
            panic!("an empty request must fail the model checks");
        };
        let message = crate::error::render(&Failure::Request(error))
            .message
            .unwrap_or_default();
        for member in ["keyId", "wrappingAlgorithm", "wrappingKeySpec"] {
            assert!(message.contains(member), "{message}");
        }
        let body =
            br#"{"KeyId":"alias/x","WrappingAlgorithm":"RSA_OAEP","WrappingKeySpec":"RSA_2048"}"#;
        let Err(failure) = decode(body) else {
            panic!("an unknown algorithm must fail");
        };
        assert!(crate::error::render(&failure)
            .message
            .unwrap_or_default()
            .contains("wrappingAlgorithm"));
        let body = br#"{"KeyId":"alias/x","WrappingAlgorithm":"RSA_AES_KEY_WRAP_SHA_256","WrappingKeySpec":"RSA_4096"}"#;
        let request = decode(body).unwrap();
        assert_eq!(request.algorithm, WrappingAlgorithm::RsaAesKeyWrapSha256);
        assert_eq!(request.wrapping_key_spec, WrappingKeySpec::Rsa4096);
    }
}
