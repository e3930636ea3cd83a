//! Inline identity policies of users and roles: Put, Get, List and Delete
//! {User,Role}Policy. Each pair is one action of the table with its
//! principal kind.

use trent_core::error::IamError;
use trent_core::id::PrincipalKind;
use trent_core::query_action::QueryAction;
use trent_core::view::IdentityPolicy;

use super::{names, Answer};
use crate::query::{check, encode_policy, QueryRequest};

/// A checked request naming a user's or role's inline policy.
#[derive(Debug)]
pub struct PolicyRequest<'a> {
    /// User or role, from the action.
    pub kind: PrincipalKind,
    /// `UserName` or `RoleName`.
    pub principal: &'a str,
    /// `PolicyName`, checked.
    pub policy_name: &'a str,
}

/// The principal kind of a `User`/`Role` action pair, as the table declares it.
fn kind(action: QueryAction) -> PrincipalKind {
    action.principal().unwrap_or(PrincipalKind::User)
}

/// PutUserPolicy / PutRolePolicy: every parameter present, then checked;
/// the policy and its document (as given: the service parses it).
pub fn put(
    action: QueryAction,
    request: &QueryRequest,
) -> Result<(PolicyRequest<'_>, &str), IamError> {
    let kind = kind(action);
    let principal = request.required(kind.name_member())?;
    let policy_name = request.required("PolicyName")?;
    let document = request.required("PolicyDocument")?;
    let policy_name = check::policy_name(policy_name)?;
    let policy = PolicyRequest {
        kind,
        principal: check::principal_name(kind, principal)?,
        policy_name,
    };
    Ok((policy, document))
}

/// GetUserPolicy / GetRolePolicy: only the policy name is checked; an
/// unchecked principal name is simply not found.
pub fn get(action: QueryAction, request: &QueryRequest) -> Result<PolicyRequest<'_>, IamError> {
    let kind = kind(action);
    let principal = request.required(kind.name_member())?;
    Ok(PolicyRequest {
        kind,
        principal,
        policy_name: check::policy_name(request.required("PolicyName")?)?,
    })
}

/// ListUserPolicies / ListRolePolicies: whose policies (the name unchecked).
pub fn list(
    action: QueryAction,
    request: &QueryRequest,
) -> Result<(PrincipalKind, &str), IamError> {
    let kind = kind(action);
    Ok((kind, request.required(kind.name_member())?))
}

/// DeleteUserPolicy / DeleteRolePolicy: a role's name is checked, a user's
/// is not (an unchecked one is not found).
pub fn delete(action: QueryAction, request: &QueryRequest) -> Result<PolicyRequest<'_>, IamError> {
    let kind = kind(action);
    let principal = request.required(kind.name_member())?;
    let policy_name = check::policy_name(request.required("PolicyName")?)?;
    let principal = match kind {
        PrincipalKind::Role => check::role_name(principal)?,
        PrincipalKind::User => principal,
    };
    Ok(PolicyRequest {
        kind,
        principal,
        policy_name,
    })
}

/// Get{User,Role}Policy's answer.
pub fn policy(answer: &Answer<'_>, policy: &IdentityPolicy) -> Vec<u8> {
    let member = kind(answer.action()).name_member();
    answer.with(|xml| {
        xml.leaf(member, &policy.principal_name)
            .leaf("PolicyName", &policy.policy_name)
            .leaf("PolicyDocument", &encode_policy(&policy.policy_document));
    })
}

/// List{User,Role}Policies' answer.
pub fn policy_names(answer: &Answer<'_>, policy_names: &[String]) -> Vec<u8> {
    answer.with(|xml| names(xml, "PolicyNames", policy_names))
}
