//! The wire protocol and SigV4 as seen on the socket: error shapes, limits,
//! and every way a signature can be wrong.

use std::time::Duration;

use trent_testkit::{RawRequest, RawResponse, RootCredentials, TestServer};

use crate::server;

fn assert_aws_error(response: &RawResponse, status: u16, type_name: &str) -> String {
    assert_eq!(
        response.status,
        status,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert!(response
        .header("x-amzn-requestid")
        .is_some_and(|id| id.len() == 36));
    let body = response.json();
    assert_eq!(body["__type"], type_name, "{body}");
    body["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn protocol_errors_have_aws_shapes() {
    let server = server();
    let credentials = server.root_credentials();

    let response = RawRequest::kms("NoSuchThing", "{}")
        .send(&server, &credentials)
        .await;
    assert_aws_error(&response, 400, "UnknownOperationException");

    let mut no_target = RawRequest::kms("ListKeys", "{}");
    no_target.target = None;
    assert_aws_error(
        &no_target.send(&server, &credentials).await,
        400,
        "UnknownOperationException",
    );

    let response = RawRequest::kms("DescribeKey", "{\"KeyId\": ")
        .send(&server, &credentials)
        .await;
    assert_aws_error(&response, 400, "SerializationException");

    let response = RawRequest::kms("DescribeKey", "{\"KeyId\": 42}")
        .send(&server, &credentials)
        .await;
    assert_aws_error(&response, 400, "SerializationException");

    let response = RawRequest::kms("Encrypt", "{\"KeyId\": \"k\", \"Plaintext\": \"***\"}")
        .send(&server, &credentials)
        .await;
    assert_aws_error(&response, 400, "SerializationException");

    let response = RawRequest::kms("DescribeKey", "{}")
        .send(&server, &credentials)
        .await;
    let message = assert_aws_error(&response, 400, "ValidationException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"
    );

    let response = RawRequest::kms("Encrypt", "{}")
        .send(&server, &credentials)
        .await;
    let message = assert_aws_error(&response, 400, "ValidationException");
    assert!(
        message.starts_with("2 validation errors detected"),
        "{message}"
    );

    let response = RawRequest::kms("ListKeys", "{}")
        .send(&server, &credentials)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["Truncated"], false);
    assert!(response.header("x-amzn-requestid").is_some());
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_parsing() {
    let server = server();
    let credentials = server.root_credentials();
    let body = format!("{{\"Policy\": \"{}\"}}", "a".repeat(400 * 1024));
    let response = RawRequest::kms("CreateKey", &body)
        .send(&server, &credentials)
        .await;
    assert_aws_error(&response, 413, "RequestEntityTooLargeException");
}

#[tokio::test]
async fn requests_without_valid_authentication_are_refused() {
    let server = server();
    let credentials = server.root_credentials();

    let mut unsigned = RawRequest::kms("ListKeys", "{}");
    unsigned.sign = false;
    assert_aws_error(
        &unsigned.send(&server, &credentials).await,
        400,
        "MissingAuthenticationTokenException",
    );

    let unknown = RootCredentials {
        access_key_id: "AKIAUNKNOWNUNKNOWN00".into(),
        secret_access_key: credentials.secret_access_key.clone(),
    };
    let response = RawRequest::kms("ListKeys", "{}")
        .send(&server, &unknown)
        .await;
    assert_aws_error(&response, 400, "UnrecognizedClientException");

    let wrong_secret = RootCredentials {
        access_key_id: credentials.access_key_id.clone(),
        secret_access_key: "x".repeat(40),
    };
    let response = RawRequest::kms("ListKeys", "{}")
        .send(&server, &wrong_secret)
        .await;
    let message = assert_aws_error(&response, 400, "InvalidSignatureException");
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );

    let mut expired = RawRequest::kms("ListKeys", "{}");
    expired.time -= Duration::from_secs(6 * 60);
    let message = assert_aws_error(
        &expired.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );
    assert!(message.starts_with("Signature expired:"), "{message}");

    let mut future = RawRequest::kms("ListKeys", "{}");
    future.time += Duration::from_secs(6 * 60);
    let message = assert_aws_error(
        &future.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );
    assert!(
        message.starts_with("Signature not yet current:"),
        "{message}"
    );

    let mut other_service = RawRequest::kms("ListKeys", "{}");
    other_service.service = "s3".into();
    let message = assert_aws_error(
        &other_service.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );
    assert!(message.contains("'kms'"), "{message}");

    let mut bad_region = RawRequest::kms("ListKeys", "{}");
    bad_region.region = "Not_A_Region".into();
    assert_aws_error(
        &bad_region.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );
}

#[tokio::test]
async fn tampered_requests_fail_signature_checks() {
    let server = server();
    let credentials = server.root_credentials();

    let mut body = RawRequest::kms("ListKeys", "{\"Limit\": 5}");
    body.sent_body = Some(b"{\"Limit\": 6}".to_vec());
    assert_aws_error(
        &body.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );

    // X-Amz-Target is signed: a request signed for ListKeys cannot be replayed as CreateKey.
    let mut header = RawRequest::kms("ListKeys", "{}");
    header
        .headers
        .push(("x-amz-target".into(), "TrentService.CreateKey".into()));
    assert_aws_error(
        &header.send(&server, &credentials).await,
        400,
        "InvalidSignatureException",
    );

    // Signed without X-Amz-Target, the operation is chosen after signing:
    // refused whatever it names, as every x-amz-* header present must be
    // signed (a captured request could otherwise be replayed as any
    // operation taking the same body).
    let mut unsigned_target = RawRequest::kms("ListKeys", "{}");
    unsigned_target.target = None;
    unsigned_target
        .headers
        .push(("x-amz-target".into(), "TrentService.CreateKey".into()));
    let message = assert_aws_error(
        &unsigned_target.send(&server, &credentials).await,
        400,
        "IncompleteSignatureException",
    );
    assert_eq!(
        message,
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization."
    );

    let mut hashed = RawRequest::kms("ListKeys", "{}");
    hashed
        .headers
        .push(("x-amz-content-sha256".into(), "0".repeat(64)));
    let message = assert_aws_error(
        &hashed.send(&server, &credentials).await,
        400,
        "IncompleteSignatureException",
    );
    assert_eq!(
        message,
        "'X-Amz-Content-Sha256' must be a 'SignedHeader' in the AWS Authorization."
    );

    assert!(
        server
            .client()
            .list_keys()
            .send()
            .await
            .unwrap()
            .keys()
            .is_empty(),
        "no key may have been created"
    );
}

#[tokio::test]
async fn non_post_requests_get_json_errors() {
    let server = server();
    let address = server.endpoint().trim_start_matches("http://").to_owned();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!("GET /index.html HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("UnknownOperationException"), "{text}");
    assert!(!text.to_lowercase().contains("<html"), "{text}");
}

#[tokio::test]
async fn dev_mode_accepts_any_secret_and_names_the_account_by_key_id() {
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .dev()
        .start();
    assert!(server.log().contains("WARNING") || server.log().contains("development mode"));
    let client = server.client_with("111122223333", "anything", "us-east-1");
    let key = client.create_key().send().await.unwrap();
    assert_eq!(
        key.key_metadata().unwrap().aws_account_id(),
        Some("111122223333")
    );
    let other = server.client_with("AKIAWHATEVER", "whatever", "us-east-1");
    let key = other.create_key().send().await.unwrap();
    assert_eq!(
        key.key_metadata().unwrap().aws_account_id(),
        Some("000000000000")
    );
    // Accounts are separate.
    assert_eq!(client.list_keys().send().await.unwrap().keys().len(), 1);
    // Unsigned requests are still refused.
    let mut unsigned = RawRequest::kms("ListKeys", "{}");
    unsigned.sign = false;
    let response = unsigned.send(&server, &server.root_credentials()).await;
    assert_eq!(
        response.json()["__type"],
        "MissingAuthenticationTokenException"
    );
}

#[tokio::test]
async fn a_client_too_slow_to_send_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = TestServer::builder(env!("CARGO_BIN_EXE_trent"))
        .arg("--header-timeout")
        .arg("1")
        .start();
    let address = server.endpoint().trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 256];
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match slow.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "a connection that never finished its headers stayed open"
    );
    // The server still serves everyone else.
    assert!(server.client().list_keys().send().await.is_ok());
}
