//! The operation table: every AWS KMS operation Trent serves and the facts
//! it declares, once, for the server (which pool runs it), the audit trail
//! (what is recorded, what is read-only, which members are secret) and the
//! service (which action authorizes it).
//!
//! Adding an operation is one row here, one codec in trent-protocol
//! (`op/<operation>.rs`), one file in trent-service (`op/<operation>.rs`)
//! and its arm in trent-server's `dispatch.rs`.

use crate::action::Action;

/// Whether an operation changes the store, and where it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Served from memory or a reader connection, on the async workers.
    Read,
    /// Changes nothing but may spend many milliseconds of CPU (it generates
    /// an RSA key pair), so it runs on the blocking pool.
    Compute,
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
    Decapsulate => Decapsulate, Read, RequestOnly,
        ["SharedSecretCiphertextBlob", "GrantTokens", "SharedSecret"];
    DeleteAlias => DeleteAlias, Write, Full, [];
    DeleteImportedKeyMaterial => DeleteImportedKeyMaterial, Write, Full, [];
    DeriveSharedSecret => DeriveSharedSecret, Read, RequestOnly,
        ["PublicKey", "GrantTokens", "Recipient", "SharedSecret", "CiphertextForRecipient"];
    DescribeKey => DescribeKey, Read, Full, ["GrantTokens"];
    DisableKey => DisableKey, Write, Full, [];
    DisableKeyRotation => DisableKeyRotation, Write, Full, [];
    EnableKey => EnableKey, Write, Full, [];
    EnableKeyRotation => EnableKeyRotation, Write, Full, [];
    Encapsulate => Encapsulate, Read, RequestOnly,
        ["GrantTokens", "SharedSecret", "SharedSecretCiphertextBlob"];
    Encrypt => Encrypt, Read, RequestOnly, ["Plaintext", "GrantTokens", "CiphertextBlob"];
    GenerateDataKey => GenerateDataKey, Read, RequestOnly,
        ["GrantTokens", "Recipient", "CiphertextBlob", "Plaintext", "CiphertextForRecipient"];
    GenerateDataKeyPair => GenerateDataKeyPair, Compute, RequestOnly,
        ["GrantTokens", "Recipient", "PrivateKeyCiphertextBlob", "PrivateKeyPlaintext",
         "PublicKey", "CiphertextForRecipient"];
    GenerateDataKeyPairWithoutPlaintext => GenerateDataKeyPairWithoutPlaintext, Compute,
        RequestOnly, ["GrantTokens", "PrivateKeyCiphertextBlob", "PublicKey"];
    GenerateDataKeyWithoutPlaintext => GenerateDataKeyWithoutPlaintext, Read, RequestOnly,
        ["GrantTokens", "CiphertextBlob"];
    GenerateMac => GenerateMac, Read, RequestOnly, ["Message", "GrantTokens", "Mac"];
    GenerateRandom => GenerateRandom, Read, RequestOnly,
        ["Recipient", "Plaintext", "CiphertextForRecipient"];
    GetKeyLastUsage => GetKeyLastUsage, Read, Full, [];
    GetKeyPolicy => GetKeyPolicy, Read, Full, [];
    GetKeyRotationStatus => GetKeyRotationStatus, Read, Full, [];
    GetParametersForImport => GetParametersForImport, Compute, RequestOnly,
        ["ImportToken", "PublicKey"];
    GetPublicKey => GetPublicKey, Read, RequestOnly, ["GrantTokens"];
    ImportKeyMaterial => ImportKeyMaterial, Write, Full, ["ImportToken", "EncryptedKeyMaterial"];
    ListAliases => ListAliases, Read, Full, [];
    ListGrants => ListGrants, Read, Full, [];
    ListKeyPolicies => ListKeyPolicies, Read, Full, [];
    ListKeyRotations => ListKeyRotations, Read, Full, [];
    ListKeys => ListKeys, Read, Full, [];
    ListResourceTags => ListResourceTags, Read, Full, [];
    ListRetirableGrants => ListRetirableGrants, Read, Full, [];
    PutKeyPolicy => PutKeyPolicy, Write, Full, [];
    ReEncrypt => ReEncryptFrom, Read, RequestOnly, ["CiphertextBlob", "GrantTokens"];
    ReplicateKey => ReplicateKey, Write, Full, [];
    RetireGrant => RetireGrant, Write, Full, ["GrantToken"];
    RevokeGrant => RevokeGrant, Write, Full, [];
    RotateKeyOnDemand => RotateKeyOnDemand, Write, Full, [];
    ScheduleKeyDeletion => ScheduleKeyDeletion, Write, Full, [];
    Sign => Sign, Read, RequestOnly, ["Message", "GrantTokens", "Signature"];
    TagResource => TagResource, Write, Full, [];
    UntagResource => UntagResource, Write, Full, [];
    UpdateAlias => UpdateAlias, Write, Full, [];
    UpdateKeyDescription => UpdateKeyDescription, Write, Full, [];
    UpdatePrimaryRegion => UpdatePrimaryRegion, Write, Full, [];
    Verify => Verify, Read, RequestOnly, ["Message", "Signature", "GrantTokens"];
    VerifyMac => VerifyMac, Read, RequestOnly, ["Message", "Mac", "GrantTokens"];
}

