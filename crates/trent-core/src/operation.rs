//! The operation table: every AWS KMS operation Trent serves and the facts
//! it declares, once, for the server (which pool runs it), the audit trail
//! (what is recorded, what is read-only, which members are secret) and the
//! service (which action authorizes it).
//!
//! Adding an operation is one row here, one codec in trent-protocol
//! (`op/<operation>.rs`), one file in trent-service (`op/<operation>.rs`)
//! and its arm in trent-server's `dispatch.rs`.

use crate::action::Action;

/// Whether an operation changes the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Served from memory or a reader connection, on the async workers.
    Read,
    /// Waits for a durable commit (an fsync), so it runs on the blocking pool.
    Write,
}

/// What the audit event of a successful call records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Record {
    /// Request parameters and response elements.
    Full,
    /// As CloudTrail does for cryptographic operations (their answers are
    /// ciphertexts and plaintexts): request parameters only.
    RequestOnly,
}

/// The facts of one operation, as its row declares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The action the operation is authorized by (for ReEncrypt, the
    /// source's `kms:ReEncryptFrom`; the destination needs `kms:ReEncryptTo`).
    pub action: Action,
    /// Whether it writes.
    pub effect: Effect,
    /// What its audit event records.
    pub record: Record,
    /// Its request and response members that hold secrets or opaque
    /// cryptographic material, named as the API model names them: never
    /// recorded anywhere.
    pub secret_members: &'static [&'static str],
}

macro_rules! operations {
    ($($name:ident => $action:ident, $effect:ident, $record:ident, [$($secret:literal),*];)+) => {
        /// An AWS KMS operation Trent serves.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $(#[doc = concat!("`", stringify!($name), "`")] $name,)+
        }

        impl Operation {
            /// Every operation Trent serves.
            pub const ALL: &'static [Self] = &[$(Self::$name,)+];

            /// AWS's name of the operation.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)+
                }
            }

            /// The operation AWS names `name`, if Trent serves it.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $(stringify!($name) => Some(Self::$name),)+
                    _ => None,
                }
            }

            /// The operation's row of the table.
            pub const fn facts(self) -> Facts {
                match self {
                    $(Self::$name => Facts {
                        action: Action::$action,
                        effect: Effect::$effect,
                        record: Record::$record,
                        secret_members: &[$($secret),*],
                    },)+
                }
            }
        }
    };
}

// name => action, effect, record, [secret request and response members];
operations! {
    CancelKeyDeletion => CancelKeyDeletion, Write, Full, [];
    CreateAlias => CreateAlias, Write, Full, [];
    CreateGrant => CreateGrant, Write, Full, ["GrantTokens", "GrantToken"];
    CreateKey => CreateKey, Write, Full, [];
    Decrypt => Decrypt, Read, RequestOnly,
        ["CiphertextBlob", "GrantTokens", "Recipient", "Plaintext", "CiphertextForRecipient"];
    DeleteAlias => DeleteAlias, Write, Full, [];
    DescribeKey => DescribeKey, Read, Full, ["GrantTokens"];
    DisableKey => DisableKey, Write, Full, [];
    DisableKeyRotation => DisableKeyRotation, Write, Full, [];
    EnableKey => EnableKey, Write, Full, [];
    EnableKeyRotation => EnableKeyRotation, Write, Full, [];
    Encrypt => Encrypt, Read, RequestOnly, ["Plaintext", "GrantTokens", "CiphertextBlob"];
    GenerateDataKey => GenerateDataKey, Read, RequestOnly,
        ["GrantTokens", "Recipient", "CiphertextBlob", "Plaintext", "CiphertextForRecipient"];
    GenerateDataKeyWithoutPlaintext => GenerateDataKeyWithoutPlaintext, Read, RequestOnly,
        ["GrantTokens", "CiphertextBlob"];
    GenerateRandom => GenerateRandom, Read, RequestOnly,
        ["Recipient", "Plaintext", "CiphertextForRecipient"];
    GetKeyLastUsage => GetKeyLastUsage, Read, Full, [];
    GetKeyPolicy => GetKeyPolicy, Read, Full, [];
    GetKeyRotationStatus => GetKeyRotationStatus, Read, Full, [];
    ListAliases => ListAliases, Read, Full, [];
    ListGrants => ListGrants, Read, Full, [];
    ListKeyPolicies => ListKeyPolicies, Read, Full, [];
    ListKeyRotations => ListKeyRotations, Read, Full, [];
    ListKeys => ListKeys, Read, Full, [];
    ListResourceTags => ListResourceTags, Read, Full, [];
    ListRetirableGrants => ListRetirableGrants, Read, Full, [];
    PutKeyPolicy => PutKeyPolicy, Write, Full, [];
    ReEncrypt => ReEncryptFrom, Read, RequestOnly, ["CiphertextBlob", "GrantTokens"];
    RetireGrant => RetireGrant, Write, Full, ["GrantToken"];
    RevokeGrant => RevokeGrant, Write, Full, [];
    RotateKeyOnDemand => RotateKeyOnDemand, Write, Full, [];
    ScheduleKeyDeletion => ScheduleKeyDeletion, Write, Full, [];
    TagResource => TagResource, Write, Full, [];
    UntagResource => UntagResource, Write, Full, [];
    UpdateAlias => UpdateAlias, Write, Full, [];
    UpdateKeyDescription => UpdateKeyDescription, Write, Full, [];
}

