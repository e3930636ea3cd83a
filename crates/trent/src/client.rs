//! Trent's own client, for `trent explain`: one AWS JSON request to a running
//! server, signed (`trent_sigv4::sign`) with the caller's shared-credentials
//! file, on a connection of its own.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use zeroize::Zeroizing;

/// An access key, from a shared-credentials file (profile `default`).
pub(crate) struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
}

/// Reads `aws_access_key_id` and `aws_secret_access_key` from a
/// shared-credentials file.
pub(crate) fn read_credentials(path: &Path) -> anyhow::Result<Credentials> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    );
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
        secret_access_key: Zeroizing::new(field("aws_secret_access_key")?),
    })
}

/// A server, and who calls it.
pub(crate) struct Client {
    pub(crate) address: SocketAddr,
    pub(crate) region: String,
    pub(crate) credentials: Credentials,
}

impl Client {
    /// Sends one signed request (`Encrypt` for `TrentService.Encrypt`;
    /// `TrentAdmin.ExplainDecision` and the like as given) and returns the
    /// JSON answer, or the error it names.
    pub(crate) fn call(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let request = self.request(operation, body, unix_now())?;
        let mut stream = TcpStream::connect(self.address)
            .with_context(|| format!("connecting to {}", self.address))?;
        stream.write_all(&request)?;
        let body = read_body(&mut stream)?;
        let value: serde_json::Value = serde_json::from_slice(&body).context("response body")?;
        if let Some(error) = value.get("__type") {
            bail!("{operation} failed: {error} {}", value["message"]);
        }
        Ok(value)
    }

    /// The complete HTTP/1.1 request, signed at `now` (Unix seconds).
    fn request(
        &self,
        operation: &str,
        body: &serde_json::Value,
        now: i64,
    ) -> anyhow::Result<Vec<u8>> {
        let body = serde_json::to_vec(body)?;
        let host = self.address.to_string();
        let target = if operation.contains('.') {
            operation.to_owned()
        } else {
            format!("TrentService.{operation}")
        };
        let headers: [(&str, &[u8]); 3] = [
            ("host", host.as_bytes()),
            ("content-type", b"application/x-amz-json-1.1"),
            ("x-amz-target", target.as_bytes()),
        ];
        let request = trent_sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: &body,
        };
        let signature = trent_sigv4::sign(
            &request,
            &self.credentials.access_key_id,
            &self.credentials.secret_access_key,
            &self.region,
            "kms",
            now,
        )
        .context("signing the request")?;
        let mut bytes =
            format!("POST / HTTP/1.1\r\ncontent-length: {}\r\n", body.len()).into_bytes();
        let signed = [
            ("x-amz-date", signature.amz_date.as_bytes()),
            ("authorization", signature.authorization.as_bytes()),
        ];
        for (name, value) in headers.iter().chain(&signed) {
            bytes.extend_from_slice(name.as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&body);
        Ok(bytes)
    }
}

/// A client signs with the machine's real time, as any client does.
#[allow(
    clippy::disallowed_methods,
    reason = "a client signs with the wall clock"
)]
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// Reads one HTTP/1.1 response with a Content-Length and returns its body.
fn read_body(stream: &mut impl Read) -> anyhow::Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break position + 4;
        }
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            bail!("connection closed by the server");
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).context("response head")?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .context("response without content-length")?;
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            bail!("connection closed mid-body");
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    buffer.truncate(head_end + length);
    Ok(buffer.split_off(head_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    /// The request on the wire verifies as the server verifies it.
    #[test]
    fn the_request_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(
            &path,
            "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t\n",
        )
        .unwrap();
        let client = Client {
            address: "127.0.0.1:7979".parse().unwrap(),
            region: "eu-west-1".into(),
            credentials: read_credentials(&path).unwrap(),
        };
        let bytes = client
            .request("DescribeKey", &serde_json::json!({"KeyId": "alias/a"}), NOW)
            .unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(body, r#"{"KeyId":"alias/a"}"#);
        let headers: Vec<(&str, &[u8])> = head
            .lines()
            .skip(1)
            .map(|line| {
                let (name, value) = line.split_once(": ").unwrap();
                (name, value.as_bytes())
            })
            .collect();
        assert!(headers.contains(&("x-amz-target", &b"TrentService.DescribeKey"[..])));
        let request = trent_sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        };
        let settings = trent_sigv4::Settings {
            service: "kms",
            normalize_path: true,
            check_skew: true,
        };
        let parsed = trent_sigv4::parse(&request, &settings, NOW).unwrap();
        assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
        assert_eq!(parsed.region, "eu-west-1");
        parsed.verify("s3cr3t").unwrap();
    }

    #[test]
    fn a_response_body_is_read_to_its_length() {
        let mut response = &b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing"[..];
        assert_eq!(read_body(&mut response).unwrap(), b"{}");
        let mut cut = &b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{}"[..];
        assert!(read_body(&mut cut).is_err());
    }
}
