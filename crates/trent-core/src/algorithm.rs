//! The algorithms of asymmetric, HMAC, key-agreement and ML-KEM keys, and
//! AWS's rules that join them to key specs and usages.
//!
//! Every enum spells its values as AWS KMS's API model does. The functions
//! below are pure statements of AWS's tables (which usages a key spec takes,
//! which algorithms `KeyMetadata` lists for a spec and usage, digest lengths,
//! RSA-OAEP plaintext limits, HMAC key lengths); they say nothing about what
//! this build's cryptography implements (trent-crypto answers that).

use crate::key::{wire_enum, KeySpec, KeyUsage};

wire_enum! {
    /// A signature algorithm (AWS `SigningAlgorithmSpec`).
    SigningAlgorithm {
        /// RSASSA-PSS with SHA-256, MGF1 with SHA-256, salt of 32 bytes.
        RsassaPssSha256 => "RSASSA_PSS_SHA_256",
        /// RSASSA-PSS with SHA-384, MGF1 with SHA-384, salt of 48 bytes.
        RsassaPssSha384 => "RSASSA_PSS_SHA_384",
        /// RSASSA-PSS with SHA-512, MGF1 with SHA-512, salt of 64 bytes.
        RsassaPssSha512 => "RSASSA_PSS_SHA_512",
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        RsassaPkcs1V15Sha256 => "RSASSA_PKCS1_V1_5_SHA_256",
        /// RSASSA-PKCS1-v1_5 with SHA-384.
        RsassaPkcs1V15Sha384 => "RSASSA_PKCS1_V1_5_SHA_384",
        /// RSASSA-PKCS1-v1_5 with SHA-512.
        RsassaPkcs1V15Sha512 => "RSASSA_PKCS1_V1_5_SHA_512",
        /// ECDSA with SHA-256 (P-256 and secp256k1 keys), DER signature.
        EcdsaSha256 => "ECDSA_SHA_256",
        /// ECDSA with SHA-384 (P-384 keys), DER signature.
        EcdsaSha384 => "ECDSA_SHA_384",
        /// ECDSA with SHA-512 (P-521 keys), DER signature.
        EcdsaSha512 => "ECDSA_SHA_512",
        /// Pure Ed25519 (RFC 8032), message type RAW only.
        Ed25519Sha512 => "ED25519_SHA_512",
        /// Ed25519ph (RFC 8032, SHA-512 prehash), message type DIGEST only.
        Ed25519PhSha512 => "ED25519_PH_SHA_512",
        /// ML-DSA (FIPS 204), message types RAW and EXTERNAL_MU.
        MlDsaShake256 => "ML_DSA_SHAKE_256",
        /// SM2 signatures: China Regions only; parsed to be refused.
        Sm2Dsa => "SM2DSA",
    }
}

wire_enum! {
    /// An encryption algorithm (AWS `EncryptionAlgorithmSpec`).
    EncryptionAlgorithm {
        /// AES-256-GCM under a symmetric key, in Trent's ciphertext blob.
        SymmetricDefault => "SYMMETRIC_DEFAULT",
        /// RSAES-OAEP with SHA-1 and MGF1 with SHA-1, no label.
        RsaesOaepSha1 => "RSAES_OAEP_SHA_1",
        /// RSAES-OAEP with SHA-256 and MGF1 with SHA-256, no label.
        RsaesOaepSha256 => "RSAES_OAEP_SHA_256",
        /// SM2 public-key encryption: China Regions only; parsed to be refused.
        Sm2Pke => "SM2PKE",
    }
}

wire_enum! {
    /// A MAC algorithm (AWS `MacAlgorithmSpec`).
    MacAlgorithm {
        /// HMAC with SHA-224.
        HmacSha224 => "HMAC_SHA_224",
        /// HMAC with SHA-256.
        HmacSha256 => "HMAC_SHA_256",
        /// HMAC with SHA-384.
        HmacSha384 => "HMAC_SHA_384",
        /// HMAC with SHA-512.
        HmacSha512 => "HMAC_SHA_512",
    }
}

