//! The `trent` command line as a user meets it.

use std::process::Command;

use crate::{blob, create_key, server};

fn trent() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trent"))
}

#[test]
fn help_explains_the_commands() {
    let output = trent().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(text.contains("serve"), "{text}");
    let output = trent().args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--dev",
        "--account-id",
        "--root-key-file",
    ] {
        assert!(text.contains(flag), "{flag} missing from serve --help");
    }
}

#[test]
fn dev_mode_refuses_non_loopback_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let output = trent()
        .args(["serve", "--dev", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("non-loopback"));
}

#[test]
fn a_bad_account_id_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = trent()
        .args(["serve", "--account-id", "12ab", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("12 digits"));
}

#[tokio::test]
async fn first_start_writes_private_credentials_and_never_logs_the_secret() {
    let server = server();
    let path = server.data_dir().join("root-credentials");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("[default]\naws_access_key_id = AKIA"));
    let credentials = server.root_credentials();
    assert_eq!(credentials.secret_access_key.len(), 40);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["root-credentials", "root-key"] {
            let mode = std::fs::metadata(server.data_dir().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
    let client = server.client();
    create_key(&client).await;
    let log = server.log();
    assert!(
        !log.contains(&credentials.secret_access_key),
        "secret in log"
    );
    assert!(
        !log.contains(&credentials.access_key_id),
        "full access key id in log"
    );
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_data_survives_restart() {
    let mut server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    let ciphertext = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(blob(b"kept"))
        .send()
        .await
        .unwrap();
    let status = server.terminate().unwrap();
    assert!(status.success(), "exit status {status:?}\n{}", server.log());
    assert!(server.log().contains("stopped cleanly"));
    server.restart();
    let client = server.client();
    let decrypted = client
        .decrypt()
        .ciphertext_blob(ciphertext.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"kept");
}

#[tokio::test]
async fn a_data_folder_without_its_root_key_reveals_nothing_and_refuses_to_start() {
    let mut server = server();
    create_key(&server.client()).await;
    server.terminate();
    let root_key = std::fs::read(server.data_dir().join("root-key")).unwrap();
    // No file in the data folder (its audit folder included) other than the
    // root key holds the root key bytes.
    let mut files: Vec<_> = std::fs::read_dir(server.data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let audit = server.data_dir().join("audit");
    files.extend(
        std::fs::read_dir(&audit)
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    for path in files {
        if path.is_file() && path.file_name().unwrap() != "root-key" {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(32).any(|w| w == root_key.as_slice()),
                "{path:?}"
            );
        }
    }
    std::fs::remove_file(server.data_dir().join("root-key")).unwrap();
    let output = trent()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("root key"));
    // A different root key is refused too.
    std::fs::write(server.data_dir().join("root-key"), [9u8; 32]).unwrap();
    let output = trent()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not open"));
}

/// The README's quick start, through the `aws` CLI when it is installed
/// (`.ci/run` installs it).
#[tokio::test]
async fn aws_cli_quick_start_works() {
    if Command::new("aws").arg("--version").output().is_err() {
        eprintln!("skipping: the aws CLI is not installed");
        return;
    }
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| {
        let output = Command::new("aws")
            .args(args)
            .args(["--endpoint-url", server.endpoint(), "--output", "text"])
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                server.data_dir().join("root-credentials"),
            )
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let key_id = aws(&[
        "kms",
        "create-key",
        "--description",
        "demo",
        "--query",
        "KeyMetadata.KeyId",
    ]);
    aws(&[
        "kms",
        "create-alias",
        "--alias-name",
        "alias/demo",
        "--target-key-id",
        &key_id,
    ]);
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, b"top secret").unwrap();
    let ciphertext = aws(&[
        "kms",
        "encrypt",
        "--key-id",
        "alias/demo",
        "--plaintext",
        &format!("fileb://{}", secret.display()),
        "--query",
        "CiphertextBlob",
    ]);
    let encrypted = dir.path().join("secret.enc");
    use base64::Engine;
    std::fs::write(
        &encrypted,
        base64::engine::general_purpose::STANDARD
            .decode(&ciphertext)
            .unwrap(),
    )
    .unwrap();
    let plaintext = aws(&[
        "kms",
        "decrypt",
        "--ciphertext-blob",
        &format!("fileb://{}", encrypted.display()),
        "--query",
        "Plaintext",
    ]);
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(plaintext)
            .unwrap(),
        b"top secret"
    );
}

