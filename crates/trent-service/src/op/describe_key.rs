//! DescribeKey.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::view::KeyMetadata;

use crate::metadata::key_metadata;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// DescribeKey: the key's metadata, in any state.
    pub fn describe_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<KeyMetadata, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::AnyForm,
            Operation::DescribeKey.action(),
        )?;
        Ok(key_metadata(&record))
    }
}