wire_enum! {
    /// A key agreement algorithm (AWS `KeyAgreementAlgorithmSpec`).
    KeyAgreementAlgorithm {
        /// Elliptic-curve Diffie-Hellman; the raw shared x-coordinate.
        Ecdh => "ECDH",
    }
}

wire_enum! {
    /// A key encapsulation algorithm (AWS `EncapsulationAlgorithmSpec`).
    EncapsulationAlgorithm {
        /// ML-KEM (FIPS 203) at the key's parameter set.
        MlKem => "ML_KEM",
    }
}

wire_enum! {
    /// The key pair GenerateDataKeyPair makes (AWS `DataKeyPairSpec`).
    DataKeyPairSpec {
        /// RSA, 2048-bit modulus.
        Rsa2048 => "RSA_2048",
        /// RSA, 3072-bit modulus.
        Rsa3072 => "RSA_3072",
        /// RSA, 4096-bit modulus.
        Rsa4096 => "RSA_4096",
        /// NIST P-256.
        EccNistP256 => "ECC_NIST_P256",
        /// NIST P-384.
        EccNistP384 => "ECC_NIST_P384",
        /// NIST P-521.
        EccNistP521 => "ECC_NIST_P521",
        /// SECG secp256k1.
        EccSecgP256k1 => "ECC_SECG_P256K1",
        /// Ed25519.
        EccNistEdwards25519 => "ECC_NIST_EDWARDS25519",
        /// ML-KEM-512.
        MlKem512 => "ML_KEM_512",
        /// ML-KEM-768.
        MlKem768 => "ML_KEM_768",
        /// ML-KEM-1024.
        MlKem1024 => "ML_KEM_1024",
        /// SM2: China Regions only; parsed to be refused.
        Sm2 => "SM2",
    }
}

wire_enum! {
    /// How Sign and Verify read their message (AWS `MessageType`).
    MessageType {
        /// The message itself; the algorithm hashes it.
        Raw => "RAW",
        /// A digest the caller computed with the algorithm's hash.
        Digest => "DIGEST",
        /// The 64-byte ML-DSA message representative μ (FIPS 204, 6.2).
        ExternalMu => "EXTERNAL_MU",
    }
}

/// Bytes in an EXTERNAL_MU message (FIPS 204 μ).
pub const EXTERNAL_MU_LEN: usize = 64;

/// The most bytes a RAW message to Sign or Verify may have (AWS: 4096).
pub const MAX_SIGN_MESSAGE_LEN: usize = 4096;

/// The most bytes a message to GenerateMac or VerifyMac may have (AWS: 4096).
pub const MAX_MAC_MESSAGE_LEN: usize = 4096;

/// The algorithms `KeyMetadata` lists for a key of one spec and usage, in
/// AWS's order. Lists that do not apply are empty (AWS omits them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyAlgorithms {
    /// `EncryptionAlgorithms`.
    pub encryption: &'static [EncryptionAlgorithm],
    /// `SigningAlgorithms`.
    pub signing: &'static [SigningAlgorithm],
    /// `MacAlgorithms`.
    pub mac: &'static [MacAlgorithm],
    /// `KeyAgreementAlgorithms`.
    pub key_agreement: &'static [KeyAgreementAlgorithm],
    /// `EncapsulationAlgorithms`.
    pub encapsulation: &'static [EncapsulationAlgorithm],
}

const NONE: KeyAlgorithms = KeyAlgorithms {
    encryption: &[],
    signing: &[],
    mac: &[],
    key_agreement: &[],
    encapsulation: &[],
};

const RSA_SIGNING: &[SigningAlgorithm] = &[
    SigningAlgorithm::RsassaPkcs1V15Sha256,
    SigningAlgorithm::RsassaPkcs1V15Sha384,
    SigningAlgorithm::RsassaPkcs1V15Sha512,
    SigningAlgorithm::RsassaPssSha256,
    SigningAlgorithm::RsassaPssSha384,
    SigningAlgorithm::RsassaPssSha512,
];

const RSA_ENCRYPTION: &[EncryptionAlgorithm] = &[
    EncryptionAlgorithm::RsaesOaepSha1,
    EncryptionAlgorithm::RsaesOaepSha256,
];