/// IAM and STS through the `aws` CLI (a different SDK, botocore): a user, its
/// access key and policy, an assumed role, and who each caller is.
#[tokio::test]
async fn aws_cli_manages_identities() {
    if Command::new("aws").arg("--version").output().is_err() {
        eprintln!("skipping: the aws CLI is not installed");
        return;
    }
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let account = server.account().to_owned();
    // `credentials`: a shared-credentials file; the root's by default.
    let aws = |credentials: &std::path::Path, args: &[&str]| {
        let output = Command::new("aws")
            .args(args)
            .args(["--endpoint-url", server.endpoint(), "--output", "json"])
            .env("AWS_SHARED_CREDENTIALS_FILE", credentials)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        (output.status.success(), stdout, stderr)
    };
    let root = server.data_dir().join("root-credentials");
    let json = |(ok, stdout, stderr): (bool, String, String)| -> serde_json::Value {
        assert!(ok, "aws failed: {stderr}");
        if stdout.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap()
        }
    };

    let who = json(aws(&root, &["sts", "get-caller-identity"]));
    assert_eq!(who["Arn"], format!("arn:aws:iam::{account}:root"));
    json(aws(&root, &["iam", "create-user", "--user-name", "carol"]));
    let key = json(aws(
        &root,
        &["iam", "create-access-key", "--user-name", "carol"],
    ));
    let carol = dir.path().join("carol");
    std::fs::write(
        &carol,
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key["AccessKey"]["AccessKeyId"].as_str().unwrap(),
            key["AccessKey"]["SecretAccessKey"].as_str().unwrap()
        ),
    )
    .unwrap();
    let who = json(aws(&carol, &["sts", "get-caller-identity"]));
    assert_eq!(who["Arn"], format!("arn:aws:iam::{account}:user/carol"));

    // Denied until a policy allows; the CLI shows AWS's error code.
    let (ok, _, stderr) = aws(&carol, &["kms", "create-key"]);
    assert!(!ok);
    assert!(stderr.contains("AccessDeniedException"), "{stderr}");
    json(aws(
        &root,
        &[
            "iam",
            "put-user-policy",
            "--user-name",
            "carol",
            "--policy-name",
            "kms",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:CreateKey","sts:AssumeRole"],"Resource":"*"}]}"#,
        ],
    ));
    json(aws(&carol, &["kms", "create-key"]));
    let policies = json(aws(
        &root,
        &["iam", "list-user-policies", "--user-name", "carol"],
    ));
    assert_eq!(policies["PolicyNames"], serde_json::json!(["kms"]));

    // A role trusting the account: carol's identity policy allows AssumeRole.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = json(aws(
        &root,
        &[
            "iam",
            "create-role",
            "--role-name",
            "ops",
            "--assume-role-policy-document",
            &trust,
        ],
    ));
    let role_arn = role["Role"]["Arn"].as_str().unwrap().to_owned();
    let assumed = json(aws(
        &carol,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &role_arn,
            "--role-session-name",
            "cli",
        ],
    ));
    let credentials = &assumed["Credentials"];
    let session = dir.path().join("session");
    std::fs::write(
        &session,
        format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            credentials["AccessKeyId"].as_str().unwrap(),
            credentials["SecretAccessKey"].as_str().unwrap(),
            credentials["SessionToken"].as_str().unwrap()
        ),
    )
    .unwrap();
    let who = json(aws(&session, &["sts", "get-caller-identity"]));
    assert_eq!(
        who["Arn"],
        format!("arn:aws:sts::{account}:assumed-role/ops/cli")
    );
    // Errors keep AWS's codes through botocore too.
    let (ok, _, stderr) = aws(&root, &["iam", "get-user", "--user-name", "nobody"]);
    assert!(!ok);
    assert!(stderr.contains("NoSuchEntity"), "{stderr}");
}

/// `trent explain` prints the decision and every statement's outcome.
#[tokio::test]
async fn explain_prints_the_decision_trace() {
    let server = server();
    let account = server.account().to_owned();
    server.new_user("dave").await;
    let key_id = crate::create_key(&server.client()).await;
    let address = server.endpoint().trim_start_matches("http://").to_owned();
    let credentials = server.data_dir().join("root-credentials");
    let explain = |principal: &str, action: &str| {
        server.run_cli(&[
            "explain",
            "--endpoint",
            &address,
            "--credentials",
            credentials.to_str().unwrap(),
            "--principal",
            principal,
            "--action",
            action,
            "--key-id",
            &key_id,
        ])
    };
    let dave = format!("arn:aws:iam::{account}:user/dave");
    let out = explain(&dave, "kms:Encrypt");
    assert!(out.contains("Deny (NoIdentityPolicyAllows)"), "{out}");
    assert!(out.contains("MatchedAccount"), "{out}");
    let out = explain(&format!("arn:aws:iam::{account}:root"), "kms:Encrypt");
    assert!(out.contains(": Allow"), "{out}");
    // An unknown principal is an error, not a guess.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
        .args([
            "explain",
            "--endpoint",
            &address,
            "--credentials",
            credentials.to_str().unwrap(),
            "--principal",
            &format!("arn:aws:iam::{account}:user/nobody"),
            "--action",
            "kms:Encrypt",
            "--key-id",
            &key_id,
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ValidationException"), "{stderr}");
}

/// `trent serve --config FILE`: the file sets what flags set; flags win; an
/// unknown setting is refused with the list of settings.
#[tokio::test]
async fn a_config_file_sets_what_flags_set_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("trent.toml");
    // `listen` would fail (a privileged port) if the command line did not win.
    std::fs::write(
        &config,
        "account_id = \"123456789012\"\nlisten = \"127.0.0.1:1\"\nlog_format = \"json\"\nmaintenance_interval = 30\n",
    )
    .unwrap();
    let server = trent_testkit::TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--config")
        .arg(config.to_str().unwrap())
        .start();
    assert_eq!(server.account(), "123456789012");
    crate::create_key(&server.client()).await;
    // JSON log lines.
    let log = server.log();
    let first = log.lines().next().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(first).unwrap();
    assert!(parsed.get("level").is_some(), "{first}");

    std::fs::write(&config, "no_such_setting = 1\n").unwrap();
    let output = trent()
        .args(["serve", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no_such_setting") && stderr.contains("admin-listen"),
        "{stderr}"
    );
    let help = trent().args(["serve", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--config"));
}
