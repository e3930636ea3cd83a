//! The reference server of `--baseline`: a minimal hyper server answering
//! every request with a fixed Encrypt-sized response, run as a child process
//! (`trent-bench baseline`) so that its CPU time is measured apart. Against
//! an `https://` endpoint it serves TLS as the server does (`baseline --tls`,
//! a throwaway certificate passed on its stdin), so the ratio compares TLS
//! with TLS.

use std::net::SocketAddr;

use anyhow::Context;

use crate::client::Transport;

/// The reference server, running: this same binary as `trent-bench baseline`.
pub(crate) struct Baseline {
    child: std::process::Child,
    pub(crate) address: SocketAddr,
    pub(crate) pid: u32,
    /// How to reach it: over TLS, trusting its throwaway CA.
    pub(crate) transport: Transport,
}

impl Baseline {
    /// Starts the reference server and waits for its address.
    pub(crate) async fn start(tls: bool) -> anyhow::Result<Self> {
        use std::io::{BufRead, Write};
        let mut command = std::process::Command::new(std::env::current_exe()?);
        command.arg("baseline").stdout(std::process::Stdio::piped());
        if tls {
            command.arg("--tls").stdin(std::process::Stdio::piped());
        }
        let mut child = command.spawn()?;
        let transport = if tls {
            let issued = crate::tls::issue()?;
            let mut stdin = child.stdin.take().context("baseline stdin")?;
            stdin.write_all(issued.cert_pem.as_bytes())?;
            stdin.write_all(issued.key_pem.as_bytes())?;
            drop(stdin);
            Transport::Tls(crate::tls::connector(issued.ca_pem.as_bytes())?)
        } else {
            Transport::Plain
        };
        let stdout = child.stdout.take().context("baseline stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let address = line
            .trim()
            .strip_prefix("baseline listening on ")
            .context("baseline start")?
            .parse()?;
        let pid = child.id();
        Ok(Self {
            child,
            address,
            pid,
            transport,
        })
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the reference server (the hidden `baseline` subcommand); with
/// `tls`, the certificate and key (PEM) are read from stdin.
pub(crate) fn serve(tls: bool) -> anyhow::Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let body = Bytes::from(format!(
        "{{\"CiphertextBlob\":\"{}\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"KeyId\":\"arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000\"}}",
        "A".repeat(108)
    ));
    let acceptor = if tls {
        use std::io::Read;
        let mut pem = Vec::new();
        std::io::stdin().read_to_end(&mut pem)?;
        Some(crate::tls::acceptor(&pem, &pem)?)
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("baseline listening on {}", listener.local_addr()?);
        use std::io::Write;
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            let body = body.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let body = body.clone();
                    async move {
                        let mut response = hyper::Response::new(Full::new(body));
                        response.headers_mut().insert(
                            "content-type",
                            http::HeaderValue::from_static("application/x-amz-json-1.1"),
                        );
                        response.headers_mut().insert(
                            "x-amzn-requestid",
                            http::HeaderValue::from_static("00000000-0000-4000-8000-000000000000"),
                        );
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
                let http = hyper::server::conn::http1::Builder::new();
                match acceptor {
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                    Some(acceptor) => {
                        let Ok(stream) = acceptor.accept(stream).await else {
                            return;
                        };
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    })
}
