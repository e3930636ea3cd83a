//! The private halves of asymmetric KMS keys (RSA, ECC, Ed25519, ML-DSA,
//! ML-KEM), one type per family, and the public key as DER
//! `SubjectPublicKeyInfo` (what GetPublicKey returns).
//!
//! Every private key keeps its serialized form (see `PrivateKey::encoded`)
//! in a zeroizing buffer, beside the parsed aws-lc object that does the work
//! (aws-lc cleanses that object's memory when it is freed). No `Debug`
//! shows more than the key spec.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::{self as lc_signature, KeyPair as _};
use aws_lc_rs::{agreement as lc_agreement, kem as lc_kem, rsa as lc_rsa};
use trent_core::key::KeySpec;
use zeroize::Zeroizing;

use crate::der;
use crate::material::PrivateKeyDer;
use crate::CryptoError;

/// How a private key is serialized for sealing (the encoding byte of
/// `docs/key-material-format.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// PKCS#8 v1 `PrivateKeyInfo` DER (RSA, ECC, Ed25519, ML-DSA seed form).
    Pkcs8 = 0x01,
    /// FIPS 203 expanded decapsulation key followed by the encapsulation key.
    MlKemExpanded = 0x02,
    /// The raw secret of an HMAC key.
    RawSecret = 0x03,
}

/// The private key of an asymmetric KMS key or data key pair.
pub enum PrivateKey {
    /// RSA_2048, RSA_3072, RSA_4096.
    Rsa(RsaPrivateKey),
    /// ECC_NIST_P256/P384/P521, ECC_SECG_P256K1.
    Ec(EcPrivateKey),
    /// ECC_NIST_EDWARDS25519.
    Ed25519(Ed25519PrivateKey),
    /// ML_DSA_44/65/87.
    MlDsa(MlDsaPrivateKey),
    /// ML_KEM_512/768/1024.
    MlKem(MlKemPrivateKey),
}

/// An RSA private key, usable for signing and for OAEP decryption.
pub struct RsaPrivateKey {
    spec: KeySpec,
    pkcs8: Zeroizing<Vec<u8>>,
    pub(crate) signing: lc_rsa::KeyPair,
    pub(crate) decrypting: lc_rsa::OaepPrivateDecryptingKey,
}

/// An elliptic-curve private key, usable for ECDSA and, on the NIST curves,
/// for ECDH.
pub struct EcPrivateKey {
    spec: KeySpec,
    pkcs8: Zeroizing<Vec<u8>>,
    pub(crate) signing: lc_signature::EcdsaKeyPair,
    /// `None` for secp256k1, which AWS (and aws-lc-rs) offer for signing only.
    pub(crate) agreement: Option<lc_agreement::PrivateKey>,
}

/// An Ed25519 private key.
pub struct Ed25519PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pub(crate) signing: lc_signature::Ed25519KeyPair,
}

/// An ML-DSA private key, kept in the PKCS#8 seed form aws-lc-rs writes.
pub struct MlDsaPrivateKey {
    spec: KeySpec,
    pkcs8: Zeroizing<Vec<u8>>,
    pub(crate) signing: lc_signature::PqdsaKeyPair,
}

/// An ML-KEM private key: the FIPS 203 expanded decapsulation key, and the
/// encapsulation key beside it (aws-lc-rs cannot derive one from the other
/// once the decapsulation key is loaded from bytes).
pub struct MlKemPrivateKey {
    spec: KeySpec,
    /// `dk ‖ ek`.
    expanded: Zeroizing<Vec<u8>>,
    pub(crate) decapsulation: lc_kem::DecapsulationKey,
    pub(crate) encapsulation: lc_kem::EncapsulationKey,
}

fn failed<E>(_: E) -> CryptoError {
    CryptoError::Failed
}

fn rsa_size(spec: KeySpec) -> Option<(lc_rsa::KeySize, usize)> {
    match spec {
        KeySpec::Rsa2048 => Some((lc_rsa::KeySize::Rsa2048, 2048)),
        KeySpec::Rsa3072 => Some((lc_rsa::KeySize::Rsa3072, 3072)),
        KeySpec::Rsa4096 => Some((lc_rsa::KeySize::Rsa4096, 4096)),
        _ => None,
    }
}

