//! Checking request members against the AWS KMS API model and turning them
//! into core types. Failures are collected and reported together, in AWS's
//! `ValidationException` wording; values of sensitive members are never echoed.

use trent_core::algorithm::EncryptionAlgorithm;
use trent_core::context::EncryptionContext;
use trent_core::error::{AliasNameProblem, Invalid, KmsError, NotFound, Unsupported};
use trent_core::id::{AliasName, KeyReference};
use trent_core::key::{KeySpec, KeyUsage, Origin, Tag};
use trent_core::quota;

use crate::error::{RequestError, ShownValue, ValidationFailure};

use crate::dto::{ContextDto, TagDto};

/// Collected validation failures of one request.
#[derive(Debug, Default)]
pub struct Checks {
    failures: Vec<ValidationFailure>,
}

const ORIGINS: &[&str] = &["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];
const ENCRYPTION_ALGORITHMS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
];
const DATA_KEY_SPECS: &[&str] = &["AES_256", "AES_128"];

impl Checks {
    /// No failures yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn fail(&mut self, member: &str, value: ShownValue, constraint: String) {
        self.failures.push(ValidationFailure {
            member: member.to_owned(),
            value,
            constraint,
        });
    }

    /// A required member; records `Value null` when absent.
    pub fn required<'a, T>(&mut self, member: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.fail(member, ShownValue::Null, "Member must not be null".into());
        }
        value.as_ref()
    }

    /// A string's length in characters within `min..=max`.
    pub fn length(&mut self, member: &str, value: &str, min: usize, max: usize) -> bool {
        let chars = value.chars().count();
        let shown = || ShownValue::Shown(value.chars().take(256).collect());
        if chars < min {
            self.fail(
                member,
                shown(),
                format!("Member must have length greater than or equal to {min}"),
            );
            false
        } else if chars > max {
            self.fail(
                member,
                shown(),
                format!("Member must have length less than or equal to {max}"),
            );
            false
        } else {
            true
        }
    }

    /// A sensitive blob's length within `min..=max`; its value is never shown.
    pub fn secret_length(&mut self, member: &str, len: usize, min: usize, max: usize) -> bool {
        if len < min {
            self.fail(
                member,
                ShownValue::Hidden,
                format!("Member must have length greater than or equal to {min}"),
            );
            false
        } else if len > max {
            self.fail(
                member,
                ShownValue::Hidden,
                format!("Member must have length less than or equal to {max}"),
            );
            false
        } else {
            true
        }
    }

    /// An integer within `min..=max`.
    pub fn range(&mut self, member: &str, value: i64, min: i64, max: i64) -> bool {
        if value < min {
            self.fail(
                member,
                ShownValue::Shown(value.to_string()),
                format!("Member must have value greater than or equal to {min}"),
            );
            false
        } else if value > max {
            self.fail(
                member,
                ShownValue::Shown(value.to_string()),
                format!("Member must have value less than or equal to {max}"),
            );
            false
        } else {
            true
        }
    }

    /// A value from an enumeration.
    pub fn one_of(&mut self, member: &str, value: &str, allowed: &[&str]) -> bool {
        if allowed.contains(&value) {
            return true;
        }
        self.fail(
            member,
            ShownValue::Shown(value.chars().take(256).collect()),
            format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ),
        );
        false
    }

    /// A value matching a pattern (checked by `matches`).
    pub fn pattern(&mut self, member: &str, value: &str, matches: bool, pattern: &str) -> bool {
        if !matches {
            self.fail(
                member,
                ShownValue::Shown(value.chars().take(256).collect()),
                format!("Member must satisfy regular expression pattern: {pattern}"),
            );
        }
        matches
    }

    /// Ends checking: `ValidationException` with every failure, or `Ok`.
    pub fn finish(self) -> Result<(), RequestError> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(RequestError::Validation(self.failures))
        }
    }

    /// An optional `KeyId`-typed member (length 1..2048).
    pub fn key_id(&mut self, member: &str, value: Option<&String>) {
        if let Some(value) = value {
            self.length(member, value, 1, quota::MAX_KEY_ID_CHARS);
        }
    }

    /// A required `KeyId`-typed member.
    pub fn required_key_id<'a>(
        &mut self,
        member: &str,
        value: &'a Option<String>,
    ) -> Option<&'a String> {
        let value = self.required(member, value);
        self.key_id(member, value);
        value
    }

    /// `Limit` (1..1000).
    pub fn limit(&mut self, value: Option<i64>) -> u32 {
        match value {
            Some(limit)
                if self.range(
                    "limit",
                    limit,
                    i64::from(*quota::LIST_LIMIT_RANGE.start()),
                    i64::from(*quota::LIST_LIMIT_RANGE.end()),
                ) =>
            {
                limit as u32
            }
            Some(_) => 0,
            None => quota::DEFAULT_LIST_LIMIT,
        }
    }

    /// `Marker` (1..1024 characters in U+0020..U+00FF).
    pub fn marker(&mut self, value: Option<&String>) {
        if let Some(marker) = value {
            if self.length("marker", marker, 1, 1024) {
                let ok = marker.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c));
                self.pattern("marker", marker, ok, "[\\u0020-\\u00FF]*");
            }
        }
    }

    /// `GrantTokens` (at most 10, each 1..8192 characters). Grants come with a
    /// later issue; until then tokens are checked and otherwise ignored.
    pub fn grant_tokens(&mut self, value: Option<&Vec<String>>) {
        if let Some(tokens) = value {
            if tokens.len() > 10 {
                self.fail(
                    "grantTokens",
                    ShownValue::Hidden,
                    "Member must have length less than or equal to 10".into(),
                );
            }
            for (index, token) in tokens.iter().enumerate() {
                if token.is_empty() || token.len() > 8192 {
                    self.fail(
                        &format!("grantTokens.{}.member", index + 1),
                        ShownValue::Hidden,
                        "Member must have length between 1 and 8192".into(),
                    );
                }
            }
        }
    }

    /// `EncryptionAlgorithm`: in the enumeration (the service decides
    /// which suits the key).
    pub fn encryption_algorithm(
        &mut self,
        member: &str,
        value: Option<&String>,
    ) -> Option<EncryptionAlgorithm> {
        let value = value?;
        self.one_of(member, value, ENCRYPTION_ALGORITHMS)
            .then(|| EncryptionAlgorithm::parse(value))
            .flatten()
    }

    /// An optional member of a core wire enumeration: its value when present
    /// and in the enumeration (`all`, as the API model lists it).
    pub fn wire_enum<T: Copy>(
        &mut self,
        member: &str,
        value: Option<&String>,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let value = value?;
        let names: Vec<&str> = all.iter().map(|each| name(*each)).collect();
        if !self.one_of(member, value, &names) {
            return None;
        }
        all.iter().copied().find(|each| name(*each) == value)
    }

    /// A required member of a core wire enumeration.
    pub fn required_enum<T: Copy>(
        &mut self,
        member: &str,
        value: &Option<String>,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> Option<T> {
        let value = self.required(member, value)?;
        self.wire_enum(member, Some(value), all, name)
    }

    /// `Description` (0..8192).
    pub fn description(&mut self, value: Option<&String>) {
        if let Some(value) = value {
            self.length("description", value, 0, quota::MAX_DESCRIPTION_CHARS);
        }
    }

    /// A `Policy` (1..131072 characters of tab, newline, return and U+0020..U+00FF).
    pub fn policy(&mut self, value: Option<&String>) {
        if let Some(policy) = value {
            if self.length("policy", policy, 1, 131_072) {
                let ok = policy
                    .chars()
                    .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&c));
                self.pattern(
                    "policy",
                    policy,
                    ok,
                    "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
                );
            }
        }
    }

    /// `AliasName` (1..256, `^[a-zA-Z0-9:/_-]+$`).
    pub fn alias_name<'a>(&mut self, value: &'a Option<String>) -> Option<&'a String> {
        let name = self.required("aliasName", value)?;
        if self.length("aliasName", name, 1, quota::MAX_ALIAS_NAME_CHARS) {
            let ok = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'_' | b'-'));
            self.pattern("aliasName", name, ok, "^[a-zA-Z0-9:/_-]+$");
        }
        Some(name)
    }

    /// A `TagList`: each key 1..128 and value 0..256 characters.
    pub fn tags(&mut self, member: &str, value: Option<&Vec<TagDto>>) -> Vec<Tag> {
        let mut tags = Vec::new();
        for (index, tag) in value.into_iter().flatten().enumerate() {
            let at = |field: &str| format!("{member}.{}.member.{field}", index + 1);
            let key = self.required(&at("tagKey"), &tag.tag_key);
            let value = self.required(&at("tagValue"), &tag.tag_value);
            if let (Some(key), Some(value)) = (key, value) {
                let key_ok = self.length(&at("tagKey"), key, 1, quota::MAX_TAG_KEY_CHARS);
                let value_ok = self.length(&at("tagValue"), value, 0, quota::MAX_TAG_VALUE_CHARS);
                if key_ok && value_ok {
                    tags.push(Tag {
                        key: key.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
        tags
    }

    /// `NumberOfBytes` (1..1024) or `KeySpec` (AES_256, AES_128) of a data
    /// key: exactly one must be given. Returns the length in bytes.
    pub fn data_key_length(
        &mut self,
        number_of_bytes: Option<i64>,
        key_spec: Option<&String>,
    ) -> Result<usize, RequestError> {
        if let Some(bytes) = number_of_bytes {
            let range = quota::DATA_KEY_BYTES_RANGE;
            self.range(
                "numberOfBytes",
                bytes,
                i64::from(*range.start()),
                i64::from(*range.end()),
            );
        }
        if let Some(spec) = key_spec {
            self.one_of("keySpec", spec, DATA_KEY_SPECS);
        }
        match (number_of_bytes, key_spec.map(String::as_str)) {
            (Some(bytes), None) => Ok(usize::try_from(bytes).unwrap_or(0)),
            (None, Some("AES_256")) => Ok(32),
            (None, Some(_)) => Ok(16),
            _ => Err(RequestError::validation(
                "numberOfBytes",
                ShownValue::Null,
                "Please specify either number of bytes or key spec.",
            )),
        }
    }
}

/// Parses a checked `KeyId` member; text in no accepted form is a `NotFoundException`.
pub fn key_reference(text: &str) -> Result<KeyReference, KmsError> {
    KeyReference::parse(text).map_err(|_| {
        KmsError::NotFound(NotFound::InvalidKeyId {
            given: text.chars().take(2048).collect(),
        })
    })
}

/// Parses a checked alias name. A name without the `alias/` prefix is a
/// `ValidationException` (AWS's sentence points to the guide); one with it
/// but malformed after it (`alias/`, `alias/a:b`) an `InvalidAliasNameException`.
pub fn alias_name(text: &str) -> Result<AliasName, KmsError> {
    if !text.starts_with("alias/") {
        return Err(KmsError::Invalid(Invalid::AliasPrefix));
    }
    AliasName::parse(text).map_err(|_| KmsError::InvalidAliasName(AliasNameProblem::Malformed))
}

/// Builds an encryption context, refusing one over AWS's size quota.
pub fn encryption_context(
    member: &str,
    value: Option<&ContextDto>,
) -> Result<EncryptionContext, RequestError> {
    let context = EncryptionContext::from_pairs(value.cloned().unwrap_or_default());
    if context.byte_len() > quota::MAX_ENCRYPTION_CONTEXT_BYTES {
        return Err(RequestError::validation(
            member,
            ShownValue::Hidden,
            format!(
                "Member must have total size of keys and values less than or equal to {} bytes",
                quota::MAX_ENCRYPTION_CONTEXT_BYTES
            ),
        ));
    }
    Ok(context)
}

/// Refuses a `Recipient` (Nitro Enclaves attestation), which Trent does not serve.
pub fn no_recipient(value: Option<&serde_json::Value>) -> Result<(), KmsError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(()),
        Some(_) => Err(KmsError::UnsupportedOperation(Unsupported::Recipient)),
    }
}

/// The key spec, usage and origin of CreateKey, checked against the
/// model's enumerations: `None` for a member that is absent (or failed).
pub fn key_shape(
    checks: &mut Checks,
    key_spec: Option<&String>,
    customer_master_key_spec: Option<&String>,
    key_usage: Option<&String>,
    origin: Option<&String>,
) -> (Option<KeySpec>, Option<KeyUsage>, Option<Origin>) {
    let member = if key_spec.is_some() {
        "keySpec"
    } else {
        "customerMasterKeySpec"
    };
    let spec = checks.wire_enum(
        member,
        key_spec.or(customer_master_key_spec),
        KeySpec::ALL,
        KeySpec::as_str,
    );
    let usage = checks.wire_enum("keyUsage", key_usage, KeyUsage::ALL, KeyUsage::as_str);
    let origin = match origin {
        Some(text) => checks
            .one_of("origin", text, ORIGINS)
            .then(|| Origin::parse(text))
            .flatten(),
        None => Some(Origin::AwsKms),
    };
    (spec, usage, origin)
}

/// AWS's rules joining a new key's spec and usage: `KeyUsage` may be
/// omitted only for symmetric keys, and must be one the spec takes; SM2
/// exists only in the China Regions.
pub fn key_usage_for(spec: KeySpec, usage: Option<KeyUsage>) -> Result<KeyUsage, KmsError> {
    if spec.is_china_regions_only() {
        return Err(KmsError::UnsupportedOperation(
            Unsupported::ChinaRegionsOnly(spec),
        ));
    }
    let usage = match usage {
        Some(usage) => usage,
        None if spec == KeySpec::SymmetricDefault => KeyUsage::EncryptDecrypt,
        None => return Err(KmsError::Invalid(Invalid::KeyUsageRequired)),
    };
    if !spec.valid_usages().contains(&usage) {
        return Err(KmsError::Invalid(Invalid::UsageForSpec { usage, spec }));
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_required_members_are_all_reported() {
        let mut checks = Checks::new();
        checks.required_key_id("keyId", &None);
        checks.secret_length("plaintext", 5000, 1, 4096);
        match checks.finish() {
            Err(RequestError::Validation(failures)) => {
                assert_eq!(failures.len(), 2);
                assert_eq!(failures[0].value, ShownValue::Null);
                assert_eq!(failures[1].value, ShownValue::Hidden);
            }
            other => panic!("expected validation failure, got {other:?}"),
        }
    }

    #[test]
    fn alias_names_without_the_prefix_are_validation_errors() {
        for name in ["no-prefix", "Alias/x", "aliasx", "x/alias/y"] {
            assert!(
                matches!(
                    alias_name(name),
                    Err(KmsError::Invalid(Invalid::AliasPrefix))
                ),
                "{name}"
            );
        }
        for name in ["alias/", "alias/a:b"] {
            assert!(
                matches!(
                    alias_name(name),
                    Err(KmsError::InvalidAliasName(AliasNameProblem::Malformed))
                ),
                "{name}"
            );
        }
        assert!(alias_name("alias/ok_name-1/x").is_ok());
    }

    #[test]
    fn data_key_length_needs_exactly_one_choice() {
        let spec = |s: &str| Some(s.to_owned());
        assert_eq!(
            Checks::new()
                .data_key_length(None, spec("AES_256").as_ref())
                .unwrap(),
            32
        );
        assert_eq!(
            Checks::new()
                .data_key_length(None, spec("AES_128").as_ref())
                .unwrap(),
            16
        );
        assert_eq!(Checks::new().data_key_length(Some(64), None).unwrap(), 64);
        assert!(Checks::new().data_key_length(None, None).is_err());
        assert!(Checks::new()
            .data_key_length(Some(32), spec("AES_256").as_ref())
            .is_err());
    }
}
