//! The per-request cryptographic cost of Encrypt and Decrypt: opening the
//! key's material under the root key, and sealing or opening a blob.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trent_core::context::EncryptionContext;
use trent_core::id::KeyId;
use trent_crypto::ciphertext::{self, CiphertextHeader};
use trent_crypto::material::KeyMaterial;
use trent_crypto::root_key::{open_key_material, seal_key_material, FileRootKeyProvider};

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let provider = FileRootKeyProvider::open_or_create(&dir.path().join("root-key"), true).unwrap();
    let key_id = KeyId::from_bytes([3; 16]);
    let material = KeyMaterial::generate().unwrap();
    let sealed = seal_key_material(&provider, &key_id, 1, &material).unwrap();
    let header = CiphertextHeader {
        key_id,
        material_version: 1,
    };
    let context = EncryptionContext::from_pairs([("purpose".to_owned(), "bench".to_owned())]);

    c.bench_function("open_key_material", |b| {
        b.iter(|| open_key_material(&provider, &key_id, 1, &sealed).unwrap())
    });
    let mut group = c.benchmark_group("blob");
    for size in [32usize, 4096] {
        let plaintext = vec![0x5a; size];
        let blob = ciphertext::encrypt(&material, header, &context, &plaintext).unwrap();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("encrypt", size),
            &plaintext,
            |b, plaintext| {
                b.iter(|| ciphertext::encrypt(&material, header, &context, plaintext).unwrap())
            },
        );
        group.bench_with_input(BenchmarkId::new("decrypt", size), &blob, |b, blob| {
            b.iter(|| ciphertext::decrypt(&material, blob, &context).unwrap())
        });
    }
    group.finish();
}

criterion_group!(ciphertext_benches, benches);
criterion_main!(ciphertext_benches);
