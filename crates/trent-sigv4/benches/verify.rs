//! SigV4 verification cost: parsing and rebuilding the canonical request,
//! then checking the signature with a cached or a freshly derived key.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark code")]

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use criterion::{criterion_group, criterion_main, Criterion};
use trent_sigv4::{parse, Request, Settings};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: u64 = 1_700_000_000;

fn benches(c: &mut Criterion) {
    let body = br#"{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=","EncryptionContext":{"bench":"trent"}}"#;
    let identity = Credentials::new("AKIDEXAMPLE", SECRET, None, None, "bench").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("kms")
        .time(UNIX_EPOCH + Duration::from_secs(NOW))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), "127.0.0.1:7979".into()),
        ("content-type".into(), "application/x-amz-json-1.1".into()),
        ("x-amz-target".into(), "TrentService.Encrypt".into()),
        (
            "user-agent".into(),
            "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0".into(),
        ),
        ("content-length".into(), body.len().to_string()),
    ];
    let signable = SignableRequest::new(
        "POST",
        "http://127.0.0.1:7979/",
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    for (name, value) in instructions.headers() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    let raw: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let request = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &raw,
        body,
    };
    let settings = Settings {
        service: "kms",
        normalize_path: true,
        check_skew: true,
    };
    let now = NOW as i64;
    let cached_key = parse(&request, &settings, now).unwrap().signing_key(SECRET);

    c.bench_function("sigv4_parse", |b| {
        b.iter(|| parse(&request, &settings, now).unwrap())
    });
    c.bench_function("sigv4_verify_cached_key", |b| {
        b.iter(|| {
            parse(&request, &settings, now)
                .unwrap()
                .verify_with(&cached_key)
                .unwrap()
        })
    });
    c.bench_function("sigv4_verify_derived_key", |b| {
        b.iter(|| {
            parse(&request, &settings, now)
                .unwrap()
                .verify(SECRET)
                .unwrap()
        })
    });
}

criterion_group!(sigv4_benches, benches);
criterion_main!(sigv4_benches);
