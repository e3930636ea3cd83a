//! `trent admin migrate`: a stopped SQLite store copied into PostgreSQL and
//! back serves everything it served before (keys and their rotated
//! material, aliases, tags, grants, IAM users and their access keys); the
//! copy refuses a target holding other data, resumes a finished copy,
//! notices a row changed in the target, and never shows the password.
//!
//! Needs a PostgreSQL server: `TRENT_TEST_POSTGRES` (`.ci/postgres start`
//! prints one). Without it these tests say they are skipped and pass,
//! except under CI, where they fail.

use std::path::Path;
use std::process::Output;

use aws_sdk_kms::types::{
    GrantOperation, KeySpec, KeyUsageType, MacAlgorithmSpec, SigningAlgorithmSpec, Tag,
};
use trent_testkit::{postgres_database, psql, Identity, TestServer};

use crate::{blob, create_key};

const USER_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:DescribeKey","kms:ListKeys"],"Resource":"*"}]}"#;

/// The account of both servers of the foreign-target test.
const SAME_ACCOUNT: &str = "111122223333";

/// What a server was given before the copy, to check after it.
struct Fixture {
    symmetric: String,
    hmac: String,
    ecc: String,
    /// (ciphertext, plaintext) pairs: before and after the rotation.
    ciphertexts: Vec<(Vec<u8>, Vec<u8>)>,
    mac: Vec<u8>,
    signature: Vec<u8>,
    public_key: Vec<u8>,
    grant_id: String,
    user_arn: String,
    user: Identity,
    /// A ciphertext the user made.
    user_ciphertext: Vec<u8>,
}

const MESSAGE: &[u8] = b"what was signed before the move";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

fn context(
    request: aws_sdk_kms::operation::encrypt::builders::EncryptFluentBuilder,
) -> aws_sdk_kms::operation::encrypt::builders::EncryptFluentBuilder {
    request.encryption_context("purpose", "migration")
}

