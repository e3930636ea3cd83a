//! GenerateRandom.

use trent_core::error::KmsError;
use trent_crypto::material::PlaintextDataKey;

use crate::{Caller, Kms};

impl Kms {
    /// GenerateRandom: `length` bytes from the system's secure generator.
    pub fn generate_random(
        &self,
        caller: &Caller,
        length: usize,
    ) -> Result<PlaintextDataKey, KmsError> {
        self.authorize_identity_only(caller, "kms:GenerateRandom", Default::default())?;
        PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating random bytes", error))
    }
}
