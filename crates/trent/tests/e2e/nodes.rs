//! Several `trent serve` nodes on one PostgreSQL database: what one node
//! writes, the others serve at once; what one revokes, the others refuse
//! within a second; background work happens once.
//!
//! Needs a PostgreSQL server: `TRENT_TEST_POSTGRES` (`.ci/postgres start`
//! prints one). Without it these tests say they are skipped and pass,
//! except under CI, where they fail.

use std::time::{Duration, Instant};

use aws_sdk_kms::types::KeyState;
use trent_testkit::{postgres_database, PostgresDatabase, TestServer};

use crate::{blob, expect_error};

/// The bound a revocation must reach every node within.
const BOUND: Duration = Duration::from_secs(1);

const ALLOW_ROOT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::ACCOUNT:root"},"Action":"kms:*","Resource":"*"}]}"#;

fn node(database: &PostgresDatabase) -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .start()
}

fn another_node(database: &PostgresDatabase, first: &TestServer) -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(first)
        .start()
}

/// How long until `probe` first answers true, polling every few
/// milliseconds; panics past five seconds.
async fn time_until<F, Fut>(mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if probe().await {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not seen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Makes a key (symmetric, the defaults) and answers its id.
async fn new_key(client: &aws_sdk_kms::Client) -> String {
    client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned()
}

/// Whether `client` may Encrypt with the key now.
async fn encrypts(client: &aws_sdk_kms::Client, key_id: &str) -> bool {
    client
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(b"x"))
        .send()
        .await
        .is_ok()
}

/// How long until Encrypt with the key by `client` works (`true`) or is
/// refused (`false`).
async fn until_encrypt(client: &aws_sdk_kms::Client, key_id: &str, works: bool) -> Duration {
    time_until(|| {
        let (client, key_id) = (client.clone(), key_id.to_owned());
        async move { encrypts(&client, &key_id).await == works }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_node_writes_another_serves_at_once() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    assert_eq!(first.account(), second.account(), "one account for both");
    let (one, two) = (first.client(), second.client());
    for n in 0..20 {
        // Create on one, use on the other, with no wait in between.
        let key_id = one
            .create_key()
            .description(format!("key {n}"))
            .send()
            .await
            .unwrap()
            .key_metadata()
            .unwrap()
            .key_id()
            .to_owned();
        let alias = format!("alias/nodes-{n}");
        one.create_alias()
            .alias_name(&alias)
            .target_key_id(&key_id)
            .send()
            .await
            .unwrap();
        let described = two.describe_key().key_id(&alias).send().await.unwrap();
        assert_eq!(described.key_metadata().unwrap().key_id(), key_id);
        let ciphertext = two
            .encrypt()
            .key_id(&alias)
            .plaintext(blob(b"across nodes"))
            .send()
            .await
            .unwrap()
            .ciphertext_blob()
            .unwrap()
            .clone();
        let plaintext = one
            .decrypt()
            .ciphertext_blob(ciphertext)
            .send()
            .await
            .unwrap();
        assert_eq!(plaintext.plaintext().unwrap().as_ref(), b"across nodes");
        // An alias moved on one node resolves to the new key on the other.
        two.tag_resource()
            .key_id(&key_id)
            .tags(
                aws_sdk_kms::types::Tag::builder()
                    .tag_key("n")
                    .tag_value(n.to_string())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let tags = one
            .list_resource_tags()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert_eq!(tags.tags().len(), 1);
    }
    let listed = two.list_aliases().send().await.unwrap();
    assert!(
        listed
            .aliases()
            .iter()
            .filter(|alias| alias.alias_name().unwrap_or("").starts_with("alias/nodes-"))
            .count()
            == 20
    );
}

/// Disabling, scheduling deletion, changing the key policy and revoking a
/// grant on one node are refused on the other within the bound, though the
/// other node had the key cached. Prints the latencies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_reach_the_other_node_within_a_second() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    let (one, two) = (first.client(), second.client());
    let mut latencies = Vec::new();
    for _ in 0..10 {
        let key_id = new_key(&one).await;
        // Warm the second node's caches.
        for _ in 0..3 {
            assert!(encrypts(&two, &key_id).await);
        }
        one.disable_key().key_id(&key_id).send().await.unwrap();
        let took = until_encrypt(&two, &key_id, false).await;
        latencies.push(took);
        let refused = two
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await;
        expect_error(refused, "DisabledException");
        let state = two.describe_key().key_id(&key_id).send().await.unwrap();
        assert_eq!(
            state.key_metadata().unwrap().key_state(),
            Some(&KeyState::Disabled)
        );

        // Enabled again on the second node, then scheduled for deletion on the first.
        two.enable_key().key_id(&key_id).send().await.unwrap();
        until_encrypt(&one, &key_id, true).await;
        one.schedule_key_deletion()
            .key_id(&key_id)
            .pending_window_in_days(7)
            .send()
            .await
            .unwrap();
        let took = until_encrypt(&two, &key_id, false).await;
        latencies.push(took);
    }

    // A key policy that no longer lets the root encrypt.
    let key_id = new_key(&one).await;
    assert!(encrypts(&two, &key_id).await);
    let deny_encrypt = ALLOW_ROOT.replace("ACCOUNT", first.account()).replace(
        r#""Resource":"*"}]"#,
        r#""Resource":"*"},{"Sid":"no","Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*"}]"#,
    );
    one.put_key_policy()
        .key_id(&key_id)
        .policy(deny_encrypt)
        .send()
        .await
        .unwrap();
    let took = until_encrypt(&two, &key_id, false).await;
    latencies.push(took);
    expect_error(
        two.encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await,
        "AccessDeniedException",
    );

    latencies.sort();
    let worst = *latencies.last().unwrap();
    eprintln!(
        "revocation on one node, first refusal on the other: p50 {:?}, max {:?} ({} samples)",
        latencies[latencies.len() / 2],
        worst,
        latencies.len()
    );
    assert!(
        worst < BOUND,
        "a revocation took {worst:?} to reach the other node"
    );
}

/// A grant revoked, an access key deactivated and an identity policy
/// removed on one node stop working on the other within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_and_identities_change_on_every_node() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    let alice = first.new_user("alice").await;
    let iam = first.iam();
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("kms")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let alice_two = second.kms_as(&alice);
    let key_id = new_key(&alice_two).await;

    // The identity policy removed on the first node: refused on the second.
    iam.delete_user_policy()
        .user_name("alice")
        .policy_name("kms")
        .send()
        .await
        .unwrap();
    let took = until_encrypt(&alice_two, &key_id, false).await;
    assert!(took < BOUND, "identity policy removal took {took:?}");

    // A grant made on the second node lets alice encrypt; revoked on the
    // first, refused on the second.
    let user_arn = format!("arn:aws:iam::{}:user/alice", first.account());
    let grant = second
        .client()
        .create_grant()
        .key_id(&key_id)
        .grantee_principal(&user_arn)
        .operations(aws_sdk_kms::types::GrantOperation::Encrypt)
        .send()
        .await
        .unwrap();
    until_encrypt(&alice_two, &key_id, true).await;
    first
        .client()
        .revoke_grant()
        .key_id(&key_id)
        .grant_id(grant.grant_id().unwrap())
        .send()
        .await
        .unwrap();
    let took = until_encrypt(&alice_two, &key_id, false).await;
    assert!(took < BOUND, "grant revocation took {took:?}");

    // The access key deactivated on the first node: the second node no
    // longer recognises it (its signing key was cached).
    iam.put_user_policy()
        .user_name("alice")
        .policy_name("kms")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    time_until(|| {
        let client = second.kms_as(&alice);
        async move { client.list_keys().send().await.is_ok() }
    })
    .await;
    iam.update_access_key()
        .user_name("alice")
        .access_key_id(&alice.access_key_id)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let took = time_until(|| {
        let client = second.kms_as(&alice);
        async move { client.list_keys().send().await.is_err() }
    })
    .await;
    assert!(took < BOUND, "access key deactivation took {took:?}");
    expect_error(
        second.kms_as(&alice).list_keys().send().await,
        "UnrecognizedClientException",
    );
}

/// Rotation and deletion, due by the test clock on both nodes at once, are
/// done once: one rotation recorded, one deletion reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_and_deletion_happen_once() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .test_clock()
        .start();
    let second = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .test_clock()
        .node_of(&first)
        .start();
    let one = first.client();
    let rotating = new_key(&one).await;
    one.enable_key_rotation()
        .key_id(&rotating)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let doomed = new_key(&one).await;
    one.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    // Both nodes' clocks jump 91 days at the same moment: each runs a pass.
    let (a, b) = tokio::join!(
        first.advance_clock(91 * 86_400),
        second.advance_clock(91 * 86_400)
    );
    let count = |answer: &serde_json::Value, field: &str| match &answer[field] {
        serde_json::Value::Array(items) => items.len() as u64,
        serde_json::Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    };
    assert_eq!(
        count(&a, "Deleted") + count(&b, "Deleted"),
        1,
        "one deletion between both nodes: {a} {b}"
    );
    let rotations = second
        .client()
        .list_key_rotations()
        .key_id(&rotating)
        .send()
        .await
        .unwrap();
    assert_eq!(
        rotations.rotations().len(),
        1,
        "one rotation for one period: {:?}",
        rotations.rotations()
    );
    expect_error(
        second.client().describe_key().key_id(&doomed).send().await,
        "NotFoundException",
    );
}

/// A node's root key must be the first node's: another is refused with a
/// message that says so, and a node without any is told to copy it.
#[test]
fn a_node_with_another_root_key_refuses_to_start() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let stranger = tempfile::tempdir().unwrap();
    let other_key = stranger.path().join("other-key");
    std::fs::write(&other_key, [7u8; 32]).unwrap();
    let run = |extra: &[&str]| {
        let data = tempfile::tempdir().unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
            .args(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off"])
            .arg("--data-dir")
            .arg(data.path())
            .args(["--store", &database.url])
            .args(extra)
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let other = run(&["--root-key-file", other_key.to_str().unwrap()]);
    assert!(
        other.contains("every node of a shared store must hold the same root key"),
        "{other}"
    );
    let none = run(&[]);
    assert!(
        none.contains("needs the root key the first node made"),
        "{none}"
    );
    // The password never shows.
    let password = database
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password.to_owned());
    if let Some(password) = password {
        assert!(!other.contains(&password) && !none.contains(&password));
    }
    drop(first);
}

/// Each node keeps its own audit trail; `trent audit verify` checks several
/// and `trent audit query` merges them by time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trails_of_several_nodes_are_verified_and_merged() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    for (n, server) in [&first, &second, &first, &second].into_iter().enumerate() {
        if n == 2 {
            // The second pair a second later: trails read one after the
            // other would not be in time order.
            tokio::time::sleep(Duration::from_millis(1_100)).await;
        }
        server
            .client()
            .create_key()
            .description(format!("audited {n}"))
            .send()
            .await
            .unwrap();
    }
    let cli = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
            .args(args)
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (one, two) = (
        first.data_dir().to_str().unwrap().to_owned(),
        second.data_dir().to_str().unwrap().to_owned(),
    );
    // Events are durable before their answers: both trails hold them now.
    let (ok, report) = cli(&["audit", "verify", &one, &two]);
    assert!(ok, "{report}");
    assert_eq!(report.matches("intact:").count(), 2, "{report}");
    let (ok, lines) = cli(&["audit", "query", &one, &two, "--event", "CreateKey"]);
    assert!(ok);
    let events: Vec<serde_json::Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let descriptions: Vec<&str> = events
        .iter()
        .map(|event| {
            event
                .pointer("/requestParameters/description")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        })
        .collect();
    // Merged by eventTime (CloudTrail's, to the second); events of one
    // second keep each trail's own order.
    let times: Vec<&str> = events
        .iter()
        .map(|event| event["eventTime"].as_str().unwrap())
        .collect();
    assert!(times.is_sorted(), "{times:?}");
    let mut sorted = descriptions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["audited 0", "audited 1", "audited 2", "audited 3"]);
    let position = |name: &str| descriptions.iter().position(|d| *d == name).unwrap();
    assert!(position("audited 0") < position("audited 2"));
    assert!(position("audited 1") < position("audited 3"));
}

