//! Imported key material (AWS "bring your own key"): how material is wrapped
//! for import, whether it expires, and the state of each material a key has.

use crate::key::{wire_enum, KeySpec};

wire_enum! {
    /// How the material to import is wrapped (AWS `AlgorithmSpec`).
    WrappingAlgorithm {
        /// RSA PKCS #1 v1.5: no longer accepted by AWS for import.
        RsaesPkcs1V15 => "RSAES_PKCS1_V1_5",
        /// RSA-OAEP with SHA-1 (and MGF1 SHA-1).
        RsaesOaepSha1 => "RSAES_OAEP_SHA_1",
        /// RSA-OAEP with SHA-256 (and MGF1 SHA-256).
        RsaesOaepSha256 => "RSAES_OAEP_SHA_256",
        /// An ephemeral AES-256 key wrapped with RSA-OAEP SHA-1, then the
        /// material wrapped with it by AES key wrap with padding (RFC 5649).
        RsaAesKeyWrapSha1 => "RSA_AES_KEY_WRAP_SHA_1",
        /// The same with RSA-OAEP SHA-256.
        RsaAesKeyWrapSha256 => "RSA_AES_KEY_WRAP_SHA_256",
        /// SM2 public-key encryption: China Regions only.
        Sm2Pke => "SM2PKE",
    }
}

impl WrappingAlgorithm {
    /// Whether the algorithm wraps the material under an ephemeral AES key
    /// (the only way material longer than RSA-OAEP takes can be imported).
    pub const fn uses_aes_key_wrap(self) -> bool {
        matches!(self, Self::RsaAesKeyWrapSha1 | Self::RsaAesKeyWrapSha256)
    }
}

wire_enum! {
    /// The public key GetParametersForImport returns (AWS `WrappingKeySpec`).
    WrappingKeySpec {
        /// RSA, 2048-bit modulus.
        Rsa2048 => "RSA_2048",
        /// RSA, 3072-bit modulus.
        Rsa3072 => "RSA_3072",
        /// RSA, 4096-bit modulus.
        Rsa4096 => "RSA_4096",
        /// SM2: China Regions only.
        Sm2 => "SM2",
    }
}

impl WrappingKeySpec {
    /// The key spec of the wrapping key pair; `None` for SM2.
    pub const fn key_spec(self) -> Option<KeySpec> {
        match self {
            Self::Rsa2048 => Some(KeySpec::Rsa2048),
            Self::Rsa3072 => Some(KeySpec::Rsa3072),
            Self::Rsa4096 => Some(KeySpec::Rsa4096),
            Self::Sm2 => None,
        }
    }
}

wire_enum! {
    /// Whether imported material expires (AWS `ExpirationModelType`).
    ExpirationModel {
        /// Deleted at `ValidTo`.
        KeyMaterialExpires => "KEY_MATERIAL_EXPIRES",
        /// Kept until deleted.
        KeyMaterialDoesNotExpire => "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
}

wire_enum! {
    /// What an ImportKeyMaterial call imports (AWS `ImportType`).
    ImportType {
        /// Material the key has never had.
        NewKeyMaterial => "NEW_KEY_MATERIAL",
        /// Material the key had (the same bytes), re-imported.
        ExistingKeyMaterial => "EXISTING_KEY_MATERIAL",
    }
}

wire_enum! {
    /// Whether a key material is present (AWS `ImportState`).
    ImportState {
        /// Imported and usable.
        Imported => "IMPORTED",
        /// Deleted or expired: it can be imported again.
        PendingImport => "PENDING_IMPORT",
    }
}

wire_enum! {
    /// A key material's place in the key's history (AWS `KeyMaterialState`).
    KeyMaterialState {
        /// Used for decryption only.
        NonCurrent => "NON_CURRENT",
        /// Used for new encryptions.
        Current => "CURRENT",
        /// Imported, waiting for RotateKeyOnDemand to become current.
        PendingRotation => "PENDING_ROTATION",
    }
}

wire_enum! {
    /// What ListKeyRotations lists (AWS `IncludeKeyMaterial`).
    IncludeKeyMaterial {
        /// Every key material, current and pending ones included.
        AllKeyMaterial => "ALL_KEY_MATERIAL",
        /// Only the materials that rotations made.
        RotationsOnly => "ROTATIONS_ONLY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for each in WrappingAlgorithm::ALL {
            assert_eq!(WrappingAlgorithm::parse(each.as_str()), Some(*each));
        }
        for each in WrappingKeySpec::ALL {
            assert_eq!(WrappingKeySpec::parse(each.as_str()), Some(*each));
        }
        assert_eq!(WrappingAlgorithm::parse("rsaes_oaep_sha_256"), None);
        assert!(WrappingAlgorithm::RsaAesKeyWrapSha256.uses_aes_key_wrap());
        assert!(!WrappingAlgorithm::RsaesOaepSha256.uses_aes_key_wrap());
        assert_eq!(WrappingKeySpec::Sm2.key_spec(), None);
        assert_eq!(WrappingKeySpec::Rsa4096.key_spec(), Some(KeySpec::Rsa4096));
    }
}
