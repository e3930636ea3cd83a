//! Who is calling: the account root, an IAM user, or an assumed-role session.

use std::sync::Arc;

use trent_core::id::{AccountId, Region, Scope};
use trent_policy::document::PolicyDocument;

/// An inline identity policy of the caller, parsed.
#[derive(Debug)]
pub struct NamedPolicy {
    /// The policy's name.
    pub name: String,
    /// The parsed document.
    pub document: PolicyDocument,
}

/// What kind of principal the caller is, with what policies see of it.
#[derive(Clone, Debug)]
pub enum Identity {
    /// The account's root: all permissions in its own account.
    Root,
    /// An IAM user.
    User {
        /// The user name.
        name: String,
        /// The unique id (`AIDA...`).
        id: String,
        /// Its inline policies.
        policies: Arc<[NamedPolicy]>,
    },
    /// A session of an assumed role.
    AssumedRole {
        /// The role's ARN, which policies name.
        role_arn: String,
        /// The role name.
        role_name: String,
        /// The role's unique id (`AROA...`).
        role_id: String,
        /// The session name.
        session: String,
        /// The role's inline policies.
        policies: Arc<[NamedPolicy]>,
    },
}

/// A caller's `aws:userid`, from [`Caller::user_id`].
#[derive(Debug, Clone, Copy)]
pub struct UserId<'a>(&'a Caller);

impl std::fmt::Display for UserId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.identity {
            Identity::Root => f.write_str(self.0.scope.account.as_str()),
            Identity::User { id, .. } => f.write_str(id),
            Identity::AssumedRole {
                role_id, session, ..
            } => write!(f, "{role_id}:{session}"),
        }
    }
}

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The caller's account, and the region named in the request's credential scope.
    scope: Scope,
    /// The caller's principal ARN.
    principal_arn: String,
    identity: Identity,
    /// The access key the request was signed with (empty for internal callers).
    access_key_id: String,
    /// The address the request came from (`aws:SourceIp`).
    source_ip: Option<std::net::IpAddr>,
    /// The ids the server gave the request, for what remembers it (the
    /// last use of a key).
    request: Option<RequestIds>,
}

/// The ids of one request: its `x-amzn-RequestId` and, when an audit log
/// is kept, its audit event's `eventID`. Shared, not copied.
#[derive(Clone, Debug)]
pub struct RequestIds {
    /// The request id.
    pub request_id: Arc<str>,
    /// The audit event id.
    pub event_id: Option<Arc<str>>,
}

impl Caller {
    /// The root of `account`, calling in `region`.
    pub fn account_root(account: AccountId, region: Region) -> Self {
        let scope = Scope { account, region };
        Self {
            principal_arn: scope.root_arn(),
            scope,
            identity: Identity::Root,
            access_key_id: String::new(),
            source_ip: None,
            request: None,
        }
    }

    pub(crate) fn new(
        scope: Scope,
        principal_arn: String,
        identity: Identity,
        access_key_id: &str,
    ) -> Self {
        Self {
            scope,
            principal_arn,
            identity,
            access_key_id: access_key_id.to_owned(),
            source_ip: None,
            request: None,
        }
    }

    /// The same caller, signing with the access key `id`.
    pub fn signed_with(mut self, id: &str) -> Self {
        id.clone_into(&mut self.access_key_id);
        self
    }

    /// The same caller, calling from `ip`.
    pub fn from_address(mut self, ip: std::net::IpAddr) -> Self {
        self.source_ip = Some(ip);
        self
    }

    /// The same caller, making the request with `ids`.
    pub fn in_request(mut self, ids: RequestIds) -> Self {
        self.request = Some(ids);
        self
    }

    /// The ids of the request being served, when the server gave them.
    pub fn request(&self) -> Option<&RequestIds> {
        self.request.as_ref()
    }

    /// The address the request came from, when known.
    pub fn source_ip(&self) -> Option<std::net::IpAddr> {
        self.source_ip
    }

    /// The account and region the caller's keys live in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The caller's account.
    pub fn account(&self) -> &AccountId {
        &self.scope.account
    }

    /// The region of the request.
    pub fn region(&self) -> &Region {
        &self.scope.region
    }

    /// The caller's principal ARN.
    pub fn principal_arn(&self) -> &str {
        &self.principal_arn
    }

    /// What kind of principal the caller is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The access key id the request was signed with.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// Whether the caller is its account's root.
    pub fn is_root(&self) -> bool {
        matches!(self.identity, Identity::Root)
    }

    /// The role ARN of an assumed-role session.
    pub fn role_arn(&self) -> Option<&str> {
        match &self.identity {
            Identity::AssumedRole { role_arn, .. } => Some(role_arn),
            _ => None,
        }
    }

    /// The caller's identity policies (none for the root).
    pub fn policies(&self) -> &[NamedPolicy] {
        match &self.identity {
            Identity::Root => &[],
            Identity::User { policies, .. } | Identity::AssumedRole { policies, .. } => policies,
        }
    }

    /// `aws:userid`: the account id, the user's id, or `role-id:session`
    /// (written through `Display`, so an audit event needs no string of
    /// its own).
    pub fn user_id(&self) -> UserId<'_> {
        UserId(self)
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.identity {
            Identity::Root => "Account",
            Identity::User { .. } => "User",
            Identity::AssumedRole { .. } => "AssumedRole",
        }
    }

    /// `aws:username`, for users only.
    pub fn user_name(&self) -> Option<&str> {
        match &self.identity {
            Identity::User { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The caller as the policy evaluator sees it.
    pub(crate) fn as_principal(&self) -> trent_policy::evaluate::Principal<'_> {
        trent_policy::evaluate::Principal {
            arn: &self.principal_arn,
            account: self.scope.account.as_str(),
            role_arn: self.role_arn(),
            service: None,
        }
    }
}
