//! The audit trail's durability: in either `--audit-sync` mode, every
//! request the server answered has its event in the log after `kill -9`,
//! and each start records the mode it ran in.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_kms::operation::RequestId;
use trent_testkit::TestServer;

use crate::operability::{get, sample};
use crate::{audit_events, blob, create_key};

/// Clients encrypt as fast as they can while the server is killed with
/// SIGKILL three times, at a different moment each time; then every
/// acknowledged request's id must be in the log, the chain intact, and
/// every start on record with `mode`.
async fn acknowledged_events_survive_kill_9(mode: &str) {
    let mut server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--audit-sync")
        .arg(mode)
        .start();
    let key_id = create_key(&server.client()).await;
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..3u64 {
        let client = server.client();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (client, key_id) = (client.clone(), key_id.clone());
                tokio::spawn(async move {
                    let mut ids = Vec::new();
                    while let Ok(encrypted) = client
                        .encrypt()
                        .key_id(&key_id)
                        .plaintext(blob(b"durable"))
                        .send()
                        .await
                    {
                        ids.push(encrypted.request_id().unwrap().to_owned());
                    }
                    ids
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(400 + 170 * round)).await;
        server.kill();
        for task in tasks {
            acknowledged.extend(task.await.unwrap());
        }
        server.restart();
    }
    server.terminate();
    assert!(
        acknowledged.len() > 100,
        "too few requests answered: {}",
        acknowledged.len()
    );

    let dir = server.data_dir().join("audit");
    let events = audit_events(&dir);
    let recorded: HashSet<&str> = events
        .iter()
        .filter_map(|event| event["requestID"].as_str())
        .collect();
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|id| !recorded.contains(id.as_str()))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged requests have no event (mode {mode}), e.g. {:?}",
        lost.len(),
        acknowledged.len(),
        lost.first()
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["audit", "verify", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert!(report.starts_with("intact"), "{report}");

    // Four starts, each on record, first, with the mode it ran in.
    let starts: Vec<&serde_json::Value> = events
        .iter()
        .filter(|event| event["eventName"] == "AuditConfiguration")
        .collect();
    assert_eq!(starts.len(), 4);
    assert_eq!(events[0]["eventName"], "AuditConfiguration");
    for start in starts {
        assert_eq!(start["requestParameters"]["sync"], mode, "{start}");
        assert_eq!(start["requestParameters"]["failOpen"], false);
        if mode == "interval" {
            assert_eq!(start["requestParameters"]["syncIntervalMs"], 10);
        } else {
            assert!(start["requestParameters"].get("syncIntervalMs").is_none());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn always_loses_no_acknowledged_event_to_kill_9() {
    acknowledged_events_survive_kill_9("always").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interval_loses_no_acknowledged_event_to_kill_9() {
    acknowledged_events_survive_kill_9("interval").await;
}

/// The mode is shown where operators look: at start and in `/metrics`.
#[tokio::test]
async fn the_sync_mode_is_printed_at_start_and_shown_in_metrics() {
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--audit-sync=interval")
        .arg("--audit-sync-interval-ms=25")
        .start();
    let log = server.log();
    assert!(
        log.contains("WARNING: --audit-sync=interval") && log.contains("up to 25 ms"),
        "{log}"
    );
    let (_, metrics) = get(server.admin_endpoint(), "/metrics").await;
    assert!(
        metrics.contains(
            r#"trent_audit_config{sync="interval",sync_interval_ms="25",fail_open="false"} 1"#
        ),
        "{metrics}"
    );

    // And how long events waited unsynced: the start's own event (the
    // mode on record) an interval at least, once its sync has come.
    let mut unsynced = None;
    for _ in 0..100 {
        let (_, metrics) = get(server.admin_endpoint(), "/metrics").await;
        let count = sample(&metrics, "trent_audit_unsynced_duration_seconds_count");
        let sum = sample(&metrics, "trent_audit_unsynced_duration_seconds_sum");
        if let (Some(count), Some(sum)) = (count, sum) {
            if count >= 1.0 {
                unsynced = Some(sum / count);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let unsynced = unsynced.expect("no audit sync reported in /metrics");
    assert!((0.025..5.0).contains(&unsynced), "{unsynced} s unsynced");

    let default = TestServer::builder(env!("CARGO_BIN_EXE_trent")).start();
    let (_, metrics) = get(default.admin_endpoint(), "/metrics").await;
    assert!(
        metrics.contains(
            r#"trent_audit_config{sync="always",sync_interval_ms="0",fail_open="false"} 1"#
        ),
        "{metrics}"
    );
}
