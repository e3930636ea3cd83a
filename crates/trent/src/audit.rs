//! `trent audit`: verify and query an audit folder (offline; only its
//! public key is needed, never the root key).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use trent_audit::log::{lines, segments};

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain and the signed digests. Reports the first
    /// altered, inserted, removed or reordered event, or a truncation, and
    /// up to which event the signed digests cover the log. Exits 1 if the
    /// log is not intact.
    Verify {
        /// The audit folder (DATA_DIR/audit).
        dir: PathBuf,
    },
    /// Print events matching every filter given, as JSON lines (default)
    /// or a table.
    Query {
        /// The audit folder (DATA_DIR/audit).
        dir: PathBuf,
        /// Events at or after this time (RFC 3339, e.g. 2026-11-28T00:00:00Z).
        #[arg(long)]
        from: Option<String>,
        /// Events before this time (RFC 3339).
        #[arg(long)]
        to: Option<String>,
        /// Events on this key (key id or key ARN).
        #[arg(long)]
        key: Option<String>,
        /// Events by this principal ARN.
        #[arg(long)]
        principal: Option<String>,
        /// Events of this operation (eventName, e.g. Decrypt).
        #[arg(long)]
        event: Option<String>,
        /// Events that failed with this error code (e.g. AccessDeniedException).
        #[arg(long)]
        error: Option<String>,
        /// Print a table instead of JSON lines.
        #[arg(long)]
        table: bool,
    },
}

pub(crate) fn audit(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify { dir } => {
            let report = trent_audit::verify::verify(&dir)?;
            match &report.problem {
                None => {
                    println!(
                        "intact: {} events; signed digests cover events 1-{} ({} digests)",
                        report.events, report.covered_through, report.digests
                    );
                    if report.covered_through < report.events {
                        println!(
                            "events {}-{} are chained but not yet covered by a digest",
                            report.covered_through + 1,
                            report.events
                        );
                    }
                    Ok(())
                }
                Some(problem) => {
                    println!("NOT INTACT: {problem}");
                    println!(
                        "(events before the problem: {}; signed digests cover events 1-{})",
                        report.events, report.covered_through
                    );
                    anyhow::bail!("the audit log is not intact");
                }
            }
        }
        AuditCommand::Query {
            dir,
            from,
            to,
            key,
            principal,
            event,
            error,
            table,
        } => {
            if table {
                println!(
                    "{:<20} {:<24} {:<52} {:<28} resource",
                    "time", "event", "principal", "error"
                );
            }
            for path in segments(&dir)? {
                for line in lines(&path)? {
                    let Ok(value) = serde_json::from_slice::<Value>(&line) else {
                        continue;
                    };
                    let text = |pointer: &str| {
                        value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
                    };
                    let time = text("/eventTime");
                    // ISO 8601 UTC times compare as text.
                    if from.as_deref().is_some_and(|from| time < from)
                        || to.as_deref().is_some_and(|to| time >= to)
                        || principal
                            .as_deref()
                            .is_some_and(|p| text("/userIdentity/arn") != p)
                        || event.as_deref().is_some_and(|e| text("/eventName") != e)
                        || error.as_deref().is_some_and(|e| text("/errorCode") != e)
                    {
                        continue;
                    }
                    let resource = text("/resources/0/ARN");
                    if let Some(key) = key.as_deref() {
                        // Any key the event names: a failed Decrypt names the
                        // ciphertext's key first and the one asked for second.
                        let mut resources = value
                            .get("resources")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|resource| resource.get("ARN").and_then(Value::as_str));
                        let requested = text("/requestParameters/keyId");
                        if !(requested == key
                            || resources.any(|arn| arn == key || arn.ends_with(&format!("/{key}"))))
                        {
                            continue;
                        }
                    }
                    if table {
                        println!(
                            "{:<20} {:<24} {:<52} {:<28} {}",
                            time,
                            text("/eventName"),
                            text("/userIdentity/arn"),
                            text("/errorCode"),
                            resource
                        );
                    } else {
                        println!("{}", String::from_utf8_lossy(&line));
                    }
                }
            }
            Ok(())
        }
    }
}
