//! `trent audit verify`: checks the hash chain and the signed digests of an
//! audit folder, with nothing but its public key.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use trent_crypto::audit::{sha256, verify_signature};

use crate::log::{digest_message, lines, segments, GENESIS};

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Events read.
    pub events: u64,
    /// The first problem, if any.
    pub problem: Option<String>,
    /// The last sequence number a valid digest covers (0: none).
    pub covered_through: u64,
    /// Digests whose signature verified.
    pub digests: u64,
}

impl Report {
    /// Whether the chain and its digests are intact.
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// Verifies the audit folder `dir`.
pub fn verify(dir: &Path) -> std::io::Result<Report> {
    let public_key = hex::decode(std::fs::read_to_string(dir.join("public-key"))?.trim())
        .map_err(|_| std::io::Error::other("public-key is not hex"))?;
    let mut report = Report {
        events: 0,
        problem: None,
        covered_through: 0,
        digests: 0,
    };
    // The chain: every line names its sequence number and the hash of the
    // line before it.
    let mut hashes = vec![GENESIS.to_owned()];
    let mut expected_seq = 1u64;
    let mut all = Vec::new();
    for path in segments(dir)? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        for (index, line) in lines(&path)?.into_iter().enumerate() {
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
        expected_seq += 1;
        report.events += 1;
    }
    // The digests: each signs a sequence number and the chain head there.
    let digests = match std::fs::read_to_string(dir.join("digests.jsonl")) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
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
