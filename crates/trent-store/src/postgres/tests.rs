//! Tests of the PostgreSQL backend against a real server: the conformance
//! suite, migrations, notifications, the listener's recovery and the locks.
//!
//! `TRENT_TEST_POSTGRES` names a server (a URL whose user may create
//! databases); each test makes a database of its own and drops it after.
//! Without it the tests say they are skipped, unless `CI` is set: there a
//! missing server is a failure.

use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::conformance::{key, material, scope, seeded};
use crate::{Change, ChangeListener, StoreLock, HEARING_BOUND};

/// The server to test against, or `None` (after saying so) to skip.
fn server() -> Option<String> {
    match std::env::var("TRENT_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must set TRENT_TEST_POSTGRES to a PostgreSQL server URL (see .ci/postgres)"
            );
            eprintln!("PostgreSQL tests skipped: TRENT_TEST_POSTGRES is not set");
            None
        }
    }
}

/// Runs `sql` on the database at `url`, on a runtime of the test's own.
fn admin(url: &str, sql: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        client.batch_execute(sql).await.unwrap();
        drop(client);
        let _ = driver.await;
    });
}

/// A database of one test's own, dropped (best effort) with it.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    fn create() -> Option<Self> {
        let server = server()?;
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u32(std::process::id());
        let name = format!("trent_test_{:016x}", hasher.finish());
        admin(&server, &format!("CREATE DATABASE {name}"));
        let url = with_database(&server, &name);
        Some(Self { server, name, url })
    }

    fn connect(&self) -> PgStore {
        PgStore::connect(&self.url, None).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Best effort: a failure here must not hide the test's own.
        let _ = std::thread::spawn(move || admin(&server, &sql)).join();
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// `url` with `param` added to its query (a later `sslmode` wins).
fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

/// Whether `check` holds within `bound`, looking every 10 ms.
fn within(bound: Duration, check: impl Fn() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if check() {
            return true;
        }
        if started.elapsed() > bound {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Remembers every change it hears.
#[derive(Default)]
struct Heard(Mutex<Vec<Change>>);

impl ChangeListener for Heard {
    fn changed(&self, change: &Change) {
        self.0.lock().unwrap().push(change.clone());
    }
}

impl Heard {
    fn has(&self, change: &Change) -> bool {
        self.0.lock().unwrap().contains(change)
    }
}

#[test]
fn postgres_passes_the_conformance_suite() {
    if server().is_none() {
        return;
    }
    crate::conformance::run_all(|name, check| {
        let db = TestDb::create().unwrap();
        let store = db.connect();
        eprintln!("conformance: {name}");
        check(&store);
    });
}

#[test]
fn schema_version_is_recorded_and_a_newer_one_is_refused() {
    let Some(db) = TestDb::create() else { return };
    let store = db.connect();
    assert_eq!(
        store.schema_version().unwrap(),
        crate::sqlite::MIGRATIONS.len() as u32,
        "both backends share version numbers"
    );
    seeded(&store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    drop(store);
    // Connecting again keeps the data.
    let store = db.connect();
    assert_eq!(
        store.key(&key(1).key_id, &scope().region).unwrap().unwrap(),
        key(1)
    );
    drop(store);
    admin(&db.url, "UPDATE schema_version SET version = 99");
    assert_eq!(
        PgStore::connect(&db.url, None).unwrap_err().kind,
        StoreErrorKind::Corrupt
    );
}

#[test]
fn two_nodes_starting_on_an_empty_database_at_once_both_migrate_it() {
    let Some(db) = TestDb::create() else { return };
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|threads| {
        let nodes: Vec<_> = (0..2)
            .map(|_| {
                threads.spawn(|| {
                    barrier.wait();
                    PgStore::connect(&db.url, None).map(|store| store.schema_version())
                })
            })
            .collect();
        for node in nodes {
            assert_eq!(node.join().unwrap().unwrap().unwrap(), 6);
        }
    });
}

#[test]
fn another_node_hears_each_kind_of_change_within_a_second() {
    let Some(db) = TestDb::create() else { return };
    let (writer, watcher) = (db.connect(), db.connect());
    assert!(watcher.hearing(), "a store not watching hears all there is");
    let heard = Arc::new(Heard::default());
    assert!(watcher.watch(heard.clone()).unwrap());
    assert!(within(Duration::from_secs(2), || watcher.hearing()));

    seeded(&writer);
    writer.insert_key(&key(1), Some(&material()), &[]).unwrap();
    assert!(within(HEARING_BOUND, || heard.has(&Change::Key(key(1).key_id))));
    let alias = AliasRecord {
        scope: scope(),
        name: AliasName::parse("alias/heard").unwrap(),
        target: key(1).key_id,
        created_at: Timestamp::from_millis(1),
        updated_at: Timestamp::from_millis(1),
    };
    writer.insert_alias(&alias).unwrap();
    let alias_change = Change::Alias(scope(), alias.name.clone());
    assert!(within(HEARING_BOUND, || heard.has(&alias_change)));
    writer
        .insert_principal(&crate::conformance::principal(PrincipalKind::User, "eve"))
        .unwrap();
    assert!(within(HEARING_BOUND, || heard.has(&Change::Identities)));
    // A refused write tells nobody anything.
    let before = heard.0.lock().unwrap().len();
    assert_eq!(
        writer.update_key(&key(9)).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    // What a later write is heard after, the refused one would have been too.
    writer
        .put_tags(&key(1).key_id, &scope().region, &[])
        .unwrap();
    assert!(within(HEARING_BOUND, || heard.0.lock().unwrap().len() > before));
    assert!(!heard.has(&Change::Key(key(9).key_id)));
    assert!(watcher.hearing());
}

#[test]
fn a_listener_that_loses_its_connection_stops_hearing_then_recovers_with_everything() {
    let Some(db) = TestDb::create() else { return };
    let watcher = db.connect();
    let heard = Arc::new(Heard::default());
    watcher.watch(heard.clone()).unwrap();
    assert!(within(Duration::from_secs(2), || watcher.hearing()));
    // The first LISTEN drops too what was cached before it took effect.
    assert!(heard.has(&Change::Everything));
    heard.0.lock().unwrap().clear();
    let kill_listener = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'trent-listener' AND datname = '{}'",
        db.name
    );
    // A connection lost and found again at once: what was committed
    // meanwhile may be lost, so every cache is dropped.
    admin(&db.server, &kill_listener);
    assert!(within(Duration::from_secs(2), || heard.has(&Change::Everything)));
    assert!(within(Duration::from_secs(2), || watcher.hearing()));

    // A connection that stays lost: hearing stops within the bound.
    heard.0.lock().unwrap().clear();
    admin(
        &db.server,
        &format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name),
    );
    admin(&db.server, &kill_listener);
    assert!(
        within(Duration::from_millis(1_500), || !watcher.hearing()),
        "hearing() must turn false once confirmations stop"
    );
    admin(
        &db.server,
        &format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name),
    );
    assert!(within(Duration::from_secs(2), || heard.has(&Change::Everything)));
    assert!(within(Duration::from_secs(2), || watcher.hearing()));
    // And it hears again.
    let writer = db.connect();
    seeded(&writer);
    writer.insert_key(&key(2), Some(&material()), &[]).unwrap();
    assert!(within(HEARING_BOUND, || heard.has(&Change::Key(key(2).key_id))));
}

#[test]
fn the_maintenance_lock_is_one_nodes_at_a_time() {
    let Some(db) = TestDb::create() else { return };
    let (a, b) = (db.connect(), db.connect());
    let guard = a.lock(StoreLock::Maintenance).unwrap();
    assert!(guard.is_some());
    assert!(b.lock(StoreLock::Maintenance).unwrap().is_none());
    assert!(
        a.lock(StoreLock::Maintenance).unwrap().is_none(),
        "one guard per process too"
    );
    drop(guard);
    let again = b.lock(StoreLock::Maintenance).unwrap();
    assert!(again.is_some());
    assert!(a.lock(StoreLock::Maintenance).unwrap().is_none());
}

#[test]
fn the_writes_lock_waits_for_the_other_node_and_then_has_heard_it() {
    let Some(db) = TestDb::create() else { return };
    let (a, b) = (db.connect(), db.connect());
    let heard = Arc::new(Heard::default());
    b.watch(heard.clone()).unwrap();
    assert!(within(Duration::from_secs(2), || b.hearing()));
    seeded(&a);
    let guard = a.lock(StoreLock::Writes).unwrap().unwrap();
    std::thread::scope(|threads| {
        let waiter = threads.spawn(|| {
            let started = Instant::now();
            let guard = b.lock(StoreLock::Writes).unwrap().unwrap();
            // Everything A committed while holding the lock was heard.
            assert!(heard.has(&Change::Key(key(1).key_id)));
            drop(guard);
            started.elapsed()
        });
        a.insert_key(&key(1), Some(&material()), &[]).unwrap();
        std::thread::sleep(Duration::from_millis(400));
        drop(guard);
        let waited = waiter.join().unwrap();
        assert!(waited >= Duration::from_millis(350), "waited {waited:?}");
    });
    // Taken and released again at once when nobody holds it.
    drop(a.lock(StoreLock::Writes).unwrap());
    drop(b.lock(StoreLock::Writes).unwrap());
}

#[test]
fn an_unreachable_server_is_unavailable_in_bounded_time_and_no_password_is_shown() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let started = Instant::now();
    let url = format!("postgres://trent:hunter2-secret@127.0.0.1:{port}/trent?sslmode=disable");
    let error = PgStore::connect(&url, None).unwrap_err();
    assert!(started.elapsed() < STORE_TIMEOUT + Duration::from_secs(3));
    assert_eq!(error.kind, StoreErrorKind::Unavailable);
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!shown.contains("hunter2"), "{shown}");
    // A server that accepts but never answers: bounded too, not a hang.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let started = Instant::now();
    let url = format!("postgres://trent:hunter2@127.0.0.1:{port}/trent?sslmode=disable");
    let error = PgStore::connect(&url, None).unwrap_err();
    assert_eq!(error.kind, StoreErrorKind::Unavailable);
    assert!(started.elapsed() < STORE_TIMEOUT + Duration::from_secs(3));
    drop(silent);
    // A URL that is not one says so without repeating itself.
    let error = PgStore::connect("postgres://trent:hunter2@[bad/", None).unwrap_err();
    assert!(!format!("{error:?}").contains("hunter2"));
}

