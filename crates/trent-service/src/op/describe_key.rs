//! DescribeKey.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;

use crate::metadata::KeyMetadata;
use crate::resolve::Accepts;
use crate::{Caller, Kms};

impl Kms {
    /// DescribeKey: the key's metadata, in any state.
    pub fn describe_key(
        &self,
        caller: &Caller,
        key: &KeyReference,
    ) -> Result<KeyMetadata, KmsError> {
        let record = self.resolve(caller, key, Accepts::AnyForm, "kms:DescribeKey")?;
        Ok(KeyMetadata::from(record.as_ref()))
    }
}
