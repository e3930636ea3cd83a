//! STS: GetCallerIdentity and AssumeRole.

use trent_core::error::IamError;
use trent_core::view::{CallerIdentity, SessionCredentials};

use super::Answer;
use crate::query::{check, iso8601, QueryRequest};

/// GetCallerIdentity's answer.
pub fn caller_identity(answer: &Answer<'_>, identity: &CallerIdentity) -> Vec<u8> {
    answer.with(|xml| {
        xml.leaf("UserId", &identity.user_id)
            .leaf("Account", &identity.account)
            .leaf("Arn", &identity.arn);
    })
}

/// A checked AssumeRole request.
#[derive(Debug)]
pub struct AssumeRole<'a> {
    /// `RoleArn`, as given (the service parses it).
    pub role_arn: &'a str,
    /// `RoleSessionName`, checked.
    pub session_name: &'a str,
    /// `DurationSeconds`, within AWS's range when present.
    pub duration_seconds: Option<i64>,
}

/// Reads and checks AssumeRole's parameters.
pub fn assume_role(request: &QueryRequest) -> Result<AssumeRole<'_>, IamError> {
    let role_arn = request.required("RoleArn")?;
    let session_name = request.required("RoleSessionName")?;
    let duration = request.integer("DurationSeconds")?;
    Ok(AssumeRole {
        role_arn,
        session_name: check::session_name(session_name)?,
        duration_seconds: check::session_duration(duration)?,
    })
}

/// AssumeRole's answer: the temporary credentials and the session.
pub fn credentials(answer: &Answer<'_>, credentials: &SessionCredentials) -> Vec<u8> {
    answer.with(|xml| {
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
