//! The `trent` command: the server and its administration.

mod serve;

use clap::{Parser, Subcommand};

/// Trent: a self-hosted key management service that speaks the AWS KMS API.
///
/// Point any AWS SDK, the aws CLI or Terraform at Trent's endpoint and use
/// it as you would AWS KMS. Key material never leaves the server unwrapped.
#[derive(Debug, Parser)]
#[command(name = "trent", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::serve(args),
    }
}
