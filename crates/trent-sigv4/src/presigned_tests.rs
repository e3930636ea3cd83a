//! Query-string (presigned) authentication: requests presigned by the
//! official `aws-sigv4` crate verify; each rule AWS applies to them refuses
//! the request that breaks it.

use super::*;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use proptest::prelude::*;
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_700_000_000;
const KMS: Settings<'static> = Settings {
    service: "kms",
    normalize_path: true,
    check_skew: true,
};

struct Presigned {
    query: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Presigned {
    fn check(&self, now: i64) -> Result<ParsedRequest, AuthError> {
        let headers: Vec<(&str, &[u8])> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let request = Request {
            method: "POST",
            path: "/",
            query: &self.query,
            headers: &headers,
            body: &self.body,
        };
        let parsed = parse(&request, &KMS, now)?;
        parsed.verify(SECRET)?;
        Ok(parsed)
    }

    fn set_param(&mut self, name: &str, value: &str) {
        let mut parts: Vec<String> = self
            .query
            .split('&')
            .filter(|part| !part.starts_with(&format!("{name}=")))
            .map(str::to_owned)
            .collect();
        parts.push(format!("{name}={value}"));
        self.query = parts.join("&");
    }

    fn remove_param(&mut self, name: &str) {
        self.query = self
            .query
            .split('&')
            .filter(|part| !part.starts_with(&format!("{name}=")))
            .collect::<Vec<_>>()
            .join("&");
    }
}

/// Presigns a KMS Encrypt request with the official signer: the signature in
/// the query, the target and content type among the signed headers.
fn presigned(time: i64, expires: u64, body: &[u8], token: Option<&str>) -> Presigned {
    let credentials = Credentials::new(
        "AKIDEXAMPLE",
        SECRET,
        token.map(str::to_owned),
        None,
        "test",
    );
    let identity = credentials.into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("kms")
        .time(UNIX_EPOCH + Duration::from_secs(time as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = vec![
        ("host".into(), "127.0.0.1:4599".into()),
        ("content-type".into(), "application/x-amz-json-1.1".into()),
        ("x-amz-target".into(), "TrentService.Encrypt".into()),
    ];
    let signable = SignableRequest::new(
        "POST",
        "http://127.0.0.1:4599/",
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method("POST")
        .uri("http://127.0.0.1:4599/")
        .body(())
        .unwrap();
    instructions.apply_to_request_http1x(&mut request);
    Presigned {
        query: request.uri().query().unwrap_or_default().to_owned(),
        headers: headers
            .into_iter()
            .map(|(n, v)| (n, v.into_bytes()))
            .collect(),
        body: body.to_vec(),
    }
}

#[test]
fn an_sdk_presigned_request_verifies() {
    let request = presigned(NOW, 900, b"{\"KeyId\":\"alias/a\"}", None);
    assert!(
        request.query.contains("X-Amz-Signature="),
        "{}",
        request.query
    );
    let parsed = request.check(NOW + 60).unwrap();
    assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
    assert_eq!(parsed.region, "us-east-1");
    assert_eq!(parsed.session_token, None);

    let with_token = presigned(NOW, 900, b"{}", Some("session/token+="));
    let parsed = with_token.check(NOW).unwrap();
    assert_eq!(parsed.session_token.as_deref(), Some("session/token+="));
}

#[test]
fn a_presigned_request_lives_for_its_expires_and_no_longer() {
    let request = presigned(NOW, 3600, b"{}", None);
    assert!(request.check(NOW + 3600).is_ok());
    match request.check(NOW + 3601).unwrap_err() {
        AuthError::Expired {
            request_time,
            window_seconds,
            ..
        } => {
            assert_eq!(request_time, "20231114T221320Z");
            assert_eq!(window_seconds, 3600);
        }
        other => panic!("{other:?}"),
    }
    // Signed in the future beyond the skew: not yet current, whatever Expires says.
    assert!(matches!(
        request.check(NOW - 301).unwrap_err(),
        AuthError::NotYetCurrent { .. }
    ));
}

#[test]
fn expires_beyond_a_week_is_refused() {
    let week = presigned(NOW, 604_800, b"{}", None);
    assert!(week.check(NOW + 604_800).is_ok());
    // Changing Expires breaks the signature anyway; the range is checked first.
    for value in ["604801", "0", "-1", "ten", "99999999999999999999"] {
        let mut request = presigned(NOW, 900, b"{}", None);
        request.set_param("X-Amz-Expires", value);
        assert_eq!(
            request.check(NOW).unwrap_err(),
            AuthError::ExpiresOutOfRange,
            "{value}"
        );
    }
    // Without Expires, fifteen minutes (and the signature no longer matches,
    // since Expires was signed).
    let mut request = presigned(NOW, 900, b"{}", None);
    request.remove_param("X-Amz-Expires");
    assert!(matches!(
        request.check(NOW + 901).unwrap_err(),
        AuthError::Expired {
            window_seconds: 900,
            ..
        }
    ));
    assert_eq!(
        request.check(NOW).unwrap_err(),
        AuthError::SignatureMismatch
    );
}

#[test]
fn every_required_parameter_is_named_when_missing() {
    let mut request = presigned(NOW, 900, b"{}", None);
    request.remove_param("X-Amz-Credential");
    request.remove_param("X-Amz-Date");
    assert_eq!(
        request.check(NOW).unwrap_err(),
        AuthError::MissingQueryParameters(vec!["X-Amz-Credential", "X-Amz-Date"])
    );
    let mut request = presigned(NOW, 900, b"{}", None);
    request.set_param("X-Amz-Signature", "");
    assert_eq!(
        request.check(NOW).unwrap_err(),
        AuthError::MissingQueryParameters(vec!["X-Amz-Signature"])
    );
    let mut request = presigned(NOW, 900, b"{}", None);
    request.set_param("X-Amz-Algorithm", "AWS4-HMAC-SHA1");
    assert_eq!(request.check(NOW).unwrap_err(), AuthError::Malformed);
}

#[test]
fn header_and_query_authentication_together_are_refused() {
    let mut request = presigned(NOW, 900, b"{}", None);
    request.headers.push((
        "authorization".into(),
        b"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00".to_vec(),
    ));
    assert_eq!(request.check(NOW).unwrap_err(), AuthError::BothMechanisms);
}

#[test]
fn presigned_requests_follow_the_signed_header_rules() {
    // X-Amz-Target unsigned: the same body could be replayed as another operation.
    let mut request = presigned(NOW, 900, b"{}", None);
    let signed = request
        .query
        .split('&')
        .find_map(|part| part.strip_prefix("X-Amz-SignedHeaders="))
        .unwrap()
        .to_owned();
    assert_eq!(signed, "content-type%3Bhost%3Bx-amz-target");
    request.set_param("X-Amz-SignedHeaders", "content-type%3Bhost");
    assert_eq!(
        request.check(NOW).unwrap_err(),
        AuthError::UnsignedHeader("x-amz-target".into())
    );
    let mut request = presigned(NOW, 900, b"{}", None);
    request.set_param("X-Amz-SignedHeaders", "content-type%3Bx-amz-target");
    assert_eq!(
        request.check(NOW).unwrap_err(),
        AuthError::UnsignedHeader("host".into())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A request the SDK presigned, then one element changed (the body, the
    /// operation, a signed query parameter, an added parameter, a header
    /// added), is always refused.
    #[test]
    fn one_change_to_a_presigned_request_is_always_refused(
        body in proptest::collection::vec(any::<u8>(), 1..64),
        flip in any::<prop::sample::Index>(),
        suffix in "[a-z]{1,12}",
        which in 0usize..6,
    ) {
        let mut request = presigned(NOW, 900, &body, None);
        prop_assert!(request.check(NOW).is_ok());
        match which {
            0 => {
                let at = flip.index(request.body.len());
                request.body[at] ^= 0x01;
            }
            1 => {
                prop_assume!(suffix != "encrypt");
                for (name, value) in &mut request.headers {
                    if name == "x-amz-target" {
                        *value = format!("TrentService.{suffix}").into_bytes();
                    }
                }
            }
            2 => request.set_param("X-Amz-Date", "20231114T221321Z"),
            3 => request.query.push_str(&format!("&{suffix}=1")),
            4 => request.headers.push((format!("x-amz-{suffix}"), b"v".to_vec())),
            _ => request.set_param("X-Amz-Credential", "AKIDOTHER%2F20231114%2Fus-east-1%2Fkms%2Faws4_request"),
        }
        prop_assert!(request.check(NOW).is_err());
    }
}
