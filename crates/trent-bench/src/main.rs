//! `trent-bench`: the load generator for a running Trent server, and the
//! minimal hyper server it measures as a baseline.
//!
//! It owns the benchmark's client side: pre-signed SigV4 requests replayed
//! on keep-alive connections, the workloads, the measurement and the report,
//! and the reference server of `--baseline`. It talks to Trent only over the
//! wire, as any client does: it must not know the server's crates (no
//! trent-server, trent-service, trent-store or trent-crypto), and nothing
//! depends on it, so the `trent` binary ships without the generator's
//! dependencies.

mod baseline;
mod client;
mod load;
mod process;
mod tls;

use clap::{Parser, Subcommand};

/// The same allocator as the `trent` binary, so that the hyper baseline is
/// measured as the server would run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Load a running Trent server with SigV4-signed requests and report req/s,
/// latency percentiles and server CPU per request.
#[derive(Debug, Parser)]
#[command(
    name = "trent-bench",
    version,
    about,
    long_about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    args: load::BenchArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The reference server of `--baseline` (internal).
    #[command(hide = true)]
    Baseline {
        /// Serve TLS with the certificate and key (PEM) given on stdin.
        #[arg(long)]
        tls: bool,
    },
    /// Write a throwaway CA and a certificate for 127.0.0.1 signed by it,
    /// as DIR/ca.pem (for --ca-bundle), DIR/cert.pem and DIR/key.pem (for
    /// `trent serve --tls-cert --tls-key`).
    TestCa {
        /// The folder to write them in.
        dir: std::path::PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Baseline { tls }) => baseline::serve(tls),
        Some(Command::TestCa { dir }) => tls::write(&dir),
        None => load::bench(cli.args),
    }
}
