//! TagResource.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::{KeyAction, Tag};
use trent_core::operation::Operation;

use super::create_key::check_new_tags;
use crate::authorize::Facts;
use crate::resolve::{check_state, Accepts};
use crate::{store_failed, Caller, Kms};

impl Kms {
    /// TagResource: adds tags or replaces the values of existing tag keys.
    pub fn tag_resource(
        &self,
        caller: &Caller,
        key: &KeyReference,
        tags: Vec<Tag>,
    ) -> Result<(), KmsError> {
        let _writing = self.writing()?;
        let record = self.resolve_with(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::TagResource.action(),
            Facts {
                request_tags: Some(&tags),
                ..Facts::default()
            },
        )?;
        check_state(&record, KeyAction::Annotate)?;
        let existing = self
            .store
            .tags(&record.key_id, &record.scope.region)
            .map_err(store_failed)?;
        check_new_tags(&existing, &tags)?;
        self.store
            .put_tags(&record.key_id, &record.scope.region, &tags)
            .map_err(store_failed)
    }
}
