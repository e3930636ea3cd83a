//! Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey.

use trent_core::error::IamError;
use trent_core::view::{AccessKeyMetadata, AccessKeyOwner, AccessKeyStatus, NewAccessKey};

use super::users::optional_user_name;
use super::{listing, Answer};
use crate::query::{check, iso8601, QueryRequest, Xml};

/// A checked UpdateAccessKey or DeleteAccessKey request.
#[derive(Debug)]
pub struct AccessKeyChange<'a> {
    /// `UserName`, checked when present (else the caller's own key).
    pub user: Option<&'a str>,
    /// `AccessKeyId`.
    pub access_key_id: &'a str,
}

/// Reads and checks UpdateAccessKey's parameters (in AWS's order): the key
/// and its new status.
pub fn update_access_key(
    request: &QueryRequest,
) -> Result<(AccessKeyChange<'_>, AccessKeyStatus), IamError> {
    let status = check::access_key_status(request.required("Status")?)?;
    let access_key_id = request.required("AccessKeyId")?;
    let key = AccessKeyChange {
        user: optional_user_name(request)?,
        access_key_id,
    };
    Ok((key, status))
}

/// Reads and checks DeleteAccessKey's parameters.
pub fn delete_access_key(request: &QueryRequest) -> Result<AccessKeyChange<'_>, IamError> {
    let access_key_id = request.required("AccessKeyId")?;
    Ok(AccessKeyChange {
        user: optional_user_name(request)?,
        access_key_id,
    })
}

fn access_key_xml(xml: &mut Xml, key: &AccessKeyMetadata) {
    if let Some(user) = &key.user_name {
        xml.leaf("UserName", user);
    }
    xml.leaf("AccessKeyId", &key.access_key_id)
        .leaf("Status", key.status.as_str())
        .leaf("CreateDate", &iso8601(key.created_at.as_millis()));
}

/// CreateAccessKey's answer, with the secret (shown this once).
pub fn new_access_key(answer: &Answer<'_>, key: &NewAccessKey) -> Vec<u8> {
    answer.with(|xml| {
        xml.open("AccessKey");
        access_key_xml(xml, &key.metadata);
        xml.leaf("SecretAccessKey", key.secret.expose())
            .close("AccessKey");
    })
}

/// ListAccessKeys' answer.
pub fn access_keys(
    answer: &Answer<'_>,
    owner: &AccessKeyOwner,
    keys: &[AccessKeyMetadata],
) -> Vec<u8> {
    answer.with(|xml| {
        if let AccessKeyOwner::User(name) = owner {
            xml.leaf("UserName", name);
        }
        listing(xml, "AccessKeyMetadata", keys, |xml, key| {
            xml.open("member");
            access_key_xml(xml, key);
            xml.close("member");
        });
    })
}
