//! The generator's requests: credentials, the SigV4 signer (the official
//! `aws-sigv4` crate, a signer independent of the server's verifier), and
//! plain TCP or TLS connections, and reading a response off a keep-alive
//! connection.

use std::net::SocketAddr;
use std::path::Path;
use std::time::SystemTime;

use anyhow::{bail, Context};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// An access key, from a shared-credentials file (profile `default`).
pub(crate) struct Credentials {
    access_key_id: String,
    secret_access_key: String,
}

/// Reads `aws_access_key_id` and `aws_secret_access_key` from a
/// shared-credentials file.
pub(crate) fn read_credentials(path: &Path) -> anyhow::Result<Credentials> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let field = |name: &str| -> anyhow::Result<String> {
        text.lines()
            .find_map(|line| {
                let (key, value) = line.split_once('=')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
            .with_context(|| format!("{name} missing from {}", path.display()))
    };
    Ok(Credentials {
        access_key_id: field("aws_access_key_id")?,
        secret_access_key: field("aws_secret_access_key")?,
    })
}

/// How connections reach a server: plain TCP, or TLS trusting a CA bundle.
#[derive(Clone)]
pub(crate) enum Transport {
    Plain,
    Tls(tokio_rustls::TlsConnector),
}

/// An open connection, with TCP_NODELAY, its TLS handshake done.
pub(crate) enum Connection {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Transport {
    pub(crate) async fn connect(&self, address: SocketAddr) -> anyhow::Result<Connection> {
        let stream = TcpStream::connect(address)
            .await
            .with_context(|| format!("connecting to {address}"))?;
        stream.set_nodelay(true)?;
        Ok(match self {
            Transport::Plain => Connection::Plain(stream),
            Transport::Tls(connector) => Connection::Tls(Box::new(
                connector
                    .connect(crate::tls::server_name(address), stream)
                    .await
                    .with_context(|| format!("TLS handshake with {address}"))?,
            )),
        })
    }
}

/// Signs requests for one server as one caller.
pub(crate) struct Signer {
    pub(crate) address: SocketAddr,
    pub(crate) transport: Transport,
    pub(crate) region: String,
    pub(crate) credentials: Credentials,
}

impl Signer {
    /// A complete HTTP/1.1 request, signed now, for replay on keep-alive connections.
    pub(crate) fn prepare(
        &self,
        operation: &str,
        body: &serde_json::Value,
        expect: &'static str,
    ) -> anyhow::Result<Prepared> {
        let body = serde_json::to_vec(body)?;
        let host = self.address.to_string();
        // `TrentAdmin.ExplainDecision` and the like are sent as given.
        let target = if operation.contains('.') {
            operation.to_owned()
        } else {
            format!("TrentService.{operation}")
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host.clone()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), target),
        ];
        let identity = aws_credential_types::Credentials::new(
            &self.credentials.access_key_id,
            &self.credentials.secret_access_key,
            None,
            None,
            "trent-bench",
        )
        .into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("kms")
            .time(signing_time())
            .settings(aws_sigv4::http_request::SigningSettings::default())
            .build()?
            .into();
        let signable = aws_sigv4::http_request::SignableRequest::new(
            "POST",
            format!("http://{host}/"),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            aws_sigv4::http_request::SignableBody::Bytes(&body),
        )?;
        let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)?.into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_owned(), value.to_owned()));
        }
        let mut bytes =
            format!("POST / HTTP/1.1\r\ncontent-length: {}\r\n", body.len()).into_bytes();
        for (name, value) in headers {
            bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&body);
        Ok(Prepared { bytes, expect })
    }

    /// One signed call on a fresh connection, for setup.
    pub(crate) async fn call(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let prepared = self.prepare(operation, &body, "")?;
        let mut buffer = Vec::new();
        match self.transport.connect(self.address).await? {
            Connection::Plain(mut stream) => {
                exchange(&mut stream, &prepared.bytes, &mut buffer, "").await?
            }
            Connection::Tls(mut stream) => {
                exchange(&mut *stream, &prepared.bytes, &mut buffer, "").await?
            }
        };
        let head_end = buffer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + 4)
            .unwrap_or(0);
        let value: serde_json::Value =
            serde_json::from_slice(&buffer[head_end..]).context("response body")?;
        if let Some(error) = value.get("__type") {
            bail!("{operation} failed: {error} {}", value["message"]);
        }
        Ok(value)
    }
}

/// A pre-signed request and the member its response must contain.
#[derive(Clone)]
pub(crate) struct Prepared {
    pub(crate) bytes: Vec<u8>,
    pub(crate) expect: &'static str,
}

/// Writes one request and reads its response (see [`read_response`]).
pub(crate) async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    request: &[u8],
    buffer: &mut Vec<u8>,
    expect: &str,
) -> anyhow::Result<bool> {
    stream.write_all(request).await?;
    read_response(stream, buffer, expect).await
}

/// Reads one HTTP/1.1 response with a Content-Length; true when it is a 200
/// whose body contains `"expect"`.
async fn read_response<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    expect: &str,
) -> anyhow::Result<bool> {
    buffer.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("connection closed by the server");
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).context("response head")?;
    let ok_status = head.starts_with("HTTP/1.1 200");
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .context("response without content-length")?;
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("connection closed mid-body");
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = &buffer[head_end..head_end + length];
    if expect.is_empty() {
        return Ok(ok_status);
    }
    let needle = format!("\"{expect}\"");
    Ok(ok_status && body.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

/// The load generator signs with the machine's real time, as any client does.
#[allow(
    clippy::disallowed_methods,
    reason = "a client signs with the wall clock"
)]
fn signing_time() -> SystemTime {
    SystemTime::now()
}