/// The invalidation latency benchmark (`cargo test -p trent --test e2e
/// nodes::invalidation_latency -- --ignored --nocapture`, with
/// TRENT_TEST_POSTGRES): DisableKey acknowledged on one node, then Encrypt
/// on the other back to back until the first refusal; 200 samples, p50,
/// p99 and max printed (docs/performance.md). Ignored: a measurement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with --ignored"]
async fn invalidation_latency() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    let (one, two) = (first.client(), second.client());
    let key_id = new_key(&one).await;
    let encrypt = |client: aws_sdk_kms::Client, key_id: String| async move {
        client
            .encrypt()
            .key_id(key_id)
            .plaintext(blob(b"x"))
            .send()
            .await
            .is_ok()
    };
    let mut samples = Vec::new();
    for _ in 0..200 {
        one.enable_key().key_id(&key_id).send().await.unwrap();
        while !encrypt(two.clone(), key_id.clone()).await {}
        one.disable_key().key_id(&key_id).send().await.unwrap();
        let started = Instant::now();
        while encrypt(two.clone(), key_id.clone()).await {}
        samples.push(started.elapsed());
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    eprintln!(
        "invalidation latency (DisableKey acknowledged on node 1 -> first refusal on node 2), {} samples: p50 {:?}, p99 {:?}, max {:?}",
        samples.len(),
        at(0.5),
        at(0.99),
        samples[samples.len() - 1]
    );
    assert!(samples[samples.len() - 1] < BOUND);
}

