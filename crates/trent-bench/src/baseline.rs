//! The reference server of `--baseline`: a minimal hyper server answering
//! every request with a fixed Encrypt-sized response, run as a child process
//! (`trent-bench baseline`) so that its CPU time is measured apart.

use std::net::SocketAddr;

use anyhow::Context;

/// The reference server, running: this same binary as `trent-bench baseline`.
pub(crate) struct Baseline {
    child: std::process::Child,
    pub(crate) address: SocketAddr,
    pub(crate) pid: u32,
}

impl Baseline {
    /// Starts the reference server and waits for its address.
    pub(crate) async fn start() -> anyhow::Result<Self> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .arg("baseline")
            .stdout(std::process::Stdio::piped())
            .spawn()?;
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
        })
    }
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the reference server (the hidden `baseline` subcommand).
pub(crate) fn serve() -> anyhow::Result<()> {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let body = Bytes::from(format!(
        "{{\"CiphertextBlob\":\"{}\",\"EncryptionAlgorithm\":\"SYMMETRIC_DEFAULT\",\"KeyId\":\"arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000\"}}",
        "A".repeat(108)
    ));
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
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