/// The ECDSA signing algorithm (DER signatures) AWS pairs with each curve,
/// and the ECDH algorithm where the curve has one.
fn ec_algorithms(
    spec: KeySpec,
) -> Option<(
    &'static lc_signature::EcdsaSigningAlgorithm,
    Option<&'static lc_agreement::Algorithm>,
)> {
    match spec {
        KeySpec::EccNistP256 => Some((
            &lc_signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            Some(&lc_agreement::ECDH_P256),
        )),
        KeySpec::EccNistP384 => Some((
            &lc_signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            Some(&lc_agreement::ECDH_P384),
        )),
        KeySpec::EccNistP521 => Some((
            &lc_signature::ECDSA_P521_SHA512_ASN1_SIGNING,
            Some(&lc_agreement::ECDH_P521),
        )),
        KeySpec::EccSecgP256k1 => Some((&lc_signature::ECDSA_P256K1_SHA256_ASN1_SIGNING, None)),
        _ => None,
    }
}

pub(crate) fn ml_dsa_algorithm(
    spec: KeySpec,
) -> Option<&'static lc_signature::PqdsaSigningAlgorithm> {
    match spec {
        KeySpec::MlDsa44 => Some(&lc_signature::ML_DSA_44_SIGNING),
        KeySpec::MlDsa65 => Some(&lc_signature::ML_DSA_65_SIGNING),
        KeySpec::MlDsa87 => Some(&lc_signature::ML_DSA_87_SIGNING),
        _ => None,
    }
}

/// An ML-KEM parameter set: the aws-lc algorithm, the last arc of its OID
/// and its FIPS 203 sizes (aws-lc-rs keeps the sizes private).
pub(crate) struct MlKemParameters {
    pub(crate) algorithm: &'static lc_kem::Algorithm,
    pub(crate) arc: u8,
    pub(crate) decapsulation_key_len: usize,
    pub(crate) encapsulation_key_len: usize,
    pub(crate) ciphertext_len: usize,
}

pub(crate) fn ml_kem_parameters(spec: KeySpec) -> Option<MlKemParameters> {
    let (algorithm, arc, decapsulation_key_len, encapsulation_key_len, ciphertext_len) = match spec
    {
        KeySpec::MlKem512 => (&lc_kem::ML_KEM_512, 1, 1632, 800, 768),
        KeySpec::MlKem768 => (&lc_kem::ML_KEM_768, 2, 2400, 1184, 1088),
        KeySpec::MlKem1024 => (&lc_kem::ML_KEM_1024, 3, 3168, 1568, 1568),
        _ => return None,
    };
    Some(MlKemParameters {
        algorithm,
        arc,
        decapsulation_key_len,
        encapsulation_key_len,
        ciphertext_len,
    })
}

/// Refuses SM2 as unsupported and every non-asymmetric spec as bad input.
fn refuse(spec: KeySpec) -> CryptoError {
    if spec.is_china_regions_only() {
        CryptoError::Unsupported
    } else {
        CryptoError::InvalidInput
    }
}

fn copy(bytes: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(bytes.to_vec())
}

