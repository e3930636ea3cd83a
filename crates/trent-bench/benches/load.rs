//! The end-to-end benchmark: starts a real `trent serve` (secure mode, fresh
//! data folder) and runs `trent-bench --baseline` against it, so that every
//! figure comes with its ratio to a minimal hyper server measured in the
//! same run.
//!
//! `cargo bench -p trent-bench --bench load` runs `TRENT_BENCH_WORKLOAD`
//! (default `all`; `asymmetric` for Sign, Verify, GenerateMac and
//! GenerateDataKeyPair) for `TRENT_BENCH_SECONDS` (default 10) per workload
//! at `TRENT_BENCH_CONNECTIONS` (default 64) connections; `-- --test` is a
//! smoke run (CI): one second of each of `all`, then a quarter of a second
//! of each asymmetric workload with `--strict`, then half a second of
//! Encrypt over TLS with its TLS baseline. `TRENT_BENCH_TLS=1` runs the
//! measurement over TLS: a throwaway CA from `trent-bench test-ca`,
//! `trent serve --tls-cert/--tls-key`, the client and baseline on rustls.
//! The server is
//! the `trent` binary as `cargo build --release -p trent` makes it (built
//! first), or the one `TRENT_BIN` names.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark code"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use trent_testkit::TestServer;

fn main() {
    let smoke = std::env::args().any(|arg| arg == "--test");
    let seconds = if smoke {
        "1".to_owned()
    } else {
        env_or("TRENT_BENCH_SECONDS", "10")
    };
    let connections = if smoke {
        "8".to_owned()
    } else {
        env_or("TRENT_BENCH_CONNECTIONS", "64")
    };
    let warmup = if smoke { "0" } else { "2" };
    let binary = trent_binary();
    let tls = !smoke && env_or("TRENT_BENCH_TLS", "") == "1";
    let (server, ca) = start(&binary, tls);
    let workload = if smoke {
        "all".to_owned()
    } else {
        env_or("TRENT_BENCH_WORKLOAD", "all")
    };
    let run =
        |server: &TestServer, ca: Option<&Path>, workload: &str, seconds: &str, extra: &[&str]| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_trent-bench"));
            match ca {
                Some(ca) => command
                    .args([
                        "--endpoint",
                        &server.endpoint().replacen("http://", "https://", 1),
                    ])
                    .arg("--ca-bundle")
                    .arg(ca),
                None => command.args(["--endpoint", server.endpoint()]),
            };
            let status = command
                .args(["--workload", workload])
                .arg("--credentials")
                .arg(server.data_dir().join("root-credentials"))
                .args([
                    "--duration",
                    seconds,
                    "--warmup",
                    warmup,
                    "--connections",
                    &connections,
                ])
                .args([
                    "--server-pid",
                    &server.pid().expect("server pid").to_string(),
                ])
                .args(extra)
                .status()
                .expect("running trent-bench");
            assert!(
                status.success(),
                "trent-bench {workload} failed: {status:?}"
            );
        };
    run(&server, ca.as_deref(), &workload, &seconds, &["--baseline"]);
    if smoke {
        // Sign, Verify, GenerateMac and GenerateDataKeyPair: a fraction of
        // a second each, and every request must succeed.
        run(&server, None, "asymmetric", "0.25", &["--strict"]);
        // Encrypt over TLS, beside the TLS baseline: every request succeeds.
        let (server, ca) = start(&binary, true);
        run(
            &server,
            ca.as_deref(),
            "encrypt",
            "0.5",
            &["--baseline", "--strict"],
        );
    }
}

/// A fresh server; with `tls`, serving HTTPS with a certificate of a
/// throwaway CA (`trent-bench test-ca`), whose `ca.pem` is returned.
fn start(binary: &Path, tls: bool) -> (TestServer, Option<PathBuf>) {
    if !tls {
        return (TestServer::builder(binary).start(), None);
    }
    let dir = std::env::temp_dir().join(format!("trent-bench-tls-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_trent-bench"))
        .arg("test-ca")
        .arg(&dir)
        .status()
        .expect("running trent-bench test-ca");
    assert!(status.success(), "trent-bench test-ca failed");
    let server = TestServer::builder(binary)
        .arg("--tls-cert")
        .arg(dir.join("cert.pem").to_str().expect("UTF-8 path"))
        .arg("--tls-key")
        .arg(dir.join("key.pem").to_str().expect("UTF-8 path"))
        .start();
    (server, Some(dir.join("ca.pem")))
}

/// The server to measure. A bench sees only its own package's binaries
/// (`CARGO_BIN_EXE_trent-bench`), so the `trent` binary is built here, as it
/// ships (release, its own features), unless `TRENT_BIN` names one.
fn trent_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TRENT_BIN") {
        return path.into();
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--release", "-p", "trent", "--bin", "trent"])
        .args(["--message-format", "json-render-diagnostics"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .expect("running cargo build -p trent");
    assert!(output.status.success(), "cargo build -p trent failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "trent")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo build names the trent executable")
}

fn env_or(name: &str, default: &str) -> String {
    #[allow(
        clippy::disallowed_methods,
        reason = "benchmark settings come from the environment"
    )]
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}
