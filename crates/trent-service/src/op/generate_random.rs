//! GenerateRandom.

use trent_core::error::KmsError;
use trent_core::operation::Operation;
use trent_core::secret::Plaintext;
use trent_crypto::material::PlaintextDataKey;

use crate::{Caller, Kms};

impl Kms {
    /// GenerateRandom: `length` bytes from the system's secure generator.
    pub fn generate_random(&self, caller: &Caller, length: usize) -> Result<Plaintext, KmsError> {
        self.authorize_identity_only(
            caller,
            Operation::GenerateRandom.action(),
            Default::default(),
        )?;
        let random = PlaintextDataKey::generate(length)
            .map_err(|error| KmsError::internal("generating random bytes", error))?;
        Ok(Plaintext::copy_from(random.expose()))
    }
}
