//! IAM and STS over the Query protocol: from a decoded form to the service
//! and back to XML, one arm per action.

use trent_core::error::IamError;
use trent_core::query_action::QueryAction;
use trent_protocol::query::{empty_response, encode_policy, iso8601, response, QueryRequest, Xml};
use trent_service::iam::{KeyOwner, MAX_SESSION_SECONDS};
use trent_service::{Caller, Kms};
use trent_store::record::{AccessKeyRecord, PrincipalKind, PrincipalRecord};

type Reply = Result<Vec<u8>, IamError>;

fn user_xml(xml: &mut Xml, user: &PrincipalRecord) {
    xml.leaf("Path", &user.path)
        .leaf("UserName", &user.name)
        .leaf("UserId", &user.id)
        .leaf("Arn", &user.arn())
        .leaf("CreateDate", &iso8601(user.created_at.as_millis()));
}

fn role_xml(xml: &mut Xml, role: &PrincipalRecord) {
    xml.leaf("Path", &role.path)
        .leaf("RoleName", &role.name)
        .leaf("RoleId", &role.id)
        .leaf("Arn", &role.arn())
        .leaf("CreateDate", &iso8601(role.created_at.as_millis()));
    if let Some(trust) = &role.trust_policy {
        xml.leaf("AssumeRolePolicyDocument", &encode_policy(trust));
    }
    if !role.description.is_empty() {
        xml.leaf("Description", &role.description);
    }
    xml.leaf("MaxSessionDuration", &MAX_SESSION_SECONDS.to_string());
}

fn access_key_xml(xml: &mut Xml, key: &AccessKeyRecord) {
    if let Some(user) = &key.user {
        xml.leaf("UserName", user);
    }
    xml.leaf("AccessKeyId", &key.access_key_id)
        .leaf("Status", if key.active { "Active" } else { "Inactive" })
        .leaf("CreateDate", &iso8601(key.created_at.as_millis()));
}

/// The principal kind of a `User`/`Role` action pair, as the table declares it.
fn principal_kind(action: QueryAction) -> PrincipalKind {
    match action.principal() {
        Some(trent_core::id::PrincipalKind::Role) => PrincipalKind::Role,
        _ => PrincipalKind::User,
    }
}

fn principal_param(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "UserName",
        PrincipalKind::Role => "RoleName",
    }
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
            let credentials = kms.assume_role(
                caller,
                request.required("RoleArn")?,
                request.required("RoleSessionName")?,
                request.integer("DurationSeconds")?,
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
            let user =
                kms.create_user(caller, request.required("UserName")?, request.get("Path"))?;
            reply(&|xml| {
                xml.open("User");
                user_xml(xml, &user);
                xml.close("User");
            })
        }
        QueryAction::GetUser => match kms.get_user(caller, request.get("UserName"))? {
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
        },
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
            let groups = kms.list_groups_for_user(caller, request.required("UserName")?)?;
            reply(&|xml| {
                xml.open("Groups");
                for group in &groups {
                    xml.leaf("member", group);
                }
                xml.close("Groups").leaf("IsTruncated", "false");
            })
        }
        QueryAction::DeleteUser => {
            kms.delete_user(caller, request.required("UserName")?)?;
            done()
        }
        QueryAction::CreateAccessKey => {
            let key = kms.create_access_key(caller, request.get("UserName"))?;
            reply(&|xml| {
                xml.open("AccessKey");
                access_key_xml(xml, &key.record);
                xml.leaf("SecretAccessKey", key.secret.expose())
                    .close("AccessKey");
            })
        }
        QueryAction::ListAccessKeys => {
            let (owner, keys) = kms.list_access_keys(caller, request.get("UserName"))?;
            reply(&|xml| {
                if let KeyOwner::User(name) = &owner {
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
            let active = match request.required("Status")? {
                "Active" => true,
                "Inactive" => false,
                other => {
                    return Err(IamError::Validation(format!(
                        "1 validation error detected: Value '{other}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
                    )))
                }
            };
            kms.update_access_key(
                caller,
                request.get("UserName"),
                request.required("AccessKeyId")?,
                active,
            )?;
            done()
        }
        QueryAction::DeleteAccessKey => {
            kms.delete_access_key(
                caller,
                request.get("UserName"),
                request.required("AccessKeyId")?,
            )?;
            done()
        }
        QueryAction::CreateRole => {
            let role = kms.create_role(
                caller,
                request.required("RoleName")?,
                request.get("Path"),
                request.required("AssumeRolePolicyDocument")?,
                request.get("Description"),
            )?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        QueryAction::CreateServiceLinkedRole => {
            let role = kms.create_service_linked_role(
                caller,
                request.required("AWSServiceName")?,
                request.get("Description"),
                request.get("CustomSuffix"),
            )?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        QueryAction::GetRole => {
            let role = kms.get_role(caller, request.required("RoleName")?)?;
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
            kms.delete_role(caller, request.required("RoleName")?)?;
            done()
        }
        QueryAction::UpdateAssumeRolePolicy => {
            kms.update_assume_role_policy(
                caller,
                request.required("RoleName")?,
                request.required("PolicyDocument")?,
            )?;
            done()
        }
        QueryAction::PutUserPolicy | QueryAction::PutRolePolicy => {
            let kind = principal_kind(action);
            kms.put_identity_policy(
                caller,
                kind,
                request.required(principal_param(kind))?,
                request.required("PolicyName")?,
                request.required("PolicyDocument")?,
            )?;
            done()
        }
        QueryAction::GetUserPolicy | QueryAction::GetRolePolicy => {
            let kind = principal_kind(action);
            let (principal, policy) = kms.get_identity_policy(
                caller,
                kind,
                request.required(principal_param(kind))?,
                request.required("PolicyName")?,
            )?;
            reply(&|xml| {
                xml.leaf(principal_param(kind), &principal)
                    .leaf("PolicyName", &policy.name)
                    .leaf("PolicyDocument", &encode_policy(&policy.document));
            })
        }
        QueryAction::ListUserPolicies | QueryAction::ListRolePolicies => {
            let kind = principal_kind(action);
            let names =
                kms.list_identity_policies(caller, kind, request.required(principal_param(kind))?)?;
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
            kms.delete_identity_policy(
                caller,
                kind,
                request.required(principal_param(kind))?,
                request.required("PolicyName")?,
            )?;
            done()
        }
    }
}
