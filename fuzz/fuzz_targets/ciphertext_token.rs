//! Ciphertext blobs, tokens and sealed values: what callers hand back to
//! Trent after Trent made it (a `CiphertextBlob`, a grant token, a session
//! token, an import token's wrapped material) and what the store holds
//! sealed, opened with fixed test keys.
//!
//! Properties: no panic on any bytes; a blob Trent encrypts peeks to its
//! header and decrypts to its plaintext, and one flipped bit or one more
//! context pair makes it `InvalidCiphertext` (`CryptoError::Failed`); the
//! context's AAD encoding is injective; a token sealed under a label opens
//! under that label only, and one flipped bit refuses it; root-key sealed
//! values (named or unnamed) open through `RootKeys` as the service opens
//! them; wrapped import material unwraps to itself; root key ids print and
//! parse back.

#![no_main]

use std::sync::{Arc, OnceLock};

use arbitrary::Arbitrary;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use trent_core::context::EncryptionContext;
use trent_core::id::KeyId;
use trent_core::import::WrappingAlgorithm;
use trent_core::key::KeySpec;
use trent_core::sealed::SealedKeyMaterial;
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_crypto::import::{wrap, WrappingKey};
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::{
    open_key_material, seal_key_material, FileRootKeyProvider, RootKeyId, RootKeyProvider,
    RootKeys, SealedBy,
};
use trent_crypto::token::TokenKey;
use trent_crypto::{sealed_key, CryptoError};

/// The labels the service seals tokens and secrets under.
const LABELS: &[&[u8]] = &[
    b"trent/grant-token/v1",
    b"trent/session-token/v1",
    b"trent/import-token/v1",
    b"trent/access-key-secret/v1",
];

struct Keys {
    material: KeyMaterial,
    token: TokenKey,
    root: Arc<RootKeys>,
    file: Arc<FileRootKeyProvider>,
    wrapping: WrappingKey,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        // A fixed root key file, read once and removed: the provider holds it.
        let path = std::env::temp_dir().join(format!("trent-fuzz-root-{}.key", std::process::id()));
        let _ = std::fs::remove_file(&path);
        trent_crypto::root_key::write_new_secret_file(&path, &[0x33; 32]).expect("root key file");
        let file = Arc::new(FileRootKeyProvider::open_or_create(&path, false).expect("root key"));
        let _ = std::fs::remove_file(&path);
        Keys {
            material: KeyMaterial::from_imported(&[0x11; 32]).expect("material"),
            token: TokenKey::from_secret(&[0x22; 32]).expect("token key"),
            root: Arc::new(RootKeys::new(file.clone())),
            file,
            wrapping: WrappingKey::generate(trent_core::import::WrappingKeySpec::Rsa2048)
                .expect("wrapping key"),
        }
    })
}

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any bytes as a `CiphertextBlob`, with a context.
    Blob {
        blob: Vec<u8>,
        context: Vec<(String, String)>,
    },
    /// Trent's own blob, then one bit flipped.
    BlobRoundTrip {
        plaintext: Vec<u8>,
        key_id: [u8; 16],
        material_version: u32,
        context: Vec<(String, String)>,
        flip: (u16, u8),
    },
    /// Two contexts: equal encodings only for equal contexts.
    Contexts(Vec<(String, String)>, Vec<(String, String)>),
    /// Any text as a grant or session token, as the service reads it.
    Token { label: u8, token: String },
    /// A token Trent sealed, then one bit flipped.
    TokenRoundTrip {
        label: u8,
        other: u8,
        data: Vec<u8>,
        flip: (u16, u8),
    },
    /// Any bytes as a root-key sealed value or sealed key material.
    Sealed {
        label: u8,
        sealed: Vec<u8>,
        key_id: [u8; 16],
        version: u32,
        spec: u8,
    },
    /// Key material sealed by the root key, then opened.
    SealedRoundTrip { key_id: [u8; 16], version: u32 },
    /// Any bytes as wrapped import material.
    Wrapped { algorithm: u8, wrapped: Vec<u8> },
    /// Material wrapped as a client does, then unwrapped.
    WrapRoundTrip { algorithm: u8, material: Vec<u8> },
    /// A root key id's text.
    RootKeyId(String),
}

fn context(pairs: &[(String, String)]) -> EncryptionContext {
    EncryptionContext::from_pairs(pairs.iter().cloned())
}

