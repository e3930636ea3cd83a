//! Nodes on PostgreSQL when something fails: a node killed with `kill -9`
//! under write load loses nothing it acknowledged and the other node serves
//! on; PostgreSQL stopped under load makes requests fail fast as
//! `KMSInternalException` (and `/readyz` 503), and when it is back, service
//! resumes by itself with nothing acknowledged lost.
//!
//! Needs a PostgreSQL server: `TRENT_TEST_POSTGRES` (`.ci/postgres start`
//! prints one). Without it these tests say they are skipped and pass,
//! except under CI, where they fail.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::types::Tag;
use base64::Engine;
use trent_testkit::{postgres_database, RawRequest, TestServer};

use crate::{blob, create_key};

/// A write a node acknowledged.
#[derive(Debug)]
struct Acknowledged {
    key_id: String,
    /// Empty when the Encrypt was not acknowledged.
    ciphertext: Vec<u8>,
    plaintext: Vec<u8>,
    tagged: bool,
    /// Which node acknowledged it, and when.
    node: usize,
    at: Instant,
}

/// Creates a key, encrypts under it and tags it, over and over, sending
/// what was acknowledged; ends at the first failure or once `stop` is set.
async fn writer(
    client: aws_sdk_kms::Client,
    label: String,
    node: usize,
    stop: Arc<AtomicBool>,
    sender: tokio::sync::mpsc::UnboundedSender<Acknowledged>,
) {
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(created) = client
            .create_key()
            .description(format!("{label} n{n}"))
            .send()
            .await
        else {
            return;
        };
        let key_id = created.key_metadata().unwrap().key_id().to_owned();
        let plaintext = format!("{label} n{n}").into_bytes();
        let ciphertext = match client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(&plaintext))
            .send()
            .await
        {
            Ok(encrypted) => encrypted.ciphertext_blob().unwrap().as_ref().to_vec(),
            Err(_) => Vec::new(),
        };
        let tagged = !ciphertext.is_empty()
            && client
                .tag_resource()
                .key_id(&key_id)
                .tags(
                    Tag::builder()
                        .tag_key("writer")
                        .tag_value(&label)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .is_ok();
        let _ = sender.send(Acknowledged {
            key_id,
            ciphertext,
            plaintext,
            tagged,
            node,
            at: Instant::now(),
        });
        if !tagged {
            return;
        }
    }
}

/// Every acknowledged key is there through `client`, with its tag, and
/// its ciphertext decrypts.
async fn check_acknowledged(client: &aws_sdk_kms::Client, acknowledged: &[Acknowledged]) {
    for entry in acknowledged {
        client
            .describe_key()
            .key_id(&entry.key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("key {} lost: {e:?}", entry.key_id));
        if entry.tagged {
            let tags = client
                .list_resource_tags()
                .key_id(&entry.key_id)
                .send()
                .await
                .unwrap();
            assert_eq!(tags.tags().len(), 1, "tag of {} lost", entry.key_id);
        }
        if !entry.ciphertext.is_empty() {
            let decrypted = client
                .decrypt()
                .ciphertext_blob(blob(&entry.ciphertext))
                .send()
                .await
                .unwrap_or_else(|e| panic!("ciphertext of {} lost: {e:?}", entry.key_id));
            assert_eq!(
                decrypted.plaintext().unwrap().as_ref(),
                entry.plaintext.as_slice()
            );
        }
    }
}

/// Writers on both nodes of one database; node 1 is killed with SIGKILL
/// mid-load (at a different moment each round) and restarted. Node 2
/// keeps acknowledging writes while node 1 is dead, and every write either
/// node acknowledged is there, through both nodes, after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_killed_under_write_load_loses_nothing_acknowledged() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut first = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .start();
    let second = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(&first)
        .start();
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    for round in 0..3u64 {
        let stop = Arc::new(AtomicBool::new(false));
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let mut writers = Vec::new();
        for (node, server) in [(1, &first), (2, &second)] {
            for writer_number in 0..2 {
                writers.push(tokio::spawn(writer(
                    server.client(),
                    format!("r{round}node{node}w{writer_number}"),
                    node,
                    stop.clone(),
                    sender.clone(),
                )));
            }
        }
        drop(sender);
        tokio::time::sleep(Duration::from_millis(250 + 130 * round)).await;
        first.kill();
        let killed_at = Instant::now();
        // Node 2 serves on while node 1 is dead.
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.await.unwrap();
        }
        let mut after_kill = 0;
        while let Some(entry) = receiver.recv().await {
            if entry.node == 2 && entry.at > killed_at && entry.tagged {
                after_kill += 1;
            }
            acknowledged.push(entry);
        }
        assert!(
            after_kill > 0,
            "round {round}: node 2 acknowledged nothing while node 1 was dead"
        );
        first.restart();
    }
    let by_node = |node| acknowledged.iter().filter(|e| e.node == node).count();
    assert!(
        by_node(1) >= 6 && by_node(2) >= 6,
        "too few writes acknowledged: node 1 {}, node 2 {}",
        by_node(1),
        by_node(2)
    );
    eprintln!(
        "checking {} acknowledged keys (node 1: {}, node 2: {}) after 3 kills",
        acknowledged.len(),
        by_node(1),
        by_node(2)
    );
    check_acknowledged(&second.client(), &acknowledged).await;
    check_acknowledged(&first.client(), &acknowledged).await;
    // The restarted node takes writes, and the other serves them at once.
    let key_id = create_key(&first.client()).await;
    second
        .client()
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
}

