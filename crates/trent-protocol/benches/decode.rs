//! Request decoding cost: JSON into an operation's DTO, then the model checks.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use criterion::{criterion_group, criterion_main, Criterion};
use trent_protocol::check::{self, Checks};
use trent_protocol::decode;
use trent_protocol::dto::{EncryptRequest, EncryptResponse};

fn benches(c: &mut Criterion) {
    let body = br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=","EncryptionContext":{"bench":"trent"}}"#;
    c.bench_function("decode_encrypt_request", |b| {
        b.iter(|| {
            let request: EncryptRequest = decode(body).unwrap();
            let mut checks = Checks::new();
            let key_id = checks.required_key_id("keyId", &request.key_id);
            checks.finish().unwrap();
            let key = check::key_reference(key_id.unwrap()).unwrap();
            let context =
                check::encryption_context("encryptionContext", request.encryption_context.as_ref())
                    .unwrap();
            (key, context, request.plaintext)
        })
    });
    let response = EncryptResponse {
        ciphertext_blob: vec![1; 81],
        key_id: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            .into(),
        encryption_algorithm: "SYMMETRIC_DEFAULT",
    };
    c.bench_function("encode_encrypt_response", |b| {
        b.iter(|| trent_protocol::encode(&response).unwrap())
    });
}

criterion_group!(decode_benches, benches);
criterion_main!(decode_benches);