fn flipped(bytes: &[u8], (at, bit): (u16, u8)) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() {
        let index = usize::from(at) % out.len();
        out[index] ^= 1 << (bit % 8);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let input = match trent_fuzz::plain(data) {
        // `0`: a blob, with no context; `1`: a grant token; `2`: a session token.
        Some([0, blob @ ..]) => Input::Blob {
            blob: blob.to_vec(),
            context: Vec::new(),
        },
        Some([which, token @ ..]) => Input::Token {
            label: if *which == 1 { 0 } else { 1 },
            token: String::from_utf8_lossy(token).into_owned(),
        },
        Some([]) => return,
        None => match Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) {
            Ok(input) => input,
            Err(_) => return,
        },
    };
    run(input);
});

fn run(input: Input) {
    let keys = keys();
    match input {
        Input::Blob {
            blob,
            context: pairs,
        } => {
            let context = context(&pairs);
            let header = CiphertextHeader::peek(&blob);
            match ciphertext::decrypt(&keys.material, &blob, &context) {
                // Only a blob made under the test material (a seed) opens.
                Ok(plaintext) => {
                    let header = header.expect("a blob that decrypts has a header");
                    let again = ciphertext::encrypt(&keys.material, header, &context, &plaintext)
                        .expect("encrypt");
                    assert_eq!(again.len(), blob.len());
                    assert_eq!(
                        &ciphertext::decrypt(&keys.material, &again, &context).expect("decrypt")[..],
                        &plaintext[..]
                    );
                }
                Err(error) => assert_eq!(error, CryptoError::Failed),
            }
        }
        Input::BlobRoundTrip {
            plaintext,
            key_id,
            material_version,
            context: pairs,
            flip,
        } => {
            let context = context(&pairs);
            let header = CiphertextHeader {
                key_id: KeyId::from_bytes(key_id),
                material_version,
            };
            let blob =
                ciphertext::encrypt(&keys.material, header, &context, &plaintext).expect("encrypt");
            assert_eq!(blob.len(), plaintext.len() + ciphertext::OVERHEAD);
            assert_eq!(CiphertextHeader::peek(&blob), Ok(header));
            assert_eq!(
                &ciphertext::decrypt(&keys.material, &blob, &context).expect("decrypt")[..],
                &plaintext[..]
            );
            assert_eq!(
                ciphertext::decrypt(&keys.material, &flipped(&blob, flip), &context),
                Err(CryptoError::Failed),
                "a flipped bit still decrypts"
            );
            let mut more = pairs.clone();
            more.push(("\u{0}extra".to_owned(), String::new()));
            if !pairs.iter().any(|(key, _)| key == "\u{0}extra") {
                assert_eq!(
                    ciphertext::decrypt(&keys.material, &blob, &self::context(&more)),
                    Err(CryptoError::Failed),
                    "another context still decrypts"
                );
            }
            assert_eq!(
                ciphertext::decrypt(&keys.material, &blob[..blob.len() - 1], &context),
                Err(CryptoError::Failed)
            );
        }
        Input::Contexts(a, b) => {
            let (a, b) = (context(&a), context(&b));
            assert_eq!(
                ciphertext::encode_context(&a) == ciphertext::encode_context(&b),
                a == b,
                "the context encoding is ambiguous: {a:?} / {b:?}"
            );
        }
        Input::Token { label, token } => {
            let label = LABELS[usize::from(label) % LABELS.len()];
            if let Ok(sealed) = URL_SAFE_NO_PAD.decode(token.as_bytes()) {
                // As `Kms::open_token` does: the token key's values, else the root key's.
                let opened = if TokenKey::sealed_it(&sealed) {
                    keys.token.open(label, &sealed)
                } else {
                    keys.root.open(label, &sealed)
                };
                if let Err(error) = opened {
                    assert!(matches!(
                        error,
                        CryptoError::Failed | CryptoError::RootKeyUnavailable
                    ));
                }
            }
        }
        Input::TokenRoundTrip {
            label,
            other,
            data,
            flip,
        } => {
            let (index, other) = (
                usize::from(label) % LABELS.len(),
                usize::from(other) % LABELS.len(),
            );
            let sealed = keys.token.seal(LABELS[index], &data).expect("seal");
            assert!(TokenKey::sealed_it(&sealed));
            let token = URL_SAFE_NO_PAD.encode(&sealed);
            let decoded = URL_SAFE_NO_PAD.decode(token.as_bytes()).expect("base64");
            assert_eq!(
                &keys.token.open(LABELS[index], &decoded).expect("open")[..],
                &data[..]
            );
            if other != index {
                assert!(
                    keys.token.open(LABELS[other], &decoded).is_err(),
                    "opened under another label"
                );
            }
            assert!(
                keys.token
                    .open(LABELS[index], &flipped(&decoded, flip))
                    .is_err(),
                "a flipped bit opens"
            );
            // Root-key sealing, named (through RootKeys) and unnamed (the file key alone).
            let named = keys.root.seal(LABELS[index], &data).expect("seal");
            assert_eq!(SealedBy::of(&named), Some(SealedBy::Key(keys.file.id())));
            assert_eq!(
                &keys.root.open(LABELS[index], &named).expect("open")[..],
                &data[..]
            );
            let unnamed = keys.file.seal(LABELS[index], &data).expect("seal");
            assert_eq!(SealedBy::of(&unnamed), Some(SealedBy::Unnamed));
            assert_eq!(
                &keys.root.open(LABELS[index], &unnamed).expect("open")[..],
                &data[..]
            );
            assert!(keys
                .root
                .open(LABELS[index], &flipped(&named, flip))
                .is_err());
            assert!(keys
                .root
                .reseal(LABELS[index], &named)
                .expect("reseal")
                .is_none());
            let resealed = keys
                .root
                .reseal(LABELS[index], &unnamed)
                .expect("reseal")
                .expect("moved");
            assert_eq!(
                &keys.root.open(LABELS[index], &resealed).expect("open")[..],
                &data[..]
            );
        }
        Input::Sealed {
            label,
            sealed,
            key_id,
            version,
            spec,
        } => {
            let label = LABELS[usize::from(label) % LABELS.len()];
            let _ = SealedBy::of(&sealed);
            let _ = keys.root.open(label, &sealed);
            let _ = keys.root.reseal(label, &sealed);
            let material = SealedKeyMaterial::from_bytes(sealed);
            let key_id = KeyId::from_bytes(key_id);
            let _ = open_key_material(&*keys.root, &key_id, version, &material);
            let _ = sealed_key::peek_spec(&material);
            let _ = sealed_key::sealed_by(&material);
            let spec = KeySpec::ALL[usize::from(spec) % KeySpec::ALL.len()];
            let _ = sealed_key::open_private_key(&*keys.root, &key_id, version, spec, &material);
            let _ = sealed_key::open_hmac_key(&*keys.root, &key_id, version, spec, &material);
            let _ = sealed_key::reseal(&keys.root, &key_id, version, spec, &material);
        }
        Input::SealedRoundTrip { key_id, version } => {
            let key_id = KeyId::from_bytes(key_id);
            let sealed =
                seal_key_material(&*keys.root, &key_id, version, &keys.material).expect("seal");
            let opened = open_key_material(&*keys.root, &key_id, version, &sealed).expect("open");
            // Same material: what one encrypts, the other decrypts.
            let header = CiphertextHeader {
                key_id,
                material_version: version,
            };
            let blob = ciphertext::encrypt(&opened, header, &EncryptionContext::new(), b"x")
                .expect("encrypt");
            assert_eq!(
                &ciphertext::decrypt(&keys.material, &blob, &EncryptionContext::new())
                    .expect("decrypt")[..],
                b"x"
            );
            assert!(
                open_key_material(&*keys.root, &key_id, version.wrapping_add(1), &sealed).is_err(),
                "material opened as another version"
            );
        }
        Input::Wrapped { algorithm, wrapped } => {
            let algorithm =
                WrappingAlgorithm::ALL[usize::from(algorithm) % WrappingAlgorithm::ALL.len()];
            let _ = keys.wrapping.unwrap(algorithm, &wrapped);
        }
        Input::WrapRoundTrip {
            algorithm,
            material,
        } => {
            let algorithm =
                WrappingAlgorithm::ALL[usize::from(algorithm) % WrappingAlgorithm::ALL.len()];
            let public = keys.wrapping.public_key().expect("public key");
            if let Ok(wrapped) = wrap(&public, algorithm, &material) {
                assert_eq!(
                    &keys.wrapping.unwrap(algorithm, &wrapped).expect("unwrap")[..],
                    &material[..],
                    "{algorithm:?}"
                );
            }
        }
        Input::RootKeyId(text) => {
            if let Some(id) = RootKeyId::parse(&text) {
                assert_eq!(id.to_string(), text.to_ascii_lowercase());
                assert_eq!(RootKeyId::parse(&id.to_string()), Some(id));
            }
        }
    }
}