/// A PostgreSQL server of this test's own (`.ci/postgres`), stopped when
/// dropped.
struct OwnPostgres {
    /// Kept for its lifetime: the server's folder is inside.
    _folder: tempfile::TempDir,
    dir: PathBuf,
    url: String,
}

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/postgres");

impl OwnPostgres {
    fn start() -> Self {
        let folder = tempfile::tempdir().unwrap();
        // As root the server runs as another user, who must reach DIR.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let dir = folder.path().join("pg");
        let url = script("start", &dir);
        Self {
            _folder: folder,
            dir,
            url,
        }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new(SCRIPT)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// Runs `.ci/postgres ACTION DIR`; answers the last line it printed.
fn script(action: &str, dir: &Path) -> String {
    let output = std::process::Command::new(SCRIPT)
        .arg(action)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        ".ci/postgres {action}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// How a request of the load went.
#[derive(Debug)]
struct Sample {
    operation: &'static str,
    started: Instant,
    took: Duration,
    /// `None` on success; the error code (or what stood for one) otherwise.
    error: Option<String>,
}

/// Longer than any request may take: past it, a request hangs.
const HANG: Duration = Duration::from_secs(15);

/// The store's bound on a call (5 s) and a margin: no request may fail
/// slower than this.
const FAIL_FAST: Duration = Duration::from_secs(6);

/// Runs `request` within [`HANG`], recording how it went.
async fn sampled<T, E>(
    samples: &Mutex<Vec<Sample>>,
    operation: &'static str,
    request: impl std::future::Future<Output = Result<T, E>>,
) -> Option<T>
where
    E: ProvideErrorMetadata + std::fmt::Debug,
{
    let started = Instant::now();
    let result = tokio::time::timeout(HANG, request).await;
    let took = started.elapsed();
    let (value, error) = match result {
        Ok(Ok(value)) => (Some(value), None),
        Ok(Err(error)) => (
            None,
            Some(
                error
                    .code()
                    .map_or_else(|| format!("no code: {error:?}"), str::to_owned),
            ),
        ),
        Err(_) => (None, Some("hang".to_owned())),
    };
    samples.lock().unwrap().push(Sample {
        operation,
        started,
        took,
        error,
    });
    value
}

/// A raw signed request to `server`, within [`HANG`]: its status, its
/// content type, its JSON body and how long it took.
async fn raw(
    server: &TestServer,
    operation: &str,
    body: &str,
) -> (u16, String, serde_json::Value, Duration) {
    let started = Instant::now();
    let response = tokio::time::timeout(
        HANG,
        RawRequest::kms(operation, body).send(server, &server.root_credentials()),
    )
    .await
    .unwrap_or_else(|_| panic!("{operation} hung for {HANG:?}"));
    let took = started.elapsed();
    let content_type = response.header("content-type").unwrap_or("").to_owned();
    (response.status, content_type, response.json(), took)
}

/// `/readyz` within [`HANG`]: its status and how long it took.
async fn readyz(server: &TestServer) -> (u16, Duration) {
    let started = Instant::now();
    let (status, _) = tokio::time::timeout(
        HANG,
        crate::operability::get(server.admin_endpoint(), "/readyz"),
    )
    .await
    .expect("/readyz hung");
    (status, started.elapsed())
}

/// PostgreSQL stopped under load (cached Encrypts and CreateKeys): every
/// request fails within the store's bound as `KMSInternalException` in
/// JSON, `/readyz` answers 503 at once; started again on the same folder
/// and port, service resumes by itself, and no write acknowledged before
/// is lost. Prints the slowest failure and the recovery time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_under_load_fails_fast_and_service_resumes() {
    // Skips (or fails under CI) as the other PostgreSQL tests do, though
    // this one runs a server of its own.
    let Some(_gate) = postgres_database() else {
        return;
    };
    let postgres = OwnPostgres::start();
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&postgres.url)
        .start();
    let client = server.client();
    let warm = create_key(&client).await;
    for _ in 0..3 {
        client
            .encrypt()
            .key_id(&warm)
            .plaintext(blob(b"warm"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(readyz(&server).await.0, 200);

    // Load: two cached encrypters and one key creator, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::new()));
    let created = Arc::new(Mutex::new(Vec::<(String, Vec<u8>, Instant)>::new()));
    let mut load = Vec::new();
    for _ in 0..2 {
        let (client, warm, stop, samples) =
            (client.clone(), warm.clone(), stop.clone(), samples.clone());
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let request = client
                    .encrypt()
                    .key_id(&warm)
                    .plaintext(blob(b"under load"))
                    .send();
                if sampled(&samples, "Encrypt", request).await.is_none() {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    {
        let (client, stop, samples, created) = (
            client.clone(),
            stop.clone(),
            samples.clone(),
            created.clone(),
        );
        load.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let Some(key) = sampled(&samples, "CreateKey", client.create_key().send()).await
                else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let key_id = key.key_metadata().unwrap().key_id().to_owned();
                let request = client
                    .encrypt()
                    .key_id(&key_id)
                    .plaintext(blob(key_id.as_bytes()))
                    .send();
                let ciphertext = sampled(&samples, "Encrypt", request)
                    .await
                    .map(|out| out.ciphertext_blob().unwrap().as_ref().to_vec())
                    .unwrap_or_default();
                created
                    .lock()
                    .unwrap()
                    .push((key_id, ciphertext, Instant::now()));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let acknowledged_before = created.lock().unwrap().len();
    assert!(acknowledged_before > 0, "no writes before the outage");

    let stopping = Instant::now();
    let dir = postgres.dir.clone();
    tokio::task::spawn_blocking(move || script("stop", &dir))
        .await
        .unwrap();
    let stopped = Instant::now();
    eprintln!("PostgreSQL stopped in {:?}", stopped - stopping);

    // Past the bound within which cached keys may still serve.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let plaintext = base64::engine::general_purpose::STANDARD.encode(b"x");
    for (operation, body) in [
        (
            "Encrypt",
            format!(r#"{{"KeyId":"{warm}","Plaintext":"{plaintext}"}}"#),
        ),
        ("CreateKey", "{}".to_owned()),
        ("DescribeKey", format!(r#"{{"KeyId":"{warm}"}}"#)),
        ("ListKeys", "{}".to_owned()),
    ] {
        let (status, content_type, json, took) = raw(&server, operation, &body).await;
        eprintln!("{operation} with PostgreSQL down: {status} in {took:?}");
        assert!(took < FAIL_FAST, "{operation} took {took:?}");
        assert_eq!(
            json["__type"], "KMSInternalException",
            "{operation}: {status} {content_type} {json}"
        );
        assert_eq!(status, 500, "{operation}: {json}");
        assert!(content_type.contains("json"), "{operation}: {content_type}");
    }
    let (status, took) = readyz(&server).await;
    eprintln!("/readyz with PostgreSQL down: {status} in {took:?}");
    assert_eq!(status, 503);
    assert!(took < Duration::from_secs(2), "/readyz took {took:?}");
    // The load runs on against the stopped database a while longer.
    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let dir = postgres.dir.clone();
    let url = tokio::task::spawn_blocking(move || script("restart", &dir))
        .await
        .unwrap();
    assert_eq!(url, postgres.url, "PostgreSQL restarted on another URL");
    let restarted = Instant::now();
    let deadline = restarted + Duration::from_secs(20);
    loop {
        let created_ok = tokio::time::timeout(HANG, client.create_key().send())
            .await
            .is_ok_and(|result| result.is_ok());
        let encrypted_ok = tokio::time::timeout(
            HANG,
            client
                .encrypt()
                .key_id(&warm)
                .plaintext(blob(b"again"))
                .send(),
        )
        .await
        .is_ok_and(|result| result.is_ok());
        if created_ok && encrypted_ok && readyz(&server).await.0 == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "service did not resume within 20 s of PostgreSQL's restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovery = restarted.elapsed();
    // The load succeeds again too.
    let resumed_at = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }

    let samples = std::mem::take(&mut *samples.lock().unwrap());
    let failures: Vec<&Sample> = samples.iter().filter(|s| s.error.is_some()).collect();
    let slowest = failures.iter().map(|s| s.took).max().unwrap_or_default();
    eprintln!(
        "{} requests under load, {} failed (slowest failure {slowest:?}); service resumed {recovery:?} after PostgreSQL did",
        samples.len(),
        failures.len()
    );
    assert!(!failures.is_empty(), "nothing failed with PostgreSQL down");
    for failure in &failures {
        assert!(
            failure.took < FAIL_FAST,
            "{} took {:?} to fail: {:?}",
            failure.operation,
            failure.took,
            failure.error
        );
        assert_eq!(
            failure.error.as_deref(),
            Some("KMSInternalException"),
            "{failure:?}"
        );
        assert!(
            failure.started + failure.took >= stopping && failure.started < restarted + recovery,
            "a failure outside the outage: {failure:?}"
        );
    }
    for operation in ["Encrypt", "CreateKey"] {
        assert!(
            samples
                .iter()
                .any(|s| s.operation == operation && s.error.is_none() && s.started > resumed_at),
            "the load's {operation} did not resume"
        );
    }
    assert!(
        recovery < Duration::from_secs(10),
        "recovery took {recovery:?}"
    );

    // Nothing acknowledged is lost: every key the load made, before the
    // outage and after, is there and its ciphertext decrypts.
    let created = created.lock().unwrap().clone();
    assert!(created.iter().filter(|(_, _, at)| *at < stopping).count() >= acknowledged_before);
    for (key_id, ciphertext, _) in created.iter() {
        client
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("key {key_id} lost: {e:?}"));
        if !ciphertext.is_empty() {
            let decrypted = client
                .decrypt()
                .ciphertext_blob(blob(ciphertext))
                .send()
                .await
                .unwrap();
            assert_eq!(decrypted.plaintext().unwrap().as_ref(), key_id.as_bytes());
        }
    }
}

/// PostgreSQL frozen (SIGSTOP: it holds its connections but answers
/// nothing, as a partitioned or stalled database would): requests still
/// fail within the store's bound as `KMSInternalException`, `/readyz`
/// answers 503 within two seconds, and once it thaws service resumes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_frozen_fails_within_the_bound_and_service_resumes() {
    let Some(_gate) = postgres_database() else {
        return;
    };
    let postgres = OwnPostgres::start();
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&postgres.url)
        .start();
    let client = server.client();
    let warm = create_key(&client).await;
    // The postmaster and its children (backends, the listener's included).
    let postmaster = std::fs::read_to_string(postgres.dir.join("data/postmaster.pid")).unwrap();
    let postmaster = postmaster.lines().next().unwrap().trim().to_owned();
    let children = std::process::Command::new("pgrep")
        .args(["-P", &postmaster])
        .output()
        .unwrap();
    let mut pids: Vec<String> = String::from_utf8_lossy(&children.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    pids.push(postmaster);
    let signal = |name: &str| {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .args(&pids)
            .status()
            .unwrap();
        assert!(status.success());
    };
    signal("STOP");
    let plaintext = base64::engine::general_purpose::STANDARD.encode(b"x");
    let encrypt = format!(r#"{{"KeyId":"{warm}","Plaintext":"{plaintext}"}}"#);
    let (a, b, c, ready) = tokio::join!(
        raw(&server, "Encrypt", &encrypt),
        raw(&server, "Encrypt", &encrypt),
        raw(&server, "CreateKey", "{}"),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            readyz(&server).await
        }
    );
    signal("CONT");
    eprintln!(
        "PostgreSQL frozen: Encrypt {} in {:?}, {} in {:?}; CreateKey {} in {:?}; /readyz {} in {:?}",
        a.0, a.3, b.0, b.3, c.0, c.3, ready.0, ready.1
    );
    for (status, content_type, json, took) in [a, b, c] {
        // The listener finds the database not answering within about a
        // second (its confirmation times out); calls under way then give
        // up, rather than each waiting out the store's 5 s.
        assert!(took < Duration::from_millis(2_500), "took {took:?}");
        assert_eq!(status, 500, "{json}");
        assert_eq!(json["__type"], "KMSInternalException", "{json}");
        assert!(content_type.contains("json"));
    }
    assert_eq!(ready.0, 503);
    assert!(
        ready.1 < Duration::from_secs(2),
        "/readyz took {:?}",
        ready.1
    );
    let thawed = Instant::now();
    loop {
        let ok = client
            .encrypt()
            .key_id(&warm)
            .plaintext(blob(b"again"))
            .send()
            .await
            .is_ok()
            && client.create_key().send().await.is_ok();
        if ok {
            break;
        }
        assert!(thawed.elapsed() < Duration::from_secs(20), "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "service resumed {:?} after PostgreSQL thawed",
        thawed.elapsed()
    );
}