/// Why Trent does not serve an operation of the AWS KMS API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotServed {
    /// A custom key store operation: Trent keeps every key in its own store.
    CustomKeyStores,
    /// An operation this build does not serve yet.
    NotYet,
}

/// The operations of the AWS KMS API (its model, `kms/2014-11-01`) that
/// Trent does not serve: answered `UnsupportedOperationException` naming
/// what is not supported, after authentication like any request, and never
/// `UnknownOperationException`, which stays for names AWS does not have.
/// Serving one means adding its row to the table above and removing its
/// name here (a unit test fails while a name is in both).
pub const NOT_SERVED: &[(&str, NotServed)] = &[
    ("ConnectCustomKeyStore", NotServed::CustomKeyStores),
    ("CreateCustomKeyStore", NotServed::CustomKeyStores),
    ("DeleteCustomKeyStore", NotServed::CustomKeyStores),
    ("DescribeCustomKeyStores", NotServed::CustomKeyStores),
    ("DisconnectCustomKeyStore", NotServed::CustomKeyStores),
    ("UpdateCustomKeyStore", NotServed::CustomKeyStores),
];

/// The AWS name of an operation Trent does not serve, and why, if `name`
/// is one ([`NOT_SERVED`]).
pub fn not_served(name: &str) -> Option<(&'static str, NotServed)> {
    NOT_SERVED.iter().find(|(known, _)| *known == name).copied()
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
    "Encapsulate",
    "Decapsulate",
];

