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
//! machine's HTTP limit. An `https://` endpoint is loaded over TLS (rustls,
//! trusting `--ca-bundle`), one handshake per connection during the warm-up,
//! so the measured cost is the record layer's; the baseline then serves TLS
//! too, with a throwaway certificate of its own.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use clap::{Args, ValueEnum};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::baseline::Baseline;
use crate::client::{exchange, read_credentials, Connection, Prepared, Signer, Transport};
use crate::{process, tls};

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// The server to load: `http://IP:PORT`, or `https://IP:PORT` (TLS).
    #[arg(long, default_value = "http://127.0.0.1:7979")]
    endpoint: String,
    /// With an `https://` endpoint: the PEM CA certificates to trust (see
    /// `trent-bench test-ca`).
    #[arg(long)]
    ca_bundle: Option<PathBuf>,
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
    /// Measured seconds per workload (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured warm-up seconds per workload (fractions allowed).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// How many distinct keys the requests spread over (created by the bench).
    #[arg(long, default_value_t = 1)]
    keys: usize,
    /// The server's process id, to report its CPU time per request (Linux).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also measure a minimal hyper server with a fixed response, side by side.
    #[arg(long)]
    baseline: bool,
    /// Exit with an error when a workload had a failed request (CI).
    #[arg(long)]
    strict: bool,
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
    /// Sign, ECDSA_SHA_256 with an ECC_NIST_P256 key, 32-byte RAW message.
    #[value(name = "sign-ecdsa-p256")]
    SignEcdsaP256,
    /// Sign, RSASSA_PSS_SHA_256 with an RSA_2048 key, 32-byte RAW message.
    #[value(name = "sign-rsa-2048-pss")]
    SignRsa2048Pss,
    /// Sign, ED25519_SHA_512 with an ECC_NIST_EDWARDS25519 key, 32-byte RAW message.
    #[value(name = "sign-ed25519")]
    SignEd25519,
    /// Sign, ML_DSA_SHAKE_256 with an ML_DSA_65 key, 32-byte RAW message.
    #[value(name = "sign-ml-dsa-65")]
    SignMlDsa65,
    /// Verify of a signature made in setup (ECDSA P-256).
    #[value(name = "verify-ecdsa-p256")]
    VerifyEcdsaP256,
    /// Verify of a signature made in setup (RSA-2048 PSS).
    #[value(name = "verify-rsa-2048-pss")]
    VerifyRsa2048Pss,
    /// Verify of a signature made in setup (Ed25519).
    #[value(name = "verify-ed25519")]
    VerifyEd25519,
    /// Verify of a signature made in setup (ML-DSA-65).
    #[value(name = "verify-ml-dsa-65")]
    VerifyMlDsa65,
    /// GenerateMac, HMAC_SHA_256 with an HMAC_256 key, 32-byte message.
    #[value(name = "generate-mac")]
    GenerateMac,
    /// GenerateDataKeyPair, RSA_2048 (a fresh key pair per request).
    #[value(name = "generate-data-key-pair-rsa-2048")]
    GenerateDataKeyPairRsa2048,
    /// GenerateDataKeyPair, ECC_NIST_P256.
    #[value(name = "generate-data-key-pair-p256")]
    GenerateDataKeyPairP256,
    /// Each sign, verify, generate-mac and generate-data-key-pair workload in turn.
    Asymmetric,
}

impl Workload {
    /// The new set, in the order `asymmetric` runs it.
    const ASYMMETRIC: [Workload; 11] = [
        Workload::SignEcdsaP256,
        Workload::SignRsa2048Pss,
        Workload::SignEd25519,
        Workload::SignMlDsa65,
        Workload::VerifyEcdsaP256,
        Workload::VerifyRsa2048Pss,
        Workload::VerifyEd25519,
        Workload::VerifyMlDsa65,
        Workload::GenerateMac,
        Workload::GenerateDataKeyPairRsa2048,
        Workload::GenerateDataKeyPairP256,
    ];

    /// For Sign and Verify: the key's spec, the signing algorithm, and
    /// whether the requests verify (rather than sign).
    fn signing(self) -> Option<(&'static str, &'static str, bool)> {
        Some(match self {
            Workload::SignEcdsaP256 => ("ECC_NIST_P256", "ECDSA_SHA_256", false),
            Workload::SignRsa2048Pss => ("RSA_2048", "RSASSA_PSS_SHA_256", false),
            Workload::SignEd25519 => ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", false),
            Workload::SignMlDsa65 => ("ML_DSA_65", "ML_DSA_SHAKE_256", false),
            Workload::VerifyEcdsaP256 => ("ECC_NIST_P256", "ECDSA_SHA_256", true),
            Workload::VerifyRsa2048Pss => ("RSA_2048", "RSASSA_PSS_SHA_256", true),
            Workload::VerifyEd25519 => ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", true),
            Workload::VerifyMlDsa65 => ("ML_DSA_65", "ML_DSA_SHAKE_256", true),
            _ => return None,
        })
    }