impl KeySpec {
    /// The usages AWS accepts for this spec outside the China Regions, the
    /// first being the one AWS assumes when CreateKey omits `KeyUsage` (only
    /// symmetric keys may omit it). Empty for SM2.
    pub const fn valid_usages(self) -> &'static [KeyUsage] {
        use KeySpec::*;
        match self {
            SymmetricDefault => &[KeyUsage::EncryptDecrypt],
            Rsa2048 | Rsa3072 | Rsa4096 => &[KeyUsage::EncryptDecrypt, KeyUsage::SignVerify],
            EccNistP256 | EccNistP384 | EccNistP521 => {
                &[KeyUsage::SignVerify, KeyUsage::KeyAgreement]
            }
            EccSecgP256k1 | EccNistEdwards25519 | MlDsa44 | MlDsa65 | MlDsa87 => {
                &[KeyUsage::SignVerify]
            }
            MlKem512 | MlKem768 | MlKem1024 => &[KeyUsage::EncapsulateDecapsulate],
            Hmac224 | Hmac256 | Hmac384 | Hmac512 => &[KeyUsage::GenerateVerifyMac],
            Sm2 => &[],
        }
    }

    /// Whether AWS offers this spec only in the China Regions (SM2).
    pub const fn is_china_regions_only(self) -> bool {
        matches!(self, KeySpec::Sm2)
    }

    /// Whether the spec names a key pair (GetPublicKey applies).
    pub const fn is_asymmetric(self) -> bool {
        !matches!(
            self,
            KeySpec::SymmetricDefault
                | KeySpec::Hmac224
                | KeySpec::Hmac256
                | KeySpec::Hmac384
                | KeySpec::Hmac512
        )
    }

    /// The algorithms `KeyMetadata` lists for a key of this spec and
    /// `usage`, or `None` when AWS refuses the combination.
    pub fn algorithms(self, usage: KeyUsage) -> Option<KeyAlgorithms> {
        use KeySpec::*;
        if !self.valid_usages().contains(&usage) {
            return None;
        }
        let algorithms = match (self, usage) {
            (SymmetricDefault, _) => KeyAlgorithms {
                encryption: &[EncryptionAlgorithm::SymmetricDefault],
                ..NONE
            },
            (Rsa2048 | Rsa3072 | Rsa4096, KeyUsage::EncryptDecrypt) => KeyAlgorithms {
                encryption: RSA_ENCRYPTION,
                ..NONE
            },
            (Rsa2048 | Rsa3072 | Rsa4096, _) => KeyAlgorithms {
                signing: RSA_SIGNING,
                ..NONE
            },
            (EccNistP256 | EccNistP384 | EccNistP521, KeyUsage::KeyAgreement) => KeyAlgorithms {
                key_agreement: &[KeyAgreementAlgorithm::Ecdh],
                ..NONE
            },
            (EccNistP256 | EccSecgP256k1, _) => KeyAlgorithms {
                signing: &[SigningAlgorithm::EcdsaSha256],
                ..NONE
            },
            (EccNistP384, _) => KeyAlgorithms {
                signing: &[SigningAlgorithm::EcdsaSha384],
                ..NONE
            },
            (EccNistP521, _) => KeyAlgorithms {
                signing: &[SigningAlgorithm::EcdsaSha512],
                ..NONE
            },
            (EccNistEdwards25519, _) => KeyAlgorithms {
                // AWS's order.
                signing: &[
                    SigningAlgorithm::Ed25519PhSha512,
                    SigningAlgorithm::Ed25519Sha512,
                ],
                ..NONE
            },
            (MlDsa44 | MlDsa65 | MlDsa87, _) => KeyAlgorithms {
                signing: &[SigningAlgorithm::MlDsaShake256],
                ..NONE
            },
            (MlKem512 | MlKem768 | MlKem1024, _) => KeyAlgorithms {
                encapsulation: &[EncapsulationAlgorithm::MlKem],
                ..NONE
            },
            (Hmac224, _) => KeyAlgorithms {
                mac: &[MacAlgorithm::HmacSha224],
                ..NONE
            },
            (Hmac256, _) => KeyAlgorithms {
                mac: &[MacAlgorithm::HmacSha256],
                ..NONE
            },
            (Hmac384, _) => KeyAlgorithms {
                mac: &[MacAlgorithm::HmacSha384],
                ..NONE
            },
            (Hmac512, _) => KeyAlgorithms {
                mac: &[MacAlgorithm::HmacSha512],
                ..NONE
            },
            (Sm2, _) => return None,
        };
        Some(algorithms)
    }

    /// Bytes in the secret of an HMAC key of this spec (AWS: the key is as
    /// long as the digest, HMAC_224 is 224 bits), or `None` for other specs.
    pub const fn hmac_key_len(self) -> Option<usize> {
        match self {
            KeySpec::Hmac224 => Some(28),
            KeySpec::Hmac256 => Some(32),
            KeySpec::Hmac384 => Some(48),
            KeySpec::Hmac512 => Some(64),
            _ => None,
        }
    }

    /// Bytes in the modulus of an RSA key of this spec, or `None`.
    pub const fn rsa_modulus_len(self) -> Option<usize> {
        match self {
            KeySpec::Rsa2048 => Some(256),
            KeySpec::Rsa3072 => Some(384),
            KeySpec::Rsa4096 => Some(512),
            _ => None,
        }
    }

    /// The most plaintext bytes Encrypt takes with an RSA key of this spec
    /// and `algorithm`: k − 2·hLen − 2 (RFC 8017 7.1.1), which gives AWS's
    /// table (RSA_2048: 214 with OAEP-SHA-1, 190 with OAEP-SHA-256; RSA_3072:
    /// 342, 318; RSA_4096: 470, 446). `None` for other specs or algorithms.
    pub const fn rsa_oaep_max_plaintext_len(self, algorithm: EncryptionAlgorithm) -> Option<usize> {
        let hash_len = match algorithm {
            EncryptionAlgorithm::RsaesOaepSha1 => 20,
            EncryptionAlgorithm::RsaesOaepSha256 => 32,
            _ => return None,
        };
        match self.rsa_modulus_len() {
            Some(modulus_len) => Some(modulus_len - 2 * hash_len - 2),
            None => None,
        }
    }
}

