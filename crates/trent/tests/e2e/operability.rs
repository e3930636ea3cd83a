//! The admin listener: Prometheus metrics scraped over HTTP and parsed,
//! liveness and readiness, and nothing of it on the API port.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{blob, create_key, expect_error, server};

/// A plain HTTP GET; returns the status code and the body.
pub(crate) async fn get(base: &str, path: &str) -> (u16, String) {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    // Chunked bodies: keep the payload lines, drop the size lines.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    (status, body)
}

/// The value of the sample `name{labels}` in a text exposition.
pub(crate) fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(' ')?;
        (name == series).then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let server = server();
    let client = server.client();
    let key_id = create_key(&client).await;
    for _ in 0..3 {
        client
            .encrypt()
            .key_id(&key_id)
            .plaintext(blob(b"x"))
            .send()
            .await
            .unwrap();
    }
    expect_error(
        client.describe_key().key_id("alias/missing").send().await,
        "NotFoundException",
    );
    expect_error(
        server.iam().get_user().user_name("nobody").send().await,
        "NoSuchEntity",
    );
    client.disable_key().key_id(&key_id).send().await.unwrap();

    let (status, metrics) = get(server.admin_endpoint(), "/metrics").await;
    assert_eq!(status, 200);
    let value = |series: &str| {
        sample(&metrics, series).unwrap_or_else(|| panic!("{series} missing:\n{metrics}"))
    };
    assert_eq!(
        value(r#"trent_requests_total{operation="Encrypt",outcome="ok"}"#),
        3.0
    );
    assert_eq!(
        value(r#"trent_requests_total{operation="CreateKey",outcome="ok"}"#),
        1.0
    );
    assert_eq!(
        value(r#"trent_requests_total{operation="DescribeKey",outcome="NotFoundException"}"#),
        1.0
    );
    assert_eq!(
        value(r#"trent_requests_total{operation="GetUser",outcome="NoSuchEntity"}"#),
        1.0
    );
    assert_eq!(
        value(r#"trent_request_duration_seconds_count{operation="Encrypt"}"#),
        3.0
    );
    assert!(value(r#"trent_request_duration_seconds_sum{operation="Encrypt"}"#) > 0.0);
    assert_eq!(value(r#"trent_keys{state="Disabled"}"#), 1.0);
    assert!(
        value("trent_audit_write_duration_seconds_count") >= 7.0,
        "every request audited"
    );
    assert_eq!(value("trent_audit_write_failures_total"), 0.0);
    // One request at a time: each event is a batch of its own (the start's
    // configuration event is one more).
    let events = value("trent_audit_write_duration_seconds_count");
    let syncs = value("trent_audit_syncs_total");
    assert!(
        events <= syncs && syncs <= events + 1.0,
        "{syncs} syncs for {events} events"
    );
    // Store calls are timed by method: the key's creation was one insert
    // (plus, at most, the server's own start-up work), its disabling one update.
    assert!(
        value(r#"trent_store_operation_duration_seconds_count{operation="insert_key"}"#) >= 1.0
    );
    assert_eq!(
        value(r#"trent_store_operation_duration_seconds_count{operation="update_key"}"#),
        1.0
    );
    assert!(value(r#"trent_store_operation_duration_seconds_sum{operation="update_key"}"#) > 0.0);
    assert!(
        metrics.trim_end().ends_with("# EOF"),
        "OpenMetrics text ends with # EOF"
    );

    assert_eq!(get(server.admin_endpoint(), "/healthz").await.0, 200);
    let (status, body) = get(server.admin_endpoint(), "/readyz").await;
    assert_eq!((status, body.trim()), (200, "ready"));
    // The API port serves none of it.
    let (status, body) = get(server.endpoint(), "/metrics").await;
    assert_ne!(status, 200);
    assert!(!body.contains("trent_requests_total"));
}
