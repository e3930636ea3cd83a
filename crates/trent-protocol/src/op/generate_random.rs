//! GenerateRandom.

use trent_core::error::{Invalid, KmsError, Unsupported};
use trent_core::secret::Plaintext;

use crate::check::{self, Checks};
use crate::dto::{GenerateRandomRequest, GenerateRandomResponse};
use crate::error::Failure;

/// Decodes and checks the request: how many bytes.
pub fn decode(body: &[u8]) -> Result<usize, Failure> {
    let request: GenerateRandomRequest = crate::decode(body)?;
    let mut checks = Checks::new();
    let number_of_bytes = request.number_of_bytes;
    if let Some(bytes) = number_of_bytes {
        let range = trent_core::quota::RANDOM_BYTES_RANGE;
        checks.range(
            "numberOfBytes",
            bytes,
            i64::from(*range.start()),
            i64::from(*range.end()),
        );
    }
    if let Some(store_id) = &request.custom_key_store_id {
        checks.length("customKeyStoreId", store_id, 1, 64);
    }
    checks.finish()?;
    // Not the model's "Value null at 'numberOfBytes'": AWS's own sentence.
    let Some(number_of_bytes) = number_of_bytes else {
        return Err(KmsError::Invalid(Invalid::NumberOfBytesRequired).into());
    };
    if request.custom_key_store_id.is_some() {
        return Err(KmsError::UnsupportedOperation(Unsupported::CustomKeyStore).into());
    }
    check::no_recipient(request.recipient.as_ref())?;
    Ok(usize::try_from(number_of_bytes).unwrap_or(0))
}

/// Encodes the random bytes.
pub fn encode(random: &Plaintext) -> super::Reply {
    crate::encode(&GenerateRandomResponse {
        plaintext: random.expose(),
    })
}