impl SigningAlgorithm {
    /// Bytes a DIGEST message must have for this algorithm (the output of
    /// the hash its name ends in), or `None` where AWS takes no DIGEST.
    pub const fn digest_len(self) -> Option<usize> {
        use SigningAlgorithm::*;
        match self {
            RsassaPssSha256 | RsassaPkcs1V15Sha256 | EcdsaSha256 => Some(32),
            RsassaPssSha384 | RsassaPkcs1V15Sha384 | EcdsaSha384 => Some(48),
            RsassaPssSha512 | RsassaPkcs1V15Sha512 | EcdsaSha512 | Ed25519PhSha512 => Some(64),
            Sm2Dsa => Some(32),
            Ed25519Sha512 | MlDsaShake256 => None,
        }
    }

    /// Whether AWS accepts `message_type` with this algorithm: pure Ed25519
    /// takes only RAW, Ed25519ph only DIGEST, ML-DSA RAW or EXTERNAL_MU,
    /// every other algorithm RAW or DIGEST.
    pub const fn accepts(self, message_type: MessageType) -> bool {
        use SigningAlgorithm::*;
        match (self, message_type) {
            (Ed25519Sha512, MessageType::Raw) => true,
            (Ed25519Sha512, _) => false,
            (Ed25519PhSha512, MessageType::Digest) => true,
            (Ed25519PhSha512, _) => false,
            (MlDsaShake256, MessageType::Raw | MessageType::ExternalMu) => true,
            (MlDsaShake256, MessageType::Digest) => false,
            (_, MessageType::ExternalMu) => false,
            (_, MessageType::Raw | MessageType::Digest) => true,
        }
    }

