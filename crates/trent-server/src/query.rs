//! IAM and STS over the Query protocol: from a decoded form to the service
//! and back to XML, one arm per action.

use trent_core::error::IamError;
use trent_protocol::query::{
    empty_response, encode_policy, iso8601, response, QueryRequest, QueryService, Xml,
};
use trent_service::iam::{KeyOwner, MAX_SESSION_SECONDS};
use trent_service::{Caller, Kms};
use trent_store::record::{AccessKeyRecord, PrincipalKind, PrincipalRecord};

type Reply = Result<Vec<u8>, IamError>;

/// The IAM and STS actions Trent serves.
const ACTIONS: &[&str] = &[
    "GetCallerIdentity",
    "AssumeRole",
    "CreateUser",
    "GetUser",
    "ListUsers",
    "DeleteUser",
    "ListGroupsForUser",
    "CreateAccessKey",
    "ListAccessKeys",
    "UpdateAccessKey",
    "DeleteAccessKey",
    "CreateRole",
    "CreateServiceLinkedRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "PutUserPolicy",
    "PutRolePolicy",
    "GetUserPolicy",
    "GetRolePolicy",
    "ListUserPolicies",
    "ListRolePolicies",
    "DeleteUserPolicy",
    "DeleteRolePolicy",
];

/// An action's name from the closed set, or `unknown` (for metrics labels).
pub(crate) fn known_action(action: &str) -> &'static str {
    ACTIONS
        .iter()
        .find(|known| **known == action)
        .copied()
        .unwrap_or("unknown")
}

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

fn kind_of(action: &str) -> PrincipalKind {
    if action.contains("Role") {
        PrincipalKind::Role
    } else {
        PrincipalKind::User
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
    service: QueryService,
    request: &QueryRequest,
    request_id: &str,
) -> Reply {
    let action = request.action.as_str();
    let done = || Ok(empty_response(service, action, request_id));
    let reply = |write: &dyn Fn(&mut Xml)| Ok(response(service, action, request_id, write));
    match (service, action) {
        (QueryService::Sts, "GetCallerIdentity") => {
            let identity = kms.get_caller_identity(caller);
            reply(&|xml| {
                xml.leaf("UserId", &identity.user_id)
                    .leaf("Account", &identity.account)
                    .leaf("Arn", &identity.arn);
            })
        }
        (QueryService::Sts, "AssumeRole") => {
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
        (QueryService::Iam, "CreateUser") => {
            let user =
                kms.create_user(caller, request.required("UserName")?, request.get("Path"))?;
            reply(&|xml| {
                xml.open("User");
                user_xml(xml, &user);
                xml.close("User");
            })
        }
        (QueryService::Iam, "GetUser") => match kms.get_user(caller, request.get("UserName"))? {
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
        (QueryService::Iam, "ListUsers") => {
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
        (QueryService::Iam, "ListGroupsForUser") => {
            let groups = kms.list_groups_for_user(caller, request.required("UserName")?)?;
            reply(&|xml| {
                xml.open("Groups");
                for group in &groups {
                    xml.leaf("member", group);
                }
                xml.close("Groups").leaf("IsTruncated", "false");
            })
        }
        (QueryService::Iam, "DeleteUser") => {
            kms.delete_user(caller, request.required("UserName")?)?;
            done()
        }
        (QueryService::Iam, "CreateAccessKey") => {
            let key = kms.create_access_key(caller, request.get("UserName"))?;
            reply(&|xml| {
                xml.open("AccessKey");
                access_key_xml(xml, &key.record);
                xml.leaf("SecretAccessKey", key.secret.expose())
                    .close("AccessKey");
            })
        }
        (QueryService::Iam, "ListAccessKeys") => {
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
        (QueryService::Iam, "UpdateAccessKey") => {
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
        (QueryService::Iam, "DeleteAccessKey") => {
            kms.delete_access_key(
                caller,
                request.get("UserName"),
                request.required("AccessKeyId")?,
            )?;
            done()
        }
        (QueryService::Iam, "CreateRole") => {
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
        (QueryService::Iam, "CreateServiceLinkedRole") => {
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
        (QueryService::Iam, "GetRole") => {
            let role = kms.get_role(caller, request.required("RoleName")?)?;
            reply(&|xml| {
                xml.open("Role");
                role_xml(xml, &role);
                xml.close("Role");
            })
        }
        (QueryService::Iam, "ListRoles") => {
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
        (QueryService::Iam, "DeleteRole") => {
            kms.delete_role(caller, request.required("RoleName")?)?;
            done()
        }
        (QueryService::Iam, "UpdateAssumeRolePolicy") => {
            kms.update_assume_role_policy(
                caller,
                request.required("RoleName")?,
                request.required("PolicyDocument")?,
            )?;
            done()
        }
        (QueryService::Iam, "PutUserPolicy" | "PutRolePolicy") => {
            let kind = kind_of(action);
            kms.put_identity_policy(
                caller,
                kind,
                request.required(principal_param(kind))?,
                request.required("PolicyName")?,
                request.required("PolicyDocument")?,
            )?;
            done()
        }
        (QueryService::Iam, "GetUserPolicy" | "GetRolePolicy") => {
            let kind = kind_of(action);
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
        (QueryService::Iam, "ListUserPolicies" | "ListRolePolicies") => {
            let kind = kind_of(action);
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
        (QueryService::Iam, "DeleteUserPolicy" | "DeleteRolePolicy") => {
            let kind = kind_of(action);
            kms.delete_identity_policy(
                caller,
                kind,
                request.required(principal_param(kind))?,
                request.required("PolicyName")?,
            )?;
            done()
        }
        _ => Err(IamError::InvalidAction(action.to_owned())),
    }
}
