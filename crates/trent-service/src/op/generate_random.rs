//! GenerateRandom.

use trent_core::error::KmsError;
use trent_crypto::material::PlaintextDataKey;

use crate::{Caller, Kms};

impl Kms {
    /// GenerateRandom: `length` bytes from the system's secure generator.
    pub fn generate_random(
        &self,
        _caller: &Caller,
        length: usize,
    ) -> Result<PlaintextDataKey, KmsError> {
        PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating random bytes", error))
    }
}
