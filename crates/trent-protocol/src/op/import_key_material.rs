//! ImportKeyMaterial.

use serde::Serialize;
use trent_core::clock::Timestamp;
use trent_core::error::{ImportProblem, KmsError};
use trent_core::id::KeyReference;
use trent_core::import::{ExpirationModel, ImportType};
use trent_core::view::{ImportKeyMaterialInput, MaterialAnswer};

use crate::blob::Blob;
use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** ImportKeyMaterial input. */ ImportKeyMaterialRequest {
    key_id: String, import_token: Blob, encrypted_key_material: Blob, valid_to: f64,
    expiration_model: String, import_type: String, key_material_description: String,
    key_material_id: String,
});

/// A checked ImportKeyMaterial request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// What to import, and how.
    pub input: ImportKeyMaterialInput,
}

/// Decodes and checks the request: the model's checks, then AWS's rules
/// joining `ExpirationModel`, `ValidTo`, `ImportType` and `KeyMaterialId`.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: ImportKeyMaterialRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    let max = trent_core::quota::MAX_CIPHERTEXT_BYTES;
    super::required_blob(&mut checks, "importToken", &request.import_token, max);
    super::required_blob(
        &mut checks,
        "encryptedKeyMaterial",
        &request.encrypted_key_material,
        max,
    );
    let model = checks.wire_enum(
        "expirationModel",
        request.expiration_model.as_ref(),
        ExpirationModel::ALL,
        ExpirationModel::as_str,
    );
    let import_type = checks.wire_enum(
        "importType",
        request.import_type.as_ref(),
        ImportType::ALL,
        ImportType::as_str,
    );
    if let Some(description) = &request.key_material_description {
        if checks.length("keyMaterialDescription", description, 0, 256) {
            let valid = description
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/_.- \t\n\r".contains(c));
            checks.pattern(
                "keyMaterialDescription",
                description,
                valid,
                "^[a-zA-Z0-9:/_\\s.-]+$",
            );
        }
    }
    super::key_material_id_check(&mut checks, request.key_material_id.as_ref());
    checks.finish()?;
    let valid_to = match (model, request.valid_to) {
        (Some(ExpirationModel::KeyMaterialDoesNotExpire), None) => None,
        (Some(ExpirationModel::KeyMaterialDoesNotExpire), Some(_)) => {
            return Err(KmsError::Import(ImportProblem::ValidToNotAllowed).into())
        }
        (_, None) => return Err(KmsError::Import(ImportProblem::ValidToRequired).into()),
        (_, Some(seconds)) => {
            if !seconds.is_finite() {
                return Err(KmsError::Import(ImportProblem::ValidToOutOfRange).into());
            }
            Some(Timestamp::from_millis((seconds * 1000.0) as i64))
        }
    };
    if import_type == Some(ImportType::NewKeyMaterial) && request.key_material_id.is_some() {
        return Err(KmsError::Import(ImportProblem::MaterialIdWithNewMaterial).into());
    }
    Ok(Request {
        key: super::checked_key(key_id)?,
        input: ImportKeyMaterialInput {
            import_token: request.import_token.unwrap_or_default().0,
            encrypted_key_material: request.encrypted_key_material.unwrap_or_default().0,
            valid_to,
            import_type,
            description: request.key_material_description,
            key_material_id: request.key_material_id,
        },
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct MaterialResponse<'a> {
    key_id: &'a str,
    key_material_id: &'a str,
}

/// Encodes the key ARN and the imported material's id.
pub fn encode(answer: &MaterialAnswer) -> super::Reply {
    crate::encode(&MaterialResponse {
        key_id: &answer.key_arn,
        key_material_id: &answer.key_material_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> (String, String) {
        let Err(failure) = decode(body.as_bytes()) else {
            panic!("{body} must be refused");
        };
        let wire = crate::error::render(&failure);
        (wire.type_name.to_owned(), wire.message.unwrap_or_default())
    }

    const BASE: &str = r#""KeyId":"alias/k","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA""#;

    #[test]
    fn expiration_follows_aws() {
        assert_eq!(
            refusal(&format!("{{{BASE}}}")),
            (
                "ValidationException".into(),
                "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES".into()
            )
        );
        let (type_name, _) = refusal(&format!(
            r#"{{{BASE},"ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE","ValidTo":1900000000}}"#
        ));
        assert_eq!(type_name, "ValidationException");
        let never = decode(
            format!(r#"{{{BASE},"ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}}"#).as_bytes(),
        )
        .unwrap();
        assert_eq!(never.input.valid_to, None);
        let at = decode(format!(r#"{{{BASE},"ValidTo":1900000000.5}}"#).as_bytes()).unwrap();
        assert_eq!(
            at.input.valid_to,
            Some(Timestamp::from_millis(1_900_000_000_500))
        );
    }

    #[test]
    fn material_ids_are_checked() {
        let (type_name, message) = refusal(&format!(
            r#"{{{BASE},"ValidTo":1900000000,"KeyMaterialId":"ABC"}}"#
        ));
        assert_eq!(type_name, "ValidationException");
        assert!(message.contains("keyMaterialId"), "{message}");
        let id = "a".repeat(64);
        let (type_name, _) = refusal(&format!(
            r#"{{{BASE},"ValidTo":1900000000,"ImportType":"NEW_KEY_MATERIAL","KeyMaterialId":"{id}"}}"#
        ));
        assert_eq!(type_name, "ValidationException");
        let (type_name, message) = refusal(r#"{"KeyId":"alias/k"}"#);
        assert_eq!(type_name, "ValidationException");
        assert!(message.contains("importToken") && message.contains("encryptedKeyMaterial"));
    }
}