/// Every grant operation of the AWS API model (`GrantOperation`), as
/// CreateGrant's `Operations` may name them.
pub const GRANT_OPERATIONS: &[&str] = &[
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
];

/// Secret members of requests Trent records but does not serve yet (their
/// operations, KMS or IAM, arrive with their rows): dropped from every
/// audit event all the same.
pub const OTHER_SECRET_MEMBERS: &[&str] = &[
    // Imported key material.
    "KeyMaterial",
    "EncryptedKeyMaterial",
    "ImportToken",
    // Signing, MACs, data key pairs and key agreement.
    "Message",
    "Signature",
    "Mac",
    "PrivateKeyPlaintext",
    "PrivateKeyCiphertextBlob",
    "SharedSecret",
    // Custom key store credentials.
    "KeyStorePassword",
    "XksProxyAuthenticationCredential",
    // IAM and STS inputs that are credentials.
    "TokenCode",
    "Password",
    "NewPassword",
    "OldPassword",
    "SAMLAssertion",
    "WebIdentityToken",
];

impl Operation {
    /// The action that authorizes it.
    pub const fn action(self) -> Action {
        self.facts().action
    }

    /// Whether it writes to the store (and so waits for a durable commit).
    pub const fn writes(self) -> bool {
        matches!(self.facts().effect, Effect::Write)
    }

    /// Whether CloudTrail calls it read-only: it changes nothing.
    pub const fn read_only(self) -> bool {
        !self.writes()
    }

    /// Whether its answers are cryptographic material, so that its audit
    /// event records no response elements.
    pub const fn cryptographic(self) -> bool {
        matches!(self.facts().record, Record::RequestOnly)
    }
}

/// Whether a request or response member named `name` is secret in any
/// operation or Query action (the audit trail drops such members wherever they appear, so
/// a member that is secret somewhere is never recorded anywhere).
pub fn is_secret_member(name: &str) -> bool {
    // Asked for every member of every audited request: one hash lookup.
    static SECRET: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            Operation::ALL
                .iter()
                .flat_map(|operation| operation.facts().secret_members)
                .chain(
                    crate::query_action::QueryAction::ALL
                        .iter()
                        .flat_map(|action| action.facts().secret_members),
                )
                .chain(OTHER_SECRET_MEMBERS)
                .copied()
                .collect()
        });
    SECRET.contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for operation in Operation::ALL {
            assert_eq!(Operation::from_name(operation.name()), Some(*operation));
        }
        assert_eq!(Operation::from_name("encrypt"), None);
        assert_eq!(Operation::from_name("Sign"), None);
    }

    #[test]
    fn cryptographic_operations_are_reads_and_record_no_response() {
        for operation in Operation::ALL {
            if operation.cryptographic() {
                assert!(operation.read_only(), "{operation:?}");
            }
        }
        assert!(Operation::Encrypt.cryptographic());
        assert!(!Operation::DescribeKey.cryptographic());
        assert!(Operation::CreateKey.writes());
        assert!(!Operation::ListGrants.writes());
    }

    #[test]
    fn actions_name_the_operation_except_re_encrypt() {
        for operation in Operation::ALL {
            let expected = match operation {
                Operation::ReEncrypt => "kms:ReEncryptFrom".to_owned(),
                other => format!("kms:{}", other.name()),
            };
            assert_eq!(operation.action().as_str(), expected);
        }
    }

    #[test]
    fn secrets_are_known_wherever_they_are_declared() {
        for name in [
            "Plaintext",
            "CiphertextBlob",
            "GrantToken",
            "GrantTokens",
            "Password",
        ] {
            assert!(is_secret_member(name), "{name}");
        }
        for name in ["KeyId", "EncryptionContext", "Policy", "Description"] {
            assert!(!is_secret_member(name), "{name}");
        }
    }
}
