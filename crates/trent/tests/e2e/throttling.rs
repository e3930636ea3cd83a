//! Throttling and overload against a running server: AWS's request-rate
//! quotas (per operation, shared per key family), what the SDK's standard
//! retry mode makes of them, admission control, the body timeout and the
//! per-address connection cap.

use std::time::{Duration, Instant};

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trent_testkit::{RawRequest, RawResponse, TestServer};

use crate::operability::get;

fn start(args: &[&str]) -> TestServer {
    let mut builder = TestServer::builder(env!("CARGO_BIN_EXE_trent")).with_quotas();
    for arg in args {
        builder = builder.arg(arg);
    }
    builder.start()
}

fn kind(response: &RawResponse) -> String {
    response.json()["__type"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn beyond_createkeys_quota_requests_are_throttled_as_aws_throttles() {
    // The defaults: CreateKey 5 a second.
    let server = start(&[]);
    let credentials = server.root_credentials();
    let started = Instant::now();
    let mut served = 0;
    let mut throttled = None;
    for _ in 0..12 {
        let response = RawRequest::kms("CreateKey", "{}")
            .send(&server, &credentials)
            .await;
        match response.status {
            200 => served += 1,
            _ => {
                throttled.get_or_insert(response);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let throttled = throttled.expect("12 CreateKey in a burst: some throttled");
    assert_eq!(throttled.status, 400);
    assert_eq!(kind(&throttled), "ThrottlingException");
    assert_eq!(
        throttled.json()["message"],
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
    );
    // One second's worth at once, then 5 a second.
    assert!(served >= 5, "{served} served");
    assert!(
        f64::from(served) <= 5.0 + 5.0 * elapsed + 1.0,
        "{served} served in {elapsed:.2} s"
    );
    // Other quotas are independent: ListKeys (100 a second) is served.
    let list = RawRequest::kms("ListKeys", "{}")
        .send(&server, &credentials)
        .await;
    assert_eq!(list.status, 200);

    // Throttled requests are counted by operation, account and reason.
    let (_, metrics) = get(server.admin_endpoint(), "/metrics").await;
    let series = format!(
        "trent_throttled_requests_total{{operation=\"CreateKey\",account=\"{}\",reason=\"quota\"}}",
        server.account()
    );
    let count: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} missing from\n{metrics}"));
    assert_eq!(count, f64::from(12 - served));
}

#[tokio::test]
async fn the_sdks_standard_retry_mode_rides_through_throttling() {
    let server = start(&[]);
    let credentials = server.root_credentials();
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(server.endpoint())
        .credentials_provider(Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
            None,
            None,
            "test",
        ))
        .retry_config(aws_sdk_kms::config::retry::RetryConfig::standard().with_max_attempts(10))
        .build();
    let client = aws_sdk_kms::Client::from_conf(config);
    // Twice the one-second burst: every call succeeds, some after a retry.
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let client = client.clone();
        calls.spawn(async move { client.create_key().send().await });
    }
    while let Some(call) = calls.join_next().await {
        call.unwrap().expect("retried until served");
    }
    let listed = client.list_keys().send().await.unwrap();
    assert_eq!(listed.keys().len(), 10);
}

#[tokio::test]
async fn cryptographic_operations_share_one_quota_per_key_family() {
    let server = start(&["--quota", "cryptographic-symmetric=20,cryptographic-rsa=0"]);
    let client = server.client();
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    let rsa = client
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Rsa2048)
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let rsa_id = rsa.key_metadata().unwrap().key_id().to_owned();
    // Encrypt and Decrypt draw on the same 20 a second.
    let mut served = 0;
    let mut throttled = 0;
    let started = Instant::now();
    for _ in 0..20 {
        match client
            .encrypt()
            .key_id(&key_id)
            .plaintext(aws_sdk_kms::primitives::Blob::new("x"))
            .send()
            .await
        {
            Ok(encrypted) => {
                served += 1;
                match client
                    .decrypt()
                    .ciphertext_blob(encrypted.ciphertext_blob().unwrap().clone())
                    .send()
                    .await
                {
                    Ok(_) => served += 1,
                    Err(error) => {
                        assert_eq!(
                            error.into_service_error().meta().code(),
                            Some("ThrottlingException")
                        );
                        throttled += 1;
                    }
                }
            }
            Err(error) => {
                assert_eq!(
                    error.into_service_error().meta().code(),
                    Some("ThrottlingException")
                );
                throttled += 1;
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert!(throttled > 0, "{served} served, none throttled");
    assert!(
        f64::from(served) <= 20.0 + 20.0 * elapsed + 1.0,
        "{served} in {elapsed:.2} s"
    );
    // The RSA family's quota is lifted (0): signing goes on while the
    // symmetric one is spent.
    for _ in 0..30 {
        client
            .sign()
            .key_id(&rsa_id)
            .message(aws_sdk_kms::primitives::Blob::new("m"))
            .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::RsassaPssSha256)
            .send()
            .await
            .expect("RSA quota lifted");
    }
    // Management operations are not counted against cryptography.
    client.describe_key().key_id(&key_id).send().await.unwrap();
}

#[tokio::test]
async fn quota_scale_zero_turns_quotas_off() {
    let server = start(&["--quota-scale", "0"]);
    let credentials = server.root_credentials();
    for _ in 0..15 {
        let response = RawRequest::kms("CreateKey", "{}")
            .send(&server, &credentials)
            .await;
        assert_eq!(response.status, 200, "{:?}", response.json());
    }
}

#[tokio::test]
async fn bad_quota_settings_are_refused_naming_the_setting() {
    for (args, expected) in [
        (&["--quota", "Encrypt=5"][..], "'Encrypt' names no quota"),
        (&["--quota", "CreateKey"][..], "is not NAME=PER_SECOND"),
        (&["--quota", "CreateKey=fast"][..], "'fast' is not a number"),
        (
            &["--quota-scale=-1"][..],
            "'-1' is not a number of at least 0",
        ),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_trent"))
            .arg("serve")
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

/// Opens a connection and sends a request's headers, announcing a body it never sends.
async fn stalled_request(server: &TestServer) -> tokio::net::TcpStream {
    let address = server.endpoint().trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/x-amz-json-1.1\r\nx-amz-target: TrentService.ListKeys\r\ncontent-length: 100\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stream
}

/// A request that holds its place in service for a while: an RSA-4096
/// data key pair (hundreds of milliseconds to seconds of key generation).
fn slow_request() -> RawRequest {
    RawRequest::kms(
        "GenerateDataKeyPairWithoutPlaintext",
        r#"{"KeyId":"alias/held","KeyPairSpec":"RSA_4096"}"#,
    )
}

async fn with_alias(server: &TestServer) {
    let client = server.client();
    let key = client.create_key().send().await.unwrap();
    client
        .create_alias()
        .alias_name("alias/held")
        .target_key_id(key.key_metadata().unwrap().key_id())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn beyond_the_admission_bound_requests_are_shed_at_once() {
    // One place, no queue.
    let server = start(&["--max-in-flight", "1", "--max-queued", "0"]);
    with_alias(&server).await;
    let credentials = server.root_credentials();
    let slow = slow_request();
    // Sent first; the others arrive while it generates.
    let (held, others) = tokio::join!(slow.send(&server, &credentials), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let mut others = Vec::new();
        for _ in 0..10 {
            others.push(
                RawRequest::kms("ListKeys", "{}")
                    .send(&server, &credentials)
                    .await,
            );
        }
        others
    });
    // The admitted request is served in full.
    assert_eq!(held.status, 200, "{:?}", held.json());
    let shed: Vec<&RawResponse> = others.iter().filter(|r| r.status != 200).collect();
    assert!(
        !shed.is_empty(),
        "10 requests during an RSA-4096 generation: none shed"
    );
    for response in &shed {
        assert_eq!(response.status, 400);
        assert_eq!(kind(response), "ThrottlingException");
    }
    let (_, metrics) = get(server.admin_endpoint(), "/metrics").await;
    let series = "trent_throttled_requests_total{operation=\"ListKeys\",account=\"none\",reason=\"overload\"}";
    let count: f64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("{series} missing from\n{metrics}"));
    assert_eq!(count, shed.len() as f64);
    // Shed before authentication: no audit event for them.
    let events = crate::audit_events(&server.data_dir().join("audit"));
    let list_keys = events
        .iter()
        .filter(|event| event["eventName"] == "ListKeys")
        .count();
    assert_eq!(list_keys, 10 - shed.len());
}

#[tokio::test]
async fn a_queued_request_is_served_when_a_place_frees_up() {
    let server = start(&[
        "--max-in-flight",
        "1",
        "--max-queued",
        "4",
        "--queue-timeout-ms",
        "30000",
    ]);
    with_alias(&server).await;
    let credentials = server.root_credentials();
    let slow = slow_request();
    let (held, queued) = tokio::join!(slow.send(&server, &credentials), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        RawRequest::kms("ListKeys", "{}")
            .send(&server, &credentials)
            .await
    });
    assert_eq!(held.status, 200);
    assert_eq!(
        queued.status,
        200,
        "waited for the place: {:?}",
        queued.json()
    );
}

#[tokio::test]
async fn clients_that_never_send_their_body_hold_no_place() {
    // One place, no queue: stalled bodies would take it if they counted.
    let server = start(&[
        "--max-in-flight",
        "1",
        "--max-queued",
        "0",
        "--body-timeout",
        "30",
    ]);
    let _stalled = [
        stalled_request(&server).await,
        stalled_request(&server).await,
        stalled_request(&server).await,
    ];
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = RawRequest::kms("ListKeys", "{}")
        .send(&server, &server.root_credentials())
        .await;
    assert_eq!(response.status, 200, "{:?}", response.json());
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_gets_a_timeout_answer() {
    let server = start(&["--body-timeout", "1"]);
    let mut stalled = stalled_request(&server).await;
    let started = Instant::now();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stalled.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("RequestTimeoutException"), "{text}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // Others are served meanwhile and after.
    assert!(server.client().list_keys().send().await.is_ok());
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_connections() {
    let server = start(&["--max-connections-per-ip", "2"]);
    let address = server.endpoint().trim_start_matches("http://").to_owned();
    let first = tokio::net::TcpStream::connect(&address).await.unwrap();
    let _second = tokio::net::TcpStream::connect(&address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The third is closed without an answer.
    let mut third = tokio::net::TcpStream::connect(&address).await.unwrap();
    let _ = third
        .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
        .await;
    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buffer))
        .await
        .expect("closed promptly");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    // Closing one frees a place.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let credentials = server.root_credentials();
    // RawRequest opens its own connection: the freed place.
    let response = RawRequest::kms("ListKeys", "{}")
        .send(&server, &credentials)
        .await;
    assert_eq!(response.status, 200);
}