    /// The exact length a message of `message_type` must have for this
    /// algorithm, or `None` when only the RAW limit applies.
    pub const fn required_message_len(self, message_type: MessageType) -> Option<usize> {
        match message_type {
            MessageType::Raw => None,
            MessageType::Digest => self.digest_len(),
            MessageType::ExternalMu => Some(EXTERNAL_MU_LEN),
        }
    }
}

impl MacAlgorithm {
    /// Bytes in a tag of this algorithm.
    pub const fn tag_len(self) -> usize {
        match self {
            MacAlgorithm::HmacSha224 => 28,
            MacAlgorithm::HmacSha256 => 32,
            MacAlgorithm::HmacSha384 => 48,
            MacAlgorithm::HmacSha512 => 64,
        }
    }
}

impl DataKeyPairSpec {
    /// The key spec of the same key pair (SM2 included, to be refused).
    pub const fn key_spec(self) -> KeySpec {
        use DataKeyPairSpec::*;
        match self {
            Rsa2048 => KeySpec::Rsa2048,
            Rsa3072 => KeySpec::Rsa3072,
            Rsa4096 => KeySpec::Rsa4096,
            EccNistP256 => KeySpec::EccNistP256,
            EccNistP384 => KeySpec::EccNistP384,
            EccNistP521 => KeySpec::EccNistP521,
            EccSecgP256k1 => KeySpec::EccSecgP256k1,
            EccNistEdwards25519 => KeySpec::EccNistEdwards25519,
            MlKem512 => KeySpec::MlKem512,
            MlKem768 => KeySpec::MlKem768,
            MlKem1024 => KeySpec::MlKem1024,
            Sm2 => KeySpec::Sm2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for value in all {
                assert_eq!(parse(as_str(*value)), Some(*value));
            }
        }
        check(
            SigningAlgorithm::ALL,
            SigningAlgorithm::as_str,
            SigningAlgorithm::parse,
        );
        check(
            EncryptionAlgorithm::ALL,
            EncryptionAlgorithm::as_str,
            EncryptionAlgorithm::parse,
        );
        check(MacAlgorithm::ALL, MacAlgorithm::as_str, MacAlgorithm::parse);
        check(
            DataKeyPairSpec::ALL,
            DataKeyPairSpec::as_str,
            DataKeyPairSpec::parse,
        );
        check(MessageType::ALL, MessageType::as_str, MessageType::parse);
        assert_eq!(SigningAlgorithm::ALL.len(), 13);
        assert_eq!(DataKeyPairSpec::ALL.len(), 12);
        assert_eq!(
            EncapsulationAlgorithm::parse("ML_KEM"),
            Some(EncapsulationAlgorithm::MlKem)
        );
        assert_eq!(KeyAgreementAlgorithm::Ecdh.to_string(), "ECDH");
    }

    #[test]
    fn usages_follow_aws_table() {
        use KeySpec::*;
        let table: &[(KeySpec, &[KeyUsage])] = &[
            (SymmetricDefault, &[KeyUsage::EncryptDecrypt]),
            (Rsa3072, &[KeyUsage::EncryptDecrypt, KeyUsage::SignVerify]),
            (EccNistP384, &[KeyUsage::SignVerify, KeyUsage::KeyAgreement]),
            (EccSecgP256k1, &[KeyUsage::SignVerify]),
            (EccNistEdwards25519, &[KeyUsage::SignVerify]),
            (MlDsa65, &[KeyUsage::SignVerify]),
            (MlKem768, &[KeyUsage::EncapsulateDecapsulate]),
            (Hmac384, &[KeyUsage::GenerateVerifyMac]),
            (Sm2, &[]),
        ];
        for (spec, usages) in table {
            assert_eq!(spec.valid_usages(), *usages, "{spec}");
        }
        for spec in KeySpec::ALL {
            for usage in KeyUsage::ALL {
                assert_eq!(
                    spec.algorithms(*usage).is_some(),
                    spec.valid_usages().contains(usage),
                    "{spec} {usage}"
                );
            }
        }
        assert!(Sm2.is_china_regions_only() && !Rsa2048.is_china_regions_only());
        assert!(!Hmac256.is_asymmetric() && MlKem512.is_asymmetric());
    }

