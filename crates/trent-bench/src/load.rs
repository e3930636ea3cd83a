//! The run: set-up (keys and ciphertexts to work on), one measurement per
//! workload on keep-alive connections replaying pre-signed requests, and the
//! report (req/s, latency percentiles, errors, server CPU per request).
//!
//! Every request is signed once, before the run, so the server verifies
//! every request in full while the generator spends almost nothing per
//! request, leaving the machine to the server. Every response is checked
//! (status 200 and the expected member). With `--baseline` the same load
//! also runs against a minimal hyper server answering a fixed response of
//! the same size, before and after, so each figure is also a ratio to the
//! machine's HTTP limit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use clap::{Args, ValueEnum};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::baseline::Baseline;
use crate::client::{read_credentials, read_response, Prepared, Signer};
use crate::process;

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// The server to load.
    #[arg(long, default_value = "http://127.0.0.1:7979")]
    endpoint: String,
    /// A shared-credentials file (profile `default`) with the caller's keys.
    #[arg(long, default_value = "trent-data/root-credentials")]
    credentials: PathBuf,
    /// The region to sign for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// What to send.
    #[arg(long, value_enum, default_value = "all")]
    workload: Workload,
    /// Keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Measured seconds per workload.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Unmeasured warm-up seconds per workload.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// How many distinct keys the requests spread over (created by the bench).
    #[arg(long, default_value_t = 1)]
    keys: usize,
    /// The server's process id, to report its CPU time per request (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also measure a minimal hyper server with a fixed response, side by side.
    #[arg(long)]
    baseline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Workload {
    /// Encrypt, 32-byte plaintext with an encryption context.
    Encrypt,
    /// Decrypt of a 32-byte ciphertext with its context.
    Decrypt,
    /// GenerateDataKey, AES_256.
    GenerateDataKey,
    /// DescribeKey.
    DescribeKey,
    /// Encrypt, Decrypt, GenerateDataKey and DescribeKey in turn on each connection.
    Mixed,
    /// CreateKey: durable writes.
    CreateKey,
    /// CreateAlias, each with a new name: durable writes.
    CreateAlias,
    /// Each of the above in turn.
    All,
}

struct Outcome {
    latencies_us: Vec<u32>,
    errors: u64,
}

pub(crate) fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let address: SocketAddr = args
        .endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .context("--endpoint must be http://IP:PORT")?;
    let credentials = read_credentials(&args.credentials)?;
    let signer = Signer {
        address,
        region: args.region.clone(),
        credentials,
    };

    let mut key_ids = Vec::new();
    for _ in 0..args.keys.max(1) {
        let response = signer
            .call(
                "CreateKey",
                serde_json::json!({"Description": "trent bench"}),
            )
            .await?;
        key_ids.push(
            response["KeyMetadata"]["KeyId"]
                .as_str()
                .context("CreateKey response")?
                .to_owned(),
        );
    }
    let mut ciphertexts = Vec::new();
    for key_id in &key_ids {
        let response = signer
            .call("Encrypt", serde_json::json!({"KeyId": key_id, "Plaintext": base64::engine::general_purpose::STANDARD.encode([7u8; 32]), "EncryptionContext": {"bench": "trent"}}))
            .await?;
        ciphertexts.push(
            response["CiphertextBlob"]
                .as_str()
                .context("Encrypt response")?
                .to_owned(),
        );
    }

    let workloads = match args.workload {
        Workload::All => vec![
            Workload::Encrypt,
            Workload::Decrypt,
            Workload::GenerateDataKey,
            Workload::DescribeKey,
            Workload::Mixed,
            Workload::CreateKey,
            Workload::CreateAlias,
        ],
        one => vec![one],
    };
    println!(
        "trent-bench: {} connections, {} s (+{} s warm-up) per workload, {} key(s), endpoint {}",
        args.connections,
        args.duration,
        args.warmup,
        key_ids.len(),
        args.endpoint
    );
    println!(
        "{:<18} {:>10} {:>9} {:>9} {:>9} {:>8} {:>14}",
        "workload", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "server µs/req"
    );

    let baseline = if args.baseline {
        Some(Baseline::start().await?)
    } else {
        None
    };
    let mut baseline_rate = None;
    if let Some(baseline) = &baseline {
        let sample = signer.prepare("Encrypt", &encrypt_body(&key_ids[0]), "CiphertextBlob")?;
        let fixed = Prepared {
            bytes: sample.bytes,
            expect: "CiphertextBlob",
        };
        let pools = vec![vec![fixed]; args.connections];
        let report = measure(baseline.address, pools, &args, Some(baseline.pid)).await?;
        baseline_rate = Some(report.rate);
        report.print("baseline (hyper)", None);
    }
    for workload in workloads {
        let mut pools = Vec::with_capacity(args.connections);
        if workload == Workload::CreateAlias {
            // Every alias needs its own name, so every request is signed
            // ahead: enough for 5,000 aliases a second.
            let per_connection =
                (args.duration + args.warmup) as usize * 5_000 / args.connections + 1;
            for connection in 0..args.connections {
                let mut pool = Vec::with_capacity(per_connection);
                for n in 0..per_connection {
                    let body = serde_json::json!({
                        "AliasName": format!("alias/bench-{}-{connection}-{n}", std::process::id()),
                        "TargetKeyId": key_ids[connection % key_ids.len()],
                    });
                    pool.push(signer.prepare("CreateAlias", &body, "")?);
                }
                pools.push(pool);
            }
            let report = measure(address, pools, &args, args.server_pid).await?;
            report.print(&format!("{workload:?}"), baseline_rate);
            continue;
        }
        for connection in 0..args.connections {
            let index = connection % key_ids.len();
            let (key_id, ciphertext) = (&key_ids[index], &ciphertexts[index]);
            let encrypt = signer.prepare("Encrypt", &encrypt_body(key_id), "CiphertextBlob")?;
            let decrypt = signer.prepare(
                "Decrypt",
                &serde_json::json!({"CiphertextBlob": ciphertext, "EncryptionContext": {"bench": "trent"}}),
                "Plaintext",
            )?;
            let data_key = signer.prepare(
                "GenerateDataKey",
                &serde_json::json!({"KeyId": key_id, "KeySpec": "AES_256"}),
                "CiphertextBlob",
            )?;
            let describe = signer.prepare(
                "DescribeKey",
                &serde_json::json!({"KeyId": key_id}),
                "KeyMetadata",
            )?;
            pools.push(match workload {
                Workload::Encrypt => vec![encrypt],
                Workload::Decrypt => vec![decrypt],
                Workload::GenerateDataKey => vec![data_key],
                Workload::DescribeKey => vec![describe],
                Workload::CreateKey => vec![signer.prepare(
                    "CreateKey",
                    &serde_json::json!({"Description": "trent bench"}),
                    "KeyMetadata",
                )?],
                Workload::Mixed | Workload::All | Workload::CreateAlias => {
                    vec![encrypt, decrypt, data_key, describe]
                }
            });
        }
        let report = measure(address, pools, &args, args.server_pid).await?;
        report.print(&format!("{workload:?}"), baseline_rate);
    }
    if let (Some(baseline), Some(first)) = (&baseline, baseline_rate) {
        // The machine drifts: measure the reference again and say how much.
        let sample = signer.prepare("Encrypt", &encrypt_body(&key_ids[0]), "CiphertextBlob")?;
        let pools = vec![vec![sample]; args.connections];
        let report = measure(baseline.address, pools, &args, Some(baseline.pid)).await?;
        report.print("baseline (again)", None);
        println!(
            "baseline drift over the run: {:+.1}%",
            (report.rate / first - 1.0) * 100.0
        );
    }
    Ok(())
}

