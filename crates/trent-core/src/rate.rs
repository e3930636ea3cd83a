//! Request-rate quotas with AWS KMS's structure (Developer Guide, "Request
//! quotas"): each account and Region has one per-second quota per
//! management operation, one shared by the cryptographic operations for
//! each type of key they use, and one per data key pair spec for
//! GenerateDataKeyPair. A request beyond its quota is answered
//! `ThrottlingException`.
//!
//! The defaults are AWS's published per-second values; where AWS publishes
//! none for an operation Trent serves, the value of its closest sibling
//! (noted on the row).

use crate::action::Action;
use crate::algorithm::DataKeyPairSpec;
use crate::key::KeySpec;
use crate::operation::Operation;

/// The kinds of key whose cryptographic operations share one quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyFamily {
    /// SYMMETRIC_DEFAULT and HMAC keys (AWS: "Cryptographic operations
    /// (symmetric)", which GenerateMac and VerifyMac share), and GenerateRandom.
    Symmetric,
    /// RSA keys.
    Rsa,
    /// Elliptic-curve keys: NIST, SECG and Ed25519.
    Ecc,
    /// ML-DSA and ML-KEM keys.
    PostQuantum,
}

impl KeyFamily {
    /// Every family.
    pub const ALL: [Self; 4] = [Self::Symmetric, Self::Rsa, Self::Ecc, Self::PostQuantum];

    /// The family of a key spec.
    pub const fn of(spec: KeySpec) -> Self {
        use KeySpec::*;
        match spec {
            SymmetricDefault | Hmac224 | Hmac256 | Hmac384 | Hmac512 => Self::Symmetric,
            Rsa2048 | Rsa3072 | Rsa4096 => Self::Rsa,
            EccNistP256 | EccNistP384 | EccNistP521 | EccSecgP256k1 | EccNistEdwards25519 | Sm2 => {
                Self::Ecc
            }
            MlDsa44 | MlDsa65 | MlDsa87 | MlKem512 | MlKem768 | MlKem1024 => Self::PostQuantum,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Symmetric => "cryptographic-symmetric",
            Self::Rsa => "cryptographic-rsa",
            Self::Ecc => "cryptographic-ecc",
            Self::PostQuantum => "cryptographic-post-quantum",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// One request-rate quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateQuota {
    /// The cryptographic operations on keys of one family, shared.
    Cryptographic(KeyFamily),
    /// GenerateDataKeyPair and its WithoutPlaintext form, for one pair spec.
    DataKeyPair(DataKeyPairSpec),
    /// One operation's own quota.
    Operation(Operation),
}

/// What a request of an operation counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// The shared quota of the family of the key it uses, counted when the
    /// key is known (before its authorization).
    ByKey,
    /// The quota of the data key pair spec it asks for.
    ByPairSpec,
    /// This quota, counted as soon as the caller is known.
    Against(RateQuota),
}

impl Operation {
    /// The quota a request of this operation counts against.
    pub const fn counted(self) -> Counted {
        use Operation::*;
        match self {
            Decrypt
            | Encrypt
            | GenerateDataKey
            | GenerateDataKeyWithoutPlaintext
            | GenerateMac
            | VerifyMac
            | ReEncrypt
            | Sign
            | Verify
            | DeriveSharedSecret
            | Encapsulate
            | Decapsulate => Counted::ByKey,
            GenerateDataKeyPair | GenerateDataKeyPairWithoutPlaintext => Counted::ByPairSpec,
            GenerateRandom => Counted::Against(RateQuota::Cryptographic(KeyFamily::Symmetric)),
            other => Counted::Against(RateQuota::Operation(other)),
        }
    }
}

/// Whether authorizing `action` on a key is the one use of it that counts
/// against its family's shared quota (ReEncrypt counts once, by its source
/// key's `kms:ReEncryptFrom`).
pub const fn counts_key_use(action: Action) -> bool {
    matches!(
        action,
        Action::Decrypt
            | Action::Encrypt
            | Action::GenerateDataKey
            | Action::GenerateDataKeyWithoutPlaintext
            | Action::GenerateMac
            | Action::VerifyMac
            | Action::ReEncryptFrom
            | Action::Sign
            | Action::Verify
            | Action::DeriveSharedSecret
            | Action::Encapsulate
            | Action::Decapsulate
    )
}

impl RateQuota {
    /// How many quotas there are: the size of a dense table indexed by [`RateQuota::index`].
    pub const COUNT: usize =
        KeyFamily::ALL.len() + DataKeyPairSpec::ALL.len() + Operation::ALL.len();

    /// Every quota a request can count against (not the own quota of an
    /// operation counted by key or pair spec).
    pub fn all() -> impl Iterator<Item = Self> {
        KeyFamily::ALL
            .into_iter()
            .map(Self::Cryptographic)
            .chain(DataKeyPairSpec::ALL.iter().copied().map(Self::DataKeyPair))
            .chain(
                Operation::ALL
                    .iter()
                    .copied()
                    .filter(|operation| {
                        operation.counted() == Counted::Against(Self::Operation(*operation))
                    })
                    .map(Self::Operation),
            )
    }

