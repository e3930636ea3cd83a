//! The audit trail: one event per request with the right fields, no secrets,
//! a chain `trent audit verify` checks (and catches edits, deletions,
//! insertions, reorderings and truncation of), queries, and fail-closed.

use std::path::{Path, PathBuf};

use aws_sdk_kms::operation::RequestId;
use base64::Engine as _;
use serde_json::Value;

use crate::{audit_events as events, blob, create_key, expect_error, server};

/// The first line of the server's log that contains `needle`.
fn logged(server: &trent_testkit::TestServer, needle: &str) -> String {
    let log = server.log();
    log.lines()
        .find(|line| line.contains(needle))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("no line with {needle:?} in the log:\n{log}"))
}

fn trent(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(args)
        .output()
        .unwrap()
}

fn verify(dir: &Path) -> (bool, String) {
    let output = trent(&["audit", "verify", dir.to_str().unwrap()]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn every_request_leaves_one_event_and_no_secret() {
    let mut server = server();
    let account = server.account().to_owned();
    let client = server.client();
    let created = client.create_key().send().await.unwrap();
    let key_id = created.key_metadata().unwrap().key_id().to_owned();
    let key_arn = format!("arn:aws:kms:us-east-1:{account}:key/{key_id}");
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"the-plaintext-secret"))
        .encryption_context("Purpose", "audit-test")
        .send()
        .await
        .unwrap();
    let encrypt_id = encrypted.request_id().unwrap().to_owned();
    let user = server.new_user("auditee").await;
    let denied = server
        .kms_as(&user)
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap_err();
    let denied_id = denied.request_id().unwrap_or_default().to_owned();
    let data_key = client
        .generate_data_key()
        .key_id(&key_id)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let data_key_b64 =
        base64::engine::general_purpose::STANDARD.encode(data_key.plaintext().unwrap().as_ref());
    server.terminate();

    let dir = server.data_dir().join("audit");
    let all = events(&dir);
    // The configuration event first, then one per request.
    assert_eq!(all[0]["eventName"], "AuditConfiguration");
    assert_eq!(all[0]["requestParameters"]["failOpen"], false);
    let ids: Vec<&str> = all.iter().filter_map(|e| e["requestID"].as_str()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "one event per request");
    // At shutdown the server says how many events it wrote, in how many
    // syncs (the group commit's batching).
    let closed = logged(&server, "audit log closed");
    assert!(
        closed.contains(&format!("events={} ", all.len())),
        "{closed}"
    );
    let syncs: usize = closed
        .split("syncs=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{closed}"));
    assert!((1..=all.len()).contains(&syncs), "{closed}");

    let encrypt = all
        .iter()
        .find(|e| e["requestID"] == encrypt_id.as_str())
        .expect("the Encrypt event");
    assert_eq!(encrypt["eventName"], "Encrypt");
    assert_eq!(encrypt["eventSource"], "kms.amazonaws.com");
    assert_eq!(encrypt["awsRegion"], "us-east-1");
    assert_eq!(encrypt["readOnly"], true);
    assert_eq!(encrypt["sourceIPAddress"], "127.0.0.1");
    assert!(encrypt["userAgent"]
        .as_str()
        .unwrap()
        .contains("aws-sdk-rust"));
    assert_eq!(encrypt["userIdentity"]["type"], "Root");
    assert_eq!(
        encrypt["userIdentity"]["arn"],
        format!("arn:aws:iam::{account}:root")
    );
    assert_eq!(encrypt["requestParameters"]["keyId"], key_id.as_str());
    assert_eq!(
        encrypt["requestParameters"]["encryptionContext"]["Purpose"],
        "audit-test"
    );
    assert_eq!(encrypt["resources"][0]["ARN"], key_arn.as_str());
    assert_eq!(encrypt["resources"][0]["type"], "AWS::KMS::Key");
    assert!(encrypt.get("errorCode").is_none());
    assert_eq!(
        encrypt["responseElements"],
        Value::Null,
        "as CloudTrail, for crypto"
    );
    let create = all.iter().find(|e| e["eventName"] == "CreateKey").unwrap();
    assert_eq!(
        create["responseElements"]["keyMetadata"]["KeyId"],
        key_id.as_str()
    );

    let failed = all
        .iter()
        .find(|e| e["requestID"] == denied_id.as_str())
        .expect("the denied Decrypt event");
    assert_eq!(failed["eventName"], "Decrypt");
    assert_eq!(failed["errorCode"], "AccessDeniedException");
    assert_eq!(failed["userIdentity"]["type"], "IAMUser");
    assert_eq!(failed["userIdentity"]["userName"], "auditee");
    assert!(failed["errorMessage"]
        .as_str()
        .unwrap()
        .contains("kms:Decrypt"));

    let iam: Vec<&Value> = all
        .iter()
        .filter(|e| e["eventSource"] == "iam.amazonaws.com")
        .collect();
    assert_eq!(iam.len(), 2, "CreateUser and CreateAccessKey");
    assert_eq!(iam[0]["requestParameters"]["userName"], "auditee");
    assert!(all.iter().any(|e| e["eventName"] == "GenerateDataKey"));

    // No plaintext, data key, ciphertext or secret in the log.
    let text: String = all.iter().map(Value::to_string).collect();
    let ciphertext_b64 = base64::engine::general_purpose::STANDARD
        .encode(encrypted.ciphertext_blob().unwrap().as_ref());
    for secret in [
        base64::engine::general_purpose::STANDARD.encode(b"the-plaintext-secret"),
        data_key_b64,
        ciphertext_b64,
        user.secret_access_key.clone(),
        server.root_credentials().secret_access_key,
    ] {
        assert!(!text.contains(&secret), "a secret reached the audit log");
    }

    // The chain verifies and a digest (written at shutdown) covers it.
    let (ok, report) = verify(&dir);
    assert!(ok, "{report}");
    assert!(
        report.contains(&format!("cover events 1-{}", all.len())),
        "{report}"
    );

    // Queries.
    let output = trent(&[
        "audit",
        "query",
        dir.to_str().unwrap(),
        "--error",
        "AccessDeniedException",
    ]);
    let found: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["requestID"], denied_id.as_str());
    let output = trent(&[
        "audit",
        "query",
        dir.to_str().unwrap(),
        "--key",
        &key_id,
        "--event",
        "Encrypt",
        "--table",
    ]);
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("Encrypt"));
    server.restart();
}

