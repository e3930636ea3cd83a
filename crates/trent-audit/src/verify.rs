//! `trent audit verify`: checks the hash chain and the signed digests of an
//! audit folder, with nothing but its public key, and reports how the
//! server was configured at each start the log records.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use trent_crypto::audit::{sha256, verify_signature};

use crate::log::{digest_message, lines, segments, GENESIS};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The audit folder read: the one given, or a data folder's `audit/`.
    pub dir: PathBuf,
    /// Events read.
    pub events: u64,
    /// The first problem, if any.
    pub problem: Option<String>,
    /// The last sequence number a valid digest covers (0: none).
    pub covered_through: u64,
    /// Digests whose signature verified.
    pub digests: u64,
    /// The server's starts, in order, as their `AuditConfiguration` events
    /// (each start's first event) record them; only events before the first
    /// problem count.
    pub starts: Vec<Start>,
}

/// One start of the server: how it recorded events from then on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The sequence number of its `AuditConfiguration` event.
    pub seq: u64,
    /// When events were synced to disk (`sync`).
    pub sync: SyncMode,
    /// Whether requests were served even when their event could not be
    /// written (`failOpen`); `None` when the event does not say.
    pub fail_open: Option<bool>,
}

/// When the audit writer synced events to disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMode {
    /// Before each answer left (`"always"`; also a start that recorded no
    /// `sync`, from before the setting existed, when it was the only mode).
    Always,
    /// On a timer (`"interval"`): an answered request's event may be lost
    /// in a crash within the interval.
    Interval {
        /// `syncIntervalMs`; `None` when the event does not say.
        millis: Option<u64>,
    },
    /// A mode this verifier does not know, as recorded.
    Unknown(String),
}

impl Start {
    /// Reads a start from an event, if the event is Trent's own
    /// `AuditConfiguration`.
    fn of(seq: u64, event: &Value) -> Option<Self> {
        if event.get("eventSource").and_then(Value::as_str) != Some("trent")
            || event.get("eventName").and_then(Value::as_str) != Some("AuditConfiguration")
        {
            return None;
        }
        let settings = event.get("requestParameters");
        let setting = |name: &str| settings.and_then(|settings| settings.get(name));
        let sync = match setting("sync") {
            None => SyncMode::Always,
            Some(Value::String(mode)) if mode == "always" => SyncMode::Always,
            Some(Value::String(mode)) if mode == "interval" => SyncMode::Interval {
                millis: setting("syncIntervalMs").and_then(Value::as_u64),
            },
            Some(other) => SyncMode::Unknown(match other {
                Value::String(mode) => mode.clone(),
                other => other.to_string(),
            }),
        };
        Some(Self {
            seq,
            sync,
            fail_open: setting("failOpen").and_then(Value::as_bool),
        })
    }
}

impl Report {
    /// Whether the chain and its digests are intact.
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// Why an audit folder could not be read (as opposed to what was wrong
/// with what it holds, which is a [`Report::problem`]). Each names its path.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A file or folder could not be read.
    #[error("reading {}: {error}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The `public-key` file does not hold a hex key.
    #[error("{}: not a hex public key", path.display())]
    PublicKey {
        /// The `public-key` file.
        path: PathBuf,
    },
    /// The folder holds neither an audit log nor an `audit/` folder.
    #[error("{} is not an audit folder or a data folder: no public-key or audit/ found", path.display())]
    NotAnAuditFolder {
        /// The folder given.
        path: PathBuf,
    },
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> VerifyError + '_ {
    |error| VerifyError::Read {
        path: path.to_path_buf(),
        error,
    }
}

/// The audit folder `given` names: `given` itself when it holds a
/// `public-key` or audit files, or else its `audit/` folder when it is a
/// data folder (people type `trent audit verify trent-data`).
pub fn locate(given: &Path) -> Result<PathBuf, VerifyError> {
    let has_log = !segments(given).map_err(read_error(given))?.is_empty();
    if has_log || given.join("public-key").exists() {
        return Ok(given.to_path_buf());
    }
    let audit = given.join("audit");
    if audit.is_dir() {
        return Ok(audit);
    }
    Err(VerifyError::NotAnAuditFolder {
        path: given.to_path_buf(),
    })
}

/// The audit files of the audit folder `dir`, in order.
pub fn segment_files(dir: &Path) -> Result<Vec<PathBuf>, VerifyError> {
    segments(dir).map_err(read_error(dir))
}

/// The lines of one audit file.
pub fn segment_lines(path: &Path) -> Result<Vec<Vec<u8>>, VerifyError> {
    lines(path).map_err(read_error(path))
}

