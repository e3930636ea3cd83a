//! What a cold unwrap costs: opening one sealed 32-byte secret (a key's
//! material, on a cache miss) with the root key inside SoftHSM2 (a round
//! trip into the token, AES-GCM there) against the root key file (AES-GCM
//! in process). Warm requests never pay either: opened material is cached.
//!
//! Needs SoftHSM2; without it only the file provider is measured.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use trent_crypto::root_key::{FileRootKeyProvider, RootKeyProvider};
use trent_pkcs11::uri::Pkcs11Uri;
use trent_pkcs11::Pkcs11RootKeyProvider;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// A throwaway token under a temporary SOFTHSM2_CONF, and a provider on it.
fn softhsm(dir: &Path) -> Option<Pkcs11RootKeyProvider> {
    if !Path::new(MODULE).exists() {
        eprintln!("SoftHSM2 not installed: measuring the file provider only");
        return None;
    }
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("pin"), "1234").unwrap();
    // Read by SoftHSM2 when the module is initialized, below.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let status = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "bench",
            "--pin",
            "1234",
        ])
        .args(["--so-pin", "5678"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let uri = Pkcs11Uri::parse(&format!(
        "pkcs11:token=bench?module-path={MODULE}&pin-source=file:{}",
        dir.join("pin").display()
    ))
    .unwrap();
    Some(Pkcs11RootKeyProvider::open(&uri, true).unwrap())
}

fn unseal(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let file = FileRootKeyProvider::open_or_create(&dir.path().join("root-key"), true).unwrap();
    let label = b"trent/key-material/v1/00000000-0000-0000-0000-000000000000/1";
    let secret = [7u8; 32];
    let mut group = c.benchmark_group("unseal 32 bytes");
    let sealed = file.seal(label, &secret).unwrap();
    group.bench_function("file root key", |b| {
        b.iter(|| file.open(label, &sealed).unwrap())
    });
    if let Some(hsm) = softhsm(dir.path()) {
        let sealed = hsm.seal(label, &secret).unwrap();
        group.bench_function("SoftHSM2 root key", |b| {
            b.iter(|| hsm.open(label, &sealed).unwrap())
        });
        group.bench_function("SoftHSM2 seal", |b| {
            b.iter(|| hsm.seal(label, &secret).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, unseal);
criterion_main!(benches);
