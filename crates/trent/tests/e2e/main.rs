//! End-to-end tests: the real `trent` binary on an ephemeral port, driven by
//! the official `aws-sdk-kms` client (and raw signed HTTP where the SDK
//! cannot express a malformed request).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::disallowed_methods,
    reason = "test code fails loudly, and compares server times with the real clock"
)]

mod aliases;
mod asymmetric;
mod asymmetric_audit;
mod audit;
mod audit_durability;
mod aws_answers;
mod cli;
mod crash;
mod crypto;
mod data_key_pairs;
mod grants;
mod hmac;
mod hsm;
mod identity;
mod import;
mod import_cli;
mod import_policy;
mod key_agreement;
mod key_last_usage;
mod key_policies;
mod key_states;
mod keys;
mod lifecycle;
mod migrate;
mod ml_kem;
mod multi_region;
mod nodes;
mod nodes_failure;
mod operability;
mod policy;
mod presigned;
mod rsa_encryption;
mod scenario_rds_key;
mod signing;
mod tags;
mod terraform;
mod throttling;
mod tls;
mod wire;

use aws_sdk_kms::error::ProvideErrorMetadata;
use trent_testkit::TestServer;

/// A fresh server in secure mode.
pub(crate) fn server() -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent")).start()
}

/// Asserts that `result` failed with the AWS error `code`; returns its message.
pub(crate) fn expect_error<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
    code: &str,
) -> String {
    match result {
        Ok(value) => panic!("expected {code}, got success: {value:?}"),
        Err(error) => {
            assert_eq!(error.code(), Some(code), "unexpected error: {error:?}");
            error.message().unwrap_or_default().to_owned()
        }
    }
}

/// Creates a symmetric key and returns its id.
pub(crate) async fn create_key(client: &aws_sdk_kms::Client) -> String {
    client
        .create_key()
        .send()
        .await
        .expect("create key")
        .key_metadata()
        .expect("metadata")
        .key_id()
        .to_owned()
}

/// Bytes as an SDK blob.
pub(crate) fn blob(bytes: &[u8]) -> aws_sdk_kms::primitives::Blob {
    aws_sdk_kms::primitives::Blob::new(bytes.to_vec())
}

/// Every event of the audit log in `dir`, in order (a running server's
/// segment ends in preallocated zeros, which are not events).
pub(crate) fn audit_events(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "jsonl")
                && path.file_name().unwrap() != "digests.jsonl"
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(|line| line.trim_matches('\0'))
                .filter(|line| !line.is_empty())
                .map(|line| serde_json::from_str(line).unwrap())
                .collect::<Vec<serde_json::Value>>()
        })
        .collect()
}