impl PrivateKey {
    /// A fresh key pair of `spec`. RSA_4096 takes about a second: callers
    /// on an async runtime run this on the blocking pool.
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        if let Some((size, _)) = rsa_size(spec) {
            let key_pair = lc_rsa::KeyPair::generate(size).map_err(failed)?;
            let pkcs8: Pkcs8V1Der<'static> = key_pair.as_der().map_err(failed)?;
            return Self::from_pkcs8(spec, pkcs8.as_ref());
        }
        if let Some((signing, _)) = ec_algorithms(spec) {
            let key_pair = lc_signature::EcdsaKeyPair::generate(signing).map_err(failed)?;
            let pkcs8 = key_pair.to_pkcs8v1().map_err(failed)?;
            return Self::from_pkcs8(spec, pkcs8.as_ref());
        }
        if spec == KeySpec::EccNistEdwards25519 {
            let key_pair = lc_signature::Ed25519KeyPair::generate().map_err(failed)?;
            let pkcs8 = key_pair.to_pkcs8v1().map_err(failed)?;
            return Self::from_pkcs8(spec, pkcs8.as_ref());
        }
        if let Some(algorithm) = ml_dsa_algorithm(spec) {
            let key_pair = lc_signature::PqdsaKeyPair::generate(algorithm).map_err(failed)?;
            let pkcs8 = key_pair.to_pkcs8v1().map_err(failed)?;
            return Self::from_pkcs8(spec, pkcs8.as_ref());
        }
        if let Some(parameters) = ml_kem_parameters(spec) {
            let decapsulation =
                lc_kem::DecapsulationKey::generate(parameters.algorithm).map_err(failed)?;
            let encapsulation = decapsulation.encapsulation_key().map_err(failed)?;
            let mut expanded = copy(decapsulation.key_bytes().map_err(failed)?.as_ref());
            expanded.extend_from_slice(encapsulation.key_bytes().map_err(failed)?.as_ref());
            return Ok(Self::MlKem(MlKemPrivateKey {
                spec,
                expanded,
                decapsulation,
                encapsulation,
            }));
        }
        Err(refuse(spec))
    }

    /// A private key of `spec` from PKCS#8 v1 (or v2) DER. Refuses a key of
    /// another type, curve or RSA size. ML-KEM keys have no PKCS#8 reader in
    /// aws-lc-rs and are refused here.
    pub fn from_pkcs8(spec: KeySpec, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        if let Some((_, bits)) = rsa_size(spec) {
            let signing = lc_rsa::KeyPair::from_pkcs8(pkcs8).map_err(failed)?;
            let decrypting = lc_rsa::PrivateDecryptingKey::from_pkcs8(pkcs8).map_err(failed)?;
            if decrypting.key_size_bits() != bits || signing.public_modulus_len() * 8 != bits {
                return Err(CryptoError::Failed);
            }
            let decrypting = lc_rsa::OaepPrivateDecryptingKey::new(decrypting).map_err(failed)?;
            return Ok(Self::Rsa(RsaPrivateKey {
                spec,
                pkcs8: copy(pkcs8),
                signing,
                decrypting,
            }));
        }
        if let Some((signing_algorithm, agreement_algorithm)) = ec_algorithms(spec) {
            let signing =
                lc_signature::EcdsaKeyPair::from_pkcs8(signing_algorithm, pkcs8).map_err(failed)?;
            let agreement = match agreement_algorithm {
                Some(algorithm) => Some(
                    lc_agreement::PrivateKey::from_private_key_der(algorithm, pkcs8)
                        .map_err(failed)?,
                ),
                None => None,
            };
            return Ok(Self::Ec(EcPrivateKey {
                spec,
                pkcs8: copy(pkcs8),
                signing,
                agreement,
            }));
        }
        if spec == KeySpec::EccNistEdwards25519 {
            let signing =
                lc_signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).map_err(failed)?;
            return Ok(Self::Ed25519(Ed25519PrivateKey {
                pkcs8: copy(pkcs8),
                signing,
            }));
        }
        if let Some(algorithm) = ml_dsa_algorithm(spec) {
            let signing =
                lc_signature::PqdsaKeyPair::from_pkcs8(algorithm, pkcs8).map_err(failed)?;
            return Ok(Self::MlDsa(MlDsaPrivateKey {
                spec,
                pkcs8: copy(pkcs8),
                signing,
            }));
        }
        Err(refuse(spec))
    }

    /// An ML-KEM private key from `dk ‖ ek` (FIPS 203 encodings).
    fn from_ml_kem_expanded(spec: KeySpec, expanded: &[u8]) -> Result<Self, CryptoError> {
        let parameters = ml_kem_parameters(spec).ok_or(CryptoError::Failed)?;
        let dk_len = parameters.decapsulation_key_len;
        if expanded.len() != dk_len + parameters.encapsulation_key_len {
            return Err(CryptoError::Failed);
        }
        let (dk, ek) = expanded.split_at(dk_len);
        let decapsulation =
            lc_kem::DecapsulationKey::new(parameters.algorithm, dk).map_err(failed)?;
        let encapsulation =
            lc_kem::EncapsulationKey::new(parameters.algorithm, ek).map_err(failed)?;
        Ok(Self::MlKem(MlKemPrivateKey {
            spec,
            expanded: copy(expanded),
            decapsulation,
            encapsulation,
        }))
    }

    /// The key spec.
    pub fn spec(&self) -> KeySpec {
        match self {
            Self::Rsa(key) => key.spec,
            Self::Ec(key) => key.spec,
            Self::Ed25519(_) => KeySpec::EccNistEdwards25519,
            Self::MlDsa(key) => key.spec,
            Self::MlKem(key) => key.spec,
        }
    }

    /// The public key, as DER `SubjectPublicKeyInfo`.
    pub fn public_key(&self) -> Result<PublicKey, CryptoError> {
        let der = match self {
            Self::Rsa(key) => spki(key.signing.public_key())?,
            Self::Ec(key) => spki(key.signing.public_key())?,
            Self::Ed25519(key) => spki(key.signing.public_key())?,
            Self::MlDsa(key) => spki(key.signing.public_key())?,
            Self::MlKem(key) => {
                let parameters = ml_kem_parameters(key.spec).ok_or(CryptoError::Failed)?;
                let raw = key.encapsulation.key_bytes().map_err(failed)?;
                der::ml_kem_spki(parameters.arc, raw.as_ref())
            }
        };
        Ok(PublicKey {
            spec: self.spec(),
            der,
        })
    }

    /// The private key as PKCS#8 v1 DER, as GenerateDataKeyPair returns it.
    /// ML-KEM keys are written in the `expandedKey` form.
    pub fn to_pkcs8(&self) -> Result<PrivateKeyDer, CryptoError> {
        match self {
            Self::MlKem(key) => {
                let parameters = ml_kem_parameters(key.spec).ok_or(CryptoError::Failed)?;
                let dk = key
                    .expanded
                    .get(..parameters.decapsulation_key_len)
                    .ok_or(CryptoError::Failed)?;
                Ok(PrivateKeyDer::new(der::ml_kem_pkcs8(parameters.arc, dk)))
            }
            _ => {
                let (_, bytes) = self.encoded();
                Ok(PrivateKeyDer::new(copy(bytes)))
            }
        }
    }

    /// The serialized form sealed under the root key.
    pub(crate) fn encoded(&self) -> (Encoding, &[u8]) {
        match self {
            Self::Rsa(key) => (Encoding::Pkcs8, &key.pkcs8),
            Self::Ec(key) => (Encoding::Pkcs8, &key.pkcs8),
            Self::Ed25519(key) => (Encoding::Pkcs8, &key.pkcs8),
            Self::MlDsa(key) => (Encoding::Pkcs8, &key.pkcs8),
            Self::MlKem(key) => (Encoding::MlKemExpanded, &key.expanded),
        }
    }

    /// Reads back what [`PrivateKey::encoded`] wrote.
    pub(crate) fn decode(
        spec: KeySpec,
        encoding: Encoding,
        bytes: &[u8],
    ) -> Result<Self, CryptoError> {
        let key = match encoding {
            Encoding::Pkcs8 => Self::from_pkcs8(spec, bytes),
            Encoding::MlKemExpanded => Self::from_ml_kem_expanded(spec, bytes),
            Encoding::RawSecret => Err(CryptoError::Failed),
        }
        .map_err(|_| CryptoError::Failed)?;
        if key.encoded().0 != encoding {
            return Err(CryptoError::Failed);
        }
        Ok(key)
    }
}

