//! Test harness for Trent (a dev-dependency only).
//!
//! [`TestServer::builder`] starts the real `trent` binary on `127.0.0.1:0`
//! with a fresh data folder, waits until it listens, and hands out official
//! `aws-sdk-kms` clients signed with the root credentials it wrote. The
//! server can be killed (`SIGKILL`), stopped (`SIGTERM`) and restarted on the
//! same data folder. [`RawRequest`] sends hand-made, SigV4-signed HTTP
//! requests for wire-level tests the SDK cannot express.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness fails loudly"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::Client;

/// The region test clients use.
pub const REGION: &str = "us-east-1";

/// Credentials of some principal: long-term, or temporary with a session token.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl Identity {
    fn sdk(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            self.session_token.clone(),
            None,
            "trent-testkit",
        )
    }
}

/// Options for a test server.
#[derive(Debug, Clone)]
pub struct Builder {
    binary: PathBuf,
    dev: bool,
    account_id: Option<String>,
    extra_args: Vec<String>,
    envs: Vec<(String, String)>,
    quotas: bool,
    /// Files copied into the data folder before the first start.
    seed_files: Vec<(PathBuf, String)>,
}

impl Builder {
    /// Keeps the request-rate quotas on (AWS's defaults). Test servers run
    /// without them otherwise: their clients do not retry, and most tests
    /// make requests faster than CreateKey's 5 a second.
    pub fn with_quotas(mut self) -> Self {
        self.quotas = true;
        self
    }

    /// Sets an environment variable for the server (and for [`TestServer::run_cli`]).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Passes more arguments to `trent serve`.
    pub fn arg(mut self, arg: &str) -> Self {
        self.extra_args.push(arg.to_owned());
        self
    }

    /// Runs the server with `--dev --test-clock`: a clock tests move forward
    /// with [`TestServer::advance_clock`].
    pub fn test_clock(mut self) -> Self {
        self.dev = true;
        self.extra_args.push("--test-clock".into());
        self
    }

    /// Runs the server with `--dev` (signatures not verified).
    pub fn dev(mut self) -> Self {
        self.dev = true;
        self
    }

    /// Chooses the account id created at first start.
    pub fn account_id(mut self, account_id: &str) -> Self {
        self.account_id = Some(account_id.to_owned());
        self
    }

    /// Serves from the store at `url` (`--store`).
    pub fn store(self, url: &str) -> Self {
        self.arg("--store").arg(url)
    }

    /// Another node of `first`'s shared store: the same `--store` (given
    /// with [`Builder::store`]), with a copy of its root key and root
    /// credentials in this node's own data folder.
    pub fn node_of(mut self, first: &TestServer) -> Self {
        for name in ["root-key", "root-credentials"] {
            self.seed_files
                .push((first.data_dir().join(name), name.to_owned()));
        }
        self
    }

    /// Starts the server on a fresh data folder.
    pub fn start(self) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temporary data folder");
        for (from, name) in &self.seed_files {
            let to = data_dir.path().join(name);
            std::fs::copy(from, &to).expect("copying a file into the data folder");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .expect("data folder file mode");
            }
        }
        let mut server = TestServer {
            options: self,
            data_dir,
            child: None,
            endpoint: String::new(),
            admin_endpoint: String::new(),
            account: String::new(),
            clock_offset: Arc::new(AtomicU64::new(0)),
        };
        server.launch();
        server
    }
}

/// A running `trent serve` process and its data folder.
#[derive(Debug)]
pub struct TestServer {
    options: Builder,
    data_dir: tempfile::TempDir,
    child: Option<Child>,
    endpoint: String,
    admin_endpoint: String,
    account: String,
    /// How far the server's test clock has been moved; clients sign with
    /// the system time plus this, as a client of a server that far ahead would.
    clock_offset: Arc<AtomicU64>,
}

/// The system time plus the test clock's offset, for SDK clients.
#[derive(Debug, Clone)]
struct OffsetTime(Arc<AtomicU64>);

