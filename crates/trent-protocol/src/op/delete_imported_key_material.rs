//! DeleteImportedKeyMaterial.

use trent_core::id::KeyReference;
use trent_core::view::MaterialAnswer;

use crate::check::Checks;
use crate::dto::request;
use crate::error::Failure;

request!(/** DeleteImportedKeyMaterial input. */ DeleteImportedKeyMaterialRequest {
    key_id: String, key_material_id: String,
});

/// A checked DeleteImportedKeyMaterial request.
#[derive(Debug)]
pub struct Request {
    /// The key.
    pub key: KeyReference,
    /// The material to delete; the current one when absent.
    pub key_material_id: Option<String>,
}

/// Decodes and checks the request.
pub fn decode(body: &[u8]) -> Result<Request, Failure> {
    let request: DeleteImportedKeyMaterialRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let key_id = checks.required_key_id("keyId", &request.key_id);
    super::key_material_id_check(&mut checks, request.key_material_id.as_ref());
    checks.finish()?;
    Ok(Request {
        key: super::checked_key(key_id)?,
        key_material_id: request.key_material_id,
    })
}

/// Encodes the key ARN and the deleted material's id.
pub fn encode(answer: &MaterialAnswer) -> super::Reply {
    super::import_key_material::encode(answer)
}