fn spki<K: AsDer<PublicKeyX509Der<'static>>>(key: &K) -> Result<Vec<u8>, CryptoError> {
    Ok(key.as_der().map_err(failed)?.as_ref().to_vec())
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({}, redacted)", self.spec())
    }
}

macro_rules! family_spec_and_debug {
    ($($name:ident),+ $(,)?) => {
        $(impl $name {
            /// The key spec.
            pub fn spec(&self) -> KeySpec {
                self.spec
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({}, redacted)"), self.spec)
            }
        })+
    };
}

family_spec_and_debug!(
    RsaPrivateKey,
    EcPrivateKey,
    MlDsaPrivateKey,
    MlKemPrivateKey
);

impl std::fmt::Debug for Ed25519PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ed25519PrivateKey(ECC_NIST_EDWARDS25519, redacted)")
    }
}

/// The public key of an asymmetric key: DER `SubjectPublicKeyInfo` known to
/// parse as a key of its spec.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    spec: KeySpec,
    der: Vec<u8>,
}

impl PublicKey {
    /// Parses `der` as the SPKI of a key of `spec`. Refuses anything else
    /// (another key type, curve or RSA size, a bare point, a PKCS#1
    /// `RSAPublicKey`, trailing bytes) as [`CryptoError::InvalidInput`]:
    /// the encoding must be the one aws-lc writes back for the parsed key.
    pub fn from_der(spec: KeySpec, der: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::InvalidInput;
        let canonical: Vec<u8> = if let Some((_, bits)) = rsa_size(spec) {
            let key = lc_rsa::PublicEncryptingKey::from_der(der).map_err(bad)?;
            if key.key_size_bits() != bits {
                return Err(CryptoError::InvalidInput);
            }
            spki(&key)?
        } else if let Some(algorithm) = verification_algorithm_for(spec) {
            let key = lc_signature::ParsedPublicKey::new(algorithm, der).map_err(bad)?;
            spki(&key)?
        } else if let Some(parameters) = ml_kem_parameters(spec) {
            let raw = der::ml_kem_spki_key(parameters.arc, parameters.encapsulation_key_len, der)?;
            lc_kem::EncapsulationKey::new(parameters.algorithm, raw).map_err(bad)?;
            der.to_vec()
        } else {
            return Err(refuse(spec));
        };
        if canonical != der {
            return Err(CryptoError::InvalidInput);
        }
        Ok(Self {
            spec,
            der: canonical,
        })
    }