/// Gives `server` keys of three kinds, aliases, tags, a grant and an IAM
/// user with an access key and an inline policy, and makes ciphertexts.
async fn populate(server: &TestServer) -> Fixture {
    let client = server.client();
    let symmetric = create_key(&client).await;
    let mut ciphertexts = Vec::new();
    for round in 0..2 {
        let plaintext = format!("secret made before the move, round {round}").into_bytes();
        let ciphertext = context(client.encrypt().key_id(&symmetric))
            .plaintext(blob(&plaintext))
            .send()
            .await
            .unwrap()
            .ciphertext_blob()
            .unwrap()
            .as_ref()
            .to_vec();
        ciphertexts.push((ciphertext, plaintext));
        if round == 0 {
            client
                .rotate_key_on_demand()
                .key_id(&symmetric)
                .send()
                .await
                .unwrap();
        }
    }
    let hmac = client
        .create_key()
        .key_spec(KeySpec::Hmac256)
        .key_usage(KeyUsageType::GenerateVerifyMac)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let mac = client
        .generate_mac()
        .key_id(&hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(blob(MESSAGE))
        .send()
        .await
        .unwrap()
        .mac()
        .unwrap()
        .as_ref()
        .to_vec();
    let ecc = client
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();
    let signature = client
        .sign()
        .key_id(&ecc)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message(blob(MESSAGE))
        .send()
        .await
        .unwrap()
        .signature()
        .unwrap()
        .as_ref()
        .to_vec();
    let public_key = client
        .get_public_key()
        .key_id(&ecc)
        .send()
        .await
        .unwrap()
        .public_key()
        .unwrap()
        .as_ref()
        .to_vec();
    for (alias, key) in [
        ("alias/migrate-symmetric", &symmetric),
        ("alias/migrate-hmac", &hmac),
        ("alias/migrate-ecc", &ecc),
    ] {
        client
            .create_alias()
            .alias_name(alias)
            .target_key_id(key)
            .send()
            .await
            .unwrap();
    }
    client
        .tag_resource()
        .key_id(&symmetric)
        .tags(tag("team", "blue"))
        .tags(tag("env", "test"))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .key_id(&ecc)
        .tags(tag("signer", "yes"))
        .send()
        .await
        .unwrap();

    let user = server.new_user("migrant").await;
    server
        .iam()
        .put_user_policy()
        .user_name("migrant")
        .policy_name("kms")
        .policy_document(USER_POLICY)
        .send()
        .await
        .unwrap();
    let user_arn = format!("arn:aws:iam::{}:user/migrant", server.account());
    let grant_id = client
        .create_grant()
        .key_id(&symmetric)
        .grantee_principal(&user_arn)
        .operations(GrantOperation::GenerateDataKey)
        .operations(GrantOperation::Decrypt)
        .name("migrant-grant")
        .send()
        .await
        .unwrap()
        .grant_id()
        .unwrap()
        .to_owned();
    let user_ciphertext = server
        .kms_as(&user)
        .encrypt()
        .key_id(&symmetric)
        .plaintext(blob(b"the user's own"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec();
    Fixture {
        symmetric,
        hmac,
        ecc,
        ciphertexts,
        mac,
        signature,
        public_key,
        grant_id,
        user_arn,
        user,
        user_ciphertext,
    }
}

/// Everything `populate` made is served by `server`, and it takes new writes.
async fn check(server: &TestServer, fixture: &Fixture) {
    let client = server.client();
    for (ciphertext, plaintext) in &fixture.ciphertexts {
        let decrypted = client
            .decrypt()
            .ciphertext_blob(blob(ciphertext))
            .encryption_context("purpose", "migration")
            .send()
            .await
            .unwrap();
        assert_eq!(
            decrypted.plaintext().unwrap().as_ref(),
            plaintext.as_slice()
        );
        assert_eq!(decrypted.key_id().unwrap(), arn(server, &fixture.symmetric));
    }
    let rotations = client
        .list_key_rotations()
        .key_id(&fixture.symmetric)
        .send()
        .await
        .unwrap();
    assert_eq!(rotations.rotations().len(), 1, "the on-demand rotation");
    for (alias, key) in [
        ("alias/migrate-symmetric", &fixture.symmetric),
        ("alias/migrate-hmac", &fixture.hmac),
        ("alias/migrate-ecc", &fixture.ecc),
    ] {
        let described = client.describe_key().key_id(alias).send().await.unwrap();
        assert_eq!(described.key_metadata().unwrap().key_id(), key, "{alias}");
    }
    let mut tags: Vec<(String, String)> = client
        .list_resource_tags()
        .key_id(&fixture.symmetric)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|tag| (tag.tag_key().to_owned(), tag.tag_value().to_owned()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("env".into(), "test".into()),
            ("team".into(), "blue".into())
        ]
    );
    let ecc_tags = client
        .list_resource_tags()
        .key_id(&fixture.ecc)
        .send()
        .await
        .unwrap();
    assert_eq!(ecc_tags.tags().len(), 1);
    let grants = client
        .list_grants()
        .key_id(&fixture.symmetric)
        .send()
        .await
        .unwrap();
    assert_eq!(grants.grants().len(), 1, "{:?}", grants.grants());
    let grant = &grants.grants()[0];
    assert_eq!(grant.grant_id(), Some(fixture.grant_id.as_str()));
    assert_eq!(grant.grantee_principal(), Some(fixture.user_arn.as_str()));
    assert_eq!(grant.name(), Some("migrant-grant"));
    assert_eq!(grant.operations().len(), 2);

    let verified = client
        .verify_mac()
        .key_id("alias/migrate-hmac")
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(blob(MESSAGE))
        .mac(blob(&fixture.mac))
        .send()
        .await
        .unwrap();
    assert!(verified.mac_valid());
    let verified = client
        .verify()
        .key_id("alias/migrate-ecc")
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .message(blob(MESSAGE))
        .signature(blob(&fixture.signature))
        .send()
        .await
        .unwrap();
    assert!(verified.signature_valid());
    let public_key = client
        .get_public_key()
        .key_id(&fixture.ecc)
        .send()
        .await
        .unwrap();
    assert_eq!(
        public_key.public_key().unwrap().as_ref(),
        fixture.public_key.as_slice()
    );

    // The user's access key still signs, its inline policy still applies.
    let as_user = server.kms_as(&fixture.user);
    let decrypted = as_user
        .decrypt()
        .ciphertext_blob(blob(&fixture.user_ciphertext))
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"the user's own");
    as_user
        .describe_key()
        .key_id(&fixture.symmetric)
        .send()
        .await
        .unwrap();
    crate::expect_error(as_user.create_key().send().await, "AccessDeniedException");
    let users = server.iam().list_users().send().await.unwrap();
    assert!(users
        .users()
        .iter()
        .any(|user| user.user_name() == "migrant"));

    // New writes take new list positions after the copied ones.
    let before = list_all_keys(&client).await;
    let fresh = create_key(&client).await;
    client
        .create_alias()
        .alias_name(format!("alias/after-{}", &fresh[..8]))
        .target_key_id(&fresh)
        .send()
        .await
        .unwrap();
    let after = list_all_keys(&client).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.last(), Some(&fresh), "the new key lists last");
    for key in [&fixture.symmetric, &fixture.hmac, &fixture.ecc] {
        assert!(after.contains(key));
    }
}

