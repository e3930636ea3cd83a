//! ListAliases.

use trent_core::error::KmsError;
use trent_core::id::KeyReference;
use trent_core::operation::Operation;
use trent_core::view::AliasEntry;

use super::parse_marker;
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};
use trent_core::view::Listing;

impl Kms {
    /// ListAliases: the caller's aliases in its region, optionally only those of one key.
    pub fn list_aliases(
        &self,
        caller: &Caller,
        key: Option<&KeyReference>,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<AliasEntry>, KmsError> {
        self.authorize_identity_only(caller, Operation::ListAliases.action(), Default::default())?;
        let target = key
            .map(|key| {
                self.resolve(
                    caller,
                    key,
                    Accepts::IdOrArn,
                    Operation::ListAliases.action(),
                )
            })
            .transpose()?
            .map(|record| record.key_id);
        let scope = caller.scope().clone();
        let page = self
            .store
            .list_aliases(&scope, target.as_ref(), parse_marker(marker)?, limit)
            .map_err(store_failed)?;
        Ok(Listing {
            items: page
                .items
                .into_iter()
                .map(|alias| AliasEntry {
                    arn: scope.alias_arn(&alias.name),
                    name: alias.name.as_str().to_owned(),
                    target: alias.target,
                    created_at: alias.created_at,
                    updated_at: alias.updated_at,
                })
                .collect(),
            next_marker: page.next.map(|position| position.to_string()),
        })
    }
}
