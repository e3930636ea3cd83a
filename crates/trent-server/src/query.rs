//! IAM and STS over the Query protocol: from a decoded form to the service
//! and back to XML, one arm per action.

use trent_core::error::IamError;
use trent_core::id::PrincipalKind;
use trent_core::query_action::QueryAction;
use trent_core::view::{AccessKeyMetadata, AccessKeyOwner, Role, User};
use trent_protocol::query::check;
use trent_protocol::query::{empty_response, encode_policy, iso8601, response, QueryRequest, Xml};
use trent_service::{Caller, Kms};

type Reply = Result<Vec<u8>, IamError>;

fn user_xml(xml: &mut Xml, user: &User) {
    xml.leaf("Path", &user.path)
        .leaf("UserName", &user.name)
        .leaf("UserId", &user.id)
        .leaf("Arn", &user.arn)
        .leaf("CreateDate", &iso8601(user.created_at.as_millis()));
}

fn role_xml(xml: &mut Xml, role: &Role) {
    xml.leaf("Path", &role.path)
        .leaf("RoleName", &role.name)
        .leaf("RoleId", &role.id)
        .leaf("Arn", &role.arn)
        .leaf("CreateDate", &iso8601(role.created_at.as_millis()));
    if let Some(trust) = &role.assume_role_policy_document {
        xml.leaf("AssumeRolePolicyDocument", &encode_policy(trust));
    }
    if !role.description.is_empty() {
        xml.leaf("Description", &role.description);
    }
    xml.leaf("MaxSessionDuration", &role.max_session_duration.to_string());
}

fn access_key_xml(xml: &mut Xml, key: &AccessKeyMetadata) {
    if let Some(user) = &key.user_name {
        xml.leaf("UserName", user);
    }
    xml.leaf("AccessKeyId", &key.access_key_id)
        .leaf("Status", key.status.as_str())
        .leaf("CreateDate", &iso8601(key.created_at.as_millis()));
}

/// The principal kind of a `User`/`Role` action pair, as the table declares it.
fn principal_kind(action: QueryAction) -> PrincipalKind {
    action.principal().unwrap_or(PrincipalKind::User)
}

