//! Identifiers: accounts, regions, keys, aliases and their ARNs.
//!
//! Each type is built only through a parser that checks AWS's format, so code
//! past the wire boundary never sees a malformed identifier.

use std::fmt;

/// The ARN partition Trent names its resources in.
pub const PARTITION: &str = "aws";

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not a 12-digit account id.
    AccountId,
    /// Not a region name.
    Region,
    /// Not a key id, key ARN, alias name or alias ARN.
    KeyReference,
    /// Not a valid alias name.
    AliasName,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Self::AccountId => "account id",
            Self::Region => "region",
            Self::KeyReference => "key reference",
            Self::AliasName => "alias name",
        };
        write!(f, "invalid {what}")
    }
}

impl std::error::Error for IdError {}

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Parses a 12-digit account id.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::AccountId)
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name such as `us-east-1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

impl Region {
    /// Parses a region name: lower-case letters, digits and dashes, starting
    /// with a letter, at most 32 characters.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let ok = !text.is_empty()
            && text.len() <= 32
            && text.starts_with(|c: char| c.is_ascii_lowercase())
            && !text.ends_with('-')
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::Region)
        }
    }

    /// The region as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a KMS key: a lower-case UUID such as
/// `1234abcd-12ab-34cd-56ef-1234567890ab`, or a multi-Region key's
/// `mrk-` and 32 hex digits (`mrk-1234abcd12ab34cd56ef1234567890ab`).
///
/// Sixteen bytes either way (the ciphertext format stores those): the ids
/// Trent makes for multi-Region keys are UUID version 8, those of other keys
/// version 4, so the bytes alone say which form an id is written in. An id
/// parsed from text keeps the form it was written in, so an `mrk-` id Trent
/// never made is still echoed as given.
///
/// Equality, hashing and order look at the bytes only: the form is how the
/// id is written, not which key it is.
#[derive(Clone, Copy)]
pub struct KeyId {
    bytes: [u8; 16],
    multi_region: bool,
}

impl PartialEq for KeyId {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for KeyId {}

impl std::hash::Hash for KeyId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bytes.hash(state);
    }
}

impl PartialOrd for KeyId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeyId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bytes.cmp(&other.bytes)
    }
}

/// The prefix of multi-Region key ids.
pub const MULTI_REGION_PREFIX: &str = "mrk-";

impl KeyId {
    /// Builds a key id from its 16 bytes: a multi-Region id when they are a
    /// version-8 UUID (as Trent makes multi-Region ids).
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self {
            bytes,
            multi_region: bytes[6] >> 4 == 8,
        }
    }

    /// The 16 bytes of the id, as the ciphertext format stores them.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.bytes
    }

    /// Whether the id is a multi-Region key's (`mrk-`).
    pub const fn is_multi_region(&self) -> bool {
        self.multi_region
    }

    /// Parses the canonical 36-character UUID form or the `mrk-` form
    /// (hex digits in either case).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if let Some(hex) = text.strip_prefix(MULTI_REGION_PREFIX) {
            let raw = hex.as_bytes();
            if raw.len() != 32 {
                return Err(IdError::KeyReference);
            }
            let mut bytes = [0u8; 16];
            for (i, pair) in raw.chunks_exact(2).enumerate() {
                bytes[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
            }
            return Ok(Self {
                bytes,
                multi_region: true,
            });
        }
        let raw = text.as_bytes();
        if raw.len() != 36 {
            return Err(IdError::KeyReference);
        }
        let mut out = [0u8; 16];
        let mut nibbles = 0usize;
        for (i, &b) in raw.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if b != b'-' {
                    return Err(IdError::KeyReference);
                }
                continue;
            }
            let slot = &mut out[nibbles / 2];
            *slot = (*slot << 4) | nibble(b)?;
            nibbles += 1;
        }
        Ok(Self {
            bytes: out,
            multi_region: false,
        })
    }
}

fn nibble(b: u8) -> Result<u8, IdError> {
    match b {
        b'0'..=b'9' => Ok(b - b'0'),
        b'a'..=b'f' => Ok(b - b'a' + 10),
        b'A'..=b'F' => Ok(b - b'A' + 10),
        _ => Err(IdError::KeyReference),
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Formatted into a stack buffer: key ids are written into every ARN of every response.
        let mut text = [b'-'; 36];
        let mut at = 0;
        if self.multi_region {
            text[..4].copy_from_slice(MULTI_REGION_PREFIX.as_bytes());
            at = 4;
        }
        for (i, b) in self.bytes.iter().enumerate() {
            if !self.multi_region && matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            text[at] = HEX[usize::from(b >> 4)];
            text[at + 1] = HEX[usize::from(b & 0x0f)];
            at += 2;
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Where a key or alias lives: an account in a region.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The owning account.
    pub account: AccountId,
    /// The region.
    pub region: Region,
}

impl Scope {
    /// The ARN of a key in this scope.
    pub fn key_arn(&self, key_id: &KeyId) -> String {
        format!(
            "arn:{PARTITION}:kms:{}:{}:key/{key_id}",
            self.region, self.account
        )
    }

    /// The ARN of an alias in this scope.
    pub fn alias_arn(&self, alias: &AliasName) -> String {
        format!(
            "arn:{PARTITION}:kms:{}:{}:{}",
            self.region,
            self.account,
            alias.as_str()
        )
    }

    /// The ARN of the account's root principal.
    pub fn root_arn(&self) -> String {
        format!("arn:{PARTITION}:iam::{}:root", self.account)
    }
}

/// An alias name, `alias/` followed by letters, digits and `/_-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AliasName(String);