#[tokio::test]
async fn request_and_event_ids_are_random_version_4_uuids() {
    let mut server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let mut answered = Vec::new();
    for _ in 0..20 {
        let described = client.describe_key().key_id(&key_id).send().await.unwrap();
        answered.push(described.request_id().unwrap().to_owned());
    }
    server.terminate();
    let all = events(&server.data_dir().join("audit"));
    let requests: Vec<&Value> = all
        .iter()
        .filter(|e| e["eventSource"] == "kms.amazonaws.com")
        .collect();
    assert_eq!(requests.len(), 21, "CreateKey and 20 DescribeKey");
    let v4 = |event: &Value, field: &str| {
        let text = event[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {event}"));
        let uuid = uuid::Uuid::parse_str(text).unwrap_or_else(|_| panic!("{field}: {text}"));
        assert_eq!(uuid.get_version_num(), 4, "{field}: {text}");
        assert_eq!(
            uuid.get_variant(),
            uuid::Variant::RFC4122,
            "{field}: {text}"
        );
        assert_eq!(text, uuid.hyphenated().to_string(), "lower-case");
        text.to_owned()
    };
    let request_ids: Vec<String> = requests.iter().map(|e| v4(e, "requestID")).collect();
    let event_ids: Vec<String> = requests.iter().map(|e| v4(e, "eventID")).collect();
    // The id the client was given is the one on record.
    for id in &answered {
        assert!(request_ids.contains(id), "{id} not on record");
    }
    for ids in [&request_ids, &event_ids] {
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "distinct: {ids:?}");
        // Not a shared prefix and a counter: consecutive ids differ from
        // their first digits on.
        assert!(
            ids.windows(2).all(|pair| pair[0][..8] != pair[1][..8]),
            "sequential: {ids:?}"
        );
    }
    assert!(request_ids.iter().all(|id| !event_ids.contains(id)));
}