    /// For GenerateDataKeyPair: the `KeyPairSpec`.
    fn key_pair_spec(self) -> Option<&'static str> {
        match self {
            Workload::GenerateDataKeyPairRsa2048 => Some("RSA_2048"),
            Workload::GenerateDataKeyPairP256 => Some("ECC_NIST_P256"),
            _ => None,
        }
    }
}

/// The 32-byte message of Sign, Verify and GenerateMac.
const MESSAGE: [u8; 32] = [0x5a; 32];

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

struct Outcome {
    latencies_us: Vec<u32>,
    errors: u64,
    /// TLS handshakes made, and how many of them resumed a session.
    handshakes: u64,
    resumed: u64,
}

pub(crate) fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let (https, rest) = match args.endpoint.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => (false, args.endpoint.trim_start_matches("http://")),
    };
    let address: SocketAddr = rest
        .trim_end_matches('/')
        .parse()
        .context("--endpoint must be http://IP:PORT or https://IP:PORT")?;
    let transport = match (https, &args.ca_bundle) {
        (false, _) => Transport::Plain,
        (true, Some(path)) => Transport::Tls(tls::connector(
            &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        )?),
        (true, None) => anyhow::bail!("an https:// endpoint needs --ca-bundle"),
    };
    for (name, seconds) in [("--duration", args.duration), ("--warmup", args.warmup)] {
        anyhow::ensure!(
            seconds.is_finite() && (0.0..=86_400.0).contains(&seconds),
            "{name} must be between 0 and 86400 seconds"
        );
    }
    let credentials = read_credentials(&args.credentials)?;
    let signer = Signer {
        address,
        transport: transport.clone(),
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
        let response = signer.call("Encrypt", encrypt_body(key_id)).await?;
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
        Workload::Asymmetric => Workload::ASYMMETRIC.to_vec(),
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
        "{:<26} {:>10} {:>9} {:>9} {:>9} {:>8} {:>14}",
        "workload", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors", "server µs/req"
    );

    let baseline = if args.baseline {
        Some(Baseline::start(https).await?)
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
        let report = measure(
            baseline.address,
            &baseline.transport,
            pools,
            &args,
            Some(baseline.pid),
        )
        .await?;
        baseline_rate = Some(report.rate);
        report.print("baseline (hyper)", None);
    }
    let mut failed = Vec::new();
    for workload in workloads {
        let mut pools = Vec::with_capacity(args.connections);
        if workload == Workload::CreateAlias {
            // Every alias needs its own name, so every request is signed
            // ahead: enough for 5,000 aliases a second.
            let per_connection =
                ((args.duration + args.warmup).ceil() * 5_000.0) as usize / args.connections + 1;
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
            let report = measure(address, &transport, pools, &args, args.server_pid).await?;
            report.print(&format!("{workload:?}"), baseline_rate);
            failed.extend(report.failed(workload));
            continue;
        }
        if let Some(pools) = asymmetric_pools(workload, &signer, &key_ids, &args).await? {
            let report = measure(address, &transport, pools, &args, args.server_pid).await?;
            report.print(&format!("{workload:?}"), baseline_rate);
            failed.extend(report.failed(workload));
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
                _ => vec![encrypt, decrypt, data_key, describe],
            });
        }
        let report = measure(address, &transport, pools, &args, args.server_pid).await?;
        report.print(&format!("{workload:?}"), baseline_rate);
        failed.extend(report.failed(workload));
    }
    if let (Some(baseline), Some(first)) = (&baseline, baseline_rate) {
        // The machine drifts: measure the reference again and say how much.
        let sample = signer.prepare("Encrypt", &encrypt_body(&key_ids[0]), "CiphertextBlob")?;
        let pools = vec![vec![sample]; args.connections];
        let report = measure(
            baseline.address,
            &baseline.transport,
            pools,
            &args,
            Some(baseline.pid),
        )
        .await?;
        report.print("baseline (again)", None);
        println!(
            "baseline drift over the run: {:+.1}%",
            (report.rate / first - 1.0) * 100.0
        );
    }
    if args.strict && !failed.is_empty() {
        anyhow::bail!("failed requests in: {}", failed.join(", "));
    }
    Ok(())
}

