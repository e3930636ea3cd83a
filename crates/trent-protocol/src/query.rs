//! The AWS Query protocol, as IAM and STS speak it: form-encoded requests
//! (`Action=CreateUser&Version=2010-05-08&UserName=...`) and XML responses.

use std::collections::HashMap;

use trent_core::query_action::QueryService;
use trent_core::error::{IamError, IncompleteSignature, InvalidSignature, KmsError, PolicyProblem};

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
    pub fn required(&self, name: &str) -> Result<&str, IamError> {
        self.get(name).ok_or_else(|| {
            IamError::Validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ))
        })
    }

    /// An optional integer parameter.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, IamError> {
        self.get(name)
            .map(|text| {
                text.parse().map_err(|_| {
                    IamError::Validation(format!(
                        "1 validation error detected: Value '{text}' at '{}' failed to satisfy constraint: Member must be a number",
                        lower_first(name)
                    ))
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

    /// An element with text.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.0.push_str(&quick_xml::escape::escape(text));
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
pub fn render(error: &IamError) -> QueryError {
    let (status, code, message) = match error {
        IamError::InvalidAction(action) => (
            400,
            "InvalidAction",
            format!("Could not find operation {action} for version"),
        ),
        IamError::NoSuchEntity(message) => (404, "NoSuchEntity", message.clone()),
        IamError::EntityAlreadyExists(message) => (409, "EntityAlreadyExists", message.clone()),
        IamError::DeleteConflict(message) => (409, "DeleteConflict", message.clone()),
        IamError::UnmodifiableEntity(message) => (400, "UnmodifiableEntity", message.clone()),
        IamError::LimitExceeded(message) => (409, "LimitExceeded", message.clone()),
        IamError::Validation(message) => (400, "ValidationError", message.clone()),
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

/// Authentication, authorization and internal errors with the Query
/// protocol's codes; anything else KMS-specific becomes an internal error.
fn render_shared(error: &KmsError) -> QueryError {
    let wire = crate::error::render(error);
    let (status, code) = match error {
        KmsError::MissingAuthenticationToken => (403, "MissingAuthenticationToken"),
        KmsError::IncompleteSignature(
            IncompleteSignature::Malformed
            | IncompleteSignature::MalformedCredential
            | IncompleteSignature::MissingDate
            | IncompleteSignature::UnsignedHeader(_),
        ) => (400, "IncompleteSignature"),
        KmsError::UnrecognizedClient => (403, "InvalidClientTokenId"),
        KmsError::ExpiredToken => (400, "ExpiredToken"),
        KmsError::InvalidSignature(
            InvalidSignature::Expired { .. } | InvalidSignature::NotYetCurrent { .. },
        ) => (400, "SignatureDoesNotMatch"),
        KmsError::InvalidSignature(_) => (403, "SignatureDoesNotMatch"),
        KmsError::AccessDenied { .. } => (403, "AccessDenied"),
        KmsError::RequestTooLarge => (413, "RequestEntityTooLarge"),
        KmsError::Validation(_) => (400, "ValidationError"),
        KmsError::Serialization(_) => (400, "MalformedInput"),
        _ => {
            return QueryError {
                status: 500,
                code: "ServiceFailure",
                message: "An internal error occurred.".into(),
            }
        }
    };
    QueryError {
        status,
        code,
        message: wire.message,
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
        let IamError::Validation(message) = request.required("RoleName").unwrap_err() else {
            panic!("validation error expected");
        };
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
        let error = render(&IamError::NoSuchEntity(
            "The user with name x cannot be found.".into(),
        ));
        assert_eq!((error.status, error.code), (404, "NoSuchEntity"));
        let body = String::from_utf8(error.body(QueryService::Iam, "r")).unwrap();
        assert!(body.contains("<Code>NoSuchEntity</Code>"));
        assert!(body.contains("<Type>Sender</Type>"));
        let denied = render(&IamError::Kms(KmsError::UnrecognizedClient));
        assert_eq!((denied.status, denied.code), (403, "InvalidClientTokenId"));
    }
}
