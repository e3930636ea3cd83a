//! One audit event per request, shaped like a CloudTrail event.
//!
//! Request and response members are copied except those that carry
//! secrets or opaque cryptographic material (plaintexts, ciphertexts, data
//! keys, grant tokens, secret keys, session tokens): those never reach the
//! log. Encryption contexts are kept, as AWS records them.
//!
//! The event is written straight to JSON from the request's own bytes: the
//! members of a JSON request are copied as they came (only their names are
//! read), so recording a request costs one pass over it and one buffer.
//! The line is written by hand ([`Line`]), not through serde's serializer,
//! which cost about as much as the rest of recording a request; strings are
//! escaped exactly as `serde_json` escapes them (the tests hold it to that).

use std::borrow::Cow;

use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use trent_service::{Caller, Identity};

/// The members of a request as they arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Members<'a> {
    /// Not read (the request failed before its body was).
    None,
    /// A JSON object (KMS).
    Json(&'a [u8]),
    /// Form parameters (IAM and STS).
    Form(&'a [(String, String)]),
}

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
    /// The request members.
    pub(crate) request: Members<'a>,
    /// The JSON response (KMS only).
    pub(crate) response: Option<&'a [u8]>,
    /// Whether to record the response's members (not for cryptographic
    /// operations, as CloudTrail); it still names the key for `resources`.
    pub(crate) record_response: bool,
    /// The request id.
    pub(crate) request_id: &'a str,
    /// A unique id for the event.
    pub(crate) event_id: &'a str,
    /// Whether the operation only reads.
    pub(crate) read_only: bool,
    /// The error code and message, when the request failed.
    pub(crate) error: Option<(&'a str, &'a str)>,
}

/// A member name or string value, borrowed from the request when it has no
/// escapes (serde's own `Cow<str>` always copies).
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// A JSON object's members in the order they came, each kept as the text
/// it arrived as; a repeated name keeps its last value.
struct RawObject<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // A request has a handful of members, found by a scan; past
                // that (only a hostile request has hundreds), by an index, so
                // that recording it stays linear in its size.
                const SCANNED: usize = 16;
                let mut members: Vec<(Cow<'de, str>, &'de RawValue)> = Vec::with_capacity(8);
                let mut index: std::collections::HashMap<Cow<'de, str>, usize> =
                    std::collections::HashMap::new();
                while let Some((Text(name), value)) = map.next_entry::<Text<'de>, &RawValue>()? {
                    let seen = if members.len() <= SCANNED {
                        members.iter().position(|(seen, _)| *seen == name)
                    } else {
                        if index.is_empty() {
                            index.extend(
                                members
                                    .iter()
                                    .enumerate()
                                    .map(|(at, (n, _))| (n.clone(), at)),
                            );
                        }
                        index.get(&name).copied()
                    };
                    match seen.and_then(|at| members.get_mut(at)) {
                        Some(member) => member.1 = value,
                        None => {
                            if !index.is_empty() {
                                index.insert(name.clone(), members.len());
                            }
                            members.push((name, value));
                        }
                    }
                }
                Ok(RawObject(members))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

impl<'a> RawObject<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0
            .iter()
            .find(|(member, _)| member == name)
            .map(|(_, value)| *value)
    }
}

fn recorded(name: &str) -> bool {
    !trent_core::operation::is_secret_member(name)
}

/// Members with secrets removed and names in CloudTrail's camelCase.
enum Parameters<'a> {
    Json(&'a RawObject<'a>),
    Form(&'a [(String, String)]),
}

/// Appends `text` to `out` as the inside of a JSON string, escaped as
/// `serde_json` escapes it: `"` and `\`, and control characters (short
/// forms where JSON has them, `\u00XX` otherwise); nothing else.
fn escape_into(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    let mut copied = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let short: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..at]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        copied = at + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

/// A [`std::fmt::Write`] that escapes what is written into a JSON string.
struct Escaping<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        escape_into(self.0, text);
        Ok(())
    }
}

/// The event line being written, one object inside another.
struct Line {
    bytes: Vec<u8>,
    /// No member written yet in the innermost open object.
    first: bool,
}

impl Line {
    fn open(&mut self) {
        self.bytes.push(b'{');
        self.first = true;
    }

    fn close(&mut self) {
        self.bytes.push(b'}');
        self.first = false;
    }

    fn raw(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// The comma before a member, unless it is its object's first.
    fn next_member(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.bytes.push(b',');
        }
    }