    /// The key spec.
    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The DER `SubjectPublicKeyInfo`.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({}, {} bytes)", self.spec, self.der.len())
    }
}

/// Some verification algorithm for an ECC, Ed25519 or ML-DSA spec, used
/// only to parse and re-encode its public key.
fn verification_algorithm_for(
    spec: KeySpec,
) -> Option<&'static dyn lc_signature::VerificationAlgorithm> {
    match spec {
        KeySpec::EccNistP256 => Some(&lc_signature::ECDSA_P256_SHA256_ASN1),
        KeySpec::EccNistP384 => Some(&lc_signature::ECDSA_P384_SHA384_ASN1),
        KeySpec::EccNistP521 => Some(&lc_signature::ECDSA_P521_SHA512_ASN1),
        KeySpec::EccSecgP256k1 => Some(&lc_signature::ECDSA_P256K1_SHA256_ASN1),
        KeySpec::EccNistEdwards25519 => Some(&lc_signature::ED25519),
        KeySpec::MlDsa44 => Some(&lc_signature::ML_DSA_44),
        KeySpec::MlDsa65 => Some(&lc_signature::ML_DSA_65),
        KeySpec::MlDsa87 => Some(&lc_signature::ML_DSA_87),
        _ => None,
    }
}

/// The asymmetric key specs this build generates (every one AWS offers
/// outside the China Regions).
pub const ASYMMETRIC_SPECS: &[KeySpec] = &[
    KeySpec::Rsa2048,
    KeySpec::Rsa3072,
    KeySpec::Rsa4096,
    KeySpec::EccNistP256,
    KeySpec::EccNistP384,
    KeySpec::EccNistP521,
    KeySpec::EccSecgP256k1,
    KeySpec::EccNistEdwards25519,
    KeySpec::MlDsa44,
    KeySpec::MlDsa65,
    KeySpec::MlDsa87,
    KeySpec::MlKem512,
    KeySpec::MlKem768,
    KeySpec::MlKem1024,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spec but the slow RSA_3072/4096 (generated in the sealing tests).
    fn quick_specs() -> impl Iterator<Item = KeySpec> {
        ASYMMETRIC_SPECS
            .iter()
            .copied()
            .filter(|spec| !matches!(spec, KeySpec::Rsa3072 | KeySpec::Rsa4096))
    }

    #[test]
    fn every_spec_generates_reloads_and_gives_a_parsable_spki() {
        for spec in quick_specs() {
            let key = PrivateKey::generate(spec).unwrap();
            assert_eq!(key.spec(), spec);
            let public = key.public_key().unwrap();
            assert_eq!(PublicKey::from_der(spec, public.der()).unwrap(), public);
            let (encoding, bytes) = key.encoded();
            let reloaded = PrivateKey::decode(spec, encoding, bytes).unwrap();
            assert_eq!(reloaded.public_key().unwrap(), public, "{spec}");
        }
    }

    #[test]
    fn public_keys_of_another_shape_are_refused() {
        let p256 = PrivateKey::generate(KeySpec::EccNistP256).unwrap();
        let der = p256.public_key().unwrap().der().to_vec();
        for spec in [
            KeySpec::EccNistP384,
            KeySpec::EccSecgP256k1,
            KeySpec::Rsa2048,
        ] {
            assert_eq!(
                PublicKey::from_der(spec, &der),
                Err(CryptoError::InvalidInput)
            );
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(PublicKey::from_der(KeySpec::EccNistP256, &trailing).is_err());
        // A bare uncompressed point is not an SPKI.
        assert!(PublicKey::from_der(KeySpec::EccNistP256, &der[der.len() - 65..]).is_err());
        assert_eq!(
            PublicKey::from_der(KeySpec::Sm2, &der),
            Err(CryptoError::Unsupported)
        );
        assert_eq!(
            PublicKey::from_der(KeySpec::Hmac256, &der),
            Err(CryptoError::InvalidInput)
        );
        assert_eq!(
            PrivateKey::generate(KeySpec::Sm2).unwrap_err(),
            CryptoError::Unsupported
        );
        assert_eq!(
            PrivateKey::generate(KeySpec::SymmetricDefault).unwrap_err(),
            CryptoError::InvalidInput
        );
    }

    #[test]
    fn a_pkcs8_key_of_another_curve_is_refused() {
        let p384 = PrivateKey::generate(KeySpec::EccNistP384).unwrap();
        let (_, pkcs8) = p384.encoded();
        assert!(PrivateKey::from_pkcs8(KeySpec::EccNistP256, pkcs8).is_err());
        assert!(PrivateKey::from_pkcs8(KeySpec::EccNistEdwards25519, pkcs8).is_err());
        assert!(PrivateKey::from_pkcs8(KeySpec::Rsa2048, pkcs8).is_err());
    }

    #[test]
    fn debug_output_shows_no_secret_bytes() {
        for spec in quick_specs() {
            let key = PrivateKey::generate(spec).unwrap();
            assert_eq!(format!("{key:?}"), format!("PrivateKey({spec}, redacted)"));
            let inner = match &key {
                PrivateKey::Rsa(inner) => format!("{inner:?}"),
                PrivateKey::Ec(inner) => format!("{inner:?}"),
                PrivateKey::Ed25519(inner) => format!("{inner:?}"),
                PrivateKey::MlDsa(inner) => format!("{inner:?}"),
                PrivateKey::MlKem(inner) => format!("{inner:?}"),
            };
            assert!(inner.ends_with(&format!("({spec}, redacted)")), "{inner}");
            assert!(inner.len() < 60, "{inner}");
        }
    }
}