    #[test]
    fn metadata_lists_follow_aws_table() {
        use KeySpec::*;
        assert_eq!(
            EccNistEdwards25519
                .algorithms(KeyUsage::SignVerify)
                .unwrap()
                .signing,
            &[
                SigningAlgorithm::Ed25519PhSha512,
                SigningAlgorithm::Ed25519Sha512
            ]
        );
        let rsa_sign = Rsa2048.algorithms(KeyUsage::SignVerify).unwrap();
        assert_eq!(rsa_sign.signing.len(), 6);
        assert!(rsa_sign.encryption.is_empty());
        let rsa_encrypt = Rsa4096.algorithms(KeyUsage::EncryptDecrypt).unwrap();
        assert_eq!(rsa_encrypt.encryption, RSA_ENCRYPTION);
        assert_eq!(
            EccNistP521
                .algorithms(KeyUsage::SignVerify)
                .unwrap()
                .signing,
            &[SigningAlgorithm::EcdsaSha512]
        );
        assert_eq!(
            EccNistP256
                .algorithms(KeyUsage::KeyAgreement)
                .unwrap()
                .key_agreement,
            &[KeyAgreementAlgorithm::Ecdh]
        );
        assert_eq!(
            MlKem1024
                .algorithms(KeyUsage::EncapsulateDecapsulate)
                .unwrap()
                .encapsulation,
            &[EncapsulationAlgorithm::MlKem]
        );
        assert_eq!(
            Hmac224.algorithms(KeyUsage::GenerateVerifyMac).unwrap().mac,
            &[MacAlgorithm::HmacSha224]
        );
        assert_eq!(EccSecgP256k1.algorithms(KeyUsage::KeyAgreement), None);
        assert_eq!(Hmac256.algorithms(KeyUsage::EncryptDecrypt), None);
    }

    #[test]
    fn oaep_limits_match_aws_developer_guide() {
        use EncryptionAlgorithm::*;
        let table = [
            (KeySpec::Rsa2048, RsaesOaepSha1, Some(214)),
            (KeySpec::Rsa2048, RsaesOaepSha256, Some(190)),
            (KeySpec::Rsa3072, RsaesOaepSha1, Some(342)),
            (KeySpec::Rsa3072, RsaesOaepSha256, Some(318)),
            (KeySpec::Rsa4096, RsaesOaepSha1, Some(470)),
            (KeySpec::Rsa4096, RsaesOaepSha256, Some(446)),
            (KeySpec::Rsa2048, SymmetricDefault, None),
            (KeySpec::EccNistP256, RsaesOaepSha256, None),
        ];
        for (spec, algorithm, expected) in table {
            assert_eq!(spec.rsa_oaep_max_plaintext_len(algorithm), expected);
        }
    }

    #[test]
    fn digest_lengths_and_message_types() {
        use SigningAlgorithm::*;
        assert_eq!(RsassaPssSha384.digest_len(), Some(48));
        assert_eq!(EcdsaSha512.digest_len(), Some(64));
        assert_eq!(Ed25519PhSha512.digest_len(), Some(64));
        assert_eq!(MlDsaShake256.digest_len(), None);
        assert!(Ed25519Sha512.accepts(MessageType::Raw));
        assert!(!Ed25519Sha512.accepts(MessageType::Digest));
        assert!(!Ed25519PhSha512.accepts(MessageType::Raw));
        assert!(MlDsaShake256.accepts(MessageType::ExternalMu));
        assert!(!MlDsaShake256.accepts(MessageType::Digest));
        assert!(!EcdsaSha256.accepts(MessageType::ExternalMu));
        assert_eq!(
            MlDsaShake256.required_message_len(MessageType::ExternalMu),
            Some(64)
        );
        assert_eq!(
            RsassaPkcs1V15Sha256.required_message_len(MessageType::Digest),
            Some(32)
        );
        assert_eq!(KeySpec::Hmac224.hmac_key_len(), Some(28));
        assert_eq!(MacAlgorithm::HmacSha512.tag_len(), 64);
        for spec in DataKeyPairSpec::ALL {
            assert_eq!(spec.key_spec().as_str(), spec.as_str());
        }
    }
}
