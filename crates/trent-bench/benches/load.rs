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
//! of each asymmetric workload with `--strict`. The server is
//! the `trent` binary as `cargo build --release -p trent` makes it (built
//! first), or the one `TRENT_BIN` names.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark code"
)]

use std::path::PathBuf;
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
    let server = TestServer::builder(trent_binary()).start();
    let run = |workload: &str, seconds: &str, warmup: &str, extra: &[&str]| {
        let status = Command::new(env!("CARGO_BIN_EXE_trent-bench"))
            .args(["--workload", workload, "--endpoint", server.endpoint()])
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
    let workload = if smoke {
        "all".to_owned()
    } else {
        env_or("TRENT_BENCH_WORKLOAD", "all")
    };
    run(&workload, &seconds, warmup, &["--baseline"]);
    if smoke {
        // Sign, Verify, GenerateMac and GenerateDataKeyPair: a fraction of
        // a second each, and every request must succeed.
        run("asymmetric", "0.25", "0", &["--strict"]);
    }
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
