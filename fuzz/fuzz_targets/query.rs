//! The AWS Query protocol of IAM and STS: a form body
//! (`Action=CreateRole&RoleName=...`) through `QueryRequest::parse` and the
//! decoder of every action Trent serves, as `trent-server`'s query dispatch
//! calls them; then the XML Trent answers with.
//!
//! Properties: no panic; an error renders as an `<ErrorResponse>` whose
//! `Message` reads back as the message; a decoded role (its name, path,
//! description and trust policy, as the caller gave them) written as
//! CreateRole's `<Role>` reads back as given, the trust policy after
//! percent-decoding; a decoded policy document written as GetUserPolicy's
//! answer reads back as given.

#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use quick_xml::events::Event;
use trent_core::clock::Timestamp;
use trent_core::error::IamError;
use trent_core::query_action::{QueryAction, QueryService};
use trent_core::view::{IdentityPolicy, Role};
use trent_fuzz::pick;
use trent_protocol::query::op::{access_keys, policies, roles, sts, users, Answer};
use trent_protocol::query::{render_iam, QueryRequest};

const PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "UserName",
    "RoleName",
    "Path",
    "PolicyName",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "Description",
    "AWSServiceName",
    "CustomSuffix",
    "RoleArn",
    "RoleSessionName",
    "DurationSeconds",
    "AccessKeyId",
    "Status",
    "MaxSessionDuration",
];
const VALUES: &[&str] = &[
    "2010-05-08",
    "2011-06-15",
    "alice",
    "Admin",
    "/",
    "/division/team/",
    "Active",
    "Inactive",
    "rds.amazonaws.com",
    "arn:aws:iam::111122223333:role/Admin",
    "900",
    "43200",
    "3600",
    "AKIAIOSFODNN7EXAMPLE",
    "session-1",
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}"#,
];

#[derive(Arbitrary, Debug)]
enum Value {
    Known(u8),
    Raw(String),
    Suffixed(u8, String),
}

#[derive(Arbitrary, Debug)]
enum Body {
    /// Any bytes.
    Raw(Vec<u8>),
    /// An action of the table, by index, and parameters, form-encoded.
    Form {
        action: u8,
        parameters: Vec<(Result<u8, String>, Value)>,
    },
}

fuzz_target!(|data: &[u8]| {
    let body = match trent_fuzz::plain(data) {
        // A form body as an SDK sends it.
        Some(plain) => Body::Raw(plain.to_vec()),
        None => match Body::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
            Ok(body) => body,
            Err(_) => return,
        },
    };
    let bytes = match &body {
        Body::Raw(bytes) => bytes.clone(),
        Body::Form { action, parameters } => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair(
                "Action",
                QueryAction::ALL[usize::from(*action) % QueryAction::ALL.len()].name(),
            );
            for (name, value) in parameters {
                let name = match name {
                    Ok(index) => pick(PARAMETERS, *index).to_owned(),
                    Err(raw) => raw.clone(),
                };
                let value = match value {
                    Value::Known(index) => pick(VALUES, *index).to_owned(),
                    Value::Raw(raw) => raw.clone(),
                    Value::Suffixed(index, tail) => format!("{}{tail}", pick(VALUES, *index)),
                };
                form.append_pair(&name, &value);
            }
            form.finish().into_bytes()
        }
    };
    let request = match QueryRequest::parse(&bytes) {
        Ok(request) => request,
        Err(error) => return check_error(QueryService::Iam, &error),
    };
    let service = QueryService::of_action(&request.action);
    if let Err(error) = decode(&request) {
        check_error(service, &error);
    }
});

