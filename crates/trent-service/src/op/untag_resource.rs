//! UntagResource.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::KeyAction;
use trent_core::operation::Operation;

use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// UntagResource: removes tags by key; absent tag keys are ignored, as in AWS.
    pub fn untag_resource(
        &self,
        caller: &Caller,
        key: &KeyReference,
        tag_keys: Vec<String>,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let record = self.resolve_with(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::UntagResource.action(),
            Facts {
                tag_keys: Some(&tag_keys),
                ..Facts::default()
            },
        )?;
        check_state(&record, KeyAction::Annotate)?;
        self.store
            .remove_tags(&record.key_id, &record.scope.region, &tag_keys)
            .map_err(store_failed)
    }
}