#[tokio::test]
async fn a_failed_decrypt_is_on_record_against_the_key_of_its_ciphertext() {
    let mut server = server();
    let account = server.account().to_owned();
    let client = server.client();
    let key_id = create_key(&client).await;
    let other = create_key(&client).await;
    let arn = |id: &str| format!("arn:aws:kms:us-east-1:{account}:key/{id}");
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .encryption_context("Purpose", "right")
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    // Nothing names the key but the ciphertext.
    let wrong_context = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .encryption_context("Purpose", "wrong")
        .send()
        .await;
    let wrong_context_id = wrong_context
        .as_ref()
        .unwrap_err()
        .request_id()
        .unwrap()
        .to_owned();
    expect_error(wrong_context, "InvalidCiphertextException");
    let wrong_key = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .encryption_context("Purpose", "right")
        .key_id(arn(&other))
        .send()
        .await;
    let wrong_key_id = wrong_key
        .as_ref()
        .unwrap_err()
        .request_id()
        .unwrap()
        .to_owned();
    expect_error(wrong_key, "IncorrectKeyException");
    let moved = client
        .re_encrypt()
        .ciphertext_blob(ciphertext.clone())
        .source_encryption_context("Purpose", "wrong")
        .destination_key_id(&other)
        .send()
        .await;
    let moved_id = moved.as_ref().unwrap_err().request_id().unwrap().to_owned();
    expect_error(moved, "InvalidCiphertextException");
    client.disable_key().key_id(&key_id).send().await.unwrap();
    let disabled = client
        .decrypt()
        .ciphertext_blob(ciphertext.clone())
        .encryption_context("Purpose", "right")
        .send()
        .await;
    let disabled_id = disabled
        .as_ref()
        .unwrap_err()
        .request_id()
        .unwrap()
        .to_owned();
    expect_error(disabled, "DisabledException");
    server.terminate();

    let dir = server.data_dir().join("audit");
    let all = events(&dir);
    let event = |id: &str| {
        all.iter()
            .find(|e| e["requestID"] == id)
            .unwrap_or_else(|| panic!("no event for {id}"))
    };
    let resources = |id: &str| -> Vec<String> {
        event(id)["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|resource| {
                assert_eq!(resource["type"], "AWS::KMS::Key");
                assert_eq!(resource["accountId"], account.as_str());
                resource["ARN"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    assert_eq!(
        event(&wrong_context_id)["errorCode"],
        "InvalidCiphertextException"
    );
    assert_eq!(resources(&wrong_context_id), [arn(&key_id)]);
    assert_eq!(event(&wrong_key_id)["errorCode"], "IncorrectKeyException");
    assert_eq!(resources(&wrong_key_id), [arn(&key_id), arn(&other)]);
    assert_eq!(event(&moved_id)["eventName"], "ReEncrypt");
    assert_eq!(resources(&moved_id), [arn(&key_id)]);
    assert_eq!(event(&disabled_id)["errorCode"], "DisabledException");
    assert_eq!(resources(&disabled_id), [arn(&key_id)]);
    // Still no ciphertext in the log.
    let ciphertext_b64 = base64::engine::general_purpose::STANDARD.encode(ciphertext.as_ref());
    let text: String = all.iter().map(Value::to_string).collect();
    assert!(!text.contains(&ciphertext_b64));

    // Who failed to decrypt with the key: one query.
    let query = |args: &[&str]| -> Vec<String> {
        let mut all_args = vec!["audit", "query", dir.to_str().unwrap()];
        all_args.extend_from_slice(args);
        let output = trent(&all_args);
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| {
                serde_json::from_str::<Value>(line).unwrap()["requestID"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        query(&["--key", &key_id, "--error", "InvalidCiphertextException"]),
        [wrong_context_id.clone(), moved_id]
    );
    // The key asked for, named second, is found too.
    assert_eq!(
        query(&["--key", &other, "--event", "Decrypt"]),
        [wrong_key_id]
    );
}

/// Runs some requests, stops the server (which signs the chain head), and
/// returns a copy of the audit folder to tamper with.
async fn finished_log() -> (tempfile::TempDir, PathBuf) {
    let mut server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    for _ in 0..5 {
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await
            .unwrap();
    }
    expect_error(
        client.describe_key().key_id("alias/none").send().await,
        "NotFoundException",
    );
    server.terminate();
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path().join("audit");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(server.data_dir().join("audit")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    (copy, dir)
}

fn log_file(dir: &Path) -> PathBuf {
    dir.join("audit-000001.jsonl")
}

fn edit_lines(dir: &Path, change: impl FnOnce(&mut Vec<String>)) {
    let path = log_file(dir);
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    change(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[tokio::test]
async fn verify_and_query_take_the_data_folder_for_its_audit_folder() {
    let (_keep, dir) = finished_log().await;
    let data = dir.parent().unwrap();
    let (ok, from_audit) = verify(&dir);
    assert!(ok, "{from_audit}");
    let (ok, from_data) = verify(data);
    assert!(ok, "{from_data}");
    assert_eq!(from_data, from_audit);
    // The report says which folder it read, and how the one start recorded.
    assert!(
        from_data.contains(&format!(" events in {};", dir.display())),
        "{from_data}"
    );
    assert!(from_data.contains("starts: 1 (last: sync="), "{from_data}");
    assert!(
        from_data.contains(", fail-open=false, from event 1)"),
        "{from_data}"
    );
    assert!(
        !from_data.contains("fail-open (or not saying)"),
        "{from_data}"
    );
    let query = |folder: &Path| {
        let output = trent(&[
            "audit",
            "query",
            folder.to_str().unwrap(),
            "--event",
            "Encrypt",
        ]);
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let encrypts = query(data);
    assert_eq!(encrypts.lines().count(), 5, "{encrypts}");
    assert_eq!(encrypts, query(&dir));
}

#[tokio::test]
async fn verify_warns_of_a_fail_open_start() {
    let mut server = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--audit-fail-open")
        .start();
    create_key(&server.client()).await;
    server.terminate();
    let (ok, report) = verify(server.data_dir());
    assert!(ok, "{report}");
    assert!(
        report.contains(", fail-open=true, from event 1)"),
        "{report}"
    );
    assert!(
        report.contains("warning: start(s) at event(s) 1 fail-open"),
        "{report}"
    );
}

#[test]
fn a_folder_that_cannot_be_read_is_one_line_naming_it() {
    let scratch = tempfile::tempdir().unwrap();
    let missing = scratch.path().join("no-such-folder");
    let missing_error = format!(
        "error: reading {}: No such file or directory (os error 2)\n",
        missing.display()
    );
    let not_audit_error = format!(
        "error: {} is not an audit folder or a data folder: no public-key or audit/ found\n",
        scratch.path().display()
    );
    for (folder, expected) in [
        (missing.as_path(), &missing_error),
        (scratch.path(), &not_audit_error),
    ] {
        // Whatever RUST_BACKTRACE says: a user's mistake is no crash.
        for backtrace in [None, Some("1"), Some("full")] {
            for command in ["verify", "query"] {
                let mut run = std::process::Command::new(env!("CARGO_BIN_EXE_trent"));
                run.args(["audit", command, folder.to_str().unwrap()])
                    .env_remove("RUST_BACKTRACE")
                    .env_remove("RUST_LIB_BACKTRACE");
                if let Some(backtrace) = backtrace {
                    run.env("RUST_BACKTRACE", backtrace);
                }
                let output = run.output().unwrap();
                assert_eq!(output.status.code(), Some(1), "{command} {backtrace:?}");
                assert_eq!(
                    String::from_utf8_lossy(&output.stderr),
                    expected.as_str(),
                    "{command} {backtrace:?}"
                );
                assert!(output.stdout.is_empty(), "{command} {backtrace:?}");
            }
        }
    }
}

#[tokio::test]
async fn callers_are_recorded_as_cloudtrail_records_them() {
    let mut server = server();
    let account = server.account().to_owned();
    let root = server.client();
    let key_id = create_key(&root).await;
    let alice = server.new_user("alice").await;
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:user/alice")},
        "Action": "sts:AssumeRole"}]})
    .to_string();
    let role = server
        .iam()
        .create_role()
        .role_name("app")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    let (role_arn, role_id) = (role.arn().to_owned(), role.role_id().to_owned());
    let alice_id = server
        .sts_as(&alice)
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .user_id()
        .unwrap()
        .to_owned();
    let credentials = server
        .sts_as(&alice)
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("deploy")
        .send()
        .await
        .unwrap()
        .credentials()
        .unwrap()
        .clone();
    let session = trent_testkit::Identity {
        access_key_id: credentials.access_key_id().to_owned(),
        secret_access_key: credentials.secret_access_key().to_owned(),
        session_token: Some(credentials.session_token().to_owned()),
    };
    // Each identity calls DescribeKey once (the users are refused: no policy
    // allows them, and the refusal is what gets recorded).
    let by_root = root.describe_key().key_id(&key_id).send().await.unwrap();
    let by_alice = server
        .kms_as(&alice)
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    let by_session = server
        .kms_as(&session)
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    server.terminate();

    let all = events(&server.data_dir().join("audit"));
    let event = |id: Option<&str>| {
        let id = id.expect("a request id");
        all.iter()
            .find(|e| e["requestID"] == id)
            .expect("the request's event")
            .clone()
    };
    let root_event = event(by_root.request_id());
    assert_eq!(
        root_event["userIdentity"],
        serde_json::json!({
            "type": "Root",
            "principalId": account,
            "arn": format!("arn:aws:iam::{account}:root"),
            "accountId": account,
            "accessKeyId": server.root().access_key_id,
        })
    );
    assert_eq!(
        event(by_alice.request_id())["userIdentity"],
        serde_json::json!({
            "type": "IAMUser",
            "principalId": alice_id,
            "arn": format!("arn:aws:iam::{account}:user/alice"),
            "accountId": account,
            "accessKeyId": alice.access_key_id,
            "userName": "alice",
        })
    );
    assert!(alice_id.starts_with("AIDA"), "{alice_id}");
    assert_eq!(
        event(by_session.request_id())["userIdentity"],
        serde_json::json!({
            "type": "AssumedRole",
            "principalId": format!("{role_id}:deploy"),
            "arn": format!("arn:aws:sts::{account}:assumed-role/app/deploy"),
            "accountId": account,
            "accessKeyId": session.access_key_id,
            "sessionContext": {"sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": role_arn,
                "accountId": account,
                "userName": "app",
            }},
        })
    );
    // The time is CloudTrail's: UTC to the second.
    let time = root_event["eventTime"].as_str().unwrap();
    assert_eq!(time.len(), "2026-11-28T13:37:40Z".len(), "{time}");
    assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
}

#[tokio::test]
async fn verify_catches_every_kind_of_tampering() {
    let (_keep, dir) = finished_log().await;
    let (ok, report) = verify(&dir);
    assert!(ok, "{report}");

    type Tamper = fn(&mut Vec<String>);
    let cases: [(&str, Tamper, &str); 5] = [
        (
            "edit",
            |lines| lines[3] = lines[3].replace("Encrypt", "Decrypt"),
            "altered",
        ),
        (
            "delete",
            |lines| {
                lines.remove(2);
            },
            "removed",
        ),
        (
            "insert",
            |lines| {
                let copy = lines[2].clone();
                lines.insert(4, copy);
            },
            "inserted",
        ),
        ("reorder", |lines| lines.swap(2, 3), "reordered"),
        (
            "truncate",
            |lines| {
                lines.truncate(lines.len() - 2);
            },
            "truncated",
        ),
    ];
    for (name, change, expected) in cases {
        let scratch = tempfile::tempdir().unwrap();
        let copy = scratch.path().join("audit");
        std::fs::create_dir(&copy).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
        edit_lines(&copy, change);
        let (ok, report) = verify(&copy);
        assert!(!ok, "{name} went unnoticed: {report}");
        assert!(report.contains(expected), "{name}: {report}");
    }
    // Editing the last event is caught by the signed digest.
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("audit");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    edit_lines(&copy, |lines| {
        let last = lines.len() - 1;
        lines[last] = lines[last].replace("NotFoundException", "SomethingElse");
    });
    let (ok, report) = verify(&copy);
    assert!(!ok && report.contains("altered"), "{report}");
}

#[tokio::test]
async fn requests_fail_when_their_event_cannot_be_written_unless_fail_open() {
    for fail_open in [false, true] {
        let mut builder = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
            // A new audit file for every batch: the folder is used on every request.
            .arg("--audit-segment-bytes")
            .arg("1");
        if fail_open {
            builder = builder.arg("--audit-fail-open");
        }
        let server = builder.start();
        let client = server.client();
        let key_id = create_key(&client).await;
        // The audit folder goes away (a file takes its name: even root cannot write there).
        let dir = server.data_dir().join("audit");
        std::fs::rename(&dir, server.data_dir().join("audit.moved")).unwrap();
        std::fs::write(&dir, b"not a folder").unwrap();
        let (status, why) = crate::operability::get(server.admin_endpoint(), "/readyz").await;
        assert_eq!((status, why.as_str()), (503, "audit folder not writable"));
        let result = client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await;
        if fail_open {
            result.unwrap();
            let line = logged(&server, "audit event not recorded");
            assert!(
                line.contains("request_id"),
                "the line names its request: {line}"
            );
        } else {
            expect_error(result, "KMSInternalException");
        }
        std::fs::remove_file(&dir).unwrap();
        std::fs::rename(server.data_dir().join("audit.moved"), &dir).unwrap();
        assert_eq!(
            crate::operability::get(server.admin_endpoint(), "/readyz")
                .await
                .0,
            200
        );
        // With the folder back, requests are recorded again, on an intact chain.
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await
            .unwrap();
        if !fail_open {
            let (ok, report) = verify(&dir);
            assert!(ok, "{report}");
        }
    }
}

#[tokio::test]
async fn every_kms_operation_leaves_exactly_one_event() {
    // Each operation Trent serves, once, with a body naming a real key: some
    // succeed, most fail one way or another (missing members, wrong key
    // type, state); every one must be on record once, under its own name,
    // with its error when it failed.
    let mut server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let credentials = server.root_credentials();
    let body = format!(r#"{{"KeyId":"{key_id}"}}"#);
    let mut sent = Vec::new();
    for operation in trent_core::operation::Operation::ALL {
        let response = trent_testkit::RawRequest::kms(operation.name(), &body)
            .send(&server, &credentials)
            .await;
        let request_id = response
            .header("x-amzn-requestid")
            .unwrap_or_else(|| panic!("{} answered without a request id", operation.name()))
            .to_owned();
        sent.push((operation.name(), request_id, response.status));
    }
    server.terminate();
    let all = events(&server.data_dir().join("audit"));
    for (name, request_id, status) in &sent {
        let matching: Vec<&Value> = all
            .iter()
            .filter(|event| event["requestID"] == request_id.as_str())
            .collect();
        assert_eq!(matching.len(), 1, "{name}: {matching:?}");
        let event = matching[0];
        assert_eq!(event["eventName"], *name);
        assert_eq!(event["eventSource"], "kms.amazonaws.com");
        assert_eq!(
            event.get("errorCode").is_some(),
            *status != 200,
            "{name} answered {status}: {event}"
        );
        assert_eq!(event["userIdentity"]["type"], "Root", "{name}");
    }
    assert!(
        sent.iter().filter(|(_, _, status)| *status == 200).count() >= 5,
        "some operations succeeded: {sent:?}"
    );
}

#[tokio::test]
async fn segments_rotate_without_gaps_and_the_chain_survives_restarts() {
    // Small segments: each fills after a few events, so the writer prepares
    // the next one ahead and rotates many times.
    let mut server = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--audit-segment-bytes")
        .arg("8192")
        .start();
    let client = server.client();
    let key_id = create_key(&client).await;
    for _ in 0..40 {
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await
            .unwrap();
    }
    server.restart();
    let client = server.client();
    for _ in 0..10 {
        client.describe_key().key_id(&key_id).send().await.unwrap();
    }
    server.terminate();
    let dir = server.data_dir().join("audit");
    let (ok, report) = verify(&dir);
    assert!(ok, "{report}");
    // The second start's configuration follows the key and 40 requests.
    assert!(report.contains("starts: 2 (last: sync="), "{report}");
    assert!(report.contains(", from event 43)"), "{report}");
    let all = events(&dir);
    // The configuration event of each start, the key, 40 + 10 requests.
    assert_eq!(all.len(), 2 + 1 + 40 + 10, "{report}");
    let seqs: Vec<u64> = all
        .iter()
        .map(|e| e["trentSeq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let segments: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("audit-")
        })
        .collect();
    assert!(segments.len() > 5, "rotated: {segments:?}");
    for path in &segments {
        let bytes = std::fs::read(path).unwrap();
        // Cut to size at shutdown, and no prepared file left behind empty.
        assert!(
            !bytes.is_empty() && !bytes.contains(&0),
            "{}",
            path.display()
        );
        assert!(bytes.ends_with(b"\n"), "{}", path.display());
    }
}