/// The alias prefix AWS reserves for AWS managed keys.
pub const RESERVED_ALIAS_PREFIX: &str = "alias/aws/";

impl AliasName {
    /// Parses an alias name: `alias/` then one or more of `[a-zA-Z0-9/_-]`,
    /// 256 characters at most.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let rest = text.strip_prefix("alias/").ok_or(IdError::AliasName)?;
        let ok = !rest.is_empty()
            && text.len() <= crate::quota::MAX_ALIAS_NAME_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::AliasName)
        }
    }

    /// Whether the name is in AWS's reserved `alias/aws/` namespace.
    pub fn is_reserved(&self) -> bool {
        self.0.starts_with(RESERVED_ALIAS_PREFIX)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a request names a key: the four forms AWS accepts for `KeyId`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyReference {
    /// A bare key id, in the caller's account and region.
    Id(KeyId),
    /// A key ARN.
    Arn {
        /// The scope named in the ARN.
        scope: Scope,
        /// The key id.
        key_id: KeyId,
    },
    /// An alias name, in the caller's account and region.
    AliasName(AliasName),
    /// An alias ARN.
    AliasArn {
        /// The scope named in the ARN.
        scope: Scope,
        /// The alias name.
        alias: AliasName,
    },
}

impl KeyReference {
    /// Parses any of the four forms.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.starts_with("alias/") {
            return AliasName::parse(text).map(Self::AliasName);
        }
        if let Some(rest) = text.strip_prefix("arn:") {
            let mut parts = rest.splitn(5, ':');
            let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(IdError::KeyReference);
            };
            if partition != PARTITION || service != "kms" {
                return Err(IdError::KeyReference);
            }
            let scope = Scope {
                account: AccountId::parse(account).map_err(|_| IdError::KeyReference)?,
                region: Region::parse(region).map_err(|_| IdError::KeyReference)?,
            };
            if let Some(id) = resource.strip_prefix("key/") {
                return Ok(Self::Arn {
                    scope,
                    key_id: KeyId::parse(id)?,
                });
            }
            if resource.starts_with("alias/") {
                return Ok(Self::AliasArn {
                    scope,
                    alias: AliasName::parse(resource).map_err(|_| IdError::KeyReference)?,
                });
            }
            return Err(IdError::KeyReference);
        }
        KeyId::parse(text).map(Self::Id)
    }
}

/// Whether an IAM principal is a user or a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// An IAM user, with long-term access keys.
    User,
    /// An IAM role, assumed for temporary credentials.
    Role,
}

impl PrincipalKind {
    /// The ARN resource prefix (`user`, `role`), also IAM's word for it in messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }

