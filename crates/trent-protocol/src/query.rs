//! The AWS Query protocol, as IAM and STS speak it: form-encoded requests
//! (`Action=CreateUser&Version=2010-05-08&UserName=...`) and XML responses.

pub mod check;
pub mod op;

use std::collections::HashMap;

use trent_core::error::{
    IamEntity, IamError, IamInvalid, IamQuota, InvalidSignature, KmsError, PolicyProblem,
    Subordinate,
};
use trent_core::id::PrincipalKind;
use trent_core::query_action::QueryService;

use crate::error::{Failure, RequestError};

/// The XML namespace of a service's responses.
fn namespace(service: QueryService) -> &'static str {
    match service {
        QueryService::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
        QueryService::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
    }
}

/// A decoded Query request: its action and parameters.
#[derive(Debug, Default)]
pub struct QueryRequest {
    /// The `Action` parameter.
    pub action: String,
    params: HashMap<String, String>,
}

impl QueryRequest {
    /// Decodes a form-encoded body. Repeated parameters keep the last value.
    pub fn parse(body: &[u8]) -> Result<Self, IamError> {
        let mut params: HashMap<String, String> = form_urlencoded::parse(body)
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        let action = params
            .remove("Action")
            .filter(|action| !action.is_empty())
            .ok_or_else(|| IamError::InvalidAction("Missing Action".into()))?;
        Ok(Self { action, params })
    }

    /// Every parameter but `Action`, for the audit log.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params
            .iter()
            .filter(|(name, _)| name.as_str() != "Version")
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// An optional parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A required parameter, or AWS's validation error naming it.
    pub fn required(&self, name: &'static str) -> Result<&str, IamError> {
        self.get(name)
            .ok_or(IamError::Validation(IamInvalid::Missing { member: name }))
    }

    /// An optional integer parameter.
    pub fn integer(&self, name: &'static str) -> Result<Option<i64>, IamError> {
        self.get(name)
            .map(|text| {
                text.parse().map_err(|_| {
                    IamError::Validation(IamInvalid::NotANumber {
                        member: name,
                        value: text.to_owned(),
                    })
                })
            })
            .transpose()
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Builds an XML response body; text is escaped.
#[derive(Debug, Default)]
pub struct Xml(String);

impl Xml {
    /// An empty document with the XML declaration.
    pub fn new() -> Self {
        Self(String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
    }

    /// Opens an element with an `xmlns` attribute.
    pub fn open_ns(&mut self, name: &str, namespace: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push_str(" xmlns=\"");
        self.0.push_str(&quick_xml::escape::escape(namespace));
        self.0.push_str("\">");
        self
    }

    /// Opens an element.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
        self
    }

    /// Closes an element.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
        self
    }

    /// An element with text. Characters XML 1.0 cannot carry at all (most
    /// C0 controls, U+FFFE, U+FFFF; not even as references) become U+FFFD,
    /// so echoed input never makes a document an SDK's parser refuses.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        let allowed = |c: char| !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
        if text.chars().all(allowed) {
            self.0.push_str(&quick_xml::escape::escape(text));
        } else {
            let cleaned: String = text
                .chars()
                .map(|c| if allowed(c) { c } else { '\u{fffd}' })
                .collect();
            self.0.push_str(&quick_xml::escape::escape(&cleaned));
        }
        self.close(name)
    }