impl aws_smithy_async::time::TimeSource for OffsetTime {
    fn now(&self) -> SystemTime {
        #[allow(clippy::disallowed_methods, reason = "clients sign with the real time")]
        let now = SystemTime::now();
        now + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// Root credentials read from the data folder.
#[derive(Debug, Clone)]
pub struct RootCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl TestServer {
    /// A builder for a server running `binary` (use `env!("CARGO_BIN_EXE_trent")`).
    pub fn builder(binary: impl Into<PathBuf>) -> Builder {
        Builder {
            binary: binary.into(),
            dev: false,
            account_id: None,
            extra_args: Vec::new(),
            envs: Vec::new(),
            quotas: false,
            seed_files: Vec::new(),
        }
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.data_dir.path().join("server.log"))
            .expect("server log");
        let mut command = Command::new(&self.options.binary);
        command
            .arg("serve")
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--admin-listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .env("TRENT_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        if self.options.dev {
            command.arg("--dev");
        }
        if let Some(account_id) = &self.options.account_id {
            command.arg("--account-id").arg(account_id);
        }
        if !self.options.quotas {
            command.arg("--quota-scale").arg("0");
        }
        command.args(&self.options.extra_args);
        command.envs(self.options.envs.iter().map(|(k, v)| (k, v)));
        if self
            .options
            .extra_args
            .iter()
            .any(|arg| arg == "--test-clock")
        {
            // A restarted server keeps the time its test clock had reached.
            command
                .arg("--test-clock-offset")
                .arg(self.clock_offset.load(Ordering::SeqCst).to_string());
        }
        let mut child = command.spawn().expect("spawning trent");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut endpoint = None;
        for line in lines.by_ref() {
            let line = line.expect("reading trent output");
            if let Some(account) = line.strip_prefix("trent account ") {
                self.account = account.trim().to_owned();
            }
            if let Some(address) = line.strip_prefix("trent admin listening on ") {
                self.admin_endpoint = format!("http://{}", address.trim());
            }
            if let Some(address) = line.strip_prefix("trent listening on ") {
                endpoint = Some(format!("http://{}", address.trim()));
                break;
            }
        }
        let Some(endpoint) = endpoint else {
            let status = child.wait().ok();
            let log = std::fs::read_to_string(self.data_dir.path().join("server.log"))
                .unwrap_or_default();
            panic!("trent did not start ({status:?}):\n{log}");
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.endpoint = endpoint;
        self.child = Some(child);
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The admin listener's base URL (`/metrics`, `/healthz`, `/readyz`).
    pub fn admin_endpoint(&self) -> &str {
        &self.admin_endpoint
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The account created at first start.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The root credentials the server wrote at first start.
    pub fn root_credentials(&self) -> RootCredentials {
        let text = std::fs::read_to_string(self.data_dir.path().join("root-credentials"))
            .expect("root-credentials");
        let field = |name: &str| {
            text.lines()
                .find_map(|line| {
                    line.strip_prefix(name)?
                        .trim_start()
                        .strip_prefix('=')
                        .map(|v| v.trim().to_owned())
                })
                .expect("credential field")
        };
        RootCredentials {
            access_key_id: field("aws_access_key_id"),
            secret_access_key: field("aws_secret_access_key"),
        }
    }

    /// An SDK client signed with the root credentials, in [`REGION`].
    pub fn client(&self) -> Client {
        let credentials = self.root_credentials();
        self.client_with(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            REGION,
        )
    }

    /// An SDK client with the given credentials and region; retries are off
    /// so that each call is exactly one request.
    pub fn client_with(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        region: &str,
    ) -> Client {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                access_key_id,
                secret_access_key,
                None,
                None,
                "trent-testkit",
            ))
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .time_source(OffsetTime(self.clock_offset.clone()))
            .build();
        Client::from_conf(config)
    }

    /// A KMS client signed with any credentials, temporary ones included.
    pub fn kms_as(&self, credentials: &Identity) -> Client {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(credentials.sdk())
            .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
            .time_source(OffsetTime(self.clock_offset.clone()))
            .build();
        Client::from_conf(config)
    }

    /// An IAM client signed with `credentials` (the root's, by default, with [`TestServer::iam`]).
    pub fn iam_as(&self, credentials: &Identity) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(credentials.sdk())
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled())
            .time_source(OffsetTime(self.clock_offset.clone()))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// An STS client signed with `credentials`.
    pub fn sts_as(&self, credentials: &Identity) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(credentials.sdk())
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .time_source(OffsetTime(self.clock_offset.clone()))
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// The root's credentials as an [`Identity`].
    pub fn root(&self) -> Identity {
        let root = self.root_credentials();
        Identity {
            access_key_id: root.access_key_id,
            secret_access_key: root.secret_access_key,
            session_token: None,
        }
    }

    /// An IAM client signed by the account root.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_as(&self.root())
    }