    /// The request member that names a principal of this kind.
    pub const fn name_member(self) -> &'static str {
        match self {
            Self::User => "UserName",
            Self::Role => "RoleName",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            account: AccountId::parse("111122223333").unwrap(),
            region: Region::parse("us-east-1").unwrap(),
        }
    }

    #[test]
    fn key_id_round_trips_through_text() {
        let text = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let id = KeyId::parse(text).unwrap();
        assert_eq!(id.to_string(), text);
        assert_eq!(KeyId::parse(&text.to_uppercase()).unwrap(), id);
    }

    #[test]
    fn multi_region_ids_round_trip_and_keep_their_form() {
        let text = "mrk-1234abcd12ab34cd56ef1234567890ab";
        let id = KeyId::parse(text).unwrap();
        assert!(id.is_multi_region());
        assert_eq!(id.to_string(), text);
        assert_eq!(
            KeyId::parse("mrk-1234ABCD12AB34CD56EF1234567890AB").unwrap(),
            id
        );
        assert_eq!(
            KeyReference::parse(&scope().key_arn(&id)).unwrap(),
            KeyReference::Arn {
                scope: scope(),
                key_id: id
            }
        );
        // Bytes of a version-8 UUID are a multi-Region id, others are not.
        let mut bytes = [0x11u8; 16];
        bytes[6] = 0x8f;
        let made = KeyId::from_bytes(bytes);
        assert!(made.is_multi_region());
        assert_eq!(
            made.to_string(),
            format!("mrk-{}8f{}", "11".repeat(6), "11".repeat(9))
        );
        assert_eq!(KeyId::parse(&made.to_string()).unwrap(), made);
        // The same bytes written as a UUID are the same id: equality is by bytes.
        let as_uuid = KeyId::parse("11111111-1111-8f11-1111-111111111111").unwrap();
        assert!(!as_uuid.is_multi_region());
        assert_eq!(as_uuid, made);
        bytes[6] = 0x4f;
        assert!(!KeyId::from_bytes(bytes).is_multi_region());
        for bad in [
            "mrk-",
            "mrk-1234abcd12ab34cd56ef1234567890a",
            "mrk-1234abcd12ab34cd56ef1234567890ax",
            "mrk-1234abcd-12ab-34cd-56ef-1234567890ab",
        ] {
            assert_eq!(KeyId::parse(bad), Err(IdError::KeyReference), "{bad}");
        }
    }

    #[test]
    fn key_id_refuses_malformed_text() {
        for bad in [
            "",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "1234abcd-12ab-34cd-56ef-1234567890ag",
            "1234abcd012ab-34cd-56ef-1234567890ab",
            "not-a-key",
        ] {
            assert_eq!(KeyId::parse(bad), Err(IdError::KeyReference), "{bad}");
        }
    }

    #[test]
    fn key_reference_accepts_the_four_aws_forms() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let key_id = KeyId::parse(id).unwrap();
        assert_eq!(KeyReference::parse(id).unwrap(), KeyReference::Id(key_id));
        assert_eq!(
            KeyReference::parse(&scope().key_arn(&key_id)).unwrap(),
            KeyReference::Arn {
                scope: scope(),
                key_id
            }
        );
        let alias = AliasName::parse("alias/rds_kms").unwrap();
        assert_eq!(
            KeyReference::parse("alias/rds_kms").unwrap(),
            KeyReference::AliasName(alias.clone())
        );
        assert_eq!(
            KeyReference::parse(&scope().alias_arn(&alias)).unwrap(),
            KeyReference::AliasArn {
                scope: scope(),
                alias
            }
        );
    }

    #[test]
    fn key_reference_refuses_other_services_and_partitions() {
        for bad in [
            "arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-cn:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:111122223333:thing/x",
            "alias/",
            "alias/bad name",
        ] {
            assert!(KeyReference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn alias_names_follow_aws_pattern() {
        assert!(AliasName::parse("alias/a-b_c/d").is_ok());
        assert!(AliasName::parse("alias/aws/ebs").unwrap().is_reserved());
        assert!(AliasName::parse("demo").is_err());
        assert!(AliasName::parse(&format!("alias/{}", "a".repeat(251))).is_err());
    }

    #[test]
    fn account_and_region_are_checked() {
        assert!(AccountId::parse("000000000000").is_ok());
        assert!(AccountId::parse("12345678901").is_err());
        assert!(AccountId::parse("12345678901a").is_err());
        assert!(Region::parse("eu-west-3").is_ok());
        assert!(Region::parse("EU-west-3").is_err());
        assert!(Region::parse("").is_err());
        assert!(Region::parse("us-east-1/../x").is_err());
    }
}
