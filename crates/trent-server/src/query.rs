//! IAM and STS over the Query protocol: one arm per action, handing the
//! request `trent_protocol::query::op` decoded to the service and the
//! service's answer to that module's encoder.

use trent_core::error::IamError;
use trent_core::query_action::QueryAction;
use trent_protocol::query::op::{access_keys, policies, roles, sts, users, Answer};
use trent_protocol::query::QueryRequest;
use trent_service::{Caller, Kms};

/// Serves one IAM or STS action.
pub(crate) fn dispatch(
    kms: &Kms,
    caller: &Caller,
    request: &QueryRequest,
    request_id: &str,
) -> Result<Vec<u8>, IamError> {
    let Some(action) = QueryAction::from_name(&request.action) else {
        return Err(IamError::InvalidAction(request.action.clone()));
    };
    let answer = Answer::new(action, request_id);
    Ok(match action {
        QueryAction::GetCallerIdentity => {
            sts::caller_identity(&answer, &kms.get_caller_identity(caller))
        }
        QueryAction::AssumeRole => {
            let input = sts::assume_role(request)?;
            let credentials = kms.assume_role(
                caller,
                input.role_arn,
                input.session_name,
                input.duration_seconds,
            )?;
            sts::credentials(&answer, &credentials)
        }
        QueryAction::CreateUser => {
            let input = users::create_user(request)?;
            users::user(&answer, &kms.create_user(caller, input.name, input.path)?)
        }
        QueryAction::GetUser => match kms.get_user(caller, users::optional_user_name(request)?)? {
            Some(user) => users::user(&answer, &user),
            None => users::root_user(&answer, caller.account().as_str(), caller.principal_arn()),
        },
        QueryAction::ListUsers => users::users(&answer, &kms.list_users(caller)?),
        QueryAction::ListGroupsForUser => {
            let groups = kms.list_groups_for_user(caller, users::user_name(request)?)?;
            users::groups(&answer, &groups)
        }
        QueryAction::DeleteUser => {
            kms.delete_user(caller, users::user_name(request)?)?;
            answer.empty()
        }
        QueryAction::CreateAccessKey => {
            let key = kms.create_access_key(caller, users::optional_user_name(request)?)?;
            access_keys::new_access_key(&answer, &key)
        }
        QueryAction::ListAccessKeys => {
            let (owner, keys) =
                kms.list_access_keys(caller, users::optional_user_name(request)?)?;
            access_keys::access_keys(&answer, &owner, &keys)
        }
        QueryAction::UpdateAccessKey => {
            let (key, status) = access_keys::update_access_key(request)?;
            kms.update_access_key(caller, key.user, key.access_key_id, status)?;
            answer.empty()
        }
        QueryAction::DeleteAccessKey => {
            let input = access_keys::delete_access_key(request)?;
            kms.delete_access_key(caller, input.user, input.access_key_id)?;
            answer.empty()
        }
        QueryAction::CreateRole => {
            let input = roles::create_role(request)?;
            let role = kms.create_role(
                caller,
                input.name,
                input.path,
                input.trust_policy,
                input.description,
            )?;
            roles::role(&answer, &role)
        }
        QueryAction::CreateServiceLinkedRole => {
            let input = roles::create_service_linked_role(request)?;
            let role = kms.create_service_linked_role(
                caller,
                input.service,
                input.description,
                input.suffix,
            )?;
            roles::role(&answer, &role)
        }
        QueryAction::GetRole => {
            roles::role(&answer, &kms.get_role(caller, roles::role_name(request)?)?)
        }
        QueryAction::ListRoles => roles::roles(&answer, &kms.list_roles(caller)?),
        QueryAction::DeleteRole => {
            kms.delete_role(caller, roles::role_name(request)?)?;
            answer.empty()
        }
        QueryAction::UpdateAssumeRolePolicy => {
            let (name, trust_policy) = roles::update_assume_role_policy(request)?;
            kms.update_assume_role_policy(caller, name, trust_policy)?;
            answer.empty()
        }
        QueryAction::PutUserPolicy | QueryAction::PutRolePolicy => {
            let (policy, document) = policies::put(action, request)?;
            kms.put_identity_policy(
                caller,
                policy.kind,
                policy.principal,
                policy.policy_name,
                document,
            )?;
            answer.empty()
        }
        QueryAction::GetUserPolicy | QueryAction::GetRolePolicy => {
            let input = policies::get(action, request)?;
            let policy =
                kms.get_identity_policy(caller, input.kind, input.principal, input.policy_name)?;
            policies::policy(&answer, &policy)
        }
        QueryAction::ListUserPolicies | QueryAction::ListRolePolicies => {
            let (kind, principal) = policies::list(action, request)?;
            let names = kms.list_identity_policies(caller, kind, principal)?;
            policies::policy_names(&answer, &names)
        }
        QueryAction::DeleteUserPolicy | QueryAction::DeleteRolePolicy => {
            let input = policies::delete(action, request)?;
            kms.delete_identity_policy(caller, input.kind, input.principal, input.policy_name)?;
            answer.empty()
        }
    })
}