/// Verifies the audit folder `given` names (see [`locate`]).
pub fn verify(given: &Path) -> Result<Report, VerifyError> {
    let dir = locate(given)?;
    let key_path = dir.join("public-key");
    let public_key = hex::decode(
        std::fs::read_to_string(&key_path)
            .map_err(read_error(&key_path))?
            .trim(),
    )
    .map_err(|_| VerifyError::PublicKey {
        path: key_path.clone(),
    })?;
    let mut report = Report {
        dir: dir.clone(),
        events: 0,
        problem: None,
        covered_through: 0,
        digests: 0,
        starts: Vec::new(),
    };
    // The chain: every line names its sequence number and the hash of the
    // line before it.
    let mut hashes = vec![GENESIS.to_owned()];
    let mut expected_seq = 1u64;
    let mut all = Vec::new();
    for path in segment_files(&dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        for (index, line) in segment_lines(&path)?.into_iter().enumerate() {
            all.push((format!("{name} line {}", index + 1), line));
        }
    }
    let seq_of = |line: &[u8]| {
        serde_json::from_slice::<Value>(line)
            .ok()
            .and_then(|value| value.get("trentSeq").and_then(Value::as_u64))
    };
    for (position, (at, line)) in all.iter().enumerate() {
        let Ok(value) = serde_json::from_slice::<Value>(line) else {
            report.problem = Some(format!("{at}: altered (not a JSON event)"));
            break;
        };
        let seq = value.get("trentSeq").and_then(Value::as_u64);
        let prev = value.get("trentPrev").and_then(Value::as_str);
        let (Some(seq), Some(prev)) = (seq, prev) else {
            report.problem = Some(format!("{at}: altered (no trentSeq/trentPrev)"));
            break;
        };
        if seq > expected_seq {
            let later = all[position..]
                .iter()
                .any(|(_, other)| seq_of(other) == Some(expected_seq));
            report.problem = Some(if later {
                format!("{at}: event {seq} comes before event {expected_seq}: reordered")
            } else {
                format!(
                    "{at}: event {seq} follows event {}: {} event(s) removed",
                    expected_seq - 1,
                    seq - expected_seq
                )
            });
            break;
        }
        if seq < expected_seq {
            report.problem = Some(format!(
                "{at}: event {seq} appears again after event {}: inserted, duplicated or reordered",
                expected_seq - 1
            ));
            break;
        }
        let previous = hashes.last().map(String::as_str).unwrap_or(GENESIS);
        if prev != previous {
            report.problem = Some(format!(
                "{at}: event {seq} does not follow the event before it: event {} was altered, or an event was inserted or removed",
                seq - 1
            ));
            break;
        }
        hashes.push(hex::encode(sha256(line)));
        report.starts.extend(Start::of(seq, &value));
        expected_seq += 1;
        report.events += 1;
    }
    // The digests: each signs a sequence number and the chain head there.
    let digests_path = dir.join("digests.jsonl");
    let digests = match std::fs::read_to_string(&digests_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(read_error(&digests_path)(error)),
    };
    for (index, line) in digests.lines().filter(|l| !l.is_empty()).enumerate() {
        let at = format!("digests.jsonl line {}", index + 1);
        let value: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(_) => {
                report.problem.get_or_insert(format!("{at}: not a digest"));
                break;
            }
        };
        let seq = value.get("seq").and_then(Value::as_u64).unwrap_or(0);
        let head = value.get("head").and_then(Value::as_str).unwrap_or("");
        let time = value.get("time").and_then(Value::as_u64).unwrap_or(0);
        let signature = value
            .get("signature")
            .and_then(Value::as_str)
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .unwrap_or_default();
        if !verify_signature(
            &public_key,
            digest_message(seq, head, time).as_bytes(),
            &signature,
        ) {
            report
                .problem
                .get_or_insert(format!("{at}: signature does not verify"));
            break;
        }
        report.digests += 1;
        match hashes.get(usize::try_from(seq).unwrap_or(usize::MAX)) {
            Some(hash) if hash == head => report.covered_through = report.covered_through.max(seq),
            Some(_) => {
                report.problem.get_or_insert(format!(
                    "{at}: the log up to event {seq} differs from what was signed: altered"
                ));
                break;
            }
            None if report.problem.is_none() => {
                report.problem = Some(format!(
                    "{at}: signed through event {seq}, but the log ends at event {}: truncated",
                    report.events
                ));
                break;
            }
            None => break,
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

    use super::*;

    /// A data folder whose `audit/` holds `events` chained as the writer
    /// chains them (no digests), with a real public key.
    fn data_folder(events: &[Value]) -> tempfile::TempDir {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join("audit");
        std::fs::create_dir(&dir).unwrap();
        let (signer, _) = trent_crypto::audit::AuditSigner::generate().unwrap();
        std::fs::write(dir.join("public-key"), hex::encode(signer.public_key())).unwrap();
        let mut previous = GENESIS.to_owned();
        let mut file = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let body = event.to_string();
            let line = format!(
                r#"{{"trentSeq":{},"trentPrev":"{previous}",{}"#,
                index + 1,
                &body[1..]
            );
            previous = hex::encode(sha256(line.as_bytes()));
            file.extend_from_slice(line.as_bytes());
            file.push(b'\n');
        }
        std::fs::write(dir.join("audit-000001.jsonl"), file).unwrap();
        data
    }

    fn configuration(settings: Value) -> Value {
        serde_json::json!({
            "eventSource": "trent",
            "eventName": "AuditConfiguration",
            "requestParameters": settings,
        })
    }

    fn request() -> Value {
        serde_json::json!({"eventSource": "kms.amazonaws.com", "eventName": "Encrypt"})
    }

    #[test]
    fn each_start_is_reported_with_its_audit_settings() {
        let data = data_folder(&[
            // Before `sync` was recorded: always synced.
            configuration(serde_json::json!({"failOpen": false})),
            request(),
            configuration(
                serde_json::json!({"failOpen": true, "sync": "interval", "syncIntervalMs": 10}),
            ),
            request(),
            configuration(serde_json::json!({"failOpen": false, "sync": "always"})),
            configuration(serde_json::json!({"sync": "interval"})),
            configuration(serde_json::json!({"failOpen": false, "sync": "sometimes"})),
            // Only Trent's own event counts.
            serde_json::json!({"eventSource": "kms.amazonaws.com", "eventName": "AuditConfiguration"}),
        ]);
        let report = verify(data.path()).unwrap();
        assert!(report.intact(), "{report:?}");
        assert_eq!(report.events, 8);
        assert_eq!(
            report.starts,
            [
                Start {
                    seq: 1,
                    sync: SyncMode::Always,
                    fail_open: Some(false)
                },
                Start {
                    seq: 3,
                    sync: SyncMode::Interval { millis: Some(10) },
                    fail_open: Some(true)
                },
                Start {
                    seq: 5,
                    sync: SyncMode::Always,
                    fail_open: Some(false)
                },
                Start {
                    seq: 6,
                    sync: SyncMode::Interval { millis: None },
                    fail_open: None
                },
                Start {
                    seq: 7,
                    sync: SyncMode::Unknown("sometimes".into()),
                    fail_open: Some(false)
                },
            ]
        );
    }

    #[test]
    fn starts_after_a_problem_are_not_reported() {
        let data = data_folder(&[
            configuration(serde_json::json!({"failOpen": false})),
            request(),
            configuration(serde_json::json!({"failOpen": true})),
        ]);
        let path = data.path().join("audit/audit-000001.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen("Encrypt", "Decrypt", 1)).unwrap();
        let report = verify(data.path()).unwrap();
        assert!(!report.intact());
        assert_eq!(report.starts.len(), 1, "{report:?}");
    }

    #[test]
    fn a_data_folder_is_read_through_its_audit_folder() {
        let data = data_folder(&[configuration(serde_json::json!({"failOpen": false}))]);
        let audit = data.path().join("audit");
        assert_eq!(locate(data.path()).unwrap(), audit);
        assert_eq!(locate(&audit).unwrap(), audit);
        let from_data = verify(data.path()).unwrap();
        assert_eq!(from_data, verify(&audit).unwrap());
        assert_eq!(from_data.dir, audit);
        assert_eq!(from_data.events, 1);
        // An audit folder with only its key (a server that never served) is
        // still an audit folder, not a data folder.
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(empty.path().join("public-key"), "00").unwrap();
        std::fs::create_dir(empty.path().join("audit")).unwrap();
        assert_eq!(locate(empty.path()).unwrap(), empty.path());
    }

    #[test]
    fn every_error_names_its_path() {
        let scratch = tempfile::tempdir().unwrap();
        let root = scratch.path();
        let missing = root.join("missing");
        let check = |given: &Path, expected: String| {
            let error = verify(given).unwrap_err().to_string();
            assert_eq!(error, expected);
        };
        check(
            &missing,
            format!(
                "reading {}: No such file or directory (os error 2)",
                missing.display()
            ),
        );
        check(
            root,
            format!(
                "{} is not an audit folder or a data folder: no public-key or audit/ found",
                root.display()
            ),
        );
        // A data folder whose audit folder lost its key.
        let audit = root.join("audit");
        std::fs::create_dir(&audit).unwrap();
        std::fs::write(audit.join("audit-000001.jsonl"), b"").unwrap();
        check(
            root,
            format!(
                "reading {}: No such file or directory (os error 2)",
                audit.join("public-key").display()
            ),
        );
        std::fs::write(audit.join("public-key"), "not hex").unwrap();
        check(
            root,
            format!(
                "{}: not a hex public key",
                audit.join("public-key").display()
            ),
        );
        let file = root.join("file");
        std::fs::write(&file, b"").unwrap();
        check(
            &file,
            format!("reading {}: Not a directory (os error 20)", file.display()),
        );
    }
}