fn arn(server: &TestServer, key_id: &str) -> String {
    format!(
        "arn:aws:kms:{}:{}:key/{key_id}",
        trent_testkit::REGION,
        server.account()
    )
}

async fn list_all_keys(client: &aws_sdk_kms::Client) -> Vec<String> {
    let mut keys = Vec::new();
    let mut marker = None;
    loop {
        let page = client.list_keys().set_marker(marker).send().await.unwrap();
        keys.extend(
            page.keys()
                .iter()
                .map(|key| key.key_id().unwrap().to_owned()),
        );
        if !page.truncated() {
            return keys;
        }
        marker = page.next_marker().map(str::to_owned);
    }
}

/// Runs `trent admin migrate --from FROM --to TO`.
fn migrate(from: &str, to: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["admin", "migrate", "--from", from, "--to", to])
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Stdout and stderr of `output`, together.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs a migrate that must succeed; returns its output.
fn migrated(from: &str, to: &str) -> String {
    let output = migrate(from, to);
    let shown = text(&output);
    assert!(output.status.success(), "migrate failed: {shown}");
    assert!(shown.contains("copied and checked"), "{shown}");
    shown
}

/// The password of a `postgres://user:password@…` URL.
fn password(url: &str) -> Option<String> {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(credentials, _)| credentials.split_once(':'))
        .map(|(_, password)| password.to_owned())
}

fn assert_no_password(url: &str, shown: &str) {
    if let Some(password) = password(url) {
        assert!(!shown.contains(&password), "the password shows: {shown}");
        assert!(shown.contains("***") || !shown.contains(url), "{shown}");
    }
}

fn sqlite(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// SQLite → PostgreSQL → SQLite: each server on the copy serves all the
/// first one did, with the same root key and credentials; a second run of
/// the same copy finds everything there and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_migrated_to_postgres_and_back_serves_everything() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut original = crate::server();
    let fixture = populate(&original).await;
    check(&original, &fixture).await;
    original.terminate();
    let source = sqlite(&original.data_dir().join("trent.db"));

    let shown = migrated(&source, &database.url);
    assert_no_password(&database.url, &shown);
    let mut on_postgres = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(&original)
        .start();
    assert_eq!(on_postgres.account(), original.account());
    check(&on_postgres, &fixture).await;
    on_postgres.terminate();

    // Back into a new SQLite file, with what the PostgreSQL node added.
    let back = tempfile::tempdir().unwrap();
    let back_file = back.path().join("back.db");
    let shown = migrated(&database.url, &sqlite(&back_file));
    assert_no_password(&database.url, &shown);
    // The same copy again: everything is there already, and checked.
    let again = migrated(&database.url, &sqlite(&back_file));
    assert_no_password(&database.url, &again);
    let mut on_sqlite = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&format!("sqlite:{}", back_file.display()))
        .node_of(&original)
        .start();
    assert_eq!(on_sqlite.account(), original.account());
    check(&on_sqlite, &fixture).await;
    on_sqlite.terminate();

    // And the first copy run again (the PostgreSQL node wrote since, so
    // the target now holds more than the source): refused, untouched.
    let output = migrate(&source, &database.url);
    let shown = text(&output);
    assert!(!output.status.success(), "{shown}");
    assert!(shown.contains(" of keys "), "names the table: {shown}");
    assert_no_password(&database.url, &shown);
}

/// Running the same copy twice: the second finds every row there, checks
/// them and succeeds; the copy serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_migrate_twice_succeeds_and_checks_again() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut original = crate::server();
    let fixture = populate(&original).await;
    original.terminate();
    let source = sqlite(&original.data_dir().join("trent.db"));
    let first = migrated(&source, &database.url);
    let second = migrated(&source, &database.url);
    assert_eq!(
        first.lines().last(),
        second.lines().last(),
        "the same rows copied and checked"
    );
    assert_no_password(&database.url, &second);
    let on_postgres = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(&original)
        .start();
    check(&on_postgres, &fixture).await;
}