    /// A member's name (one of ours: plain ASCII, nothing to escape).
    fn name(&mut self, name: &str) {
        self.next_member();
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(b"\":");
    }

    /// A request's or response's member name, in CloudTrail's camelCase:
    /// `KeyId` is written `keyId`.
    fn lower_first(&mut self, name: &str) {
        self.next_member();
        self.bytes.push(b'"');
        let mut chars = name.chars();
        if let Some(first) = chars.next() {
            let mut utf8 = [0; 4];
            escape_into(
                &mut self.bytes,
                first.to_ascii_lowercase().encode_utf8(&mut utf8),
            );
            escape_into(&mut self.bytes, chars.as_str());
        }
        self.bytes.extend_from_slice(b"\":");
    }

    fn string(&mut self, text: &str) {
        self.bytes.push(b'"');
        escape_into(&mut self.bytes, text);
        self.bytes.push(b'"');
    }

    /// A value written as a JSON string through its `Display`.
    fn shown(&mut self, value: impl std::fmt::Display) {
        use std::fmt::Write as _;
        self.bytes.push(b'"');
        // Writing to memory cannot fail.
        let _ = write!(Escaping(&mut self.bytes), "{value}");
        self.bytes.push(b'"');
    }

    fn field(&mut self, name: &str, text: &str) {
        self.name(name);
        self.string(text);
    }

    fn optional(&mut self, name: &str, text: Option<&str>) {
        self.name(name);
        match text {
            Some(text) => self.string(text),
            None => self.raw("null"),
        }
    }

    /// One recorded JSON member value: copied as it arrived, or, when it
    /// came spread over several lines (which a JSON-lines log cannot hold),
    /// re-encoded compactly.
    fn member(&mut self, value: &RawValue) -> Result<(), serde_json::Error> {
        // Whitespace is the only place a raw line break can be in valid JSON.
        if value.get().contains(['\n', '\r']) {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(value.get()) {
                return serde_json::to_writer(&mut self.bytes, &value);
            }
        }
        self.raw(value.get());
        Ok(())
    }

    fn parameters(&mut self, parameters: Option<Parameters<'_>>) -> Result<(), serde_json::Error> {
        let Some(parameters) = parameters else {
            self.raw("null");
            return Ok(());
        };
        self.open();
        match parameters {
            Parameters::Json(members) => {
                for (name, value) in members.0.iter().filter(|(name, _)| recorded(name)) {
                    self.lower_first(name);
                    self.member(value)?;
                }
            }
            Parameters::Form(pairs) => {
                for (name, value) in pairs.iter().filter(|(name, _)| recorded(name)) {
                    self.lower_first(name);
                    self.string(value);
                }
            }
        }
        self.close();
        Ok(())
    }

    fn user_identity(&mut self, caller: Option<&Caller>) {
        self.open();
        let Some(caller) = caller else {
            self.field("type", "Unknown");
            self.close();
            return;
        };
        let account = caller.account().as_str();
        let (kind, user_name, issuer) = match caller.identity() {
            Identity::Root => ("Root", None, None),
            Identity::User { name, .. } => ("IAMUser", Some(name.as_str()), None),
            Identity::AssumedRole {
                role_arn,
                role_name,
                role_id,
                ..
            } => ("AssumedRole", None, Some((role_id, role_arn, role_name))),
        };
        self.field("type", kind);
        self.name("principalId");
        self.shown(caller.user_id());
        self.field("arn", caller.principal_arn());
        self.field("accountId", account);
        if !caller.access_key_id().is_empty() {
            self.field("accessKeyId", caller.access_key_id());
        }
        if let Some(user_name) = user_name {
            self.field("userName", user_name);
        }
        if let Some((role_id, role_arn, role_name)) = issuer {
            self.name("sessionContext");
            self.open();
            self.name("sessionIssuer");
            self.open();
            self.field("type", "Role");
            self.field("principalId", role_id);
            self.field("arn", role_arn);
            self.field("accountId", account);
            self.field("userName", role_name);
            self.close();
            self.close();
        }
        self.close();
    }
}

fn is_key_arn(text: &str) -> bool {
    text.starts_with("arn:") && text.contains(":key/")
}