/// A node that cannot hear the others serves nothing from its caches: node
/// 2 connects as a role of its own, its listener's session is ended and
/// the role may open no new session, so node 2 hears nothing more (its
/// pooled sessions still read). A key node 2 had cached, disabled on node
/// 1, is refused by node 2 all the same: past the one-second bound it
/// reads the record rather than trust its cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_cannot_hear_reads_instead_of_trusting_its_cache() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    // A role of node 2's own (roles are server-wide: named after the
    // test's database), allowed what Trent needs.
    let role = format!(
        "{}_two",
        database
            .url
            .rsplit('/')
            .next()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
    );
    let password = "node-two-password";
    trent_testkit::psql(
        &database.url,
        &format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{password}';
             GRANT ALL ON ALL TABLES IN SCHEMA public TO {role};
             GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role};"
        ),
    );
    let (scheme, rest) = database.url.split_once("://").unwrap();
    let (_, host_and_path) = rest.split_once('@').unwrap();
    let node_two_url = format!("{scheme}://{role}:{password}@{host_and_path}");
    let second = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&node_two_url)
        .node_of(&first)
        .start();
    let (one, two) = (first.client(), second.client());
    let key_id = new_key(&one).await;
    for _ in 0..3 {
        assert!(encrypts(&two, &key_id).await);
    }
    // Node 2 goes deaf: no new session for its role, its listener's ended.
    trent_testkit::psql(
        &database.url,
        &format!(
            "ALTER ROLE {role} CONNECTION LIMIT 0;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE usename = '{role}' AND application_name = 'trent-listener';"
        ),
    );
    // Past the bound, node 2 no longer trusts what it has not heard.
    tokio::time::sleep(BOUND + Duration::from_millis(500)).await;
    one.disable_key().key_id(&key_id).send().await.unwrap();
    let refused = two
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"x"))
        .send()
        .await;
    expect_error(refused, "DisabledException");
    // Its pooled sessions still read: what it answers is current.
    let state = two.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(
        state.key_metadata().unwrap().key_state(),
        Some(&KeyState::Disabled)
    );
    trent_testkit::psql(
        &database.url,
        &format!("ALTER ROLE {role} CONNECTION LIMIT -1"),
    );
    drop(second);
    trent_testkit::psql(
        &database.url,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"),
    );
    // Roles are global to the server: leave none behind.
    let _ = std::process::Command::new("psql")
        .arg(&database.url)
        .arg("-XAtqc")
        .arg(format!("DROP OWNED BY {role}; DROP ROLE {role}"))
        .output();
}

