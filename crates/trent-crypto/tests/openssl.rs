//! Interoperability with an implementation Trent did not write: the
//! `openssl` command-line tool. Each test skips cleanly, with a note, when
//! `openssl` is absent, and the post-quantum checks skip when it predates
//! ML-DSA and ML-KEM (OpenSSL 3.5).

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code fails loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use trent_core::algorithm::{
    DataKeyPairSpec, EncapsulationAlgorithm, EncryptionAlgorithm, KeyAgreementAlgorithm,
    SigningAlgorithm,
};
use trent_core::key::KeySpec;
use trent_crypto::asymmetric::{PrivateKey, PublicKey};
use trent_crypto::sign::{self, Message};
use trent_crypto::{agreement, data_key_pair, kem, oaep, Verification};

fn run(args: &[&str]) -> Output {
    Command::new("openssl").args(args).output().unwrap()
}

fn succeeds(args: &[&str]) -> bool {
    let output = run(args);
    if !output.status.success() {
        eprintln!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output.status.success()
}

/// Whether `openssl` runs; prints why a test is skipped when it does not.
fn openssl_present(test: &str) -> bool {
    match Command::new("openssl").arg("version").output() {
        Ok(output) if output.status.success() => true,
        _ => {
            eprintln!("note: {test} skipped: no openssl command");
            false
        }
    }
}

/// Whether this OpenSSL lists `algorithm` (e.g. ML-DSA-65) among its
/// signature or KEM algorithms.
fn openssl_knows(algorithm: &str) -> bool {
    ["-signature-algorithms", "-kem-algorithms"]
        .iter()
        .any(|list| {
            let output = run(&["list", list]);
            output.status.success()
                && String::from_utf8_lossy(&output.stdout)
                    .to_ascii_uppercase()
                    .contains(&algorithm.to_ascii_uppercase())
        })
}

struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        text(&path)
    }

    fn path(&self, name: &str) -> String {
        text(&self.0.path().join(name))
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.0.path().join(name)).unwrap()
    }

    /// Writes an SPKI and converts it to PEM with OpenSSL (which checks it
    /// parses); returns the PEM path.
    fn public_pem(&self, name: &str, public: &PublicKey) -> String {
        let der = self.write(&format!("{name}.der"), public.der());
        let pem = self.path(&format!("{name}.pem"));
        assert!(succeeds(&[
            "pkey", "-pubin", "-inform", "DER", "-in", &der, "-out", &pem
        ]));
        pem
    }
}

fn text(path: &Path) -> String {
    PathBuf::from(path).to_string_lossy().into_owned()
}

/// Signatures made by Trent verify with `openssl dgst` / `pkeyutl` against
/// the SPKI GetPublicKey would return.
#[test]
fn openssl_verifies_trent_signatures() {
    if !openssl_present("openssl_verifies_trent_signatures") {
        return;
    }
    let scratch = Scratch::new();
    let message = scratch.write("message", b"signed by trent, checked by openssl");
    let cases: &[(KeySpec, SigningAlgorithm, &str, &[&str])] = &[
        (
            KeySpec::EccNistP256,
            SigningAlgorithm::EcdsaSha256,
            "-sha256",
            &[],
        ),
        (
            KeySpec::EccNistP384,
            SigningAlgorithm::EcdsaSha384,
            "-sha384",
            &[],
        ),
        (
            KeySpec::EccNistP521,
            SigningAlgorithm::EcdsaSha512,
            "-sha512",
            &[],
        ),
        (
            KeySpec::EccSecgP256k1,
            SigningAlgorithm::EcdsaSha256,
            "-sha256",
            &[],
        ),
        (
            KeySpec::Rsa2048,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
            "-sha256",
            &[],
        ),
        (
            KeySpec::Rsa2048,
            SigningAlgorithm::RsassaPkcs1V15Sha512,
            "-sha512",
            &[],
        ),
        (
            KeySpec::Rsa2048,
            SigningAlgorithm::RsassaPssSha256,
            "-sha256",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:32",
            ],
        ),
        (
            KeySpec::Rsa3072,
            SigningAlgorithm::RsassaPssSha384,
            "-sha384",
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:48",
            ],
        ),
    ];
    let mut checked = 0;
    for (spec, algorithm, hash, options) in cases {
        let key = PrivateKey::generate(*spec).unwrap();
        let pem = scratch.public_pem(spec.as_str(), &key.public_key().unwrap());
        let body = std::fs::read(&message).unwrap();
        for signature in [
            sign::sign(&key, *algorithm, Message::Raw(&body)).unwrap(),
            sign::sign(
                &key,
                *algorithm,
                Message::Digest(&openssl_digest(&scratch, hash, &message)),
            )
            .unwrap(),
        ] {
            let signature_path = scratch.write("signature", &signature);
            let mut args = vec![
                "dgst",
                *hash,
                "-verify",
                &pem,
                "-signature",
                &signature_path,
            ];
            args.extend_from_slice(options);
            args.push(&message);
            assert!(succeeds(&args), "{spec} {algorithm}");
            checked += 1;
        }
    }
    let ed25519 = PrivateKey::generate(KeySpec::EccNistEdwards25519).unwrap();
    let pem = scratch.public_pem("ed25519", &ed25519.public_key().unwrap());
    let body = std::fs::read(&message).unwrap();
    let signature = sign::sign(
        &ed25519,
        SigningAlgorithm::Ed25519Sha512,
        Message::Raw(&body),
    )
    .unwrap();
    let signature_path = scratch.write("signature", &signature);
    assert!(succeeds(&[
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        &pem,
        "-rawin",
        "-in",
        &message,
        "-sigfile",
        &signature_path
    ]));
    checked += 1;
    eprintln!("openssl verified {checked} Trent signatures");
}

