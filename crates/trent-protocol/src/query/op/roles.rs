//! IAM roles: CreateRole, CreateServiceLinkedRole, GetRole, ListRoles,
//! DeleteRole, UpdateAssumeRolePolicy.

use trent_core::error::IamError;
use trent_core::view::Role;

use super::{listing, Answer};
use crate::query::{check, encode_policy, iso8601, QueryRequest, Xml};

/// A checked CreateRole request.
#[derive(Debug)]
pub struct CreateRole<'a> {
    /// `RoleName`, checked.
    pub name: &'a str,
    /// `Path`, checked when present.
    pub path: Option<&'a str>,
    /// `AssumeRolePolicyDocument`, as given (the service parses it).
    pub trust_policy: &'a str,
    /// `Description`.
    pub description: Option<&'a str>,
}

/// Reads and checks CreateRole's parameters (in AWS's order).
pub fn create_role(request: &QueryRequest) -> Result<CreateRole<'_>, IamError> {
    let name = request.required("RoleName")?;
    let path = request.get("Path");
    let trust_policy = request.required("AssumeRolePolicyDocument")?;
    Ok(CreateRole {
        name: check::role_name(name)?,
        path: path.map(check::path).transpose()?,
        trust_policy,
        description: request
            .get("Description")
            .map(check::description)
            .transpose()?,
    })
}

/// A checked CreateServiceLinkedRole request.
#[derive(Debug)]
pub struct CreateServiceLinkedRole<'a> {
    /// `AWSServiceName`, a service principal.
    pub service: &'a str,
    /// `Description`.
    pub description: Option<&'a str>,
    /// `CustomSuffix`, checked when present.
    pub suffix: Option<&'a str>,
}

/// Reads and checks CreateServiceLinkedRole's parameters.
pub fn create_service_linked_role(
    request: &QueryRequest,
) -> Result<CreateServiceLinkedRole<'_>, IamError> {
    Ok(CreateServiceLinkedRole {
        service: check::service_name(request.required("AWSServiceName")?)?,
        suffix: request
            .get("CustomSuffix")
            .map(check::custom_suffix)
            .transpose()?,
        description: request
            .get("Description")
            .map(check::description)
            .transpose()?,
    })
}

/// A required, checked `RoleName` (GetRole, DeleteRole).
pub fn role_name(request: &QueryRequest) -> Result<&str, IamError> {
    check::role_name(request.required("RoleName")?)
}

/// A checked UpdateAssumeRolePolicy request: the role and its new trust policy.
pub fn update_assume_role_policy(request: &QueryRequest) -> Result<(&str, &str), IamError> {
    let name = request.required("RoleName")?;
    let trust_policy = request.required("PolicyDocument")?;
    Ok((check::role_name(name)?, trust_policy))
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

/// CreateRole's, CreateServiceLinkedRole's and GetRole's answer: `<Role>`.
pub fn role(answer: &Answer<'_>, role: &Role) -> Vec<u8> {
    answer.with(|xml| {
        xml.open("Role");
        role_xml(xml, role);
        xml.close("Role");
    })
}

/// ListRoles' answer.
pub fn roles(answer: &Answer<'_>, roles: &[Role]) -> Vec<u8> {
    answer.with(|xml| {
        listing(xml, "Roles", roles, |xml, role| {
            xml.open("member");
            role_xml(xml, role);
            xml.close("member");
        });
    })
}
