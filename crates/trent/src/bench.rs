//! `trent bench`: a load generator for a running Trent server.
//!
//! It signs each request with SigV4 (the official `aws-sigv4` signer) once,
//! before the run, and replays it on keep-alive connections: the server
//! verifies every request in full, while the generator spends almost nothing
//! per request, leaving the machine to the server. Every response is checked
//! (status 200 and the expected member). With `--baseline` the same load also
//! runs against a minimal hyper server answering a fixed response of the same
//! size, in the same run, so each figure is also a ratio to the machine's
//! HTTP limit.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use base64::Engine;
use clap::{Args, ValueEnum};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

pub(crate) struct Credentials {
    access_key_id: String,
    secret_access_key: String,
}

/// A pre-signed request and the member its response must contain.
#[derive(Clone)]
struct Prepared {
    bytes: Vec<u8>,
    expect: &'static str,
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
        "trent bench: {} connections, {} s (+{} s warm-up) per workload, {} key(s), endpoint {}",
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
    let cpu_start = pid.and_then(process_cpu_us);
    let started = Instant::now();
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let outcome = task.await??;
        latencies_us.extend(outcome.latencies_us);
        errors += outcome.errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_end = pid.and_then(process_cpu_us);
    latencies_us.sort_unstable();
    let count = latencies_us.len() as f64 + errors as f64;
    let cpu_us_per_request = match (cpu_start, cpu_end) {
        (Some(start), Some(end)) if count > 0.0 => Some((end - start) as f64 / count),
        _ => None,
    };
    Ok(Report {
        rss_mib: pid.and_then(process_rss_mib),
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

/// Reads one HTTP/1.1 response with a Content-Length; true when it is a 200
/// whose body contains `"expect"`.
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    expect: &str,
) -> anyhow::Result<bool> {
    buffer.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("connection closed by the server");
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).context("response head")?;
    let ok_status = head.starts_with("HTTP/1.1 200");
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .context("response without content-length")?;
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("connection closed mid-body");
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = &buffer[head_end..head_end + length];
    if expect.is_empty() {
        return Ok(ok_status);
    }
    let needle = format!("\"{expect}\"");
    Ok(ok_status && body.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

pub(crate) struct Signer {
    pub(crate) address: SocketAddr,
    pub(crate) region: String,
    pub(crate) credentials: Credentials,
}

impl Signer {
    /// A complete HTTP/1.1 request, signed now, for replay on keep-alive connections.
    fn prepare(
        &self,
        operation: &str,
        body: &serde_json::Value,
        expect: &'static str,
    ) -> anyhow::Result<Prepared> {
        let body = serde_json::to_vec(body)?;
        let host = self.address.to_string();
        // `TrentAdmin.ExplainDecision` and the like are sent as given.
        let target = if operation.contains('.') {
            operation.to_owned()
        } else {
            format!("TrentService.{operation}")
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host.clone()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), target),
        ];
        let identity = aws_credential_types::Credentials::new(
            &self.credentials.access_key_id,
            &self.credentials.secret_access_key,
            None,
            None,
            "trent-bench",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("kms")
            .time(signing_time())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()?
            .into();
        let signable = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            format!("http://{host}/"),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            aws_sigv4::http_request::SignableBody::Bytes(&body),
        )?;
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)?.into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_owned(), value.to_owned()));
        }
        let mut bytes =
            format!("POST / HTTP/1.1\r\ncontent-length: {}\r\n", body.len()).into_bytes();
        for (name, value) in headers {
            bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&body);
        Ok(Prepared { bytes, expect })
    }

    /// One signed call on a fresh connection, for setup.
    pub(crate) async fn call(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let prepared = self.prepare(operation, &body, "")?;
        let mut stream = TcpStream::connect(self.address)
            .await
            .with_context(|| format!("connecting to {}", self.address))?;
        stream.write_all(&prepared.bytes).await?;
        let mut buffer = Vec::new();
        read_response(&mut stream, &mut buffer, "").await?;
        let head_end = buffer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + 4)
            .unwrap_or(0);
        let value: serde_json::Value =
            serde_json::from_slice(&buffer[head_end..]).context("response body")?;
        if let Some(error) = value.get("__type") {
            bail!("{operation} failed: {error} {}", value["message"]);
        }
        Ok(value)
    }
}

/// The load generator signs with the machine's real time, as any client does.
#[allow(
    clippy::disallowed_methods,
    reason = "a client signs with the wall clock"
)]
fn signing_time() -> SystemTime {
    SystemTime::now()
}

pub(crate) fn read_credentials(path: &std::path::Path) -> anyhow::Result<Credentials> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let field = |name: &str| -> anyhow::Result<String> {
        text.lines()
            .find_map(|line| {
                let (key, value) = line.split_once('=')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
            .with_context(|| format!("{name} missing from {}", path.display()))
    };
    Ok(Credentials {
        access_key_id: field("aws_access_key_id")?,
        secret_access_key: field("aws_secret_access_key")?,
    })
}

/// Total user + system CPU time of a process, in microseconds (Linux).
fn process_cpu_us(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 1_000_000 / clock_ticks_per_second())
}

/// Resident memory of a process, in MiB (Linux).
fn process_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100)
}

/// The reference: this same binary as `trent bench-baseline`, a minimal
/// hyper server answering every request with a fixed Encrypt-sized response.
struct Baseline {
    child: std::process::Child,
    address: SocketAddr,
    pid: u32,
}

impl Baseline {
    async fn start() -> anyhow::Result<Self> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .arg("bench-baseline")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().context("baseline stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .strip_prefix("baseline listening on ")
            .context("baseline start")?
            .parse()?;
        let pid = child.id();
        Ok(Self {
            child,
            address,
            pid,
        })
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the baseline server (hidden subcommand).
pub(crate) fn baseline_server() -> anyhow::Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let body = Bytes::from(format!(
        "{{\"CiphertextBlob\":\"{}\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"KeyId\":\"arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000\"}}",
        "A".repeat(108)
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("baseline listening on {}", listener.local_addr()?);
        use std::io::Write;
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let body = body.clone();
                    async move {
                        let mut response = hyper::Response::new(Full::new(body));
                        response.headers_mut().insert(
                            "content-type",
                            http::HeaderValue::from_static("application/x-amz-json-1.1"),
                        );
                        response.headers_mut().insert(
                            "x-amzn-requestid",
                            http::HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
                        );
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