fn openssl_digest(scratch: &Scratch, hash: &str, message: &str) -> Vec<u8> {
    let out = scratch.path("digest");
    assert!(succeeds(&["dgst", hash, "-binary", "-out", &out, message]));
    scratch.read("digest")
}

/// Data encrypted by OpenSSL to a Trent RSA public key (RSAES-OAEP, SHA-1
/// and SHA-256, MGF1 of the same hash) decrypts in Trent.
#[test]
fn trent_decrypts_what_openssl_encrypted() {
    if !openssl_present("trent_decrypts_what_openssl_encrypted") {
        return;
    }
    let scratch = Scratch::new();
    let key = PrivateKey::generate(KeySpec::Rsa2048).unwrap();
    let pem = scratch.public_pem("rsa", &key.public_key().unwrap());
    let plaintext = scratch.write("plaintext", &[0x5Au8; 190]);
    for (algorithm, md) in [
        (EncryptionAlgorithm::RsaesOaepSha1, "sha1"),
        (EncryptionAlgorithm::RsaesOaepSha256, "sha256"),
    ] {
        let out = scratch.path("ciphertext");
        assert!(succeeds(&[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            &pem,
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            &format!("rsa_oaep_md:{md}"),
            "-pkeyopt",
            &format!("rsa_mgf1_md:{md}"),
            "-in",
            &plaintext,
            "-out",
            &out,
        ]));
        let decrypted = oaep::decrypt(&key, algorithm, &scratch.read("ciphertext")).unwrap();
        assert_eq!(&decrypted[..], &[0x5Au8; 190][..]);
    }
}

/// An ECDH secret OpenSSL derives from Trent's public key and its own
/// private key equals the one Trent derives from OpenSSL's public key.
#[test]
fn openssl_and_trent_derive_the_same_ecdh_secret() {
    if !openssl_present("openssl_and_trent_derive_the_same_ecdh_secret") {
        return;
    }
    let scratch = Scratch::new();
    for (spec, curve) in [
        (KeySpec::EccNistP256, "P-256"),
        (KeySpec::EccNistP384, "P-384"),
        (KeySpec::EccNistP521, "P-521"),
    ] {
        let key = PrivateKey::generate(spec).unwrap();
        let trent_pem = scratch.public_pem("trent", &key.public_key().unwrap());
        let peer = scratch.path("peer.pem");
        assert!(succeeds(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-out",
            &peer
        ]));
        let peer_der = scratch.path("peer-public.der");
        assert!(succeeds(&[
            "pkey", "-in", &peer, "-pubout", "-outform", "DER", "-out", &peer_der
        ]));
        let secret_path = scratch.path("secret");
        assert!(succeeds(&[
            "pkeyutl",
            "-derive",
            "-inkey",
            &peer,
            "-peerkey",
            &trent_pem,
            "-out",
            &secret_path
        ]));
        let ours = agreement::derive_shared_secret(
            &key,
            KeyAgreementAlgorithm::Ecdh,
            &scratch.read("peer-public.der"),
        )
        .unwrap();
        assert_eq!(ours.expose(), &scratch.read("secret")[..], "{spec}");
    }
}