/// An online root-key rotation is refused on a shared store: one node's
/// walk would re-seal values under a key the other nodes do not hold, and
/// they could no longer open them. Nothing changes: both nodes still serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_root_key_rotation_is_refused_on_a_shared_store() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let second = another_node(&database, &first);
    let key_id = first
        .client()
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let new_key = first.data_dir().join("new-root-key");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["admin", "rotate-root-key", "--to"])
        .arg(&new_key)
        .arg("--endpoint")
        .arg(first.endpoint().trim_start_matches("http://"))
        .arg("--credentials")
        .arg(first.data_dir().join("root-credentials"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{said}");
    assert!(said.contains("shared by several nodes"), "{said}");
    for server in [&first, &second] {
        let ciphertext = server
            .client()
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"still sealed under the same root key"))
            .send()
            .await
            .unwrap();
        server
            .client()
            .decrypt()
            .ciphertext_blob(ciphertext.ciphertext_blob().unwrap().clone())
            .send()
            .await
            .unwrap();
    }
}

/// `trent admin migrate` refuses a PostgreSQL store nodes still serve from:
/// what they write during the copy would be lost at the switch.
#[test]
fn migrate_refuses_a_store_nodes_serve_from() {
    let Some(database) = postgres_database() else {
        return;
    };
    let first = node(&database);
    let target = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["admin", "migrate", "--from", &database.url, "--to"])
        .arg(target.path().join("trent.db"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(said.contains("are serving from"), "{said}");
    assert!(
        !said.contains("@127.0.0.1") || said.contains(":***@"),
        "{said}"
    );
    drop(first);
}
