//! Identities: the IAM and STS subset Trent serves (users, roles, access
//! keys, inline identity policies, service-linked roles, assumed-role
//! sessions), and turning an access key into a [`Caller`].
//!
//! Every change bumps the identity generation (`Kms::identity_generation`),
//! so cached callers (and their parsed policies) are rebuilt on the next
//! request. Temporary credentials are self-contained: the session token is
//! the session (account, role, name, expiry, secret) sealed under the root
//! key, so sessions survive restarts without a table.

mod access_keys;
mod credentials;
mod policies;
pub(crate) mod principals;
mod roles;
mod sts;
#[cfg(test)]
mod tests;
mod users;

use trent_core::action::Action;
use trent_core::error::{IamError, KmsError};
use trent_core::id::PrincipalKind;
use trent_core::view::{AccessKeyMetadata, AccessKeyStatus, Role, User};
use trent_store::record::{AccessKeyRecord, PrincipalKind as StoredKind, PrincipalRecord};

use crate::bootstrap::random_token;
use crate::{store_failed, Caller, Kms};

/// Access keys a user may have at once (AWS's quota).
pub const MAX_ACCESS_KEYS_PER_USER: usize = 2;
/// Aggregate size of a user's inline policies, whitespace excluded (AWS's quota).
pub const MAX_USER_POLICY_CHARS: usize = 2_048;
/// Aggregate size of a role's inline policies, whitespace excluded (AWS's quota).
pub const MAX_ROLE_POLICY_CHARS: usize = 10_240;
/// A role's maximum session duration (AWS's default), in seconds.
pub const MAX_SESSION_SECONDS: i64 = 3_600;

pub use trent_core::view::{CallerIdentity, NewAccessKey, SessionCredentials};

type IamResult<T> = Result<T, IamError>;

fn iam_store(error: trent_store::StoreError) -> IamError {
    IamError::Kms(store_failed(error))
}

fn unique_id(prefix: &str) -> Result<String, KmsError> {
    Ok(format!("{prefix}{}", random_token(17)?))
}

impl Kms {
    /// Refuses an IAM action unless the caller is the root of the account it
    /// acts in, or an identity policy of the caller allows it on `resource`.
    fn authorize_iam(&self, caller: &Caller, action: Action, resource: &str) -> IamResult<()> {
        self.authorize_by_identity(caller, action, resource, Default::default())
            .map_err(IamError::Kms)
    }
}

/// The store's word for a principal kind.
fn stored(kind: PrincipalKind) -> StoredKind {
    match kind {
        PrincipalKind::User => StoredKind::User,
        PrincipalKind::Role => StoredKind::Role,
    }
}

/// The domain's word for a stored principal kind.
fn domain(kind: StoredKind) -> PrincipalKind {
    match kind {
        StoredKind::User => PrincipalKind::User,
        StoredKind::Role => PrincipalKind::Role,
    }
}

fn user_view(record: &PrincipalRecord) -> User {
    User {
        path: record.path.clone(),
        name: record.name.clone(),
        id: record.id.clone(),
        arn: record.arn(),
        created_at: record.created_at,
    }
}

fn role_view(record: &PrincipalRecord) -> Role {
    Role {
        path: record.path.clone(),
        name: record.name.clone(),
        id: record.id.clone(),
        arn: record.arn(),
        created_at: record.created_at,
        assume_role_policy_document: record.trust_policy.clone(),
        description: record.description.clone(),
        max_session_duration: MAX_SESSION_SECONDS,
    }
}

fn access_key_view(record: &AccessKeyRecord) -> AccessKeyMetadata {
    AccessKeyMetadata {
        user_name: record.user.clone(),
        access_key_id: record.access_key_id.clone(),
        status: if record.active {
            AccessKeyStatus::Active
        } else {
            AccessKeyStatus::Inactive
        },
        created_at: record.created_at,
    }
}