/// A data key pair's PKCS#8 private key signs in OpenSSL, and the SPKI
/// verifies that signature in OpenSSL and in Trent.
#[test]
fn data_key_pairs_work_offline() {
    if !openssl_present("data_key_pairs_work_offline") {
        return;
    }
    let scratch = Scratch::new();
    let message = scratch.write("message", b"offline");
    for (spec, algorithm) in [
        (DataKeyPairSpec::EccNistP256, SigningAlgorithm::EcdsaSha256),
        (
            DataKeyPairSpec::EccSecgP256k1,
            SigningAlgorithm::EcdsaSha256,
        ),
        (
            DataKeyPairSpec::Rsa2048,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
        ),
    ] {
        let pair = data_key_pair::generate_data_key_pair(spec).unwrap();
        let private = scratch.write("private.der", pair.private_key.expose());
        let public = scratch.write("public.der", &pair.public_key);
        let signature_path = scratch.path("signature");
        assert!(succeeds(&[
            "dgst",
            "-sha256",
            "-keyform",
            "DER",
            "-sign",
            &private,
            "-out",
            &signature_path,
            &message
        ]));
        assert!(succeeds(&[
            "dgst",
            "-sha256",
            "-keyform",
            "DER",
            "-verify",
            &public,
            "-signature",
            &signature_path,
            &message
        ]));
        let public_key = PublicKey::from_der(spec.key_spec(), &pair.public_key).unwrap();
        assert_eq!(
            sign::verify(
                &public_key,
                algorithm,
                Message::Raw(b"offline"),
                &scratch.read("signature")
            ),
            Ok(Verification::Valid),
            "{spec}"
        );
    }
    // Ed25519 data key pairs: OpenSSL reads the PKCS#8 and signs.
    let pair = data_key_pair::generate_data_key_pair(DataKeyPairSpec::EccNistEdwards25519).unwrap();
    let private = scratch.write("ed-private.der", pair.private_key.expose());
    let signature_path = scratch.path("ed-signature");
    assert!(succeeds(&[
        "pkeyutl",
        "-sign",
        "-keyform",
        "DER",
        "-inkey",
        &private,
        "-rawin",
        "-in",
        &message,
        "-out",
        &signature_path
    ]));
    let public_key = PublicKey::from_der(KeySpec::EccNistEdwards25519, &pair.public_key).unwrap();
    assert_eq!(
        sign::verify(
            &public_key,
            SigningAlgorithm::Ed25519Sha512,
            Message::Raw(b"offline"),
            &scratch.read("ed-signature")
        ),
        Ok(Verification::Valid)
    );
}

/// ML-DSA signatures and ML-KEM encapsulation against OpenSSL 3.5 or
/// later; skipped with a note on older OpenSSL.
#[test]
fn openssl_checks_post_quantum_keys_when_it_can() {
    if !openssl_present("openssl_checks_post_quantum_keys_when_it_can") {
        return;
    }
    let scratch = Scratch::new();
    if openssl_knows("ML-DSA-65") {
        let message = scratch.write("message", b"post-quantum");
        for spec in [KeySpec::MlDsa44, KeySpec::MlDsa65, KeySpec::MlDsa87] {
            let key = PrivateKey::generate(spec).unwrap();
            let pem = scratch.public_pem(spec.as_str(), &key.public_key().unwrap());
            let signature = sign::sign(
                &key,
                SigningAlgorithm::MlDsaShake256,
                Message::Raw(b"post-quantum"),
            )
            .unwrap();
            let signature_path = scratch.write("signature", &signature);
            assert!(
                succeeds(&[
                    "pkeyutl",
                    "-verify",
                    "-pubin",
                    "-inkey",
                    &pem,
                    "-rawin",
                    "-in",
                    &message,
                    "-sigfile",
                    &signature_path
                ]),
                "{spec}"
            );
        }
    } else {
        eprintln!("note: ML-DSA OpenSSL check skipped: this OpenSSL has no ML-DSA (needs 3.5+)");
    }
    if openssl_knows("ML-KEM-768") {
        for spec in [KeySpec::MlKem512, KeySpec::MlKem768, KeySpec::MlKem1024] {
            let key = PrivateKey::generate(spec).unwrap();
            let pem = scratch.public_pem(spec.as_str(), &key.public_key().unwrap());
            let ciphertext = scratch.path("kem-ciphertext");
            let secret = scratch.path("kem-secret");
            assert!(
                succeeds(&[
                    "pkeyutl",
                    "-encap",
                    "-pubin",
                    "-inkey",
                    &pem,
                    "-out",
                    &ciphertext,
                    "-secret",
                    &secret
                ]),
                "{spec}"
            );
            let ours = kem::decapsulate(
                &key,
                EncapsulationAlgorithm::MlKem,
                &scratch.read("kem-ciphertext"),
            )
            .unwrap();
            assert_eq!(ours.expose(), &scratch.read("kem-secret")[..], "{spec}");
        }
    } else {
        eprintln!("note: ML-KEM OpenSSL check skipped: this OpenSSL has no ML-KEM (needs 3.5+)");
    }
}

