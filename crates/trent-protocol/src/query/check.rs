//! IAM and STS request members checked against IAM's rules for names,
//! paths and sessions, so that the service receives values it can trust.
//! The KMS members' checks are in [`crate::check`].

use trent_core::error::{IamError, IamInvalid};
use trent_core::id::PrincipalKind;
use trent_core::view::AccessKeyStatus;

/// Shortest and longest sessions AssumeRole grants, in seconds (the API model's range).
pub const SESSION_SECONDS: std::ops::RangeInclusive<i64> = 900..=43_200;

/// A user name: 1 to 64 of `[\w+=,.@-]`.
pub fn user_name(name: &str) -> Result<&str, IamError> {
    name_in("userName", name, 64)
}

/// A role name: 1 to 64 of `[\w+=,.@-]`.
pub fn role_name(name: &str) -> Result<&str, IamError> {
    name_in("roleName", name, 64)
}

/// The name of a user or a role.
pub fn principal_name(kind: PrincipalKind, name: &str) -> Result<&str, IamError> {
    match kind {
        PrincipalKind::User => user_name(name),
        PrincipalKind::Role => role_name(name),
    }
}

/// An inline policy's name: 1 to 128 of `[\w+=,.@-]`.
pub fn policy_name(name: &str) -> Result<&str, IamError> {
    name_in("policyName", name, 128)
}

/// CreateServiceLinkedRole's `CustomSuffix`: 1 to 64 of `[\w+=,.@-]`.
pub fn custom_suffix(suffix: &str) -> Result<&str, IamError> {
    name_in("customSuffix", suffix, 64)
}

/// A path: `/`, or `/`-delimited printable ASCII, beginning and ending
/// with `/`, at most 512 characters.
pub fn path(path: &str) -> Result<&str, IamError> {
    let ok = path.starts_with('/')
        && path.ends_with('/')
        && path.len() <= 512
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(path)
    } else {
        Err(IamError::Validation(IamInvalid::Path))
    }
}

/// A role's description: at most 1000 characters of
/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]` (IAM's model).
pub fn description(description: &str) -> Result<&str, IamError> {
    let ok = description.chars().count() <= 1000
        && description
            .chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'));
    if ok {
        Ok(description)
    } else {
        Err(IamError::Validation(IamInvalid::Description))
    }
}

/// A service principal (`<service>.amazonaws.com`), as CreateServiceLinkedRole names it.
pub fn service_name(service: &str) -> Result<&str, IamError> {
    let ok = service.strip_suffix(".amazonaws.com").is_some_and(|label| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    });
    if ok {
        Ok(service)
    } else {
        Err(IamError::Validation(IamInvalid::ServiceName {
            service: service.to_owned(),
        }))
    }
}

/// AssumeRole's `RoleSessionName`: 2 to 64 of `[\w+=,.@-]`.
pub fn session_name(name: &str) -> Result<&str, IamError> {
    let ok = (2..=64).contains(&name.len()) && name.chars().all(name_char);
    if ok {
        Ok(name)
    } else {
        Err(IamError::Validation(IamInvalid::SessionName))
    }
}

/// AssumeRole's `DurationSeconds`, when given: within [`SESSION_SECONDS`].
pub fn session_duration(seconds: Option<i64>) -> Result<Option<i64>, IamError> {
    match seconds {
        Some(seconds) if !SESSION_SECONDS.contains(&seconds) => {
            Err(IamError::Validation(IamInvalid::SessionDuration {
                seconds,
            }))
        }
        other => Ok(other),
    }
}

/// UpdateAccessKey's `Status`.
pub fn access_key_status(text: &str) -> Result<AccessKeyStatus, IamError> {
    match text {
        "Active" => Ok(AccessKeyStatus::Active),
        "Inactive" => Ok(AccessKeyStatus::Inactive),
        other => Err(IamError::Validation(IamInvalid::Status {
            value: other.to_owned(),
        })),
    }
}

fn name_in<'a>(member: &'static str, name: &'a str, max: usize) -> Result<&'a str, IamError> {
    if !name.is_empty() && name.len() <= max && name.chars().all(name_char) {
        Ok(name)
    } else {
        Err(IamError::Validation(IamInvalid::Name { member, max }))
    }
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_and_sessions_follow_iam_rules() {
        assert!(user_name("alice+ops@example.com").is_ok());
        assert!(user_name("").is_err());
        assert!(user_name(&"a".repeat(65)).is_err());
        assert!(policy_name(&"p".repeat(128)).is_ok());
        assert!(role_name("a/b").is_err());
        assert!(path("/").is_ok() && path("/team/a/").is_ok());
        assert!(path("team/").is_err() && path("/a b/").is_err());
        assert!(service_name("rds.amazonaws.com").is_ok());
        assert!(service_name(".amazonaws.com").is_err() && service_name("rds").is_err());
        assert!(session_name("s").is_err() && session_name("s1").is_ok());
        assert!(session_duration(Some(899)).is_err() && session_duration(None).is_ok());
        assert!(description("Rôle\tfor RDS,\r\nline two").is_ok());
        assert!(description(&"d".repeat(1000)).is_ok() && description(&"d".repeat(1001)).is_err());
        assert!(description("\0admins").is_err() && description("\u{4}").is_err());
        assert!(description("\u{7f}").is_err() && description("\u{100}").is_err());
        assert_eq!(
            access_key_status("Inactive").unwrap(),
            AccessKeyStatus::Inactive
        );
        assert!(access_key_status("active").is_err());
    }
}