    /// Creates an IAM user with an access key (as the root) and returns its credentials.
    pub async fn new_user(&self, name: &str) -> Identity {
        let iam = self.iam();
        iam.create_user()
            .user_name(name)
            .send()
            .await
            .expect("CreateUser");
        let key = iam
            .create_access_key()
            .user_name(name)
            .send()
            .await
            .expect("CreateAccessKey");
        let key = key.access_key().expect("an access key");
        Identity {
            access_key_id: key.access_key_id().to_owned(),
            secret_access_key: key.secret_access_key().to_owned(),
            session_token: None,
        }
    }

    /// Kills the server with `SIGKILL`, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server with `SIGTERM` and returns its exit status.
    pub fn terminate(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same data folder (after kill or terminate).
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }

    /// Stops the server cleanly and starts it again with `args` in place
    /// of the extra arguments it was built with.
    pub fn restart_with_args(&mut self, args: &[&str]) {
        self.terminate();
        self.options.extra_args = args.iter().map(|arg| (*arg).to_owned()).collect();
        self.launch();
    }

    /// Moves the server's test clock forward by `seconds` (the server runs
    /// its maintenance at once) and makes this harness's clients sign as of
    /// the new time. Returns the server's answer (`Deleted`, `Rotated`).
    pub async fn advance_clock(&self, seconds: u64) -> serde_json::Value {
        let mut request = RawRequest::kms(
            "AdvanceClock",
            &serde_json::json!({ "Seconds": seconds }).to_string(),
        );
        request.target = Some("TrentAdmin.AdvanceClock".into());
        request.time += Duration::from_secs(self.clock_offset.load(Ordering::SeqCst));
        let response = request.send(self, &self.root_credentials()).await;
        assert_eq!(
            response.status,
            200,
            "AdvanceClock failed: {}",
            String::from_utf8_lossy(&response.body)
        );
        self.clock_offset.fetch_add(seconds, Ordering::SeqCst);
        response.json()
    }

