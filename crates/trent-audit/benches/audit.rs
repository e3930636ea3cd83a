//! The audit log alone: how many events per second it records, and the CPU
//! each costs, with N requests appending at once (no HTTP, no client: the
//! figures are the log's own).
//!
//! `cargo bench -p trent-audit --bench audit` runs 1, 8, 64 and 256
//! concurrent appenders for `TRENT_BENCH_SECONDS` (default 3) each, with
//! every event synced (`always`) and then synced every 10 ms (`interval`), in a
//! fresh folder under the system temp dir (set `TMPDIR` to measure another
//! disk); `-- --test` is a short smoke run (CI). CPU time is the whole
//! process's (Linux `/proc/self/stat`), so it includes the kernel's work for
//! the writes and syncs.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    reason = "benchmark code"
)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use trent_audit::log::{AuditLog, Durability, Options};
use trent_crypto::audit::AuditSigner;

/// A typical Encrypt event as the server records it (about 760 bytes).
fn event(n: u64) -> Vec<u8> {
    format!(
        concat!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE0000000001","#,
            r#""arn":"arn:aws:iam::111122223333:user/app","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE000000001","#,
            r#""userName":"app"}},"eventTime":"2026-11-28T12:00:00Z","eventSource":"kms.amazonaws.com","#,
            r#""eventName":"Encrypt","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.12","#,
            r#""userAgent":"aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0","requestParameters":{{"#,
            r#""encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{{"tenant":"acme"}},"#,
            r#""keyId":"alias/app"}},"responseElements":null,"requestID":"3dd429d9-0af0-489d-4000-{n:012x}","#,
            r#""eventID":"f156ba90-be05-4bda-4000-{n:012x}","readOnly":true,"resources":[{{"#,
            r#""ARN":"arn:aws:kms:us-east-1:111122223333:key/ef6c9738-4d19-4ac2-a724-535498263142","#,
            r#""accountId":"111122223333","type":"AWS::KMS::Key"}}],"eventType":"AwsApiCall"}}"#
        ),
        n = n
    )
    .into_bytes()
}

/// Process CPU time so far (user + system), from `/proc/self/stat`.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // Linux reports in USER_HZ, 100 on every mainstream configuration.
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let smoke = std::env::args().any(|arg| arg == "--test");
    let seconds: u64 = if smoke {
        1
    } else {
        std::env::var("TRENT_BENCH_SECONDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{} s per row, {} runtime workers",
        seconds,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for durability in [
        Durability::Always,
        Durability::Interval(Duration::from_millis(10)),
    ] {
        run(&runtime, durability, seconds);
    }
}

fn run(runtime: &tokio::runtime::Runtime, durability: Durability, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (signer, _pkcs8) = AuditSigner::generate().unwrap();
    let options = Options {
        durability,
        ..Options::new()
    };
    let log = AuditLog::open_with(dir.path(), signer, options).unwrap();
    println!(
        "\n{} (audit log in {})",
        durability.name(),
        dir.path().display()
    );
    println!(
        "{:>10} {:>12} {:>12} {:>12} {:>14}",
        "appenders", "events/s", "events/sync", "p50 µs", "CPU µs/event"
    );
    let counter = Arc::new(AtomicU64::new(0));
    for appenders in [1usize, 8, 64, 256] {
        let stop = Arc::new(AtomicBool::new(false));
        let syncs_before = log.syncs();
        let cpu_before = cpu_time();
        let started = Instant::now();
        let tasks: Vec<_> = (0..appenders)
            .map(|_| {
                let (log, stop, counter) = (log.clone(), stop.clone(), counter.clone());
                runtime.spawn(async move {
                    let mut latencies = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        let line = event(counter.fetch_add(1, Ordering::Relaxed));
                        let at = Instant::now();
                        log.append(line).await.unwrap();
                        latencies.push(at.elapsed());
                    }
                    latencies
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
        let mut latencies: Vec<Duration> = runtime.block_on(async {
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.unwrap());
            }
            all
        });
        let elapsed = started.elapsed();
        let cpu = cpu_before.zip(cpu_time()).map(|(a, b)| b.saturating_sub(a));
        let events = latencies.len() as f64;
        let syncs = (log.syncs() - syncs_before).max(1) as f64;
        latencies.sort();
        let p50 = latencies
            .get(latencies.len() / 2)
            .copied()
            .unwrap_or_default();
        println!(
            "{:>10} {:>12.0} {:>12.1} {:>12.0} {:>14}",
            appenders,
            events / elapsed.as_secs_f64(),
            events / syncs,
            p50.as_secs_f64() * 1e6,
            cpu.map_or("-".to_owned(), |cpu| format!(
                "{:.1}",
                cpu.as_secs_f64() * 1e6 / events
            )),
        );
    }
    runtime.block_on(log.flush());
}