/// The primary key of ReplicateKey's answer
/// (`ReplicaKeyMetadata.MultiRegionConfiguration.PrimaryKey.Arn`).
fn replicated_primary<'a>(members: &RawObject<'a>) -> Option<Cow<'a, str>> {
    #[derive(Deserialize)]
    struct Metadata<'b> {
        #[serde(rename = "MultiRegionConfiguration", borrow)]
        configuration: Configuration<'b>,
    }
    #[derive(Deserialize)]
    struct Configuration<'b> {
        #[serde(rename = "PrimaryKey", borrow)]
        primary: Key<'b>,
    }
    #[derive(Deserialize)]
    struct Key<'b> {
        #[serde(rename = "Arn", borrow)]
        arn: Text<'b>,
    }
    let raw = members.get("ReplicaKeyMetadata")?;
    let metadata = serde_json::from_str::<Metadata<'a>>(raw.get()).ok()?;
    Some(metadata.configuration.primary.arn.0)
}

/// The key ARN in a `KeyId` member or a `KeyMetadata.Arn` (ReplicateKey's
/// `ReplicaKeyMetadata.Arn`), if there is one.
fn key_arn<'a>(members: &RawObject<'a>) -> Option<Cow<'a, str>> {
    #[derive(Deserialize)]
    struct Metadata<'b> {
        #[serde(rename = "Arn", borrow)]
        arn: Option<Text<'b>>,
    }
    let from_metadata = members
        .get("KeyMetadata")
        .or_else(|| members.get("ReplicaKeyMetadata"))
        .and_then(|raw| serde_json::from_str::<Metadata<'a>>(raw.get()).ok())
        .and_then(|metadata| metadata.arn);
    from_metadata
        .or_else(|| string_member(members, "KeyId"))
        .map(|Text(text)| text)
        .filter(|text| is_key_arn(text))
}

fn string_member<'a>(members: &RawObject<'a>, name: &str) -> Option<Text<'a>> {
    members
        .get(name)
        .and_then(|raw| serde_json::from_str::<Text<'a>>(raw.get()).ok())
}

/// The keys a failed Decrypt or ReEncrypt was about: the key its
/// `CiphertextBlob` names first (so that a failure to decrypt is on record
/// against the key that made the ciphertext), then the key the caller named
/// (`KeyId`, ReEncrypt's `SourceKeyId`) when it is another key's ARN.
///
/// The blob's own bytes are only read, never recorded. It names only a key
/// id: the key is in the caller's account and region, where the service
/// looks for it, so without an authenticated caller there is no ARN to name.
/// An RSA ciphertext (an asymmetric algorithm named) has no header to read.
fn ciphertext_keys<'a>(facts: &Facts<'_>, members: &RawObject<'a>) -> Vec<Cow<'a, str>> {
    let (named, algorithm) = match (facts.source, facts.name) {
        ("kms.amazonaws.com", "Decrypt") => ("KeyId", "EncryptionAlgorithm"),
        ("kms.amazonaws.com", "ReEncrypt") => ("SourceKeyId", "SourceEncryptionAlgorithm"),
        _ => return key_arn(members).into_iter().collect(),
    };
    let symmetric = string_member(members, algorithm)
        .is_none_or(|Text(algorithm)| algorithm == "SYMMETRIC_DEFAULT");
    let from_blob = facts.caller.filter(|_| symmetric).and_then(|caller| {
        let Text(blob) = string_member(members, "CiphertextBlob")?;
        let blob = base64::engine::general_purpose::STANDARD
            .decode(blob.as_bytes())
            .ok()?;
        let header = trent_crypto::ciphertext::CiphertextHeader::peek(&blob).ok()?;
        Some(caller.scope().key_arn(&header.key_id))
    });
    let named = string_member(members, named)
        .map(|Text(text)| text)
        .filter(|text| is_key_arn(text));
    let mut keys: Vec<Cow<'a, str>> = from_blob.map(Cow::Owned).into_iter().collect();
    if let Some(named) = named {
        // Key ids are read case-insensitively: the same key in capitals is
        // still the same key.
        if !keys.iter().any(|key| key.eq_ignore_ascii_case(&named)) {
            keys.push(named);
        }
    }
    keys
}

