//! One audit event per request, shaped like a CloudTrail event.
//!
//! Request and response members are copied except those that carry
//! secrets or opaque cryptographic material (plaintexts, ciphertexts, data
//! keys, grant tokens, secret keys, session tokens): those never reach the
//! log. Encryption contexts are kept, as AWS records them.

use serde_json::{Map, Value};
use trent_service::{Caller, Identity};

/// Members never recorded, in requests or responses.
const SECRET_MEMBERS: &[&str] = &[
    "Plaintext",
    "CiphertextBlob",
    "CiphertextForRecipient",
    "GrantToken",
    "GrantTokens",
    "Recipient",
    "SecretAccessKey",
    "SessionToken",
    "KeyMaterial",
    "ImportToken",
    // STS and IAM inputs that are credentials.
    "TokenCode",
    "Password",
    "NewPassword",
    "OldPassword",
];

/// What the server knows of a finished request.
#[derive(Debug)]
pub(crate) struct Facts<'a> {
    /// `kms.amazonaws.com`, `iam.amazonaws.com` or `sts.amazonaws.com`.
    pub(crate) source: &'static str,
    /// The operation or action.
    pub(crate) name: &'a str,
    /// Milliseconds since the epoch, on the server's clock.
    pub(crate) time_millis: i64,
    /// The caller, when authentication succeeded.
    pub(crate) caller: Option<&'a Caller>,
    /// The peer address.
    pub(crate) source_ip: Option<std::net::IpAddr>,
    /// The `User-Agent` header.
    pub(crate) user_agent: Option<&'a str>,
    /// The request members (JSON for KMS, form parameters for IAM/STS).
    pub(crate) request: Option<Map<String, Value>>,
    /// The response members (KMS only).
    pub(crate) response: Option<Map<String, Value>>,
    /// Whether to record them (not for cryptographic operations, as
    /// CloudTrail); they still name the key for `resources`.
    pub(crate) record_response: bool,
    /// The request id.
    pub(crate) request_id: &'a str,
    /// A unique id for the event.
    pub(crate) event_id: &'a str,
    /// Whether the operation only reads.
    pub(crate) read_only: bool,
    /// The error code and message, when the request failed.
    pub(crate) error: Option<(&'a str, String)>,
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Top-level members with secrets removed and names in CloudTrail's camelCase.
fn sanitized(members: Map<String, Value>) -> Map<String, Value> {
    members
        .into_iter()
        .filter(|(name, _)| !SECRET_MEMBERS.contains(&name.as_str()))
        .map(|(name, value)| (lower_first(&name), value))
        .collect()
}

fn user_identity(caller: Option<&Caller>) -> Value {
    let Some(caller) = caller else {
        return serde_json::json!({ "type": "Unknown" });
    };
    let mut identity = Map::new();
    let kind = match caller.identity() {
        Identity::Root => "Root",
        Identity::User { .. } => "IAMUser",
        Identity::AssumedRole { .. } => "AssumedRole",
    };
    identity.insert("type".into(), kind.into());
    identity.insert("principalId".into(), caller.user_id().into());
    identity.insert("arn".into(), caller.principal_arn().into());
    identity.insert("accountId".into(), caller.account().as_str().into());
    if !caller.access_key_id().is_empty() {
        identity.insert("accessKeyId".into(), caller.access_key_id().into());
    }
    match caller.identity() {
        Identity::User { name, .. } => {
            identity.insert("userName".into(), name.clone().into());
        }
        Identity::AssumedRole {
            role_arn,
            role_name,
            role_id,
            ..
        } => {
            identity.insert(
                "sessionContext".into(),
                serde_json::json!({
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": role_arn,
                        "accountId": caller.account().as_str(),
                        "userName": role_name,
                    }
                }),
            );
        }
        Identity::Root => {}
    }
    Value::Object(identity)
}

/// The key ARN a request acted on, if it names one.
fn key_arn(
    request: Option<&Map<String, Value>>,
    response: Option<&Map<String, Value>>,
) -> Option<String> {
    let is_key_arn = |text: &str| text.starts_with("arn:") && text.contains(":key/");
    response
        .and_then(|r| {
            r.get("KeyMetadata")
                .and_then(|m| m.get("Arn"))
                .or_else(|| r.get("KeyId"))
                .and_then(Value::as_str)
                .filter(|t| is_key_arn(t))
        })
        .or_else(|| {
            request
                .and_then(|r| r.get("KeyId"))
                .and_then(Value::as_str)
                .filter(|t| is_key_arn(t))
        })
        .map(str::to_owned)
}

/// Builds the event.
pub(crate) fn build(facts: Facts<'_>) -> Map<String, Value> {
    let resource = key_arn(facts.request.as_ref(), facts.response.as_ref());
    let mut event = Map::new();
    event.insert("eventVersion".into(), "1.08".into());
    event.insert(
        "eventTime".into(),
        trent_protocol::query::iso8601(facts.time_millis).into(),
    );
    event.insert("eventSource".into(), facts.source.into());
    event.insert("eventName".into(), facts.name.into());
    event.insert(
        "awsRegion".into(),
        facts
            .caller
            .map_or("us-east-1", |caller| caller.region().as_str())
            .into(),
    );
    event.insert(
        "sourceIPAddress".into(),
        facts.source_ip.map(|ip| ip.to_string()).into(),
    );
    event.insert("userAgent".into(), facts.user_agent.into());
    event.insert("userIdentity".into(), user_identity(facts.caller));
    event.insert(
        "requestParameters".into(),
        facts
            .request
            .map(sanitized)
            .map(Value::Object)
            .unwrap_or(Value::Null),
    );
    event.insert(
        "responseElements".into(),
        facts
            .response
            .filter(|_| facts.record_response)
            .map(sanitized)
            .map(Value::Object)
            .unwrap_or(Value::Null),
    );
    event.insert("requestID".into(), facts.request_id.into());
    event.insert("eventID".into(), facts.event_id.into());
    event.insert("readOnly".into(), facts.read_only.into());
    event.insert(
        "resources".into(),
        match &resource {
            Some(arn) => serde_json::json!([{
                "ARN": arn,
                "accountId": arn.split(':').nth(4).unwrap_or_default(),
                "type": "AWS::KMS::Key",
            }]),
            None => Value::Array(Vec::new()),
        },
    );
    event.insert("eventType".into(), "AwsApiCall".into());
    if let Some((code, message)) = facts.error {
        event.insert("errorCode".into(), code.into());
        event.insert("errorMessage".into(), message.into());
    }
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_event() {
        let request: Map<String, Value> = serde_json::from_str(
            r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"c2VjcmV0","EncryptionContext":{"Purpose":"x"},"GrantTokens":["t"]}"#,
        )
        .unwrap();
        let response: Map<String, Value> = serde_json::from_str(
            r#"{"CiphertextBlob":"AAAA","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k"}"#,
        )
        .unwrap();
        let event = build(Facts {
            source: "kms.amazonaws.com",
            name: "Encrypt",
            time_millis: 0,
            caller: None,
            source_ip: None,
            user_agent: Some("test"),
            request: Some(request),
            response: Some(response),
            record_response: true,
            request_id: "r",
            event_id: "e",
            read_only: true,
            error: None,
        });
        let text = Value::Object(event.clone()).to_string();
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("AAAA") && !text.contains("\"t\""),
            "{text}"
        );
        assert_eq!(
            event["requestParameters"]["encryptionContext"]["Purpose"],
            "x"
        );
        assert_eq!(event["resources"][0]["accountId"], "111122223333");
        assert_eq!(event["userIdentity"]["type"], "Unknown");
    }
}
