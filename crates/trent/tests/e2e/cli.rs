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
    // No file in the data folder other than the root key holds the root key bytes.
    for entry in std::fs::read_dir(server.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() != "root-key" {
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
