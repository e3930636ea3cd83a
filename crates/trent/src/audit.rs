//! `trent audit`: verify and query an audit folder (offline; only its
//! public key is needed, never the root key).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::Value;
use trent_audit::verify::{Start, SyncMode};

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain and the signed digests. Reports the first
    /// altered, inserted, removed or reordered event, or a truncation, and
    /// up to which event the signed digests cover the log, and how the
    /// server recorded events at each start (warning of fail-open and
    /// interval syncs). Exits 1 if the log is not intact. Several folders
    /// (the nodes of a shared store keep one each) are checked one by one.
    Verify {
        /// The audit folder (DATA_DIR/audit), or the data folder; one per node.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Print events matching every filter given, as JSON lines (default)
    /// or a table. Events of several folders (one per node of a shared
    /// store) are merged in time order.
    Query {
        /// The audit folder (DATA_DIR/audit), or the data folder; one per node.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
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
        AuditCommand::Verify { dirs } => {
            if let [dir] = dirs.as_slice() {
                return verify_one(dir);
            }
            let mut intact = true;
            for (n, dir) in dirs.iter().enumerate() {
                if n > 0 {
                    println!();
                }
                if let Err(error) = verify_one(dir) {
                    eprintln!("error: {}: {error:#}", dir.display());
                    intact = false;
                }
            }
            if !intact {
                anyhow::bail!("not every audit log is intact");
            }
            Ok(())
        }
        AuditCommand::Query {
            dirs,
            from,
            to,
            key,
            principal,
            event,
            error,
            table,
        } => {
            let filter = Filter {
                from,
                to,
                key,
                principal,
                event,
                error,
            };
            if table {
                println!(
                    "{:<20} {:<24} {:<52} {:<28} resource",
                    "time", "event", "principal", "error"
                );
            }
            // One folder is printed as it is read; several are merged by
            // event time (a stable sort: each folder is in order already).
            let mut merged: Vec<(String, Vec<u8>, Value)> = Vec::new();
            for dir in &dirs {
                let dir = trent_audit::verify::locate(dir)?;
                for path in trent_audit::verify::segment_files(&dir)? {
                    for line in trent_audit::verify::segment_lines(&path)? {
                        let Ok(value) = serde_json::from_slice::<Value>(&line) else {
                            continue;
                        };
                        if !filter.matches(&value) {
                            continue;
                        }
                        if dirs.len() == 1 {
                            print_event(&line, &value, table);
                        } else {
                            let time = value
                                .pointer("/eventTime")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned();
                            merged.push((time, line, value));
                        }
                    }
                }
            }
            merged.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, line, value) in &merged {
                print_event(line, value, table);
            }
            Ok(())
        }
    }
}

/// Verifies one audit folder and prints its report; `Err` if it is not
/// intact or cannot be read.
fn verify_one(dir: &std::path::Path) -> anyhow::Result<()> {
    let report = trent_audit::verify::verify(dir)?;
    match &report.problem {
        None => {
            println!(
                "intact: {} events in {}; signed digests cover events 1-{} ({} digests)",
                report.events,
                report.dir.display(),
                report.covered_through,
                report.digests
            );
            if report.covered_through < report.events {
                println!(
                    "events {}-{} are chained but not yet covered by a digest",
                    report.covered_through + 1,
                    report.events
                );
            }
            print_starts(&report.starts);
            Ok(())
        }
        Some(problem) => {
            println!("NOT INTACT: {problem}");
            println!(
                "(events before the problem in {}: {}; signed digests cover events 1-{})",
                report.dir.display(),
                report.events,
                report.covered_through
            );
            print_starts(&report.starts);
            anyhow::bail!("the audit log is not intact");
        }
    }
}

/// The filters of `trent audit query`: an event is printed if it matches all.
struct Filter {
    from: Option<String>,
    to: Option<String>,
    key: Option<String>,
    principal: Option<String>,
    event: Option<String>,
    error: Option<String>,
}

impl Filter {
    fn matches(&self, value: &Value) -> bool {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap_or("");
        let time = text("/eventTime");
        // ISO 8601 UTC times compare as text.
        if self.from.as_deref().is_some_and(|from| time < from)
            || self.to.as_deref().is_some_and(|to| time >= to)
            || self
                .principal
                .as_deref()
                .is_some_and(|p| text("/userIdentity/arn") != p)
            || self
                .event
                .as_deref()
                .is_some_and(|e| text("/eventName") != e)
            || self
                .error
                .as_deref()
                .is_some_and(|e| text("/errorCode") != e)
        {
            return false;
        }
        let Some(key) = self.key.as_deref() else {
            return true;
        };
        // Any key the event names: a failed Decrypt names the ciphertext's
        // key first and the one asked for second.
        let mut resources = value
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|resource| resource.get("ARN").and_then(Value::as_str));
        text("/requestParameters/keyId") == key
            || resources.any(|arn| arn == key || arn.ends_with(&format!("/{key}")))
    }
}

fn print_event(line: &[u8], value: &Value, table: bool) {
    if table {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap_or("");
        println!(
            "{:<20} {:<24} {:<52} {:<28} {}",
            text("/eventTime"),
            text("/eventName"),
            text("/userIdentity/arn"),
            text("/errorCode"),
            text("/resources/0/ARN")
        );
    } else {
        println!("{}", String::from_utf8_lossy(line));
    }
}

/// How many starts the log records, the last one's settings, and a warning
/// for every setting under which events may be missing from the log.
fn print_starts(starts: &[Start]) {
    let Some(last) = starts.last() else {
        println!("starts: 0 (no AuditConfiguration event)");
        return;
    };
    println!(
        "starts: {} (last: {}, from event {})",
        starts.len(),
        settings(last),
        last.seq
    );
    let at = |matching: &dyn Fn(&Start) -> bool| -> Vec<String> {
        starts
            .iter()
            .filter(|start| matching(start))
            .map(|start| start.seq.to_string())
            .collect()
    };
    let fail_open = at(&|start| start.fail_open != Some(false));
    if !fail_open.is_empty() {
        println!(
            "warning: start(s) at event(s) {} fail-open (or not saying): requests whose event could not be written were still served",
            fail_open.join(", ")
        );
    }
    let unsynced = at(&|start| start.sync != SyncMode::Always);
    if !unsynced.is_empty() {
        println!(
            "warning: start(s) at event(s) {} not syncing before each answer: events of requests answered shortly before a crash may be missing",
            unsynced.join(", ")
        );
    }
}

fn settings(start: &Start) -> String {
    let sync = match &start.sync {
        SyncMode::Always => "sync=always".to_owned(),
        SyncMode::Interval {
            millis: Some(millis),
        } => format!("sync=interval every {millis} ms"),
        SyncMode::Interval { millis: None } => "sync=interval".to_owned(),
        SyncMode::Unknown(mode) => format!("sync={mode} (unknown)"),
    };
    let fail_open = match start.fail_open {
        Some(fail_open) => fail_open.to_string(),
        None => "unknown".to_owned(),
    };
    format!("{sync}, fail-open={fail_open}")
}