/// A target that holds another server's data is refused, naming a table,
/// and is left as it was, even when that server has the same account id
/// (so no foreign key stops a row of the source from landing there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_holding_other_data_is_refused_and_left_alone() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut stranger = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .account_id(SAME_ACCOUNT)
        .start();
    let theirs = create_key(&stranger.client()).await;
    stranger.terminate();
    let counts = |url: &str| {
        psql(
            url,
            "SELECT (SELECT count(*) FROM keys) || ',' || (SELECT count(*) FROM access_keys) \
             || ',' || (SELECT count(*) FROM accounts) || ',' || (SELECT count(*) FROM tags) \
             || ',' || (SELECT count(*) FROM aliases) || ',' || (SELECT count(*) FROM key_materials)",
        )
    };
    let before = counts(&database.url);

    let mut original = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .account_id(SAME_ACCOUNT)
        .start();
    populate(&original).await;
    original.terminate();
    let source = sqlite(&original.data_dir().join("trent.db"));
    let output = migrate(&source, &database.url);
    let shown = text(&output);
    assert!(
        !output.status.success(),
        "copied into another's store: {shown}"
    );
    assert!(
        ["meta", "accounts", "access_keys", "principals", "keys"]
            .iter()
            .any(|table| shown.contains(&format!("rows of {table},"))),
        "names the table: {shown}"
    );
    assert!(shown.contains("copy only into an empty store"), "{shown}");
    assert_no_password(&database.url, &shown);
    assert_eq!(counts(&database.url), before, "the target was written to");
    // The stranger's store still serves its key.
    let stranger = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(&stranger)
        .start();
    stranger
        .client()
        .describe_key()
        .key_id(&theirs)
        .send()
        .await
        .unwrap();
}

/// A row changed in the target after a copy: the copy run again says
/// which table differs, and fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_changed_in_the_target_fails_the_next_run() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut original = crate::server();
    populate(&original).await;
    original.terminate();
    let source = sqlite(&original.data_dir().join("trent.db"));
    migrated(&source, &database.url);
    let changed = psql(
        &database.url,
        "UPDATE tags SET tag_value = 'red' WHERE tag_key = 'team' RETURNING tag_value",
    );
    assert_eq!(changed.trim(), "red");
    let output = migrate(&source, &database.url);
    let shown = text(&output);
    assert!(!output.status.success(), "{shown}");
    assert!(
        shown.contains("of tags") && shown.contains("differs"),
        "{shown}"
    );
    assert_no_password(&database.url, &shown);
}

/// `--from` a file that does not exist is named; nothing is made.
#[test]
fn migrate_from_a_missing_store_names_it() {
    let Some(database) = postgres_database() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("nowhere").join("trent.db");
    let output = migrate(&sqlite(&missing), &database.url);
    let shown = text(&output);
    assert!(!output.status.success(), "{shown}");
    assert!(shown.contains(&sqlite(&missing)), "{shown}");
    assert!(!missing.parent().unwrap().exists(), "made its folder");
    assert_no_password(&database.url, &shown);
    let tables = psql(
        &database.url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    );
    assert_eq!(tables.trim(), "0", "the target was touched");
}

/// A copy interrupted after some tables (the last tables' rows missing
/// from the target) resumes: the run copies the rest, checks all, and
/// the copy serves the grant it had lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_copy_resumes_where_it_stopped() {
    let Some(database) = postgres_database() else {
        return;
    };
    let mut original = crate::server();
    let fixture = populate(&original).await;
    original.terminate();
    let source = sqlite(&original.data_dir().join("trent.db"));
    migrated(&source, &database.url);
    // The tables copied last, as a crash before them would leave them.
    let left = psql(
        &database.url,
        "DELETE FROM import_tokens; DELETE FROM key_last_usage; DELETE FROM grants; \
         SELECT count(*) FROM grants",
    );
    assert_eq!(left.trim(), "0");
    migrated(&source, &database.url);
    let on_postgres = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .store(&database.url)
        .node_of(&original)
        .start();
    check(&on_postgres, &fixture).await;
}

/// A SQLite store a server is running on is refused: the copy would miss
/// what the server writes meanwhile.
#[test]
fn a_store_a_server_is_running_on_is_refused() {
    let server = crate::server();
    let target = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["admin", "migrate", "--from"])
        .arg(server.data_dir().join("trent.db"))
        .arg("--to")
        .arg(target.path().join("copy.db"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        said.contains("another trent process is using the store"),
        "{said}"
    );
    assert!(!target.path().join("copy.db").exists());
}