fn encrypt_body(key_id: &str) -> serde_json::Value {
    serde_json::json!({
        "KeyId": key_id,
        "Plaintext": base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        "EncryptionContext": {"bench": "trent"},
    })
}

struct Report {
    rss_mib: Option<f64>,
    rate: f64,
    latencies_us: Vec<u32>,
    errors: u64,
    cpu_us_per_request: Option<f64>,
}

impl Report {
    fn print(&self, name: &str, baseline_rate: Option<f64>) {
        let percentile = |p: f64| {
            if self.latencies_us.is_empty() {
                return 0.0;
            }
            let index = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
            f64::from(self.latencies_us[index]) / 1000.0
        };
        let cpu = self
            .cpu_us_per_request
            .map(|us| format!("{us:.1}"))
            .unwrap_or_else(|| "-".into());
        let ratio = baseline_rate
            .map(|b| format!("  ({:.2} of baseline)", self.rate / b))
            .unwrap_or_default();
        let rss = self
            .rss_mib
            .map(|mib| format!("  rss {mib:.0} MiB"))
            .unwrap_or_default();
        println!(
            "{:<18} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>14}{ratio}{rss}",
            name,
            self.rate,
            percentile(0.50),
            percentile(0.99),
            percentile(0.999),
            self.errors,
            cpu
        );
    }
}

async fn measure(
    address: SocketAddr,
    pools: Vec<Vec<Prepared>>,
    args: &BenchArgs,
    pid: Option<u32>,
) -> anyhow::Result<Report> {
    let warmup_end = Instant::now() + Duration::from_secs(args.warmup);
    let end = warmup_end + Duration::from_secs(args.duration);
    let mut tasks = Vec::new();
    for pool in pools {
        tasks.push(tokio::spawn(connection(address, pool, warmup_end, end)));
    }
    tokio::time::sleep_until(warmup_end.into()).await;
    let cpu_start = pid.and_then(process::cpu_us);
    let started = Instant::now();
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let outcome = task.await??;
        latencies_us.extend(outcome.latencies_us);
        errors += outcome.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_end = pid.and_then(process::cpu_us);
    latencies_us.sort_unstable();
    let count = latencies_us.len() as f64 + errors as f64;
    let cpu_us_per_request = match (cpu_start, cpu_end) {
        (Some(start), Some(end)) if count > 0.0 => Some((end - start) as f64 / count),
        _ => None,
    };
    Ok(Report {
        rss_mib: pid.and_then(process::rss_mib),
        rate: latencies_us.len() as f64 / elapsed,
        latencies_us,
        errors,
        cpu_us_per_request,
    })
}

async fn connection(
    address: SocketAddr,
    pool: Vec<Prepared>,
    warmup_end: Instant,
    end: Instant,
) -> anyhow::Result<Outcome> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut outcome = Outcome {
        latencies_us: Vec::new(),
        errors: 0,
    };
    let mut turn = 0usize;
    loop {
        let now = Instant::now();
        if now >= end {
            return Ok(outcome);
        }
        // Requests that expect no member are single-use (CreateAlias): stop when spent.
        if turn >= pool.len()
            && pool
                .first()
                .is_some_and(|request| request.expect.is_empty())
        {
            return Ok(outcome);
        }
        let request = &pool[turn % pool.len()];
        turn += 1;
        stream.write_all(&request.bytes).await?;
        let ok = read_response(&mut stream, &mut buffer, request.expect).await?;
        if now >= warmup_end {
            if ok {
                outcome
                    .latencies_us
                    .push(u32::try_from(now.elapsed().as_micros()).unwrap_or(u32::MAX));
            } else {
                outcome.errors += 1;
            }
        }
    }
}