/// Decodes and, where the answer echoes what the caller sent, writes it and
/// reads it back.
fn decode(request: &QueryRequest) -> Result<(), IamError> {
    let Some(action) = QueryAction::from_name(&request.action) else {
        return Err(IamError::InvalidAction(request.action.clone()));
    };
    let answer = Answer::new(action, "req-1");
    // No catch-all arm: an action added to the table does not compile here
    // until it is fuzzed too.
    match action {
        QueryAction::GetCallerIdentity | QueryAction::ListUsers | QueryAction::ListRoles => {}
        QueryAction::AssumeRole => ignore(sts::assume_role(request)?),
        QueryAction::CreateUser => ignore(users::create_user(request)?),
        QueryAction::GetUser | QueryAction::CreateAccessKey | QueryAction::ListAccessKeys => {
            ignore(users::optional_user_name(request)?)
        }
        QueryAction::ListGroupsForUser | QueryAction::DeleteUser => {
            ignore(users::user_name(request)?)
        }
        QueryAction::UpdateAccessKey => ignore(access_keys::update_access_key(request)?),
        QueryAction::DeleteAccessKey => ignore(access_keys::delete_access_key(request)?),
        QueryAction::CreateRole => {
            let input = roles::create_role(request)?;
            let role = Role {
                path: input.path.unwrap_or("/").to_owned(),
                name: input.name.to_owned(),
                id: "AROAEXAMPLE".to_owned(),
                arn: format!("arn:aws:iam::111122223333:role/{}", input.name),
                created_at: Timestamp::from_millis(0),
                assume_role_policy_document: Some(input.trust_policy.to_owned()),
                description: input.description.unwrap_or_default().to_owned(),
                max_session_duration: 3600,
            };
            let leaves = read_back(&roles::role(&answer, &role));
            assert_eq!(leaves.get("RoleName"), Some(&role.name));
            assert_eq!(leaves.get("Path"), Some(&role.path));
            if !role.description.is_empty() {
                assert_eq!(leaves.get("Description"), Some(&role.description));
            }
            let trust = leaves
                .get("AssumeRolePolicyDocument")
                .map(|encoded| percent_decode(encoded));
            assert_eq!(trust.as_ref(), role.assume_role_policy_document.as_ref());
        }
        QueryAction::CreateServiceLinkedRole => ignore(roles::create_service_linked_role(request)?),
        QueryAction::GetRole | QueryAction::DeleteRole => ignore(roles::role_name(request)?),
        QueryAction::UpdateAssumeRolePolicy => ignore(roles::update_assume_role_policy(request)?),
        QueryAction::PutUserPolicy | QueryAction::PutRolePolicy => {
            let (policy, document) = policies::put(action, request)?;
            let stored = IdentityPolicy {
                principal_name: policy.principal.to_owned(),
                policy_name: policy.policy_name.to_owned(),
                policy_document: document.to_owned(),
            };
            let get = match action {
                QueryAction::PutUserPolicy => QueryAction::GetUserPolicy,
                _ => QueryAction::GetRolePolicy,
            };
            let leaves = read_back(&policies::policy(&Answer::new(get, "req-1"), &stored));
            assert_eq!(leaves.get("PolicyName"), Some(&stored.policy_name));
            assert_eq!(
                leaves
                    .get("PolicyDocument")
                    .map(|encoded| percent_decode(encoded)),
                Some(stored.policy_document)
            );
        }
        QueryAction::GetUserPolicy
        | QueryAction::GetRolePolicy
        | QueryAction::DeleteUserPolicy
        | QueryAction::DeleteRolePolicy => {
            let _ = match action {
                QueryAction::GetUserPolicy | QueryAction::GetRolePolicy => {
                    policies::get(action, request)?
                }
                _ => policies::delete(action, request)?,
            };
        }
        QueryAction::ListUserPolicies | QueryAction::ListRolePolicies => {
            ignore(policies::list(action, request)?)
        }
    }
    Ok(())
}

/// An error's `<ErrorResponse>` must parse, and its `Message` read back.
fn check_error(service: QueryService, error: &IamError) {
    let rendered = render_iam(error);
    let body = rendered.body(service, "req-1");
    let leaves = read_back(&body);
    // Characters XML 1.0 cannot carry are written as U+FFFD; the rest reads back.
    let expected: String = rendered
        .message
        .chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..) {
                c
            } else {
                '\u{FFFD}'
            }
        })
        .collect();
    assert_eq!(
        leaves.get("Message"),
        Some(&expected),
        "message did not read back"
    );
    assert_eq!(leaves.get("Code").map(String::as_str), Some(rendered.code));
}

/// The text of every leaf element of an XML document, by element name
/// (the first one of a name wins). Panics if the document is not
/// well-formed: Trent wrote it.
fn read_back(xml: &[u8]) -> HashMap<String, String> {
    let text = std::str::from_utf8(xml).unwrap_or_else(|error| panic!("not UTF-8: {error}"));
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut leaves = HashMap::new();
    let mut open: Vec<String> = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) => {
                open.push(String::from_utf8_lossy(start.name().as_ref()).into_owned());
                current.clear();
            }
            Ok(Event::Text(content)) => {
                let unescaped = content
                    .decode()
                    .ok()
                    .and_then(|decoded| {
                        quick_xml::escape::unescape(&decoded)
                            .ok()
                            .map(|u| u.into_owned())
                    })
                    .unwrap_or_else(|| panic!("undecodable text in {text}"));
                current.push_str(&unescaped);
            }
            Ok(Event::GeneralRef(reference)) => {
                let name = String::from_utf8_lossy(&reference).into_owned();
                let escaped = format!("&{name};");
                let resolved = quick_xml::escape::unescape(&escaped)
                    .unwrap_or_else(|error| panic!("bad reference {escaped} ({error}) in {text}"));
                current.push_str(&resolved);
            }
            Ok(Event::End(_)) => {
                if let Some(name) = open.pop() {
                    leaves
                        .entry(name)
                        .or_insert_with(|| std::mem::take(&mut current));
                    current.clear();
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(error) => panic!("Trent wrote XML that does not parse ({error}): {text}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements in {text}");
    // XML 1.0 cannot carry most control characters, not even as references.
    // (Finding `xml-control-characters`: an echoed Action holds them.)
    for c in text
        .chars()
        .filter(|_| !trent_fuzz::known("xml-control-characters"))
    {
        assert!(
            matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..),
            "Trent wrote a character XML 1.0 forbids ({c:?}): {text:?}"
        );
    }
    leaves
}

/// RFC 3986 percent-decoding, as an SDK reads IAM's policy documents.
fn percent_decode(text: &str) -> String {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn ignore<T>(_: T) {}