/// Secret members of requests Trent records but does not serve yet (their
/// operations, KMS or IAM, arrive with their rows): dropped from every
/// audit event all the same.
pub const OTHER_SECRET_MEMBERS: &[&str] = &[
    // Key material in the clear, which no operation takes.
    "KeyMaterial",
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
    // The admin API's root key location (`TrentAdmin.RotateRootKey`): a
    // wrongly written URI may carry a PIN (`pin-value`, refused).
    "NewRootKey",
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

    /// Whether it must run on the blocking pool: it waits for a commit, or
    /// may spend milliseconds of CPU.
    pub const fn blocking(self) -> bool {
        matches!(self.facts().effect, Effect::Write | Effect::Compute)
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
        assert_eq!(Operation::from_name("CreateCustomKeyStore"), None);
    }

    /// The operations of the AWS KMS API model as aws-sdk-kms 1.129.0 (the
    /// e2e client, Cargo.lock) has them: botocore 1.43.11's
    /// `kms/2014-11-01/service-2.json` plus Encapsulate and Decapsulate.
    const AWS_KMS_API: &[&str] = &[
        "CancelKeyDeletion",
        "ConnectCustomKeyStore",
        "CreateAlias",
        "CreateCustomKeyStore",
        "CreateGrant",
        "CreateKey",
        "Decapsulate",
        "Decrypt",
        "DeleteAlias",
        "DeleteCustomKeyStore",
        "DeleteImportedKeyMaterial",
        "DeriveSharedSecret",
        "DescribeCustomKeyStores",
        "DescribeKey",
        "DisableKey",
        "DisableKeyRotation",
        "DisconnectCustomKeyStore",
        "EnableKey",
        "EnableKeyRotation",
        "Encapsulate",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateMac",
        "GenerateRandom",
        "GetKeyLastUsage",
        "GetKeyPolicy",
        "GetKeyRotationStatus",
        "GetParametersForImport",
        "GetPublicKey",
        "ImportKeyMaterial",
        "ListAliases",
        "ListGrants",
        "ListKeyPolicies",
        "ListKeyRotations",
        "ListKeys",
        "ListResourceTags",
        "ListRetirableGrants",
        "PutKeyPolicy",
        "ReEncrypt",
        "ReplicateKey",
        "RetireGrant",
        "RevokeGrant",
        "RotateKeyOnDemand",
        "ScheduleKeyDeletion",
        "Sign",
        "TagResource",
        "UntagResource",
        "UpdateAlias",
        "UpdateCustomKeyStore",
        "UpdateKeyDescription",
        "UpdatePrimaryRegion",
        "Verify",
        "VerifyMac",
    ];

    #[test]
    fn not_served_names_are_aws_operations_outside_the_table() {
        for (name, _) in NOT_SERVED {
            assert!(
                AWS_KMS_API.contains(name),
                "{name} is not in the AWS KMS API"
            );
            assert_eq!(
                Operation::from_name(name),
                None,
                "{name} is served: drop it from NOT_SERVED"
            );
            assert_eq!(not_served(name).map(|(known, _)| known), Some(*name));
        }
        // Every operation of the API is either served or listed.
        for name in AWS_KMS_API {
            assert!(
                Operation::from_name(name).is_some() || not_served(name).is_some(),
                "{name} is neither served nor in NOT_SERVED"
            );
        }
        for operation in Operation::ALL {
            assert!(AWS_KMS_API.contains(&operation.name()), "{operation:?}");
        }
        assert_eq!(not_served("NoSuchThing"), None);
        assert_eq!(not_served("createcustomkeystore"), None);
        assert_eq!(
            not_served("CreateCustomKeyStore"),
            Some(("CreateCustomKeyStore", NotServed::CustomKeyStores))
        );
    }

    /// The same against the botocore model installed on this machine, where
    /// there is one (skipped cleanly where Python or botocore is absent).
    #[test]
    fn not_served_names_are_in_the_installed_botocore_model() {
        let listed = std::process::Command::new("python3")
            .args([
                "-c",
                "import botocore.session as s; print(\"\\n\".join(s.get_session().get_service_model(\"kms\").operation_names))",
            ])
            .output();
        let model = match listed {
            Ok(output) if output.status.success() => String::from_utf8(output.stdout).unwrap(),
            _ => {
                eprintln!("skipping: python3 with botocore is not installed");
                return;
            }
        };
        let model: Vec<&str> = model.lines().collect();
        assert!(model.contains(&"CreateKey"), "{model:?}");
        for (name, _) in NOT_SERVED {
            assert!(
                model.contains(name),
                "{name} is not in botocore's KMS model"
            );
        }
        for name in &model {
            assert!(
                AWS_KMS_API.contains(name),
                "botocore has {name}: add it to AWS_KMS_API"
            );
        }
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
        // Key-pair generation changes nothing but runs off the async workers.
        assert!(Operation::GenerateDataKeyPair.read_only());
        assert!(Operation::GenerateDataKeyPair.blocking());
        assert!(!Operation::Sign.blocking());
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
            "Message",
            "Signature",
            "Mac",
            "PrivateKeyPlaintext",
            "SharedSecret",
        ] {
            assert!(is_secret_member(name), "{name}");
        }
        for name in ["KeyId", "EncryptionContext", "Policy", "Description"] {
            assert!(!is_secret_member(name), "{name}");
        }
    }
}
