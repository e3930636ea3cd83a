//! The `trent` command: the server and its administration.

mod admin;
mod audit;
mod client;
mod config;
mod migrate;
mod root_key;
mod serve;
mod store;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: under load glibc's malloc spent
/// about a tenth of the server's CPU in allocation and arena-lock contention
/// between worker threads (measured with `perf` during `trent-bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Trent: a self-hosted key management service that speaks the AWS KMS API.
///
/// Point any AWS SDK, the aws CLI or Terraform at Trent's endpoint and use
/// it as you would AWS KMS. Key material never leaves the server unwrapped.
#[derive(Debug, Parser)]
#[command(name = "trent", version, about, long_about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(Box<serve::ServeArgs>),
    /// Administer a stopped data folder offline: accounts, users, access
    /// keys, identity policies (bootstrap and recovery).
    Admin(admin::AdminArgs),
    /// Verify or query an audit folder, or the one in a data folder (offline).
    Audit(audit::AuditArgs),
    /// Ask a running server, as an account root, why a principal would be
    /// allowed or denied an action on a key: every statement of the key
    /// policy and of the principal's identity policies, with the element or
    /// condition that stopped it.
    Explain(admin::ExplainArgs),
    /// Fill a data folder with many keys for scaling runs (offline; the
    /// server must not be running on it).
    BenchSeed(serve::SeedArgs),
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line: the error and its causes. Returning it from `main`
            // would print its `Debug` form instead, a backtrace included
            // whenever RUST_BACKTRACE is set.
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse_from(config::expand(std::env::args_os().collect())?);
    match cli.command {
        Command::Serve(args) => serve::serve(*args),
        Command::Admin(args) => admin::admin(args),
        Command::Audit(args) => audit::audit(args),
        Command::Explain(args) => admin::explain(args),
        Command::BenchSeed(args) => serve::seed(args),
    }
}
