//! The root key inside a PKCS#11 token (real SoftHSM2, a throwaway token per
//! test), and root-key rotation: file to HSM under load, and a rotation
//! killed midway and resumed.
//!
//! Needs SoftHSM2 (`apt-get install softhsm2`). Without it these tests say
//! so and pass, unless `TRENT_REQUIRE_SOFTHSM` is set (CI sets it), when
//! they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_kms::types::{KeySpec, KeyUsageType, MacAlgorithmSpec};
use trent_testkit::TestServer;

use crate::{blob, create_key};

const PIN: &str = "4711-trent-test";

/// A throwaway SoftHSM2 token in a temporary folder.
struct SoftHsm {
    dir: tempfile::TempDir,
    module: PathBuf,
    label: String,
}

impl SoftHsm {
    /// A fresh token, or `None` (after saying why) when SoftHSM2 is absent.
    fn new(label: &str) -> Option<Self> {
        let module = [
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists());
        let tool = Command::new("softhsm2-util")
            .arg("--version")
            .output()
            .is_ok();
        let Some(module) = module.filter(|_| tool) else {
            assert!(
                std::env::var_os("TRENT_REQUIRE_SOFTHSM").is_none(),
                "SoftHSM2 is required (TRENT_REQUIRE_SOFTHSM) but not installed"
            );
            eprintln!("skipping: SoftHSM2 not installed (apt-get install softhsm2)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().join("tokens").display()
            ),
        )
        .unwrap();
        std::fs::write(dir.path().join("pin"), format!("{PIN}\n")).unwrap();
        let hsm = Self {
            dir,
            module,
            label: label.to_owned(),
        };
        let status = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", label, "--pin", PIN])
            .args(["--so-pin", "so-pin-0000"])
            .env("SOFTHSM2_CONF", hsm.conf())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "softhsm2-util --init-token failed");
        Some(hsm)
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("softhsm2.conf")
    }

    /// The root key's URI, the PIN read from a file.
    fn uri(&self) -> String {
        format!(
            "pkcs11:token={};object=trent-root-key?module-path={}&pin-source=file:{}",
            self.label,
            self.module.display(),
            self.dir.path().join("pin").display()
        )
    }

    fn builder(&self) -> trent_testkit::Builder {
        TestServer::builder(env!("CARGO_BIN_EXE_trent"))
            .env("SOFTHSM2_CONF", &self.conf().to_string_lossy())
    }
}