    /// A dense index below [`RateQuota::COUNT`].
    pub fn index(self) -> usize {
        match self {
            Self::Cryptographic(family) => family.index(),
            Self::DataKeyPair(spec) => {
                KeyFamily::ALL.len()
                    + DataKeyPairSpec::ALL
                        .iter()
                        .position(|known| *known == spec)
                        .unwrap_or(0)
            }
            Self::Operation(operation) => {
                KeyFamily::ALL.len()
                    + DataKeyPairSpec::ALL.len()
                    + Operation::ALL
                        .iter()
                        .position(|known| *known == operation)
                        .unwrap_or(0)
            }
        }
    }

    /// The name settings use: the operation's name (`CreateKey`),
    /// `cryptographic-symmetric` (`-rsa`, `-ecc`, `-post-quantum`), or
    /// `data-key-pair-RSA_2048` and the like.
    pub fn name(self) -> String {
        match self {
            Self::Cryptographic(family) => family.name().to_owned(),
            Self::DataKeyPair(spec) => format!("data-key-pair-{}", spec.as_str()),
            Self::Operation(operation) => operation.name().to_owned(),
        }
    }

    /// The quota named `name` (as [`RateQuota::name`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::all().find(|quota| quota.name() == name)
    }

    /// AWS's default, in requests per second.
    pub fn default_per_second(self) -> f64 {
        use Operation::*;
        match self {
            // AWS: 5,500 to 100,000 depending on the Region; 10,000 is the
            // value of most, and about what one 2-core machine serves.
            Self::Cryptographic(KeyFamily::Symmetric) => 10_000.0,
            Self::Cryptographic(KeyFamily::Rsa) => 500.0,
            Self::Cryptographic(KeyFamily::Ecc) => 300.0,
            // AWS publishes none that Trent could verify: the ECC value.
            Self::Cryptographic(KeyFamily::PostQuantum) => 300.0,
            Self::DataKeyPair(spec) => match spec {
                DataKeyPairSpec::Rsa2048 => 1.0,
                DataKeyPairSpec::Rsa3072 => 0.5,
                DataKeyPairSpec::Rsa4096 => 0.1,
                DataKeyPairSpec::EccNistP384 => 10.0,
                DataKeyPairSpec::EccNistP521 => 5.0,
                // P-256 and secp256k1: 25; Ed25519, ML-KEM (unpublished): the same.
                _ => 25.0,
            },
            Self::Operation(operation) => match operation {
                CreateGrant => 50.0,
                DescribeKey | ListAliases | ListGrants | ListKeyPolicies | ListKeys
                | ListResourceTags | ListKeyRotations | GetKeyLastUsage => 100.0,
                GetKeyPolicy | GetKeyRotationStatus => 30.0,
                RetireGrant | RevokeGrant => 15.0,
                GetParametersForImport => 0.25,
                // Every other management operation, ReplicateKey,
                // UpdatePrimaryRegion and RotateKeyOnDemand among them.
                _ => 5.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quota_has_a_distinct_index_and_name_that_parses_back() {
        let all: Vec<RateQuota> = RateQuota::all().collect();
        let mut indexes: Vec<usize> = all.iter().map(|quota| quota.index()).collect();
        indexes.sort_unstable();
        indexes.dedup();
        assert_eq!(indexes.len(), all.len());
        assert!(indexes.iter().all(|index| *index < RateQuota::COUNT));
        for quota in all {
            assert_eq!(RateQuota::parse(&quota.name()), Some(quota));
            assert!(quota.default_per_second() > 0.0);
        }
        assert_eq!(
            RateQuota::parse("data-key-pair-RSA_4096"),
            Some(RateQuota::DataKeyPair(DataKeyPairSpec::Rsa4096))
        );
        assert_eq!(
            RateQuota::parse("CreateKey").map(RateQuota::default_per_second),
            Some(5.0)
        );
        // Encrypt counts against its key's family, never a quota of its own.
        assert_eq!(RateQuota::parse("Encrypt"), None);
        assert_eq!(RateQuota::parse("GenerateRandom"), None);
        assert_eq!(RateQuota::parse("nonsense"), None);
    }

    #[test]
    fn cryptographic_operations_share_their_key_familys_quota() {
        for operation in Operation::ALL {
            let by_key = operation.counted() == Counted::ByKey;
            // Every operation counted by its key is one whose action counts.
            if by_key {
                assert!(counts_key_use(operation.action()), "{operation:?}");
            }
        }
        assert!(!counts_key_use(Action::ReEncryptTo));
        assert!(!counts_key_use(Action::DescribeKey));
        assert_eq!(KeyFamily::of(KeySpec::Hmac256), KeyFamily::Symmetric);
        assert_eq!(KeyFamily::of(KeySpec::EccNistEdwards25519), KeyFamily::Ecc);
        assert_eq!(
            Operation::CreateKey.counted(),
            Counted::Against(RateQuota::Operation(Operation::CreateKey))
        );
    }
}