/// Material wrapped by OpenSSL the way AWS's import recipe wraps it
/// (`pkeyutl` RSA-OAEP, and `enc -id-aes256-wrap-pad` under an ephemeral
/// AES key for `RSA_AES_KEY_WRAP_*`) unwraps with Trent's wrapping key, and
/// a byte changed anywhere is refused.
#[test]
fn trent_unwraps_what_openssl_wrapped_for_import() {
    use trent_core::import::{WrappingAlgorithm, WrappingKeySpec};
    use trent_crypto::import::WrappingKey;
    if !openssl_present("trent_unwraps_what_openssl_wrapped_for_import") {
        return;
    }
    let scratch = Scratch::new();
    let key = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
    let public = scratch.write("wrapping.der", key.public_key().unwrap().der());
    let material: Vec<u8> = (0u8..32).collect();
    let long_material: Vec<u8> = (0..1219u32).map(|i| (i * 7) as u8).collect();
    let oaep = |md: &str, input: &str, output: &str| {
        assert!(succeeds(&[
            "pkeyutl",
            "-encrypt",
            "-in",
            input,
            "-out",
            output,
            "-inkey",
            &public,
            "-keyform",
            "DER",
            "-pubin",
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            &format!("rsa_oaep_md:{md}"),
            "-pkeyopt",
            &format!("rsa_mgf1_md:{md}"),
        ]));
    };
    for (algorithm, md) in [
        (WrappingAlgorithm::RsaesOaepSha1, "sha1"),
        (WrappingAlgorithm::RsaesOaepSha256, "sha256"),
    ] {
        let input = scratch.write("material.bin", &material);
        let output = scratch.path("wrapped.bin");
        oaep(md, &input, &output);
        let wrapped = scratch.read("wrapped.bin");
        assert_eq!(
            key.unwrap(algorithm, &wrapped).unwrap().as_slice(),
            material,
            "{algorithm}"
        );
        let mut changed = wrapped.clone();
        changed[10] ^= 0x40;
        assert!(key.unwrap(algorithm, &changed).is_err());
    }
    for (algorithm, md) in [
        (WrappingAlgorithm::RsaAesKeyWrapSha1, "sha1"),
        (WrappingAlgorithm::RsaAesKeyWrapSha256, "sha256"),
    ] {
        let aes_key = [0x5au8; 32];
        let aes = scratch.write("aes.bin", &aes_key);
        let input = scratch.write("material.bin", &long_material);
        let wrapped_material = scratch.path("material-wrapped.bin");
        let output = run(&[
            "enc",
            "-id-aes256-wrap-pad",
            "-K",
            &hex::encode(aes_key),
            "-iv",
            "A65959A6",
            "-in",
            &input,
            "-out",
            &wrapped_material,
        ]);
        if !output.status.success() {
            eprintln!("note: this openssl has no id-aes256-wrap-pad; RSA_AES_KEY_WRAP skipped");
            return;
        }
        let wrapped_key = scratch.path("aes-wrapped.bin");
        oaep(md, &aes, &wrapped_key);
        let mut wrapped = scratch.read("aes-wrapped.bin");
        wrapped.extend_from_slice(&scratch.read("material-wrapped.bin"));
        assert_eq!(
            key.unwrap(algorithm, &wrapped).unwrap().as_slice(),
            long_material,
            "{algorithm}"
        );
        let last = wrapped.len() - 1;
        wrapped[last] ^= 1;
        assert!(key.unwrap(algorithm, &wrapped).is_err());
    }
}