    /// The finished document.
    pub fn finish(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// A successful response: `<{Action}Response><{Action}Result>…</…Result>
/// <ResponseMetadata><RequestId>…` around what `result` writes.
pub fn response(
    service: QueryService,
    action: &str,
    request_id: &str,
    result: impl FnOnce(&mut Xml),
) -> Vec<u8> {
    let mut xml = Xml::new();
    let outer = format!("{action}Response");
    let inner = format!("{action}Result");
    xml.open_ns(&outer, namespace(service)).open(&inner);
    result(&mut xml);
    xml.close(&inner)
        .open("ResponseMetadata")
        .leaf("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&outer);
    xml.finish()
}

/// A response with no result element (`DeleteUser`, `PutUserPolicy`, ...).
pub fn empty_response(service: QueryService, action: &str, request_id: &str) -> Vec<u8> {
    let mut xml = Xml::new();
    let outer = format!("{action}Response");
    xml.open_ns(&outer, namespace(service))
        .open("ResponseMetadata")
        .leaf("RequestId", request_id)
        .close("ResponseMetadata")
        .close(&outer);
    xml.finish()
}

/// A time as IAM writes it: ISO 8601 in UTC with seconds (`2026-11-28T13:37:40Z`).
pub fn iso8601(millis: i64) -> String {
    Iso8601(millis).to_string()
}

/// [`iso8601`] written straight into a formatter, without a string of its
/// own (audit events are built with it on every request). Nothing is written
/// for a time outside the years `time` can represent.
#[derive(Debug, Clone, Copy)]
pub struct Iso8601(pub i64);

impl std::fmt::Display for Iso8601 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Ok(at) = time::OffsetDateTime::from_unix_timestamp(self.0.div_euclid(1000)) else {
            return Ok(());
        };
        let (date, clock) = (at.date(), at.time());
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            date.year(),
            u8::from(date.month()),
            date.day(),
            clock.hour(),
            clock.minute(),
            clock.second()
        )
    }
}

