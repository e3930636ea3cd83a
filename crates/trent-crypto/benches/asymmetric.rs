//! The cost of the asymmetric and HMAC primitives alone, as Trent calls
//! them: Sign and Verify per algorithm, GenerateMac, key-pair generation,
//! opening a sealed private key (what each request pays before it signs),
//! and imported key material: making a wrapping key pair (what
//! GetParametersForImport pays) and unwrapping (what ImportKeyMaterial pays).

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use criterion::{criterion_group, criterion_main, Criterion};
use trent_core::algorithm::{DataKeyPairSpec, MacAlgorithm, SigningAlgorithm};
use trent_core::id::KeyId;
use trent_core::key::KeySpec;
use trent_crypto::asymmetric::PrivateKey;
use trent_crypto::data_key_pair::generate_data_key_pair;
use trent_crypto::mac::{self, HmacKey};
use trent_crypto::root_key::FileRootKeyProvider;
use trent_crypto::sealed_key::{open_private_key, seal_private_key};
use trent_crypto::sign::{self, Message};

const SIGNERS: &[(&str, KeySpec, SigningAlgorithm)] = &[
    (
        "ecdsa_p256",
        KeySpec::EccNistP256,
        SigningAlgorithm::EcdsaSha256,
    ),
    (
        "rsa2048_pss",
        KeySpec::Rsa2048,
        SigningAlgorithm::RsassaPssSha256,
    ),
    (
        "ed25519",
        KeySpec::EccNistEdwards25519,
        SigningAlgorithm::Ed25519Sha512,
    ),
    (
        "ml_dsa_65",
        KeySpec::MlDsa65,
        SigningAlgorithm::MlDsaShake256,
    ),
];

fn benches(c: &mut Criterion) {
    let message = [0x5au8; 32];
    let dir = tempfile::tempdir().unwrap();
    let provider = FileRootKeyProvider::open_or_create(&dir.path().join("root-key"), true).unwrap();
    let key_id = KeyId::from_bytes([3; 16]);

    let mut group = c.benchmark_group("sign");
    for (name, spec, algorithm) in SIGNERS {
        let key = PrivateKey::generate(*spec).unwrap();
        group.bench_function(*name, |b| {
            b.iter(|| sign::sign(&key, *algorithm, Message::Raw(&message)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("verify");
    for (name, spec, algorithm) in SIGNERS {
        let key = PrivateKey::generate(*spec).unwrap();
        let public = key.public_key().unwrap();
        let signature = sign::sign(&key, *algorithm, Message::Raw(&message)).unwrap();
        group.bench_function(*name, |b| {
            b.iter(|| {
                sign::verify(&public, *algorithm, Message::Raw(&message), &signature).unwrap()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("open_private_key");
    for (name, spec, _) in SIGNERS {
        let key = PrivateKey::generate(*spec).unwrap();
        let sealed = seal_private_key(&provider, &key_id, 1, &key).unwrap();
        group.bench_function(*name, |b| {
            b.iter(|| open_private_key(&provider, &key_id, 1, *spec, &sealed).unwrap())
        });
    }
    group.finish();

    let hmac = HmacKey::generate(KeySpec::Hmac256).unwrap();
    c.bench_function("generate_mac/hmac_sha256_32_bytes", |b| {
        b.iter(|| mac::mac(&hmac, MacAlgorithm::HmacSha256, &message).unwrap())
    });

    let mut group = c.benchmark_group("generate_data_key_pair");
    group.sample_size(10);
    for (name, spec) in [
        ("rsa2048", DataKeyPairSpec::Rsa2048),
        ("ecc_p256", DataKeyPairSpec::EccNistP256),
    ] {
        group.bench_function(name, |b| b.iter(|| generate_data_key_pair(spec).unwrap()));
    }
    group.finish();

    use trent_core::import::{WrappingAlgorithm, WrappingKeySpec};
    use trent_crypto::import::{wrap, WrappingKey};
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    for (name, spec) in [
        ("wrapping_key_rsa2048", WrappingKeySpec::Rsa2048),
        ("wrapping_key_rsa4096", WrappingKeySpec::Rsa4096),
    ] {
        group.bench_function(name, |b| b.iter(|| WrappingKey::generate(spec).unwrap()));
    }
    let key = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
    let public = key.public_key().unwrap();
    let rsa_3072 = PrivateKey::generate(KeySpec::Rsa3072)
        .unwrap()
        .to_pkcs8()
        .unwrap();
    for (name, algorithm, material) in [
        (
            "unwrap_oaep_sha256_32_bytes",
            WrappingAlgorithm::RsaesOaepSha256,
            &[7u8; 32][..],
        ),
        (
            "unwrap_rsa_aes_rsa3072_pkcs8",
            WrappingAlgorithm::RsaAesKeyWrapSha256,
            rsa_3072.expose(),
        ),
    ] {
        let wrapped = wrap(&public, algorithm, material).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| key.unwrap(algorithm, &wrapped).unwrap())
        });
    }
    group.finish();
}

criterion_group!(asymmetric, benches);
criterion_main!(asymmetric);
