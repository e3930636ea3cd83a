//! Request decoding cost: JSON into Encrypt's typed request (the model
//! checks and the conversion to core types included), and the encoding of
//! its response: what `trent_protocol::op::encrypt` does for every request.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use criterion::{criterion_group, criterion_main, Criterion};
use trent_core::view::Encrypted;
use trent_protocol::op::encrypt;

fn benches(c: &mut Criterion) {
    let body = br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=","EncryptionContext":{"bench":"trent"}}"#;
    c.bench_function("decode_encrypt_request", |b| {
        b.iter(|| encrypt::decode(body).unwrap())
    });
    let response = Encrypted {
        ciphertext: vec![1; 81],
        key_arn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .into(),
        algorithm: trent_core::algorithm::EncryptionAlgorithm::SymmetricDefault,
    };
    c.bench_function("encode_encrypt_response", |b| {
        b.iter(|| encrypt::encode(&response).unwrap())
    });
}

criterion_group!(decode_benches, benches);
criterion_main!(decode_benches);