/// The keys a Sign, Verify or GenerateMac workload works on (one per
/// `--keys`, created now), and the requests of every connection; `None` for
/// the symmetric workloads. GenerateDataKeyPair encrypts the private key
/// under the bench's symmetric keys.
async fn asymmetric_pools(
    workload: Workload,
    signer: &Signer,
    symmetric_keys: &[String],
    args: &BenchArgs,
) -> anyhow::Result<Option<Vec<Vec<Prepared>>>> {
    let (operation, expect, spec, usage) = if let Some((spec, _, verify)) = workload.signing() {
        let (operation, expect) = if verify {
            ("Verify", "SignatureValid")
        } else {
            ("Sign", "Signature")
        };
        (operation, expect, spec, "SIGN_VERIFY")
    } else if workload == Workload::GenerateMac {
        ("GenerateMac", "Mac", "HMAC_256", "GENERATE_VERIFY_MAC")
    } else if let Some(pair_spec) = workload.key_pair_spec() {
        let mut pools = Vec::with_capacity(args.connections);
        for connection in 0..args.connections {
            let body = serde_json::json!({
                "KeyId": symmetric_keys[connection % symmetric_keys.len()],
                "KeyPairSpec": pair_spec,
                "EncryptionContext": {"bench": "trent"},
            });
            pools.push(vec![signer.prepare(
                "GenerateDataKeyPair",
                &body,
                "PrivateKeyPlaintext",
            )?]);
        }
        return Ok(Some(pools));
    } else {
        return Ok(None);
    };

    // One body per key: the key, and for Verify a signature made now.
    let mut bodies = Vec::new();
    for _ in 0..args.keys.max(1) {
        let created = signer
            .call(
                "CreateKey",
                serde_json::json!({
                    "Description": "trent bench",
                    "KeySpec": spec,
                    "KeyUsage": usage,
                }),
            )
            .await?;
        let key_id = created["KeyMetadata"]["KeyId"]
            .as_str()
            .context("CreateKey response")?
            .to_owned();
        let body = match workload.signing() {
            Some((_, algorithm, verify)) => {
                let mut body = serde_json::json!({
                    "KeyId": key_id,
                    "Message": base64(&MESSAGE),
                    "MessageType": "RAW",
                    "SigningAlgorithm": algorithm,
                });
                if verify {
                    let signed = signer.call("Sign", body.clone()).await?;
                    body["Signature"] = signed["Signature"].clone();
                    anyhow::ensure!(body["Signature"].is_string(), "Sign response");
                }
                body
            }
            None => serde_json::json!({
                "KeyId": key_id,
                "Message": base64(&MESSAGE),
                "MacAlgorithm": "HMAC_SHA_256",
            }),
        };
        bodies.push(body);
    }
    let mut pools = Vec::with_capacity(args.connections);
    for connection in 0..args.connections {
        let body = &bodies[connection % bodies.len()];
        pools.push(vec![signer.prepare(operation, body, expect)?]);
    }
    Ok(Some(pools))
}

fn encrypt_body(key_id: &str) -> serde_json::Value {
    serde_json::json!({
        "KeyId": key_id,
        "Plaintext": base64(&[7u8; 32]),
        "EncryptionContext": {"bench": "trent"},
    })
}

struct Report {
    rss_mib: Option<f64>,
    rate: f64,
    latencies_us: Vec<u32>,
    errors: u64,
    cpu_us_per_request: Option<f64>,
    handshakes: u64,
    resumed: u64,
}

impl Report {
    /// The workload's name when any of its requests failed, or none succeeded.
    fn failed(&self, workload: Workload) -> Option<String> {
        (self.errors > 0 || self.latencies_us.is_empty()).then(|| format!("{workload:?}"))
    }

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
        let handshakes = if self.handshakes > 0 {
            format!(
                "  tls handshakes {} ({} resumed)",
                self.handshakes, self.resumed
            )
        } else {
            String::new()
        };
        println!(
            "{:<26} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {:>8} {:>14}{ratio}{rss}{handshakes}",
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
    transport: &Transport,
    pools: Vec<Vec<Prepared>>,
    args: &BenchArgs,
    pid: Option<u32>,
) -> anyhow::Result<Report> {
    let warmup_end = Instant::now() + Duration::from_secs_f64(args.warmup);
    let end = warmup_end + Duration::from_secs_f64(args.duration);
    let mut tasks = Vec::new();
    for pool in pools {
        tasks.push(tokio::spawn(connection(
            address,
            transport.clone(),
            pool,
            warmup_end,
            end,
        )));
    }
    tokio::time::sleep_until(warmup_end.into()).await;
    let cpu_start = pid.and_then(process::cpu_us);
    let started = Instant::now();
    let mut latencies_us = Vec::new();
    let (mut errors, mut handshakes, mut resumed) = (0, 0, 0);
    for task in tasks {
        let outcome = task.await??;
        latencies_us.extend(outcome.latencies_us);
        errors += outcome.errors;
        handshakes += outcome.handshakes;
        resumed += outcome.resumed;
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
        handshakes,
        resumed,
    })
}

/// One keep-alive connection replaying its pool until `end`; over TLS, its
/// one handshake is made before the first request.
async fn connection(
    address: SocketAddr,
    transport: Transport,
    pool: Vec<Prepared>,
    warmup_end: Instant,
    end: Instant,
) -> anyhow::Result<Outcome> {
    match transport.connect(address).await? {
        Connection::Plain(mut stream) => replay(&mut stream, &pool, warmup_end, end, 0, 0).await,
        Connection::Tls(mut stream) => {
            let resumed =
                stream.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
            replay(&mut *stream, &pool, warmup_end, end, 1, u64::from(resumed)).await
        }
    }
}

async fn replay<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    pool: &[Prepared],
    warmup_end: Instant,
    end: Instant,
    handshakes: u64,
    resumed: u64,
) -> anyhow::Result<Outcome> {
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut outcome = Outcome {
        latencies_us: Vec::new(),
        errors: 0,
        handshakes,
        resumed,
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
        let ok = exchange(stream, &request.bytes, &mut buffer, request.expect).await?;
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