/// The event as one line of JSON (no line break).
pub(crate) fn serialize(facts: &Facts<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let request = match facts.request {
        Members::Json(bytes) => RawObject::parse(bytes),
        _ => None,
    };
    let response = facts.response.and_then(RawObject::parse);
    // A response that names a key names the one that acted; otherwise the
    // request says which keys it was about.
    let keys: Vec<Cow<'_, str>> = match response.as_ref().and_then(key_arn) {
        Some(arn) => {
            // ReplicateKey acts on two keys: the replica and its primary.
            let primary = response.as_ref().and_then(replicated_primary);
            std::iter::once(arn).chain(primary).collect()
        }
        None => request
            .as_ref()
            .map(|members| ciphertext_keys(facts, members))
            .unwrap_or_default(),
    };
    let request_parameters = match facts.request {
        Members::Json(_) => request.as_ref().map(Parameters::Json),
        Members::Form(pairs) => Some(Parameters::Form(pairs)),
        Members::None => None,
    };
    let response_elements = response
        .as_ref()
        .filter(|_| facts.record_response)
        .map(Parameters::Json);
    // CloudTrail's order of fields.
    let mut line = Line {
        bytes: Vec::with_capacity(1024),
        first: true,
    };
    line.open();
    line.field("eventVersion", "1.08");
    line.name("userIdentity");
    line.user_identity(facts.caller);
    line.name("eventTime");
    line.shown(trent_protocol::query::Iso8601(facts.time_millis));
    line.field("eventSource", facts.source);
    line.field("eventName", facts.name);
    line.field(
        "awsRegion",
        facts
            .caller
            .map_or("us-east-1", |caller| caller.region().as_str()),
    );
    line.name("sourceIPAddress");
    match facts.source_ip {
        Some(ip) => line.shown(ip),
        None => line.raw("null"),
    }
    line.optional("userAgent", facts.user_agent);
    if let Some((code, message)) = facts.error {
        line.field("errorCode", code);
        line.field("errorMessage", message);
    }
    line.name("requestParameters");
    line.parameters(request_parameters)?;
    line.name("responseElements");
    line.parameters(response_elements)?;
    line.field("requestID", facts.request_id);
    line.field("eventID", facts.event_id);
    line.name("readOnly");
    line.raw(if facts.read_only { "true" } else { "false" });
    line.name("resources");
    line.raw("[");
    for (at, arn) in keys.iter().enumerate() {
        if at > 0 {
            line.raw(",");
        }
        line.open();
        line.field("ARN", arn);
        line.field("accountId", arn.split(':').nth(4).unwrap_or_default());
        line.field("type", "AWS::KMS::Key");
        line.close();
    }
    line.raw("]");
    line.field("eventType", "AwsApiCall");
    line.close();
    Ok(line.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(request: Members<'a>, response: Option<&'a [u8]>) -> Facts<'a> {
        Facts {
            source: "kms.amazonaws.com",
            name: "Encrypt",
            time_millis: 0,
            caller: None,
            source_ip: None,
            user_agent: Some("test"),
            request,
            response,
            record_response: true,
            request_id: "r",
            event_id: "e",
            read_only: true,
            error: None,
        }
    }

    fn parsed(facts: &Facts<'_>) -> (String, serde_json::Value) {
        let line = serialize(facts).unwrap();
        let text = String::from_utf8(line).unwrap();
        let value = serde_json::from_str(&text).unwrap();
        (text, value)
    }

    fn escaped(text: &str) -> String {
        let mut line = Line {
            bytes: Vec::new(),
            first: true,
        };
        line.string(text);
        String::from_utf8(line.bytes).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0..0x80u8).map(char::from).collect();
        for text in [
            "",
            "plain",
            "quote\" back\\slash /",
            "\u{0}\u{8}\u{c}\u{1f}\u{7f}",
            &every_ascii,
            "caf\u{e9} \u{2028}\u{2029}\u{feff} \u{1f600}",
        ] {
            assert_eq!(escaped(text), serde_json::to_string(text).unwrap());
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_escaped_as_serde_json_escapes_it(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(escaped(&text), serde_json::to_string(&text).unwrap());
        }
    }

    /// Whole lines, byte for byte as serde_json's derived serializer wrote
    /// them before the line was written by hand (the format is a promise).
    #[test]
    fn lines_are_byte_for_byte_what_serde_wrote() {
        let caller = trent_service::Caller::account_root(
            trent_core::id::AccountId::parse("111122223333").unwrap(),
            trent_core::id::Region::parse("eu-west-1").unwrap(),
        )
        .signed_with("AKIAEXAMPLE000000001");
        let request = "{\"KeyId\":\"alias/a\\\"b\",\"EncryptionContext\":{\"t\\u00e9\":\"x\\ny\"},\"Plaintext\":\"c2VjcmV0\",\"Spread\":{\n \"a\": [1, 2]\n},\"\\u004cimit\":5,\"caf\u{e9}\":\"\u{1f600}\"}";
        let response =
            br#"{"KeyId":"arn:aws:kms:eu-west-1:111122223333:key/k","CiphertextBlob":"AAAA"}"#;
        let mut signed = facts(Members::Json(request.as_bytes()), Some(response));
        signed.caller = Some(&caller);
        signed.source_ip = Some("192.0.2.7".parse().unwrap());
        signed.user_agent = Some("agent \"quoted\" \u{1}");
        signed.time_millis = 1_795_873_060_123;
        signed.error = Some(("ValidationException", "bad \"KeyId\"\n"));
        let form = [
            ("Action".to_owned(), "CreateUser".to_owned()),
            ("UserName".to_owned(), "al\"ice\t".to_owned()),
            ("Password".to_owned(), "hunter2".to_owned()),
            ("\u{e9}Tag".to_owned(), "v".to_owned()),
        ];
        let mut form_facts = facts(Members::Form(&form), None);
        form_facts.source = "iam.amazonaws.com";
        form_facts.name = "CreateUser";
        form_facts.read_only = false;
        let unsigned = facts(Members::None, None);
        for (facts, golden) in [
            (&signed, GOLDEN_SIGNED),
            (&form_facts, GOLDEN_FORM),
            (&unsigned, GOLDEN_UNSIGNED),
        ] {
            let line = String::from_utf8(serialize(facts).unwrap()).unwrap();
            assert_eq!(line, golden);
        }
    }

    const GOLDEN_SIGNED: &str =
        "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Root\",\"principalId\":\"111122223333\",\"arn\":\"arn:aws:iam::111122223333:root\",\"accountId\":\"111122223333\",\"accessKeyId\":\"AKIAEXAMPLE000000001\"},\"eventTime\":\"2026-11-28T13:37:40Z\",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"Encrypt\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"192.0.2.7\",\"userAgent\":\"agent \\\"quoted\\\" \\u0001\",\"errorCode\":\"ValidationException\",\"errorMessage\":\"bad \\\"KeyId\\\"\\n\",\"requestParameters\":{\"keyId\":\"alias/a\\\"b\",\"encryptionContext\":{\"t\\u00e9\":\"x\\ny\"},\"spread\":{\"a\":[1,2]},\"limit\":5,\"café\":\"😀\"},\"responseElements\":{\"keyId\":\"arn:aws:kms:eu-west-1:111122223333:key/k\"},\"requestID\":\"r\",\"eventID\":\"e\",\"readOnly\":true,\"resources\":[{\"ARN\":\"arn:aws:kms:eu-west-1:111122223333:key/k\",\"accountId\":\"111122223333\",\"type\":\"AWS::KMS::Key\"}],\"eventType\":\"AwsApiCall\"}";
    const GOLDEN_FORM: &str =
        "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Unknown\"},\"eventTime\":\"1970-01-01T00:00:00Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateUser\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":null,\"userAgent\":\"test\",\"requestParameters\":{\"action\":\"CreateUser\",\"userName\":\"al\\\"ice\\t\",\"éTag\":\"v\"},\"responseElements\":null,\"requestID\":\"r\",\"eventID\":\"e\",\"readOnly\":false,\"resources\":[],\"eventType\":\"AwsApiCall\"}";
    const GOLDEN_UNSIGNED: &str =
        "{\"eventVersion\":\"1.08\",\"userIdentity\":{\"type\":\"Unknown\"},\"eventTime\":\"1970-01-01T00:00:00Z\",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"Encrypt\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":null,\"userAgent\":\"test\",\"requestParameters\":null,\"responseElements\":null,\"requestID\":\"r\",\"eventID\":\"e\",\"readOnly\":true,\"resources\":[],\"eventType\":\"AwsApiCall\"}";

    #[test]
    fn secrets_never_reach_the_event() {
        let request = br#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","Plaintext":"c2VjcmV0","EncryptionContext":{"Purpose":"x"},"GrantTokens":["t"]}"#;
        let response =
            br#"{"CiphertextBlob":"AAAA","KeyId":"arn:aws:kms:us-east-1:111122223333:key/k"}"#;
        let (text, event) = parsed(&facts(Members::Json(request), Some(response)));
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("AAAA") && !text.contains("\"t\""),
            "{text}"
        );
        assert_eq!(
            event["requestParameters"]["encryptionContext"]["Purpose"],
            "x"
        );
        assert_eq!(
            event["responseElements"]["keyId"],
            "arn:aws:kms:us-east-1:111122223333:key/k"
        );
        assert_eq!(event["resources"][0]["accountId"], "111122223333");
        assert_eq!(event["userIdentity"]["type"], "Unknown");
        assert!(event.get("errorCode").is_none());
    }

    #[test]
    fn messages_signatures_macs_and_private_keys_are_never_recorded() {
        // Whatever the operation: the filter knows these members by name.
        let request = br#"{"KeyId":"k","Message":"bWVzc2FnZQ==","Signature":"c2lnbmF0dXJl","Mac":"bWFj","EncryptedKeyMaterial":"d3JhcHBlZA==","KeyStorePassword":"hunter2","XksProxyAuthenticationCredential":{"AccessKeyId":"a","RawSecretAccessKey":"rawsecret"}}"#;
        let response = br#"{"KeyId":"k","PrivateKeyPlaintext":"cHJpdmF0ZQ==","PrivateKeyCiphertextBlob":"d3JhcHBlZHByaXY=","SharedSecret":"c2hhcmVk","PublicKey":"cHVibGlj"}"#;
        let (text, event) = parsed(&facts(Members::Json(request), Some(response)));
        for secret in [
            "bWVzc2FnZQ==",
            "c2lnbmF0dXJl",
            "bWFj",
            "d3JhcHBlZA==",
            "hunter2",
            "rawsecret",
            "cHJpdmF0ZQ==",
            "d3JhcHBlZHByaXY=",
            "c2hhcmVk",
        ] {
            assert!(!text.contains(secret), "{secret} recorded: {text}");
        }
        assert_eq!(event["requestParameters"]["keyId"], "k");
        // As CloudTrail, not even a data key pair's public key (or a peer's).
        assert!(!text.contains("cHVibGlj"), "{text}");
    }

    #[test]
    fn a_replication_names_the_replica_and_its_primary() {
        let request =
            br#"{"KeyId":"mrk-1234abcd12ab34cd56ef1234567890ab","ReplicaRegion":"eu-west-1"}"#;
        let response = br#"{"ReplicaKeyMetadata":{"Arn":"arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab","MultiRegionConfiguration":{"MultiRegionKeyType":"REPLICA","PrimaryKey":{"Arn":"arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab","Region":"us-east-1"},"ReplicaKeys":[]}},"ReplicaPolicy":"{}"}"#;
        let (_, event) = parsed(&facts(Members::Json(request), Some(response)));
        let arns: Vec<&str> = event["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|resource| resource["ARN"].as_str().unwrap())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
                "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            ]
        );
    }

    #[test]
    fn a_request_spread_over_lines_stays_on_one() {
        let request = b"{\n  \"KeyId\": \"alias/x\",\n  \"EncryptionContext\": {\n    \"a\": \"b\\nc\"\n  }\n}";
        let (text, event) = parsed(&facts(Members::Json(request), None));
        assert!(!text.contains('\n'), "{text}");
        assert_eq!(event["requestParameters"]["keyId"], "alias/x");
        assert_eq!(event["requestParameters"]["encryptionContext"]["a"], "b\nc");
        assert_eq!(event["resources"], serde_json::json!([]));
    }

    #[test]
    fn key_metadata_names_the_resource_and_forms_are_recorded() {
        let response = br#"{"KeyMetadata":{"Arn":"arn:aws:kms:eu-west-1:444455556666:key/abc","KeyId":"abc"}}"#;
        let (_, event) = parsed(&facts(Members::None, Some(response)));
        assert_eq!(
            event["resources"][0]["ARN"],
            "arn:aws:kms:eu-west-1:444455556666:key/abc"
        );
        assert_eq!(event["requestParameters"], serde_json::Value::Null);

        let form = [
            ("Action".to_owned(), "CreateUser".to_owned()),
            ("UserName".to_owned(), "alice".to_owned()),
            ("Password".to_owned(), "hunter2".to_owned()),
        ];
        let mut form_facts = facts(Members::Form(&form), None);
        form_facts.error = Some(("AccessDenied", "no"));
        let (text, event) = parsed(&form_facts);
        assert_eq!(event["requestParameters"]["userName"], "alice");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(event["errorCode"], "AccessDenied");
        assert_eq!(event["errorMessage"], "no");
    }

    #[test]
    fn members_keep_their_order_and_a_repeated_name_its_last_value() {
        // `\u0050laintext` is `Plaintext` spelled with an escape: still a
        // secret, and still never recorded.
        let request = br#"{"KeyId":"alias/first","EncryptionContext":{"a":"b"},"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k","\u0050laintext":"c2VjcmV0","Grant\u0054okens":["t"],"Li\u006dit":5}"#;
        let (text, event) = parsed(&facts(Members::Json(request), None));
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("\"t\""),
            "{text}"
        );
        assert!(
            text.contains(r#""requestParameters":{"keyId":"arn:aws:kms:us-east-1:111122223333:key/k","encryptionContext":{"a":"b"},"limit":5}"#),
            "{text}"
        );
        assert_eq!(
            event["resources"][0]["ARN"],
            "arn:aws:kms:us-east-1:111122223333:key/k"
        );
        assert_eq!(event["eventTime"], "1970-01-01T00:00:00Z");
        assert_eq!(event["sourceIPAddress"], serde_json::Value::Null);

        let mut from_peer = facts(Members::None, None);
        from_peer.source_ip = Some("2001:db8::1".parse().unwrap());
        from_peer.time_millis = 1_795_873_060_123;
        let (_, event) = parsed(&from_peer);
        assert_eq!(event["sourceIPAddress"], "2001:db8::1");
        assert_eq!(event["eventTime"], "2026-11-28T13:37:40Z");
    }

    #[test]
    fn many_members_are_each_recorded_once_with_their_last_value() {
        // Past the scanned few, repeats are found by the index: one repeat of
        // an early member, one of a late one, and ~28k members (a 300 KiB
        // request), which a scan per member would take seconds over.
        let mut request = String::from(r#"{"KeyId":"first","Limit":1"#);
        for n in 0..28_000 {
            request.push_str(&format!(r#","M{n}":{n}"#));
        }
        request.push_str(r#","KeyId":"last","M27999":"again"}"#);
        let (text, event) = parsed(&facts(Members::Json(request.as_bytes()), None));
        let parameters = event["requestParameters"].as_object().unwrap();
        assert_eq!(parameters.len(), 28_002);
        assert_eq!(parameters["keyId"], "last");
        assert_eq!(parameters["m27999"], "again");
        assert_eq!(parameters["m5"], 5);
        assert_eq!(text.matches(r#""keyId":"#).count(), 1);
        assert!(text.contains(r#""requestParameters":{"keyId":"last","limit":1,"m0":0,"#));
    }

    /// A real ciphertext of the key `key_id`, base64 as on the wire.
    fn ciphertext_of(key_id: &str) -> String {
        use base64::Engine as _;
        let header = trent_crypto::ciphertext::CiphertextHeader {
            key_id: trent_core::id::KeyId::parse(key_id).unwrap(),
            material_version: 1,
        };
        let material = trent_crypto::material::KeyMaterial::generate().unwrap();
        let blob = trent_crypto::ciphertext::encrypt(
            &material,
            header,
            &trent_core::context::EncryptionContext::new(),
            b"secret",
        )
        .unwrap();
        base64::engine::general_purpose::STANDARD.encode(blob)
    }

    const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const OTHER: &str = "0000ffff-12ab-34cd-56ef-1234567890ab";

    fn arn(key_id: &str) -> String {
        format!("arn:aws:kms:eu-west-1:111122223333:key/{key_id}")
    }

    /// The `resources` ARNs of a failed `name` request with `body` (and,
    /// when given, the response that named a key), from the root of
    /// 111122223333 calling in eu-west-1 or from nobody.
    fn check(name: &str, body: &str, response: Option<&str>, signed: bool, expected: &[String]) {
        let caller = trent_service::Caller::account_root(
            trent_core::id::AccountId::parse("111122223333").unwrap(),
            trent_core::id::Region::parse("eu-west-1").unwrap(),
        );
        let mut failed = facts(Members::Json(body.as_bytes()), response.map(str::as_bytes));
        failed.name = name;
        failed.caller = signed.then_some(&caller);
        if response.is_none() {
            failed.error = Some(("InvalidCiphertextException", ""));
        }
        let (text, event) = parsed(&failed);
        let resources: Vec<String> = event["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|resource| {
                assert_eq!(resource["type"], "AWS::KMS::Key", "{resource}");
                assert_eq!(resource["accountId"], "111122223333", "{resource}");
                resource["ARN"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(resources, expected, "{name} {body}");
        // The blob itself is a secret: only the key it names is recorded.
        if let Some(blob) =
            serde_json::from_str::<serde_json::Value>(body).unwrap()["CiphertextBlob"].as_str()
        {
            assert!(!text.contains(blob), "{text}");
        }
    }

    #[test]
    fn a_failed_decrypt_names_the_key_of_its_ciphertext() {
        let blob = ciphertext_of(KEY);
        // Wrong context, disabled key, access denied: the blob names the key.
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{blob}","EncryptionContext":{{"a":"b"}}}}"#),
            None,
            true,
            &[arn(KEY)],
        );
        // The caller named another key: the ciphertext's first, then theirs.
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{blob}","KeyId":"{}"}}"#, arn(OTHER)),
            None,
            true,
            &[arn(KEY), arn(OTHER)],
        );
        // The same key, even in capitals, once; a bare id or an alias is no ARN.
        check(
            "Decrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob}","KeyId":"{}"}}"#,
                arn(&KEY.to_uppercase())
            ),
            None,
            true,
            &[arn(KEY)],
        );
        for named in [OTHER, "alias/other"] {
            check(
                "Decrypt",
                &format!(r#"{{"CiphertextBlob":"{blob}","KeyId":"{named}"}}"#),
                None,
                true,
                &[arn(KEY)],
            );
        }
        // A blob written with escapes is still read.
        check(
            "Decrypt",
            &format!(
                r#"{{"CiphertextBlob":"\u{:04x}{}"}}"#,
                blob.as_bytes()[0],
                blob[1..].replace('/', r"\/")
            ),
            None,
            true,
            &[arn(KEY)],
        );
    }

    #[test]
    fn a_failed_re_encrypt_names_the_key_of_its_source_ciphertext() {
        let blob = ciphertext_of(KEY);
        check(
            "ReEncrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob}","DestinationKeyId":"{}"}}"#,
                arn(OTHER)
            ),
            None,
            true,
            &[arn(KEY)],
        );
        check(
            "ReEncrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob}","SourceKeyId":"{}","DestinationKeyId":"{}"}}"#,
                arn(OTHER),
                arn(KEY)
            ),
            None,
            true,
            &[arn(KEY), arn(OTHER)],
        );
    }

    #[test]
    fn only_a_signed_symmetric_trent_ciphertext_names_a_key() {
        let blob = ciphertext_of(KEY);
        // No caller: no account or region to name the key in.
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{blob}"}}"#),
            None,
            false,
            &[],
        );
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{blob}","KeyId":"{}"}}"#, arn(OTHER)),
            None,
            false,
            &[arn(OTHER)],
        );
        // An RSA ciphertext has no header, whatever its first bytes.
        check(
            "Decrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob}","KeyId":"{}","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}"#,
                arn(OTHER)
            ),
            None,
            true,
            &[arn(OTHER)],
        );
        check(
            "ReEncrypt",
            &format!(
                r#"{{"CiphertextBlob":"{blob}","SourceEncryptionAlgorithm":"RSAES_OAEP_SHA_1"}}"#
            ),
            None,
            true,
            &[],
        );
        // Not base64, too short, another format version, not a string.
        for body in [
            r#"{"CiphertextBlob":"not base64!"}"#,
            r#"{"CiphertextBlob":"AQID"}"#,
            r#"{"CiphertextBlob":7}"#,
        ] {
            check("Decrypt", body, None, true, &[]);
        }
        let mut other_version = base64::engine::general_purpose::STANDARD
            .decode(&blob)
            .unwrap();
        other_version[0] = 2;
        let other_version = base64::engine::general_purpose::STANDARD.encode(other_version);
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{other_version}"}}"#),
            None,
            true,
            &[],
        );
        // Only Decrypt and ReEncrypt read a blob.
        check(
            "GenerateDataKey",
            &format!(r#"{{"CiphertextBlob":"{blob}"}}"#),
            None,
            true,
            &[],
        );
    }

    #[test]
    fn a_response_that_names_its_key_names_the_resource() {
        // A Decrypt that succeeded: the key that decrypted, as before.
        let blob = ciphertext_of(KEY);
        let response = format!(r#"{{"KeyId":"{}"}}"#, arn(KEY));
        check(
            "Decrypt",
            &format!(r#"{{"CiphertextBlob":"{blob}","KeyId":"{}"}}"#, arn(OTHER)),
            Some(&response),
            true,
            &[arn(KEY)],
        );
    }
}
