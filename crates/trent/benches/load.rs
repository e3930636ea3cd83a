//! End-to-end load: a real `trent serve` (secure mode, SigV4 verified, SQLite
//! store) driven by concurrent `aws-sdk-kms` clients on loopback.
//!
//! `cargo bench -p trent --bench load` runs Encrypt, then Decrypt, then
//! GenerateDataKey for `TRENT_LOAD_SECONDS` (default 5) each with
//! `TRENT_LOAD_CONCURRENCY` (default 32) callers, and prints throughput and
//! latency percentiles. Pass `--test` for a one-second smoke run.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark code"
)]

use std::time::{Duration, Instant};

use aws_sdk_kms::primitives::Blob;
use trent_testkit::TestServer;

#[derive(Clone, Copy, Debug)]
enum Workload {
    Encrypt,
    Decrypt,
    GenerateDataKey,
}

fn main() {
    let smoke = std::env::args().any(|arg| arg == "--test");
    let seconds: u64 = if smoke {
        1
    } else {
        env_number("TRENT_LOAD_SECONDS", 5)
    };
    let concurrency = if smoke {
        4
    } else {
        env_number("TRENT_LOAD_CONCURRENCY", 32)
    } as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let server = TestServer::builder(env!("CARGO_BIN_EXE_trent")).start();
        let client = server.client();
        let key_id = client
            .create_key()
            .send()
            .await
            .unwrap()
            .key_metadata()
            .unwrap()
            .key_id()
            .to_owned();
        let ciphertext = client
            .encrypt()
            .key_id(&key_id)
            .plaintext(Blob::new(vec![7u8; 32]))
            .send()
            .await
            .unwrap()
            .ciphertext_blob()
            .unwrap()
            .clone();
        println!("trent load: {concurrency} callers, {seconds} s per workload, 32-byte plaintexts");
        for workload in [
            Workload::Encrypt,
            Workload::Decrypt,
            Workload::GenerateDataKey,
        ] {
            let deadline = Instant::now() + Duration::from_secs(seconds);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..concurrency {
                let client = client.clone();
                let key_id = key_id.clone();
                let ciphertext = ciphertext.clone();
                tasks.push(tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    while Instant::now() < deadline {
                        let begin = Instant::now();
                        let ok = match workload {
                            Workload::Encrypt => client
                                .encrypt()
                                .key_id(&key_id)
                                .plaintext(Blob::new(vec![7u8; 32]))
                                .send()
                                .await
                                .is_ok(),
                            Workload::Decrypt => client
                                .decrypt()
                                .ciphertext_blob(ciphertext.clone())
                                .send()
                                .await
                                .is_ok(),
                            Workload::GenerateDataKey => client
                                .generate_data_key()
                                .key_id(&key_id)
                                .number_of_bytes(32)
                                .send()
                                .await
                                .is_ok(),
                        };
                        assert!(ok, "{workload:?} failed under load");
                        latencies.push(begin.elapsed());
                    }
                    latencies
                }));
            }
            let mut latencies = Vec::new();
            for task in tasks {
                latencies.extend(task.await.unwrap());
            }
            let elapsed = started.elapsed().as_secs_f64();
            latencies.sort();
            let percentile = |p: f64| {
                latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0
            };
            println!(
                "{:<16} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests)",
                format!("{workload:?}"),
                latencies.len() as f64 / elapsed,
                percentile(0.50),
                percentile(0.99),
                latencies.len()
            );
        }
    });
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