/// Runs `trent serve` expecting it to refuse to start; returns its stderr.
fn refused_start(hsm: &SoftHsm, data_dir: &Path, root_key: &str, pin: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trent"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off"])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--root-key")
        .arg(root_key)
        .env("SOFTHSM2_CONF", hsm.conf())
        .env_remove("TRENT_PKCS11_PIN");
    if let Some(pin) = pin {
        command.env("TRENT_PKCS11_PIN", pin);
    }
    let output = command.output().unwrap();
    assert!(
        !output.status.success(),
        "trent serve started with {root_key}"
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn encrypt(client: &aws_sdk_kms::Client, key_id: &str, plaintext: &[u8]) -> Vec<u8> {
    client
        .encrypt()
        .key_id(key_id)
        .plaintext(blob(plaintext))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .as_ref()
        .to_vec()
}

async fn decrypt(client: &aws_sdk_kms::Client, ciphertext: &[u8]) -> Vec<u8> {
    client
        .decrypt()
        .ciphertext_blob(blob(ciphertext))
        .send()
        .await
        .unwrap()
        .plaintext()
        .unwrap()
        .as_ref()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_sealed_inside_softhsm_survive_a_restart_and_the_root_key_cannot_be_extracted() {
    let Some(hsm) = SoftHsm::new("trent-restart") else {
        return;
    };
    let mut server = hsm.builder().arg("--root-key").arg(&hsm.uri()).start();
    assert!(
        !server.data_dir().join("root-key").exists(),
        "no root key file beside an HSM root key"
    );
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = encrypt(&client, &key_id, b"sealed in the token").await;
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
    let mac = |client: aws_sdk_kms::Client, hmac: String| async move {
        client
            .generate_mac()
            .key_id(hmac)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(blob(b"message"))
            .send()
            .await
            .unwrap()
            .mac()
            .unwrap()
            .as_ref()
            .to_vec()
    };
    let tag = mac(client.clone(), hmac.clone()).await;

    server.restart();
    let client = server.client();
    assert_eq!(decrypt(&client, &ciphertext).await, b"sealed in the token");
    assert_eq!(mac(client.clone(), hmac.clone()).await, tag);
    assert!(
        server.log().contains("CKM_AES_GCM"),
        "the mechanism is logged"
    );
    assert!(!server.log().contains(PIN), "the PIN is never logged");

    // The token says what Trent asked of it at creation.
    let shown = server.run_cli(&[
        "admin",
        "--data-dir",
        "/nonexistent",
        "--root-key",
        &hsm.uri(),
        "init-hsm",
    ]);
    assert!(shown.contains("root key found in token"), "{shown}");
    assert!(shown.contains("sensitive    true"), "{shown}");
    assert!(shown.contains("extractable  false"), "{shown}");
    assert!(shown.contains("never extractable true"), "{shown}");
    assert!(shown.contains("refused by the token"), "{shown}");
    assert!(shown.contains("32 bytes"), "{shown}");

    // The data folder records the HSM key: a root key file is refused.
    server.terminate();
    std::fs::write(server.data_dir().join("other-key"), [7u8; 32]).unwrap();
    let message = refused_start(
        &hsm,
        server.data_dir(),
        &server.data_dir().join("other-key").to_string_lossy(),
        None,
    );
    assert!(message.contains("token=trent-restart"), "{message}");
}

/// The token goes away under a running server: what needs it fails closed
/// (`KMSInternalException`, `/readyz` 503) while cached keys keep working;
/// when the token is back, service resumes without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_goes_away_fails_closed_and_service_resumes_when_it_returns() {
    let Some(hsm) = SoftHsm::new("trent-gone") else {
        return;
    };
    let server = hsm.builder().arg("--root-key").arg(&hsm.uri()).start();
    let client = server.client();
    let cached = create_key(&client).await;
    encrypt(&client, &cached, b"opened before").await;
    let (status, _) = crate::operability::get(server.admin_endpoint(), "/readyz").await;
    assert_eq!(status, 200);

    // SoftHSM2 keeps each token in a folder of its token directory.
    let tokens = hsm.dir.path().join("tokens");
    let token = std::fs::read_dir(&tokens)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let away = hsm.dir.path().join("away");
    std::fs::rename(&token, &away).unwrap();

    let refused = client.create_key().send().await;
    crate::expect_error(refused, "KMSInternalException");
    let (status, why) = crate::operability::get(server.admin_endpoint(), "/readyz").await;
    assert_eq!(status, 503, "{why}");
    // Material opened before is cached: no round trip into the token.
    encrypt(&client, &cached, b"still served").await;
    assert!(!server.log().contains(PIN));

    std::fs::rename(&away, &token).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if client.create_key().send().await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (status, why) = crate::operability::get(server.admin_endpoint(), "/readyz").await;
    assert_eq!(status, 200, "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_pin_or_a_missing_token_is_a_clear_start_up_error() {
    let Some(hsm) = SoftHsm::new("trent-errors") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let with_env_pin = format!(
        "pkcs11:token=trent-errors;object=trent-root-key?module-path={}",
        hsm.module.display()
    );
    let message = refused_start(&hsm, data.path(), &with_env_pin, Some("not-the-pin"));
    assert!(message.contains("PIN"), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(
        !message.contains("not-the-pin"),
        "the PIN is never shown: {message}"
    );

    let message = refused_start(&hsm, data.path(), &with_env_pin, None);
    assert!(message.contains("TRENT_PKCS11_PIN"), "{message}");

    let missing = hsm
        .uri()
        .replace("token=trent-errors", "token=no-such-token");
    let message = refused_start(&hsm, data.path(), &missing, None);
    assert!(message.contains("no-such-token"), "{message}");
    assert!(
        message.contains("trent-errors"),
        "the tokens seen are listed: {message}"
    );

    let in_uri = format!("{with_env_pin}&pin-value=1234");
    let message = refused_start(&hsm, data.path(), &in_uri, None);
    assert!(message.contains("pin-value"), "{message}");
    assert!(!message.contains("1234"), "{message}");

    let message = refused_start(&hsm, data.path(), "pkcs11:token=x", None);
    assert!(message.contains("module-path"), "{message}");
}

/// Keys made under the root key file; the root key rotated to SoftHSM
/// through the running server while clients encrypt and decrypt, with no
/// failed request; then the file removed, and everything still opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rotation_from_a_file_to_softhsm_under_load_fails_no_request() {
    let Some(hsm) = SoftHsm::new("trent-rotate") else {
        return;
    };
    let module = hsm.module.to_string_lossy().into_owned();
    let mut server = hsm
        .builder()
        .arg("--allow-pkcs11-module")
        .arg(&module)
        .start();
    // An API caller may not bring a root key it knows, nor a module the
    // operator did not allow.
    let existing = server
        .data_dir()
        .join("root-key")
        .to_string_lossy()
        .into_owned();
    let message = rotate_refused(&server, &existing).await;
    assert!(message.contains("exists"), "{message}");
    let other_module = hsm.uri().replace(&module, "/tmp/evil.so");
    let message = rotate_refused(&server, &other_module).await;
    assert!(message.contains("was not allowed"), "{message}");
    assert!(!std::path::Path::new("/tmp/evil.so").exists());
    // A PIN wrongly put in the URI is refused, and reaches no audit event.
    let with_pin = format!("{}&pin-value=PIN-IN-URI-9313", hsm.uri());
    let message = rotate_refused(&server, &with_pin).await;
    assert!(
        message.contains("pin-value") && !message.contains("PIN-IN-URI-9313"),
        "{message}"
    );
    let events = crate::audit_events(&server.data_dir().join("audit"));
    assert!(
        events.iter().any(|e| e["eventName"] == "TrentAdmin"),
        "admin calls are audited"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.to_string().contains("PIN-IN-URI-9313")),
        "the PIN reached the audit trail"
    );
    let client = server.client();
    let mut keys = Vec::new();
    for n in 0..20 {
        let key_id = create_key(&client).await;
        let ciphertext = encrypt(&client, &key_id, format!("value {n}").as_bytes()).await;
        keys.push((key_id, ciphertext, format!("value {n}")));
    }
    client
        .rotate_key_on_demand()
        .key_id(&keys[0].0)
        .send()
        .await
        .unwrap();
    let signing = client
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

    // Load: encrypt and decrypt with fresh keys and old ones, all the while.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (served, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (client, stop, served, failed) =
            (client.clone(), stop.clone(), served.clone(), failed.clone());
        let keys = keys.clone();
        load.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let (key_id, ciphertext, plaintext) = &keys[(worker + n) % keys.len()];
                let round = async {
                    let fresh = client
                        .encrypt()
                        .key_id(key_id)
                        .plaintext(blob(b"during"))
                        .send()
                        .await
                        .ok()?;
                    let back = client
                        .decrypt()
                        .ciphertext_blob(fresh.ciphertext_blob()?.clone())
                        .send()
                        .await
                        .ok()?;
                    let old = client
                        .decrypt()
                        .ciphertext_blob(blob(ciphertext))
                        .send()
                        .await
                        .ok()?;
                    (back.plaintext()?.as_ref() == b"during"
                        && old.plaintext()?.as_ref() == plaintext.as_bytes())
                    .then_some(())
                };
                if round.await.is_some() {
                    served.fetch_add(1, Ordering::SeqCst);
                } else {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
                // New keys too: their material is sealed under whichever key is current.
                if n.is_multiple_of(10) && client.create_key().send().await.is_err() {
                    failed.fetch_add(1, Ordering::SeqCst);
                }
                n += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let credentials = server.data_dir().join("root-credentials");
    let endpoint = server.endpoint().trim_start_matches("http://").to_owned();
    let uri = hsm.uri();
    let output = {
        let server = &server;
        let args = [
            "admin",
            "rotate-root-key",
            "--to",
            &uri,
            "--endpoint",
            &endpoint,
            "--credentials",
            &credentials.to_string_lossy(),
        ];
        tokio::task::block_in_place(|| server.run_cli(&args))
    };
    assert!(output.contains("the root key is now pkcs11:"), "{output}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    let (served, failed) = (served.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    assert_eq!(
        failed, 0,
        "requests failed during the rotation ({served} served)"
    );
    assert!(served > 10, "the load ran ({served} rounds)");

    // The file goes; the server starts from the token alone.
    let file = server.data_dir().join("root-key");
    let file_copy = std::fs::read(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    server.restart_with_args(&["--root-key", &uri]);
    let client = server.client();
    for (_, ciphertext, plaintext) in &keys {
        assert_eq!(decrypt(&client, ciphertext).await, plaintext.as_bytes());
    }
    client
        .sign()
        .key_id(&signing)
        .message(blob(b"signed after the move"))
        .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    let status = server.run_cli(&["admin", "rotate-root-key", "--help"]);
    assert!(status.contains("Resumable"), "{status}");

    // The old file, put back, is refused with a message naming the HSM key.
    server.terminate();
    std::fs::write(&file, file_copy).unwrap();
    let message = refused_start(&hsm, server.data_dir(), &file.to_string_lossy(), None);
    assert!(
        message.contains("start with --root-key pkcs11:"),
        "{message}"
    );
}

/// An offline rotation between two root key files, killed with SIGKILL
/// midway: the data folder says a rotation is under way, a server started
/// with the old key finishes it in the background, and afterwards the new
/// key alone opens everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_midway_resumes_and_loses_nothing() {
    let mut server = TestServer::builder(env!("CARGO_BIN_EXE_trent")).start();
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = encrypt(&client, &key_id, b"survives the crash").await;
    server.terminate();
    let data_dir = server.data_dir().to_owned();
    // Many keys, so that the walk takes long enough to be killed in.
    let seeded = Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["bench-seed", "--keys", "20000", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let new_key = data_dir.join("new-root-key");
    let mut walk = Command::new(env!("CARGO_BIN_EXE_trent"))
        .args(["admin", "--data-dir"])
        .arg(&data_dir)
        .args(["rotate-root-key", "--to"])
        .arg(&new_key)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Killed at its first progress line (a tenth of the way).
    let mut stderr = std::io::BufReader::new(walk.stderr.take().unwrap());
    let started = Instant::now();
    loop {
        let mut line = String::new();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(read > 0, "the rotation ended before it could be killed");
        if line.starts_with("re-sealing:") && !line.contains(": 0/") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    walk.kill().unwrap();
    let _ = walk.wait();

    let described = server.run_cli(&[
        "admin",
        "--data-dir",
        &data_dir.to_string_lossy(),
        "describe-root-key",
    ]);
    assert!(described.contains("rotation under way"), "{described}");
    assert!(
        described
            .lines()
            .filter(|l| l.contains("values sealed"))
            .count()
            >= 2,
        "{described}"
    );

    // A server given the old key resumes the walk by itself.
    server.restart();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let described = describe_online(&server).await;
        if described["Rotation"].is_null() {
            assert_eq!(described["Location"], new_key.to_string_lossy().as_ref());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the rotation did not finish: {described}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let client = server.client();
    assert_eq!(decrypt(&client, &ciphertext).await, b"survives the crash");

    // The old key is retired: only the new one starts the server.
    server.restart_with_args(&["--root-key", &new_key.to_string_lossy()]);
    let client = server.client();
    assert_eq!(decrypt(&client, &ciphertext).await, b"survives the crash");
    server.terminate();
    let counts = server.run_cli(&[
        "admin",
        "--data-dir",
        &data_dir.to_string_lossy(),
        "--root-key",
        &new_key.to_string_lossy(),
        "describe-root-key",
    ]);
    let sealing: Vec<&str> = counts
        .lines()
        .filter(|l| l.contains("values sealed"))
        .collect();
    assert_eq!(sealing.len(), 1, "everything under one key: {counts}");
    let count: u64 = sealing[0]
        .trim()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(count > 20_000, "{counts}");
}

/// TrentAdmin.RotateRootKey refused with a ValidationException; its message.
async fn rotate_refused(server: &TestServer, to: &str) -> String {
    let body = serde_json::json!({ "NewRootKey": to }).to_string();
    let mut request = trent_testkit::RawRequest::kms("RotateRootKey", &body);
    request.target = Some("TrentAdmin.RotateRootKey".into());
    let response = request.send(server, &server.root_credentials()).await;
    assert_eq!(
        response.status,
        400,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let json = response.json();
    assert_eq!(json["__type"], "ValidationException", "{json}");
    json["message"].as_str().unwrap().to_owned()
}

async fn describe_online(server: &TestServer) -> serde_json::Value {
    let mut request = trent_testkit::RawRequest::kms("DescribeRootKey", "{}");
    request.target = Some("TrentAdmin.DescribeRootKey".into());
    let response = request.send(server, &server.root_credentials()).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}
