//! JSON bodies with the members AWS KMS requests carry, and values shaped
//! like theirs (base64 blobs, key ids, ARNs, enum names), so that decoding
//! reaches each operation's model checks.

use arbitrary::Arbitrary;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Number, Value};

use crate::pick;

/// Every request member of the operations Trent serves (the API model's names).
pub const MEMBERS: &[&str] = &[
    "AliasName",
    "BypassPolicyLockoutSafetyCheck",
    "CiphertextBlob",
    "Constraints",
    "CustomKeyStoreId",
    "CustomerMasterKeySpec",
    "Description",
    "DestinationEncryptionAlgorithm",
    "DestinationEncryptionContext",
    "DestinationKeyId",
    "DryRun",
    "EncapsulationAlgorithm",
    "EncryptedKeyMaterial",
    "EncryptionAlgorithm",
    "EncryptionContext",
    "ExpirationModel",
    "GrantId",
    "GrantToken",
    "GrantTokens",
    "GranteePrincipal",
    "ImportToken",
    "ImportType",
    "IncludeKeyMaterial",
    "KeyAgreementAlgorithm",
    "KeyId",
    "KeyMaterialDescription",
    "KeyMaterialId",
    "KeySpec",
    "KeyUsage",
    "Limit",
    "Mac",
    "MacAlgorithm",
    "Marker",
    "Message",
    "MessageType",
    "MultiRegion",
    "Name",
    "NumberOfBytes",
    "Operations",
    "Origin",
    "PendingWindowInDays",
    "Plaintext",
    "Policy",
    "PolicyName",
    "PrimaryRegion",
    "PublicKey",
    "Recipient",
    "ReplicaRegion",
    "RetiringPrincipal",
    "RotationPeriodInDays",
    "SharedSecretCiphertextBlob",
    "Signature",
    "SigningAlgorithm",
    "SourceEncryptionAlgorithm",
    "SourceEncryptionContext",
    "SourceKeyId",
    "TagKeys",
    "Tags",
    "TargetKeyId",
    "ValidTo",
    "WrappingAlgorithm",
    "WrappingKeySpec",
    "XksKeyId",
    // Nested members.
    "TagKey",
    "TagValue",
    "EncryptionContextSubset",
    "EncryptionContextEquals",
    "KeyEncryptionAlgorithm",
    "AttestationDocument",
];

/// Enum values and other names the API takes.
pub const WORDS: &[&str] = &[
    "SYMMETRIC_DEFAULT",
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "SM2PKE",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "ECDSA_SHA_256",
    "ECDSA_SHA_512",
    "ED25519_SHA_512",
    "ED25519_PH_SHA_512",
    "ML_DSA_SHAKE_256",
    "HMAC_SHA_224",
    "HMAC_SHA_512",
    "ENCRYPT_DECRYPT",
    "SIGN_VERIFY",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "KEY_ENCAPSULATION",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "ECC_NIST_P256",
    "ECC_NIST_P384",
    "ECC_NIST_P521",
    "ECC_SECG_P256K1",
    "ECC_NIST_EDWARDS25519",
    "HMAC_256",
    "HMAC_384",
    "ML_KEM_512",
    "ML_KEM_768",
    "ML_KEM_1024",
    "ML_DSA_44",
    "ML_DSA_65",
    "ML_DSA_87",
    "AES_256",
    "AES_128",
    "AWS_KMS",
    "EXTERNAL",
    "AWS_CLOUDHSM",
    "EXTERNAL_KEY_STORE",
    "RAW",
    "DIGEST",
    "EXTERNAL_MU",
    "KEY_MATERIAL_EXPIRES",
    "KEY_MATERIAL_DOES_NOT_EXPIRE",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
    "ECDH",
    "NEW_KEY_MATERIAL",
    "EXISTING_KEY_MATERIAL",
    "ALL_KEY_MATERIAL",
    "ROTATIONS_ONLY",
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "CreateGrant",
    "RetireGrant",
    "Sign",
    "Verify",
    "DescribeKey",
    "GenerateDataKeyPair",
    "DeriveSharedSecret",
    "default",
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "true",
    "",
    " ",
    "*",
];

const KEY_IDS: &[&str] = &[
    "1234abcd-12ab-34cd-56ef-1234567890ab",
    "mrk-1234abcd12ab34cd56ef1234567890ab",
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:111122223333:alias/example",
    "alias/example",
    "alias/aws/ebs",
    "arn:aws:iam::111122223333:role/Example",
    "arn:aws:iam::111122223333:root",
    "111122223333",
];

/// A JSON value, bounded in depth when rendered.
#[derive(Arbitrary, Debug)]
pub enum Fuzzed {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A small integer (limits, lengths, days).
    Small(i16),
    /// A float.
    Float(f64),
    /// A string.
    Text(Text),
    /// An array.
    Array(Vec<Fuzzed>),
    /// An object of member names.
    Object(Vec<(Key, Fuzzed)>),
}

/// A member name: one the API has, or any text.
#[derive(Arbitrary, Debug)]
pub enum Key {
    /// An API member.
    Member(u8),
    /// Any text.
    Raw(String),
}

/// A string, raw or shaped like an API value.
#[derive(Arbitrary, Debug)]
pub enum Text {
    /// Any text.
    Raw(String),
    /// Standard base64 of bytes (blobs).
    Base64(Vec<u8>),
    /// URL-safe unpadded base64 (grant and session tokens).
    Token(Vec<u8>),
    /// A key id, ARN, alias or principal.
    Id(u8),
    /// An enum value.
    Word(u8),
    /// A known value with fuzzed text appended.
    Suffixed(u8, String),
    /// A long repetition (length limits).
    Repeat(char, u16),
}

impl Key {
    /// The member's name.
    pub fn render(&self) -> String {
        match self {
            Self::Member(index) => pick(MEMBERS, *index).to_owned(),
            Self::Raw(text) => text.clone(),
        }
    }
}

impl Text {
    /// The string.
    pub fn render(&self) -> String {
        match self {
            Self::Raw(text) => text.clone(),
            Self::Base64(bytes) => STANDARD.encode(bytes),
            Self::Token(bytes) => URL_SAFE_NO_PAD.encode(bytes),
            Self::Id(index) => pick(KEY_IDS, *index).to_owned(),
            Self::Word(index) => pick(WORDS, *index).to_owned(),
            Self::Suffixed(index, tail) => format!("{}{tail}", pick(KEY_IDS, *index)),
            Self::Repeat(c, count) => {
                std::iter::repeat_n(*c, usize::from(*count % 10_000)).collect()
            }
        }
    }
}

impl Fuzzed {
    /// The JSON value; beyond depth 6 everything is `null`.
    pub fn render(&self, depth: usize) -> Value {
        if depth > 6 {
            return Value::Null;
        }
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Int(n) => Value::Number((*n).into()),
            Self::Small(n) => Value::Number((*n).into()),
            Self::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Text(text) => Value::String(text.render()),
            Self::Array(items) => Value::Array(items.iter().map(|v| v.render(depth + 1)).collect()),
            Self::Object(members) => Value::Object(object(members, depth + 1)),
        }
    }
}

/// An object of members (the last of a repeated name wins, as in serde_json).
pub fn object(members: &[(Key, Fuzzed)], depth: usize) -> Map<String, Value> {
    members
        .iter()
        .map(|(key, value)| (key.render(), value.render(depth)))
        .collect()
}
