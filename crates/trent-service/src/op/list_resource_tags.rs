//! ListResourceTags.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::key::Tag;
use trent_core::operation::Operation;

use super::parse_marker;
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};
use trent_core::view::Listing;

impl Kms {
    /// ListResourceTags: the key's tags ordered by tag key, paginated.
    pub fn list_resource_tags(
        &self,
        caller: &Caller,
        key: &KeyReference,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<Tag>, KmsError> {
        let record = self.resolve(
            caller,
            key,
            Accepts::IdOrArn,
            Operation::ListResourceTags.action(),
        )?;
        let tags = self
            .store
            .tags(&record.key_id, &record.scope.region)
            .map_err(store_failed)?;
        let start = usize::try_from(parse_marker(marker)?.unwrap_or(0))
            .map_err(|_| KmsError::InvalidMarker)?;
        if start > tags.len() {
            return Err(KmsError::InvalidMarker);
        }
        let end = start.saturating_add(limit as usize).min(tags.len());
        Ok(Listing {
            items: tags[start..end].to_vec(),
            next_marker: (end < tags.len()).then(|| end.to_string()),
        })
    }
}