#[test]
fn ping_answers_while_the_server_does() {
    let Some(db) = TestDb::create() else { return };
    let store = db.connect();
    store.ping().unwrap();
    store.close().unwrap();
    assert_eq!(store.ping().unwrap_err().kind, StoreErrorKind::Unavailable);
}

#[test]
fn calls_from_inside_a_tokio_runtime_neither_panic_nor_deadlock() {
    let Some(db) = TestDb::create() else { return };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let url = db.url.clone();
    let found = runtime.block_on(async move {
        tokio::spawn(async move {
            // Connected, used and dropped on a worker thread of another runtime.
            let store = PgStore::connect(&url, None).unwrap();
            seeded(&store);
            store.insert_key(&key(1), Some(&material()), &[]).unwrap();
            let found = store.key(&key(1).key_id, &scope().region).unwrap();
            drop(store);
            found
        })
        .await
        .unwrap()
    });
    assert_eq!(found, Some(key(1)));
}

/// Records the operations it is told of.
#[derive(Default)]
struct Recorder(Mutex<Vec<&'static str>>);

impl StoreObserver for Recorder {
    fn observe(&self, operation: &'static str, _elapsed: Duration) {
        self.0.lock().unwrap().push(operation);
    }
}

#[test]
fn an_observer_is_told_of_every_call_by_method_name_whatever_its_outcome() {
    let Some(db) = TestDb::create() else { return };
    let recorder = Arc::new(Recorder::default());
    let store = db.connect().with_observer(recorder.clone());
    assert_eq!(store.schema_version().unwrap(), 6);
    assert!(recorder.0.lock().unwrap().is_empty());
    seeded(&store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    store.update_key(&key(1)).unwrap();
    assert_eq!(
        store.update_key(&key(2)).unwrap_err().kind,
        StoreErrorKind::NotFound
    );
    assert!(store
        .key(&key(1).key_id, &scope().region)
        .unwrap()
        .is_some());
    assert_eq!(
        *recorder.0.lock().unwrap(),
        [
            "insert_account",
            "insert_key",
            "update_key",
            "update_key",
            "key"
        ]
    );
}

#[test]
fn two_nodes_deleting_the_last_two_regions_at_once_leave_no_material_behind() {
    let Some(db) = TestDb::create() else { return };
    let (a, b) = (db.connect(), db.connect());
    seeded(&a);
    let europe = Region::parse("eu-west-1").unwrap();
    for n in 1..=5 {
        let mut primary = key(n);
        primary.multi_region = true;
        primary.primary_region = Some(scope().region);
        a.insert_key(&primary, Some(&material()), &[]).unwrap();
        let mut replica = primary.clone();
        replica.scope.region = europe.clone();
        a.insert_replica(&replica, &[]).unwrap();
        let barrier = std::sync::Barrier::new(2);
        let (first, second) = std::thread::scope(|threads| {
            let first = threads.spawn(|| {
                barrier.wait();
                a.delete_key(&primary.key_id, &scope().region).unwrap()
            });
            let second = threads.spawn(|| {
                barrier.wait();
                b.delete_key(&primary.key_id, &europe).unwrap()
            });
            (first.join().unwrap(), second.join().unwrap())
        });
        assert!(first != second, "exactly one deletion is the last");
        assert_eq!(a.key_material(&primary.key_id, 1).unwrap(), None);
    }
}

#[test]
fn tls_that_cannot_be_had_is_unavailable() {
    let Some(db) = TestDb::create() else { return };
    // The test server speaks no TLS: `require` must not fall back to clear.
    let required = with_param(&db.url, "sslmode=require");
    assert_eq!(
        PgStore::connect(&required, None).unwrap_err().kind,
        StoreErrorKind::Unavailable
    );
    let missing = with_param(&db.url, "sslmode=require&sslrootcert=/nonexistent/ca.pem");
    assert_eq!(
        PgStore::connect(&missing, None).unwrap_err().kind,
        StoreErrorKind::Unavailable
    );
    // `prefer` reaches it in clear.
    let preferred = with_param(&db.url, "sslmode=prefer");
    PgStore::connect(&preferred, None).unwrap().ping().unwrap();
}

/// `.ci/postgres`, which starts a throwaway server.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.ci/postgres");

/// A server of one test's own that serves TLS (and clear connections too),
/// with a throwaway CA: `TRENT_PG_TLS=1 .ci/postgres start`. Stopped when
/// dropped.
struct TlsServer {
    /// Kept for its lifetime: the server's folder is inside.
    folder: tempfile::TempDir,
    dir: std::path::PathBuf,
    url: String,
    /// The PEM file of the CA that signed the server's certificate.
    ca: String,
}

impl TlsServer {
    /// The server, or `None` (after saying why) to skip: outside CI, a
    /// machine without `openssl` or a PostgreSQL server skips the test.
    fn start() -> Option<Self> {
        let openssl = std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_ok_and(|output| output.status.success());
        let postgres = std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|mut versions| {
            versions.any(|version| {
                version.is_ok_and(|version| version.path().join("bin/initdb").exists())
            })
        });
        if !openssl || !postgres {
            let missing = if openssl {
                "a PostgreSQL server"
            } else {
                "openssl"
            };
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have {missing} for the PostgreSQL TLS test"
            );
            eprintln!("PostgreSQL TLS test skipped: {missing} is not installed");
            return None;
        }
        let folder = tempfile::tempdir().unwrap();
        // As root the server runs as another user, who must reach DIR.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let dir = folder.path().join("pg");
        let output = std::process::Command::new(SCRIPT)
            .arg("start")
            .arg(&dir)
            .env("TRENT_PG_TLS", "1")
            .output()
            .unwrap();
        // From here on, whatever fails, the server is stopped.
        let mut server = Self {
            folder,
            dir,
            url: String::new(),
            ca: String::new(),
        };
        assert!(
            output.status.success(),
            ".ci/postgres start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        server.url = String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        server.ca = std::fs::read_to_string(server.dir.join("ca"))
            .unwrap()
            .trim()
            .to_owned();
        Some(server)
    }

    /// The URL's password.
    fn password(&self) -> &str {
        let credentials = &self.url["postgres://".len()..self.url.find('@').unwrap()];
        credentials.split_once(':').unwrap().1
    }

    /// A CA of its own (in the test's folder), that signed nothing the
    /// server shows: its PEM file.
    fn other_ca(&self) -> String {
        let path = self.folder.path().join("other-ca.crt");
        let output = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .arg("ec_paramgen_curve:prime256v1")
            .args(["-nodes", "-days", "2", "-subj", "/CN=another CA", "-keyout"])
            .arg(self.folder.path().join("other-ca.key"))
            .arg("-out")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "openssl: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = std::process::Command::new(SCRIPT)
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

/// Whether the pooled connection a call of `store` gets speaks TLS, and how
/// many client connections to its database do and do not.
fn tls_in_use(store: &PgStore) -> (bool, i64, i64) {
    store
        .call_untimed(|client| async move {
            let own: bool = client
                .query_one(
                    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )
                .await
                .map_err(unavailable)?
                .get(0);
            let row = client
                .query_one(
                    "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) \
                     FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid \
                     WHERE a.datname = current_database() AND a.backend_type = 'client backend'",
                    &[],
                )
                .await
                .map_err(unavailable)?;
            Ok((own, row.get(0), row.get(1)))
        })
        .unwrap()
}

#[test]
fn tls_to_a_server_with_a_certificate_of_a_known_ca_works_and_of_another_fails() {
    let Some(server) = TlsServer::start() else {
        return;
    };
    // `require` with the server's CA: the handshake succeeds, the store
    // works, and its connections really are TLS.
    let required = with_param(
        &server.url,
        &format!("sslmode=require&sslrootcert={}", server.ca),
    );
    let store = PgStore::connect(&required, None).unwrap();
    seeded(&store);
    store.insert_key(&key(1), Some(&material()), &[]).unwrap();
    assert_eq!(
        store.key(&key(1).key_id, &scope().region).unwrap(),
        Some(key(1))
    );
    let (own, with_tls, in_clear) = tls_in_use(&store);
    assert!(own, "the store's connection is TLS");
    assert!(
        with_tls > 0 && in_clear == 0,
        "{with_tls} TLS, {in_clear} clear"
    );
    drop(store);

    // `require` with another CA: the server's certificate is refused, and
    // the error does not show the password.
    let other = with_param(
        &server.url,
        &format!("sslmode=require&sslrootcert={}", server.other_ca()),
    );
    let error = PgStore::connect(&other, None).unwrap_err();
    assert_eq!(error.kind, StoreErrorKind::Unavailable);
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert!(!shown.contains(server.password()), "{shown}");
    eprintln!("with another CA: {shown}");

    // `disable`: the same server, in clear, with the same data.
    let clear = with_param(&server.url, "sslmode=disable");
    let store = PgStore::connect(&clear, None).unwrap();
    assert_eq!(
        store.key(&key(1).key_id, &scope().region).unwrap(),
        Some(key(1))
    );
    let (own, _, _) = tls_in_use(&store);
    assert!(!own, "sslmode=disable connects in clear");
}
