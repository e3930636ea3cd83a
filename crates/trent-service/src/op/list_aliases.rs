//! ListAliases.

use trent_core::clock::Timestamp;
use trent_core::error::KmsError;
use trent_core::id::{KeyId, KeyReference};

use super::{parse_marker, Listing};
use crate::resolve::Accepts;
use crate::{store_failed, Caller, Kms};

/// One alias as ListAliases shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasEntry {
    /// The alias name.
    pub name: String,
    /// The alias ARN.
    pub arn: String,
    /// The id of the key it points to.
    pub target: KeyId,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last updated.
    pub updated_at: Timestamp,
}

impl Kms {
    /// ListAliases: the caller's aliases in its region, optionally only those of one key.
    pub fn list_aliases(
        &self,
        caller: &Caller,
        key: Option<&KeyReference>,
        marker: Option<&str>,
        limit: u32,
    ) -> Result<Listing<AliasEntry>, KmsError> {
        self.authorize_identity_only(caller, "kms:ListAliases", Default::default())?;
        let target = key
            .map(|key| self.resolve(caller, key, Accepts::IdOrArn, "kms:ListAliases"))
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
