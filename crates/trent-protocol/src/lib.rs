//! The AWS JSON 1.1 wire protocol of AWS KMS, as Trent speaks it.
//!
//! Owns the reading of `X-Amz-Target` into an [`Operation`] (the operation
//! table itself is `trent_core::operation`), one request and response
//! DTO pair per operation ([`dto`]), the decoding of request DTOs into core
//! types with AWS's validation messages ([`check`]), its own errors
//! ([`error::RequestError`]: unknown operation, bad JSON, model violations,
//! malformed `Authorization`), and the single table from those and
//! [`trent_core::error::KmsError`] to `__type`, HTTP status and message
//! ([`error`]).
//!
//! It knows nothing of HTTP servers, storage or the service: it turns bytes
//! into typed values and typed values into bytes.

pub mod blob;
pub mod check;
pub mod dto;
pub mod error;
pub mod limit;
pub mod op;
pub mod query;

use error::{Failure, RequestError, SerializationProblem};
use trent_core::error::{KmsError, Unsupported};
use trent_core::operation::{NotServed, Operation};

/// The prefix of `X-Amz-Target` for AWS KMS.
pub const TARGET_PREFIX: &str = "TrentService.";

/// The operation `X-Amz-Target: TrentService.<Operation>` names. An
/// operation of the AWS API that Trent does not serve
/// ([`trent_core::operation::NOT_SERVED`]) is an `UnsupportedOperationException`
/// naming it; any other name an `UnknownOperationException`.
pub fn operation(target: &str) -> Result<Operation, Failure> {
    let name = target
        .strip_prefix(TARGET_PREFIX)
        .ok_or(RequestError::UnknownOperation)?;
    if let Some(operation) = Operation::from_name(name) {
        return Ok(operation);
    }
    Err(match trent_core::operation::not_served(name) {
        Some((_, NotServed::CustomKeyStores)) => {
            KmsError::UnsupportedOperation(Unsupported::CustomKeyStore).into()
        }
        Some((name, NotServed::NotYet)) => {
            KmsError::UnsupportedOperation(Unsupported::Operation(name)).into()
        }
        None => RequestError::UnknownOperation.into(),
    })
}

/// Decodes a request body into an operation's DTO. An empty body counts as
/// `{}`; anything but a JSON object, or a member of the wrong type, is a
/// `SerializationException`.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => {
            RequestError::Serialization(SerializationProblem::WrongType)
        }
        _ => RequestError::Serialization(SerializationProblem::MalformedJson),
    })
}

/// Encodes a response DTO.
pub fn encode<T: serde::Serialize>(response: &T) -> Result<Vec<u8>, Failure> {
    serde_json::to_vec(response)
        .map_err(|error| KmsError::internal("encoding a response", error).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_map_to_operations() {
        for op in Operation::ALL {
            let target = format!("{TARGET_PREFIX}{}", op.name());
            assert_eq!(operation(&target).unwrap(), *op);
        }
        for bad in [
            "TrentService.Nope",
            "TrentService.NoSuchThing",
            "Encrypt",
            "KMS.Encrypt",
            "TrentService.encrypt",
            "TrentService.createcustomkeystore",
            "CreateCustomKeyStore",
            "",
        ] {
            assert!(
                matches!(
                    operation(bad),
                    Err(Failure::Request(RequestError::UnknownOperation))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn operations_aws_has_but_trent_does_not_serve_are_unsupported() {
        let rendered = |target: &str| match operation(target) {
            Err(failure) => error::render(&failure),
            Ok(served) => panic!("{target} is served as {served:?}"),
        };
        for (name, _) in trent_core::operation::NOT_SERVED {
            let wire = rendered(&format!("{TARGET_PREFIX}{name}"));
            assert_eq!(
                (wire.status, wire.type_name),
                (400, "UnsupportedOperationException"),
                "{name}"
            );
        }
        assert_eq!(
            rendered("TrentService.CreateCustomKeyStore").message_text(),
            "Custom key stores are not supported by Trent."
        );
        assert_eq!(
            rendered("TrentService.DescribeCustomKeyStores").message_text(),
            "Custom key stores are not supported by Trent."
        );
        let unknown = rendered("TrentService.NoSuchThing");
        assert_eq!(unknown.type_name, "UnknownOperationException");
    }

    #[test]
    fn decode_classifies_bad_bodies() {
        let decoded: Result<dto::DescribeKeyRequest, _> = decode(b"{\"KeyId\": 5}");
        assert!(matches!(
            decoded,
            Err(RequestError::Serialization(SerializationProblem::WrongType))
        ));
        let decoded: Result<dto::DescribeKeyRequest, _> = decode(b"{\"KeyId\": ");
        assert!(matches!(
            decoded,
            Err(RequestError::Serialization(
                SerializationProblem::MalformedJson
            ))
        ));
        let decoded: Result<dto::DescribeKeyRequest, _> = decode(b"[1]");
        assert!(matches!(decoded, Err(RequestError::Serialization(_))));
        let decoded: dto::DescribeKeyRequest = decode(b"").unwrap();
        assert!(decoded.key_id.is_none());
        let decoded: dto::DescribeKeyRequest = decode(b"{\"KeyId\":\"k\",\"Unknown\":1}").unwrap();
        assert_eq!(decoded.key_id.as_deref(), Some("k"));
    }
}
