//! IAM users: CreateUser, GetUser, ListUsers, ListGroupsForUser, DeleteUser.

use trent_core::error::IamError;
use trent_core::view::User;

use super::{listing, names, Answer};
use crate::query::{check, iso8601, QueryRequest, Xml};

/// A checked CreateUser request.
#[derive(Debug)]
pub struct CreateUser<'a> {
    /// `UserName`, checked.
    pub name: &'a str,
    /// `Path`, checked when present.
    pub path: Option<&'a str>,
}

/// Reads and checks CreateUser's parameters.
pub fn create_user(request: &QueryRequest) -> Result<CreateUser<'_>, IamError> {
    Ok(CreateUser {
        name: user_name(request)?,
        path: request.get("Path").map(check::path).transpose()?,
    })
}

/// A required, checked `UserName` (DeleteUser, ListGroupsForUser).
pub fn user_name(request: &QueryRequest) -> Result<&str, IamError> {
    check::user_name(request.required("UserName")?)
}

/// An optional, checked `UserName` (GetUser and the access-key actions).
pub fn optional_user_name(request: &QueryRequest) -> Result<Option<&str>, IamError> {
    request.get("UserName").map(check::user_name).transpose()
}

fn user_xml(xml: &mut Xml, user: &User) {
    xml.leaf("Path", &user.path)
        .leaf("UserName", &user.name)
        .leaf("UserId", &user.id)
        .leaf("Arn", &user.arn)
        .leaf("CreateDate", &iso8601(user.created_at.as_millis()));
}

/// CreateUser's and GetUser's answer: `<User>`.
pub fn user(answer: &Answer<'_>, user: &User) -> Vec<u8> {
    answer.with(|xml| {
        xml.open("User");
        user_xml(xml, user);
        xml.close("User");
    })
}

/// GetUser's answer for the account root, which has no user record.
pub fn root_user(answer: &Answer<'_>, account: &str, arn: &str) -> Vec<u8> {
    answer.with(|xml| {
        xml.open("User")
            .leaf("UserId", account)
            .leaf("Arn", arn)
            .leaf("CreateDate", &iso8601(0))
            .close("User");
    })
}

/// ListUsers' answer.
pub fn users(answer: &Answer<'_>, users: &[User]) -> Vec<u8> {
    answer.with(|xml| {
        listing(xml, "Users", users, |xml, user| {
            xml.open("member");
            user_xml(xml, user);
            xml.close("member");
        });
    })
}

/// ListGroupsForUser's answer.
pub fn groups(answer: &Answer<'_>, groups: &[String]) -> Vec<u8> {
    answer.with(|xml| names(xml, "Groups", groups))
}