/// A policy document as IAM returns it: percent-encoded (RFC 3986).
pub fn encode_policy(document: &str) -> String {
    // `byte_serialize` writes a space as `+` and a literal `+` as `%2B`.
    form_urlencoded::byte_serialize(document.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// An error as the Query protocol sends it: HTTP status and XML body.
#[derive(Debug)]
pub struct QueryError {
    /// The HTTP status.
    pub status: u16,
    /// The error code (`NoSuchEntity`, ...).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl QueryError {
    /// The `<ErrorResponse>` body.
    pub fn body(&self, service: QueryService, request_id: &str) -> Vec<u8> {
        let mut xml = Xml::new();
        let kind = if self.status >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        xml.open_ns("ErrorResponse", namespace(service))
            .open("Error")
            .leaf("Type", kind)
            .leaf("Code", self.code)
            .leaf("Message", &self.message)
            .close("Error")
            .leaf("RequestId", request_id)
            .close("ErrorResponse");
        xml.finish()
    }
}

/// The code, status and message of an IAM or STS error.
pub fn render(failure: &Failure<IamError>) -> QueryError {
    match failure {
        Failure::Request(error) => render_request(error),
        Failure::Service(error) => render_iam(error),
    }
}

impl From<IamError> for Failure<IamError> {
    fn from(error: IamError) -> Self {
        Self::Service(error)
    }
}

impl From<KmsError> for Failure<IamError> {
    fn from(error: KmsError) -> Self {
        Self::Service(error.into())
    }
}

/// Authentication, shared with KMS, fails IAM and STS requests too.
impl From<Failure<KmsError>> for Failure<IamError> {
    fn from(failure: Failure<KmsError>) -> Self {
        match failure {
            Failure::Request(error) => Self::Request(error),
            Failure::Service(error) => Self::Service(error.into()),
        }
    }
}

/// A request the protocol refused, with the Query protocol's codes.
fn render_request(error: &RequestError) -> QueryError {
    let wire = crate::error::render_request(error);
    let (status, code) = match error {
        RequestError::MissingAuthenticationToken => (403, "MissingAuthenticationToken"),
        RequestError::IncompleteSignature(_) => (400, "IncompleteSignature"),
        RequestError::TooLarge => (413, "RequestEntityTooLarge"),
        RequestError::BodyTimeout => (408, "RequestTimeout"),
        RequestError::Validation(_) => (400, "ValidationError"),
        RequestError::Serialization(_) => (400, "MalformedInput"),
        RequestError::UnknownOperation => (400, "InvalidAction"),
    };
    QueryError {
        status,
        code,
        message: wire.message.unwrap_or_default(),
    }
}

/// Renders the service's error (IAM's own, or one shared with KMS).
pub fn render_iam(error: &IamError) -> QueryError {
    let (status, code, message) = match error {
        IamError::InvalidAction(action) => (
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version"),
        ),
        IamError::NoSuchEntity(entity) => (404, "NoSuchEntity", no_such_entity(entity)),
        IamError::EntityAlreadyExists { kind, name } => (
            409,
            "EntityAlreadyExists",
            match kind {
                PrincipalKind::User => format!("User with name {name} already exists."),
                PrincipalKind::Role => format!("Role with name {name} already exists."),
            },
        ),
        IamError::DeleteConflict(subordinate) => (
            409,
            "DeleteConflict",
            match subordinate {
                Subordinate::AccessKeys => "Cannot delete entity, must delete access keys first.",
                Subordinate::Policies => "Cannot delete entity, must delete policies first.",
            }
            .into(),
        ),
        IamError::UnmodifiableEntity { role } => (
            400,
            "UnmodifiableEntity",
            format!("Cannot perform the operation on the protected role '{role}' - this role is only modifiable by AWS"),
        ),
        IamError::LimitExceeded(quota) => (
            409,
            "LimitExceeded",
            match quota {
                IamQuota::AccessKeysPerUser { max } => {
                    format!("Cannot exceed quota for AccessKeysPerUser: {max}")
                }
                IamQuota::PolicySize { kind, name, max } => format!(
                    "Maximum policy size of {max} bytes exceeded for {} {name}",
                    kind.as_str()
                ),
            },
        ),
        IamError::Validation(invalid) => (400, "ValidationError", validation_message(invalid)),
        IamError::MalformedPolicyDocument(problem) => (
            400,
            "MalformedPolicyDocument",
            match problem {
                PolicyProblem::NotJson => "Syntax errors in policy.".into(),
                PolicyProblem::InvalidPrincipals => "Invalid principal in policy".into(),
                PolicyProblem::TooLarge => "Cannot exceed quota for PolicySize".into(),
                PolicyProblem::Invalid(explanation) => explanation.clone(),
                PolicyProblem::Lockout => "Policy lockout".into(),
            },
        ),
        IamError::Kms(error) => return render_shared(error),
    };
    QueryError {
        status,
        code,
        message,
    }
}

fn no_such_entity(entity: &IamEntity) -> String {
    match entity {
        IamEntity::Principal {
            kind: PrincipalKind::User,
            name,
        } => format!("The user with name {name} cannot be found."),
        IamEntity::Principal {
            kind: PrincipalKind::Role,
            name,
        } => format!("The role with name {name} cannot be found."),
        IamEntity::AccessKey { id } => format!("The Access Key with id {id} cannot be found."),
        IamEntity::Policy { kind, name } => format!(
            "The {} policy with name {name} cannot be found.",
            kind.as_str()
        ),
    }
}

fn validation_message(invalid: &IamInvalid) -> String {
    match invalid {
        IamInvalid::Missing { member } => format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(member)
        ),
        IamInvalid::NotANumber { member, value } => format!(
            "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must be a number",
            lower_first(member)
        ),
        IamInvalid::Status { value } => format!(
            "1 validation error detected: Value '{value}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"
        ),
        IamInvalid::Name { member, max } => format!(
            "The specified value for {member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_- and be 1 to {max} characters long."
        ),
        IamInvalid::Path => "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.".into(),
        IamInvalid::Description => "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]* and have length less than or equal to 1000".into(),
        IamInvalid::UserNameRequired => {
            "Must specify userName when calling with non-User credentials".into()
        }
        IamInvalid::ReservedPath => {
            "The path /aws-service-role/ is reserved for service-linked roles.".into()
        }
        IamInvalid::ServiceName { service } => format!("Invalid ServiceName: {service}"),
        IamInvalid::SessionName => "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*".into(),
        IamInvalid::SessionDuration { seconds } => format!(
            "1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200"
        ),
        IamInvalid::SessionLongerThanRoleAllows => {
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into()
        }
        IamInvalid::RoleArn { arn } => format!("{arn} is invalid"),
    }
}

/// Authentication, authorization and internal errors with the Query
/// protocol's codes; anything else KMS-specific becomes an internal error.
fn render_shared(error: &KmsError) -> QueryError {
    let wire = crate::error::render_kms(error);
    let (status, code) = match error {
        KmsError::UnrecognizedClient => (403, "InvalidClientTokenId"),
        KmsError::ExpiredToken => (400, "ExpiredToken"),
        KmsError::Throttling => (400, "Throttling"),
        KmsError::InvalidSignature(
            InvalidSignature::Expired { .. } | InvalidSignature::NotYetCurrent { .. },
        ) => (400, "SignatureDoesNotMatch"),
        KmsError::InvalidSignature(_) => (403, "SignatureDoesNotMatch"),
        KmsError::AccessDenied { .. } => (403, "AccessDenied"),
        _ => {
            return QueryError {
                status: 500,
                code: "ServiceFailure",
                message: "An internal error occurred.".into(),
            }
        }
    };
    let message = match error {
        // IAM's and STS's own wording.
        KmsError::Throttling => "Rate exceeded".to_owned(),
        _ => wire.message.unwrap_or_default(),
    };
    QueryError {
        status,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_missing_members_are_named() {
        let request =
            QueryRequest::parse(b"Action=CreateUser&Version=2010-05-08&UserName=a%2Bb&Path=%2F")
                .unwrap();
        assert_eq!(request.action, "CreateUser");
        assert_eq!(request.get("UserName"), Some("a+b"));
        assert_eq!(request.get("Path"), Some("/"));
        let message = render_iam(&request.required("RoleName").unwrap_err()).message;
        assert!(message.contains("'roleName'"), "{message}");
        assert!(matches!(
            QueryRequest::parse(b"Version=1").unwrap_err(),
            IamError::InvalidAction(_)
        ));
    }

    #[test]
    fn text_is_escaped_and_responses_are_wrapped() {
        let body = response(QueryService::Iam, "GetUser", "rid", |xml| {
            xml.open("User").leaf("UserName", "<a&b>").close("User");
        });
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains(
            "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult><User><UserName>&lt;a&amp;b&gt;</UserName></User></GetUserResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetUserResponse>"
        ), "{text}");
    }

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        let mut xml = Xml::default();
        xml.leaf("Message", "Create\u{1b}User\u{0}\ttab\u{ffff}");
        let text = String::from_utf8(xml.finish()).unwrap();
        assert_eq!(
            text,
            "<Message>Create\u{fffd}User\u{fffd}\ttab\u{fffd}</Message>"
        );
    }

    #[test]
    fn dates_and_policies_are_written_as_iam_writes_them() {
        assert_eq!(iso8601(1_795_873_060_123), "2026-11-28T13:37:40Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59Z");
        assert_eq!(iso8601(i64::MAX), "");
        assert_eq!(
            encode_policy(r#"{"a": "b+c"}"#),
            "%7B%22a%22%3A%20%22b%2Bc%22%7D"
        );
    }

    #[test]
    fn errors_use_query_codes() {
        let error = render_iam(&IamError::NoSuchEntity(IamEntity::Principal {
            kind: PrincipalKind::User,
            name: "x".into(),
        }));
        assert_eq!(error.message, "The user with name x cannot be found.");
        assert_eq!((error.status, error.code), (404, "NoSuchEntity"));
        let body = String::from_utf8(error.body(QueryService::Iam, "r")).unwrap();
        assert!(body.contains("<Code>NoSuchEntity</Code>"));
        assert!(body.contains("<Type>Sender</Type>"));
        let denied = render(&KmsError::UnrecognizedClient.into());
        assert_eq!((denied.status, denied.code), (403, "InvalidClientTokenId"));
    }
}
