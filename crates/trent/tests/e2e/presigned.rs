//! Query-string (presigned) SigV4 authentication against a running server:
//! a request presigned by the official signer is served; expired, tampered,
//! over-long and doubly authenticated ones get AWS's errors.

use std::time::{Duration, SystemTime};

use trent_testkit::{RawRequest, RawResponse};

use crate::server;

fn error(response: &RawResponse) -> (u16, String, String) {
    let body = response.json();
    (
        response.status,
        body["__type"].as_str().unwrap_or_default().to_owned(),
        body["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn a_presigned_request_is_served_and_its_ciphertext_decrypts() {
    let server = server();
    let credentials = server.root_credentials();
    let client = server.client();
    let key = client.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();

    let encrypt = RawRequest::kms(
        "Encrypt",
        &format!(r#"{{"KeyId":"{key_id}","Plaintext":"aGVsbG8="}}"#),
    )
    .presigned(Duration::from_secs(300));
    let response = encrypt.send(&server, &credentials).await;
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let blob = response.json()["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_owned();
    use base64::Engine as _;
    let decrypted = client
        .decrypt()
        .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(
            base64::engine::general_purpose::STANDARD
                .decode(&blob)
                .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext().unwrap().as_ref(), b"hello");
}

#[tokio::test]
async fn presigned_requests_that_break_a_rule_get_aws_errors() {
    let server = server();
    let credentials = server.root_credentials();

    // Signed two hours ago, valid for one.
    let mut expired = RawRequest::kms("ListKeys", "{}").presigned(Duration::from_secs(3600));
    expired.time = SystemTime::now() - Duration::from_secs(7200);
    let (status, kind, message) = error(&expired.send(&server, &credentials).await);
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));
    assert!(
        message.starts_with("Signature expired: ") && message.ends_with(" - 60 min.)"),
        "{message}"
    );

    // The body changed after presigning.
    let mut tampered =
        RawRequest::kms("ListKeys", r#"{"Limit":5}"#).presigned(Duration::from_secs(60));
    tampered.sent_body = Some(br#"{"Limit":6}"#.to_vec());
    let (status, kind, _) = error(&tampered.send(&server, &credentials).await);
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));

    // Longer than a week.
    let mut week = RawRequest::kms("ListKeys", "{}").presigned(Duration::from_secs(60));
    week.query_overrides
        .push(("X-Amz-Expires".into(), "604801".into()));
    let (status, kind, message) = error(&week.send(&server, &credentials).await);
    assert_eq!(
        (status, kind.as_str()),
        (400, "IncompleteSignatureException")
    );
    assert_eq!(
        message,
        "X-Amz-Expires must be less than a week (in seconds) that is 604800"
    );

    // A parameter missing.
    let mut missing = RawRequest::kms("ListKeys", "{}").presigned(Duration::from_secs(60));
    missing
        .query_overrides
        .push(("X-Amz-Credential".into(), String::new()));
    let (status, kind, message) = error(&missing.send(&server, &credentials).await);
    assert_eq!(
        (status, kind.as_str()),
        (400, "IncompleteSignatureException")
    );
    assert_eq!(
        message,
        "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters."
    );

    // Both an Authorization header and query authentication.
    let mut both = RawRequest::kms("ListKeys", "{}").presigned(Duration::from_secs(60));
    both.headers.push((
        "authorization".into(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00",
            credentials.access_key_id
        ),
    ));
    let (status, kind, message) = error(&both.send(&server, &credentials).await);
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));
    assert_eq!(
        message,
        "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
    );

    // A wrong secret.
    let mut wrong = credentials.clone();
    wrong.secret_access_key = "not the secret".into();
    let (status, kind, _) = error(
        &RawRequest::kms("ListKeys", "{}")
            .presigned(Duration::from_secs(60))
            .send(&server, &wrong)
            .await,
    );
    assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));
}
