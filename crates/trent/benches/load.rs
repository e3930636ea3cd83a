//! The end-to-end benchmark: starts a real `trent serve` (secure mode, fresh
//! data folder) and runs `trent bench --baseline` against it, so that every
//! figure comes with its ratio to a minimal hyper server measured in the
//! same run.
//!
//! `cargo bench -p trent --bench load` runs every workload for
//! `TRENT_BENCH_SECONDS` (default 10) at `TRENT_BENCH_CONNECTIONS` (default
//! 64) connections; `-- --test` is a two-second smoke run (CI).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark code"
)]

use std::process::Command;

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
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent")).start();
    let status = Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["bench", "--baseline", "--endpoint", server.endpoint()])
        .arg("--credentials")
        .arg(server.data_dir().join("root-credentials"))
        .args([
            "--duration",
            &seconds,
            "--warmup",
            warmup,
            "--connections",
            &connections,
        ])
        .args([
            "--server-pid",
            &server.pid().expect("server pid").to_string(),
        ])
        .status()
        .expect("running trent bench");
    assert!(status.success(), "trent bench failed: {status:?}");
}

fn env_or(name: &str, default: &str) -> String {
    #[allow(
        clippy::disallowed_methods,
        reason = "benchmark settings come from the environment"
    )]
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}