    /// Moves the test clock forward while the server is stopped: it will
    /// start that much later, as a server down for that long would.
    pub fn advance_clock_offline(&self, seconds: u64) {
        self.clock_offset.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Stops the server cleanly, runs `offline` on its data folder (for
    /// `trent admin`), and starts it again.
    pub fn while_stopped<R>(&mut self, offline: impl FnOnce(&Path) -> R) -> R {
        self.terminate();
        let result = offline(self.data_dir.path());
        self.launch();
        result
    }

    /// Runs the `trent` binary with `args` and returns its standard output;
    /// panics if it fails.
    pub fn run_cli(&self, args: &[&str]) -> String {
        let output = Command::new(&self.options.binary)
            .args(args)
            .envs(self.options.envs.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("running trent");
        assert!(
            output.status.success(),
            "trent {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A hand-made request to the server, signed with SigV4 by the official
/// `aws-sigv4` crate unless told otherwise.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The `X-Amz-Target` header, if any.
    pub target: Option<String>,
    /// The body.
    pub body: Vec<u8>,
    /// Extra headers, sent unsigned after signing unless `sign_extra` is set.
    pub headers: Vec<(String, String)>,
    /// The service name in the credential scope.
    pub service: String,
    /// The region in the credential scope.
    pub region: String,
    /// The signing time.
    pub time: SystemTime,
    /// Whether to sign at all.
    pub sign: bool,
    /// A body sent in place of `body` after signing (to test tampering).
    pub sent_body: Option<Vec<u8>>,
    /// Presign for this long: the signature goes in the query string
    /// (`X-Amz-Signature` and its companions) instead of `Authorization`.
    pub presign: Option<Duration>,
    /// Query parameters set after signing, replacing any of the same name.
    pub query_overrides: Vec<(String, String)>,
}

/// A raw HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl RawRequest {
    /// A signed KMS request for `operation` with `body`, at the current time.
    pub fn kms(operation: &str, body: &str) -> Self {
        Self {
            target: Some(format!("TrentService.{operation}")),
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
            service: "kms".into(),
            region: REGION.into(),
            #[allow(clippy::disallowed_methods, reason = "tests sign with the real time")]
            time: SystemTime::now(),
            sign: true,
            sent_body: None,
            presign: None,
            query_overrides: Vec::new(),
        }
    }

    /// The same request, presigned for `expires` (query-string authentication).
    pub fn presigned(mut self, expires: Duration) -> Self {
        self.presign = Some(expires);
        self
    }

    /// Sends the request to `server`, signed with `credentials`.
    pub async fn send(&self, server: &TestServer, credentials: &RootCredentials) -> RawResponse {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = server.endpoint.trim_start_matches("http://").to_owned();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), address.clone()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
        ];
        if let Some(target) = &self.target {
            headers.push(("x-amz-target".into(), target.clone()));
        }
        let mut query: Vec<(String, String)> = Vec::new();
        if self.sign {
            let identity = Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.clone(),
                None,
                None,
                "raw",
            )
            .into();
            let mut settings = aws_sigv4::http_request::SigningSettings::default();
            if let Some(expires) = self.presign {
                settings.signature_location =
                    aws_sigv4::http_request::SignatureLocation::QueryParams;
                settings.expires_in = Some(expires);
            }
            let params = aws_sigv4::sign::v4::SigningParams::builder()
                .identity(&identity)
                .region(&self.region)
                .name(&self.service)
                .time(self.time)
                .settings(settings)
                .build()
                .expect("signing params")
                .into();
            let signable = aws_sigv4::http_request::SignableRequest::new(
                "POST",
                format!("http://{address}/"),
                headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                aws_sigv4::http_request::SignableBody::Bytes(&self.body),
            )
            .expect("signable request");
            let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
                .expect("signing")
                .into_parts();
            for (name, value) in instructions.headers() {
                headers.push((name.to_owned(), value.to_owned()));
            }
            for (name, value) in instructions.params() {
                query.push(((*name).to_owned(), value.to_string()));
            }
        }
        for (name, value) in &self.query_overrides {
            query.retain(|(existing, _)| existing != name);
            query.push((name.clone(), value.clone()));
        }
        headers.extend(self.headers.iter().cloned());
        let body = self.sent_body.as_ref().unwrap_or(&self.body);
        let target = if query.is_empty() {
            "/".to_owned()
        } else {
            let pairs: Vec<String> = query
                .iter()
                .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
                .collect();
            format!("/?{}", pairs.join("&"))
        };
        let mut request = format!(
            "POST {target} HTTP/1.1\r\ncontent-length: {}\r\nconnection: close\r\n",
            body.len()
        );
        for (name, value) in &headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        stream
            .write_all(request.as_bytes())
            .await
            .expect("write head");
        // A server may refuse an oversized body before reading it all.
        let _ = stream.write_all(body).await;
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        parse_response(&raw)
    }
}

/// SigV4's percent-encoding: everything but `A-Za-z0-9-_.~`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn parse_response(raw: &[u8]) -> RawResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..(start + size).min(data.len())]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    out
}

/// A new, empty PostgreSQL database on the server `TRENT_TEST_POSTGRES`
/// names (a URL whose user may create databases), as a URL; dropped when
/// the value drops. `None` when the variable is unset (the caller skips,
/// saying so), except under CI, where that is a failure.
pub fn postgres_database() -> Option<PostgresDatabase> {
    let Ok(server) = std::env::var("TRENT_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set TRENT_TEST_POSTGRES to a PostgreSQL server URL (.ci/postgres start)"
        );
        eprintln!("skipped: TRENT_TEST_POSTGRES is not set (no PostgreSQL server to test on)");
        return None;
    };
    let name = format!("trent_e2e_{:016x}", rand_u64());
    psql(&server, &format!("CREATE DATABASE {name}"));
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server.as_str(), String::new()),
    };
    let base = base.rsplit_once('/').map_or(base, |(left, _)| left);
    Some(PostgresDatabase {
        server: server.clone(),
        url: format!("{base}/{name}{query}"),
        name,
    })
}

/// A database made by [`postgres_database`].
#[derive(Debug)]
pub struct PostgresDatabase {
    server: String,
    /// Its URL.
    pub url: String,
    name: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.server)
            .arg("-qc")
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Runs one SQL command with `psql` on the database at `url`, panicking on failure.
pub fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .arg(url)
        .arg("-XAtqc")
        .arg(sql)
        .output()
        .expect("running psql (apt-get install postgresql-client)");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    // Each RandomState is seeded from the process's random keys.
    hasher.write_u32(std::process::id());
    hasher.finish()
}
