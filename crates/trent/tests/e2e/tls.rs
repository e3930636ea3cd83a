//! HTTPS (`--tls-cert`, `--tls-key`): the official SDK and the aws CLI over
//! TLS with a test CA made here (rcgen), plain HTTP refused on the TLS port,
//! and the certificate replaced while the server runs, without dropping the
//! connections already open.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use aws_sdk_kms::primitives::Blob;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use trent_testkit::TestServer;

/// A test certificate authority.
struct Authority {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Authority {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Trent test CA");
        let pem = params.self_signed(&key).unwrap().pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// A server certificate for 127.0.0.1 and localhost, written as
    /// `cert.pem` and `key.pem` in `dir`; returns its DER.
    fn issue(&self, dir: &Path, name: &str) -> Vec<u8> {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        // The key first: a reload seeing the new key with the old certificate
        // fails and keeps the old pair, then takes the new one.
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        cert.der().to_vec()
    }
}

fn tls_server(dir: &Path) -> TestServer {
    TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--tls-cert")
        .arg(dir.join("cert.pem").to_str().unwrap())
        .arg("--tls-key")
        .arg(dir.join("key.pem").to_str().unwrap())
        .start()
}

fn https_endpoint(server: &TestServer) -> String {
    server.endpoint().replacen("http://", "https://", 1)
}

fn address(server: &TestServer) -> String {
    server.endpoint().trim_start_matches("http://").to_owned()
}

/// The official SDK, trusting only `authority`.
fn sdk_client(server: &TestServer, authority: &Authority) -> aws_sdk_kms::Client {
    use aws_smithy_http_client::tls;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(
            tls::TlsContext::builder()
                .with_trust_store(
                    tls::TrustStore::empty().with_pem_certificate(authority.pem.as_bytes()),
                )
                .build()
                .unwrap(),
        )
        .build_https();
    let credentials = server.root_credentials();
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
        .region(aws_sdk_kms::config::Region::new("us-east-1"))
        .endpoint_url(https_endpoint(server))
        .credentials_provider(aws_sdk_kms::config::Credentials::new(
            credentials.access_key_id,
            credentials.secret_access_key,
            None,
            None,
            "test",
        ))
        .http_client(http)
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// A TLS client connection to 127.0.0.1 trusting only `authority`.
fn client_connection(authority: &Authority) -> rustls::ClientConnection {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(authority.pem.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    rustls::ClientConnection::new(Arc::new(config), name).unwrap()
}

/// The certificate the server presents to a new TLS connection.
fn presented(server: &TestServer, authority: &Authority) -> Vec<u8> {
    let mut connection = client_connection(authority);
    let mut socket = std::net::TcpStream::connect(address(server)).unwrap();
    while connection.is_handshaking() {
        connection.complete_io(&mut socket).unwrap();
    }
    connection.peer_certificates().unwrap()[0].to_vec()
}

/// Sends SIGHUP to the server, as an operator's `kill -HUP` does.
fn hang_up(pid: u32) {
    let status = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn the_sdk_works_over_https_and_plain_http_is_refused() {
    let authority = Authority::new();
    let dir = tempfile::tempdir().unwrap();
    authority.issue(dir.path(), "trent one");
    let server = tls_server(dir.path());
    let client = sdk_client(&server, &authority);
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let encrypted = client
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"over tls".to_vec()))
        .send()
        .await
        .unwrap();
    let decrypted = client
        .decrypt()
        .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"over tls");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut socket = std::net::TcpStream::connect(address(&server)).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    socket
        .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
        .unwrap();
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");

    // A client that does not trust the certificate is refused by its TLS.
    let stranger = sdk_client(&server, &Authority::new());
    assert!(stranger.list_keys().send().await.is_err());
}

#[tokio::test]
async fn the_aws_cli_works_with_a_ca_bundle() {
    if Command::new("aws").arg("--version").output().is_err() {
        eprintln!("skipping: the aws CLI is not installed");
        return;
    }
    let authority = Authority::new();
    let dir = tempfile::tempdir().unwrap();
    authority.issue(dir.path(), "trent one");
    std::fs::write(dir.path().join("ca.pem"), &authority.pem).unwrap();
    let server = tls_server(dir.path());
    let aws = |extra: &[&str], bundle_env: bool| {
        let mut command = Command::new("aws");
        command
            .args([
                "kms",
                "create-key",
                "--output",
                "text",
                "--query",
                "KeyMetadata.KeyId",
            ])
            .args(["--endpoint-url", &https_endpoint(&server)])
            .args(extra)
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                server.data_dir().join("root-credentials"),
            )
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_CA_BUNDLE");
        if bundle_env {
            command.env("AWS_CA_BUNDLE", dir.path().join("ca.pem"));
        }
        command.output().unwrap()
    };
    let bundle = dir.path().join("ca.pem");
    let output = aws(&["--ca-bundle", bundle.to_str().unwrap()], false);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim().len(), 36);
    let output = aws(&[], true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Without the bundle the CLI refuses the certificate.
    let output = aws(&[], false);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("SSL"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_new_certificate_is_served_without_a_restart_or_a_dropped_request() {
    let authority = Authority::new();
    let dir = tempfile::tempdir().unwrap();
    let first = authority.issue(dir.path(), "trent one");
    let server = tls_server(dir.path());
    assert_eq!(presented(&server, &authority), first);
    let client = sdk_client(&server, &authority);
    let key_id = client
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_owned();

    // Requests keep flowing on the SDK's kept-alive connections while the
    // files are replaced and the server is told (SIGHUP).
    let load = {
        let client = client.clone();
        let key_id = key_id.clone();
        tokio::spawn(async move {
            let mut answered = 0;
            for _ in 0..200 {
                client
                    .encrypt()
                    .key_id(&key_id)
                    .plaintext(Blob::new(b"x".to_vec()))
                    .send()
                    .await
                    .expect("no request fails during a certificate change");
                answered += 1;
            }
            answered
        })
    };
    let second = authority.issue(dir.path(), "trent two");
    let pid = server.pid().unwrap();
    hang_up(pid);
    assert_eq!(load.await.unwrap(), 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while presented(&server, &authority) != second {
        assert!(
            std::time::Instant::now() < deadline,
            "the new certificate was not served"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // A broken file is not taken: the certificate in use stays.
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    hang_up(pid);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(presented(&server, &authority), second);
    client.list_keys().send().await.unwrap();
    assert!(server.log().contains("TLS certificate not reloaded"));
}

/// A GET over HTTPS to `address`, trusting only `authority`: the
/// certificate presented and the response.
fn https_get(address: &str, path: &str, authority: &Authority) -> (Vec<u8>, String) {
    let mut connection = client_connection(authority);
    let mut socket = std::net::TcpStream::connect(address).unwrap();
    let mut stream = rustls::Stream::new(&mut connection, &mut socket);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let cert = connection.peer_certificates().unwrap()[0].to_vec();
    (cert, String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test]
async fn the_admin_listener_serves_https_with_its_own_certificate() {
    let authority = Authority::new();
    let api_dir = tempfile::tempdir().unwrap();
    let admin_dir = tempfile::tempdir().unwrap();
    let api_cert = authority.issue(api_dir.path(), "trent api");
    let admin_cert = authority.issue(admin_dir.path(), "trent admin");
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--tls-cert")
        .arg(api_dir.path().join("cert.pem").to_str().unwrap())
        .arg("--tls-key")
        .arg(api_dir.path().join("key.pem").to_str().unwrap())
        .arg("--admin-tls-cert")
        .arg(admin_dir.path().join("cert.pem").to_str().unwrap())
        .arg("--admin-tls-key")
        .arg(admin_dir.path().join("key.pem").to_str().unwrap())
        .start();
    let admin = server
        .admin_endpoint()
        .trim_start_matches("http://")
        .to_owned();
    // Blocking I/O in the test's own thread: the server is another process.
    let (presented_admin, health) = https_get(&admin, "/healthz", &authority);
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert_eq!(presented_admin, admin_cert);
    assert_eq!(presented(&server, &authority), api_cert);
    // Plain HTTP to the admin port gets no HTTP answer.
    let mut plain = std::net::TcpStream::connect(&admin).unwrap();
    plain
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
}