/// Serves one IAM or STS action.
pub(crate) fn dispatch(
    kms: &Kms,
    caller: &Caller,
    request: &QueryRequest,
    request_id: &str,
) -> Reply {
    let Some(action) = QueryAction::from_name(&request.action) else {
        return Err(IamError::InvalidAction(request.action.clone()));
    };
    let service = action.service();
    let name = action.name();
    let done = || Ok(empty_response(service, name, request_id));
    let reply = |write: &dyn Fn(&mut Xml)| Ok(response(service, name, request_id, write));
    match action {
        QueryAction::GetCallerIdentity => {
            let identity = kms.get_caller_identity(caller);
            reply(&|xml| {
                xml.leaf("UserId", &identity.user_id)
                    .leaf("Account", &identity.account)
                    .leaf("Arn", &identity.arn);
            })
        }
        QueryAction::AssumeRole => {
            let role_arn = request.required("RoleArn")?;
            let session_name = request.required("RoleSessionName")?;
            let duration = request.integer("DurationSeconds")?;
            let credentials = kms.assume_role(
                caller,
                role_arn,
                check::session_name(session_name)?,
                check::session_duration(duration)?,
            )?;
            reply(&|xml| {
                xml.open("Credentials")
                    .leaf("AccessKeyId", &credentials.access_key_id)
                    .leaf("SecretAccessKey", credentials.secret.expose())
                    .leaf("SessionToken", &credentials.session_token)
                    .leaf("Expiration", &iso8601(credentials.expiration.as_millis()))
                    .close("Credentials")
                    .open("AssumedRoleUser")
                    .leaf("AssumedRoleId", &credentials.assumed_role_id)
                    .leaf("Arn", &credentials.arn)
                    .close("AssumedRoleUser");
            })
        }
        QueryAction::CreateUser => {
            let name = check::user_name(request.required("UserName")?)?;
            let path = request.get("Path").map(check::path).transpose()?;
            let user = kms.create_user(caller, name, path)?;
            reply(&|xml| {
                xml.open("User");
                user_xml(xml, &user);
                xml.close("User");
            })
        }
        QueryAction::GetUser => {
            let name = request.get("UserName").map(check::user_name).transpose()?;
            match kms.get_user(caller, name)? {
                Some(user) => reply(&|xml| {
                    xml.open("User");
                    user_xml(xml, &user);
                    xml.close("User");
                }),
                // The account root, which has no user record.
                None => reply(&|xml| {
                    xml.open("User")
                        .leaf("UserId", caller.account().as_str())
                        .leaf("Arn", caller.principal_arn())
                        .leaf("CreateDate", &iso8601(0))
                        .close("User");
                }),
            }
        }
        QueryAction::ListUsers => {
            let users = kms.list_users(caller)?;
            reply(&|xml| {
                xml.open("Users");
                for user in &users {
                    xml.open("member");
                    user_xml(xml, user);
                    xml.close("member");
                }
                xml.close("Users").leaf("IsTruncated", "false");
            })
        }
        QueryAction::ListGroupsForUser => {
            let name = check::user_name(request.required("UserName")?)?;
            let groups = kms.list_groups_for_user(caller, name)?;
            reply(&|xml| {
                xml.open("Groups");
                for group in &groups {
                    xml.leaf("member", group);
                }
                xml.close("Groups").leaf("IsTruncated", "false");
            })
        }
        QueryAction::DeleteUser => {
            kms.delete_user(caller, check::user_name(request.required("UserName")?)?)?;
            done()
        }
        QueryAction::CreateAccessKey => {
            let user = request.get("UserName").map(check::user_name).transpose()?;
            let key = kms.create_access_key(caller, user)?;
            reply(&|xml| {
                xml.open("AccessKey");
                access_key_xml(xml, &key.metadata);
                xml.leaf("SecretAccessKey", key.secret.expose())
                    .close("AccessKey");
            })
        }
        QueryAction::ListAccessKeys => {
            let user = request.get("UserName").map(check::user_name).transpose()?;
            let (owner, keys) = kms.list_access_keys(caller, user)?;
            reply(&|xml| {
                if let AccessKeyOwner::User(name) = &owner {
                    xml.leaf("UserName", name);
                }
                xml.open("AccessKeyMetadata");
                for key in &keys {
                    xml.open("member");
                    access_key_xml(xml, key);
                    xml.close("member");
                }
                xml.close("AccessKeyMetadata").leaf("IsTruncated", "false");
            })
        }
        QueryAction::UpdateAccessKey => {
            let status = check::access_key_status(request.required("Status")?)?;
            let access_key_id = request.required("AccessKeyId")?;
            let user = request.get("UserName").map(check::user_name).transpose()?;
            kms.update_access_key(caller, user, access_key_id, status)?;
            done()
        }
        QueryAction::DeleteAccessKey => {
            let access_key_id = request.required("AccessKeyId")?;
            let user = request.get("UserName").map(check::user_name).transpose()?;
            kms.delete_access_key(caller, user, access_key_id)?;
            done()
        }
        QueryAction::CreateRole => {
            let name = request.required("RoleName")?;
            let path = request.get("Path");
            let trust_policy = request.required("AssumeRolePolicyDocument")?;
            let role = kms.create_role(
                caller,
                check::role_name(name)?,
                path.map(check::path).transpose()?,
                trust_policy,
                request.get("Description"),
            )?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        QueryAction::CreateServiceLinkedRole => {
            let service = check::service_name(request.required("AWSServiceName")?)?;
            let suffix = request
                .get("CustomSuffix")
                .map(check::custom_suffix)
                .transpose()?;
            let role = kms.create_service_linked_role(
                caller,
                service,
                request.get("Description"),
                suffix,
            )?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        QueryAction::GetRole => {
            let role = kms.get_role(caller, check::role_name(request.required("RoleName")?)?)?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        QueryAction::ListRoles => {
            let roles = kms.list_roles(caller)?;
            reply(&|xml| {
                xml.open("Roles");
                for role in &roles {
                    xml.open("member");
                    role_xml(xml, role);
                    xml.close("member");
                }
                xml.close("Roles").leaf("IsTruncated", "false");
            })
        }
        QueryAction::DeleteRole => {
            kms.delete_role(caller, check::role_name(request.required("RoleName")?)?)?;
            done()
        }
        QueryAction::UpdateAssumeRolePolicy => {
            let name = request.required("RoleName")?;
            let trust_policy = request.required("PolicyDocument")?;
            kms.update_assume_role_policy(caller, check::role_name(name)?, trust_policy)?;
            done()
        }
        QueryAction::PutUserPolicy | QueryAction::PutRolePolicy => {
            let kind = principal_kind(action);
            let principal = request.required(kind.name_member())?;
            let policy_name = request.required("PolicyName")?;
            let document = request.required("PolicyDocument")?;
            let policy_name = check::policy_name(policy_name)?;
            let principal = check::principal_name(kind, principal)?;
            kms.put_identity_policy(caller, kind, principal, policy_name, document)?;
            done()
        }
        QueryAction::GetUserPolicy | QueryAction::GetRolePolicy => {
            let kind = principal_kind(action);
            // Only the policy name is checked: an unchecked principal name is not found.
            let principal = request.required(kind.name_member())?;
            let policy_name = check::policy_name(request.required("PolicyName")?)?;
            let policy = kms.get_identity_policy(caller, kind, principal, policy_name)?;
            reply(&|xml| {
                xml.leaf(kind.name_member(), &policy.principal_name)
                    .leaf("PolicyName", &policy.policy_name)
                    .leaf("PolicyDocument", &encode_policy(&policy.policy_document));
            })
        }
        QueryAction::ListUserPolicies | QueryAction::ListRolePolicies => {
            let kind = principal_kind(action);
            let names =
                kms.list_identity_policies(caller, kind, request.required(kind.name_member())?)?;
            reply(&|xml| {
                xml.open("PolicyNames");
                for name in &names {
                    xml.leaf("member", name);
                }
                xml.close("PolicyNames").leaf("IsTruncated", "false");
            })
        }
        QueryAction::DeleteUserPolicy | QueryAction::DeleteRolePolicy => {
            let kind = principal_kind(action);
            let principal = request.required(kind.name_member())?;
            let policy_name = check::policy_name(request.required("PolicyName")?)?;
            // A user's name is not checked: an unchecked one is not found.
            let principal = match kind {
                PrincipalKind::Role => check::role_name(principal)?,
                PrincipalKind::User => principal,
            };
            kms.delete_identity_policy(caller, kind, principal, policy_name)?;
            done()
        }
    }
}
