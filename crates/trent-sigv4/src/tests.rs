//! Verifier tests: requests signed by the official `aws-sigv4` crate, AWS's
//! own signing test suite, and tampering of every signed part.

use super::*;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use proptest::prelude::*;
use std::time::{Duration, UNIX_EPOCH};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_700_000_000;

struct Owned {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Owned {
    fn check(
        &self,
        settings: &Settings<'_>,
        now: i64,
        secret: &str,
    ) -> Result<ParsedRequest, AuthError> {
        let headers: Vec<(&str, &[u8])> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let request = Request {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &headers,
            body: &self.body,
        };
        let parsed = parse(&request, settings, now)?;
        parsed.verify(secret)?;
        Ok(parsed)
    }
}

const KMS: Settings<'static> = Settings {
    service: "kms",
    normalize_path: true,
    check_skew: true,
};

/// Signs a request with the official SDK signer.
fn signed(region: &str, service: &str, time: i64, body: &[u8], extra: &[(&str, &str)]) -> Owned {
    let credentials = Credentials::new("AKIDEXAMPLE", SECRET, None, None, "test");
    let identity = credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(UNIX_EPOCH + Duration::from_secs(time as u64))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), "127.0.0.1:4599".into()),
        ("content-type".into(), "application/x-amz-json-1.1".into()),
        ("x-amz-target".into(), "TrentService.Encrypt".into()),
    ];
    headers.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    let signable = SignableRequest::new(
        "POST",
        "http://127.0.0.1:4599/",
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    for (name, value) in instructions.headers() {
        headers.push((name.to_owned(), value.to_owned()));
    }
    Owned {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: headers
            .into_iter()
            .map(|(n, v)| (n, v.into_bytes()))
            .collect(),
        body: body.to_vec(),
    }
}

#[test]
fn sdk_signed_request_verifies() {
    let request = signed("us-east-1", "kms", NOW, b"{\"KeyId\":\"alias/demo\"}", &[]);
    let parsed = request.check(&KMS, NOW, SECRET).unwrap();
    assert_eq!(parsed.access_key_id, "AKIDEXAMPLE");
    assert_eq!(parsed.region, "us-east-1");
}

#[test]
fn a_cached_signing_key_verifies_only_its_own_scope() {
    let request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    let headers: Vec<(&str, &[u8])> = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let raw = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: &request.body,
    };
    let parsed = parse(&raw, &KMS, NOW).unwrap();
    let key = parsed.signing_key(SECRET);
    assert_eq!(
        format!("{key:?}"),
        "SigningKey(20231114/us-east-1/kms, redacted)"
    );
    assert!(parsed.verify_with(&key).is_ok());

    let other = signed("eu-west-1", "kms", NOW, b"{}", &[]);
    let headers: Vec<(&str, &[u8])> = other
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let raw = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: &other.body,
    };
    let other = parse(&raw, &KMS, NOW).unwrap();
    assert_eq!(other.verify_with(&key), Err(AuthError::SignatureMismatch));
    assert_eq!(
        parsed.verify_with(&parsed.signing_key("wrong")),
        Err(AuthError::SignatureMismatch)
    );
}

#[test]
fn tampering_is_refused() {
    let base = || signed("us-east-1", "kms", NOW, b"{\"Plaintext\":\"aGk=\"}", &[]);
    let mut body = base();
    body.body[3] ^= 1;
    assert_eq!(
        body.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::SignatureMismatch
    );

    let mut header = base();
    for (name, value) in &mut header.headers {
        if name == "x-amz-target" {
            *value = b"TrentService.Decrypt".to_vec();
        }
    }
    assert_eq!(
        header.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::SignatureMismatch
    );

    assert_eq!(
        base().check(&KMS, NOW, "wrong-secret").unwrap_err(),
        AuthError::SignatureMismatch
    );

    let mut path = base();
    path.path = "/other".into();
    assert_eq!(
        path.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::SignatureMismatch
    );
}

#[test]
fn clock_skew_over_five_minutes_is_refused() {
    let request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    assert!(request.check(&KMS, NOW + 299, SECRET).is_ok());
    assert!(request.check(&KMS, NOW - 299, SECRET).is_ok());
    match request.check(&KMS, NOW + 301, SECRET).unwrap_err() {
        AuthError::Expired {
            request_time,
            limit,
            server_time,
            window_seconds: 300,
        } => {
            assert_eq!(request_time, "20231114T221320Z");
            assert_eq!(limit, "20231114T221321Z");
            assert_eq!(server_time, "20231114T221821Z");
        }
        other => panic!("unexpected {other:?}"),
    }
    match request.check(&KMS, NOW - 301, SECRET).unwrap_err() {
        AuthError::NotYetCurrent {
            request_time,
            limit,
            server_time,
        } => {
            assert_eq!(request_time, "20231114T221320Z");
            assert_eq!(limit, "20231114T221319Z");
            assert_eq!(server_time, "20231114T220819Z");
        }
        other => panic!("unexpected {other:?}"),
    }
    let lenient = Settings {
        check_skew: false,
        ..KMS
    };
    assert!(request.check(&lenient, NOW + 10_000, SECRET).is_ok());
}

#[test]
fn scope_must_name_kms_and_a_region() {
    let request = signed("us-east-1", "s3", NOW, b"{}", &[]);
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::WrongService("s3".into())
    );
    let request = signed("US_EAST", "kms", NOW, b"{}", &[]);
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::WrongRegion
    );
}

#[test]
fn missing_and_malformed_headers_are_told_apart() {
    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    request.headers.retain(|(name, _)| name != "authorization");
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::Missing
    );

    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    for (name, value) in &mut request.headers {
        if name == "authorization" {
            *value =
                b"AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/kms/aws4_request".to_vec();
        }
    }
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::Malformed
    );

    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    for (name, value) in &mut request.headers {
        if name == "authorization" {
            let text = String::from_utf8(value.clone())
                .unwrap()
                .replace("host;", "");
            *value = text.into_bytes();
        }
    }
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::UnsignedHeader("host".into())
    );
}

#[test]
fn a_wrong_body_hash_header_is_refused() {
    let request = signed(
        "us-east-1",
        "kms",
        NOW,
        b"{}",
        &[("x-amz-content-sha256", "00")],
    );
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::BodyHashMismatch
    );
}

/// Takes `name` out of the request's `SignedHeaders` list (the signature
/// itself is left as it was).
fn unsign(request: &mut Owned, name: &str) {
    for (header, value) in &mut request.headers {
        if header == "authorization" {
            let text = String::from_utf8(value.clone()).unwrap();
            let (head, rest) = text.split_once("SignedHeaders=").unwrap();
            let (list, tail) = rest.split_once(',').unwrap();
            let kept: Vec<&str> = list.split(';').filter(|signed| *signed != name).collect();
            *value = format!("{head}SignedHeaders={},{tail}", kept.join(";")).into_bytes();
        }
    }
}

#[test]
fn every_amz_header_and_the_content_type_must_be_signed() {
    // Unsigned, X-Amz-Target could be swapped: the same body replayed as
    // another operation.
    for name in ["x-amz-target", "content-type", "x-amz-user-agent"] {
        let mut request = signed(
            "us-east-1",
            "kms",
            NOW,
            b"{}",
            &[("x-amz-user-agent", "aws-sdk-rust")],
        );
        assert!(request.check(&KMS, NOW, SECRET).is_ok());
        unsign(&mut request, name);
        assert_eq!(
            request.check(&KMS, NOW, SECRET).unwrap_err(),
            AuthError::UnsignedHeader(name.into()),
            "{name}"
        );
    }
    // An x-amz-* header added after signing is refused, in any case; a
    // second X-Amz-Target joins the signed one and breaks the signature.
    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    request
        .headers
        .push(("X-Amz-Grant-Tokens".into(), b"t".to_vec()));
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::UnsignedHeader("x-amz-grant-tokens".into())
    );
    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    request
        .headers
        .push(("X-Amz-Target".into(), b"TrentService.Decrypt".to_vec()));
    assert_eq!(
        request.check(&KMS, NOW, SECRET).unwrap_err(),
        AuthError::SignatureMismatch
    );
    // Headers outside the rule may stay unsigned.
    let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
    request
        .headers
        .push(("x-amzn-trace-id".into(), b"Root=1-abc".to_vec()));
    request
        .headers
        .push(("user-agent".into(), b"curl/8".to_vec()));
    assert!(request.check(&KMS, NOW, SECRET).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the body, region, extra headers and their case, what the SDK
    /// signs we verify; and a flipped body byte is refused.
    #[test]
    fn sdk_signatures_verify_for_random_requests(
        body in proptest::collection::vec(any::<u8>(), 0..256),
        region in "[a-z]{2}-[a-z]{4,9}-[1-9]",
        header_value in "[ -~]{0,40}",
        flip in any::<prop::sample::Index>(),
    ) {
        let request = signed(&region, "kms", NOW, &body, &[("x-custom-header", &header_value)]);
        prop_assert!(request.check(&KMS, NOW, SECRET).is_ok());
        let mut uppercase = signed(&region, "kms", NOW, &body, &[]);
        for (name, _) in &mut uppercase.headers {
            *name = name.to_uppercase();
        }
        uppercase.headers.reverse();
        prop_assert!(uppercase.check(&KMS, NOW, SECRET).is_ok());
        if !body.is_empty() {
            let mut tampered = request;
            let at = flip.index(tampered.body.len());
            tampered.body[at] ^= 0x01;
            prop_assert_eq!(tampered.check(&KMS, NOW, SECRET).unwrap_err(), AuthError::SignatureMismatch);
        }
    }

    /// A request the SDK signed, then one element changed — a signed header's
    /// value, an x-amz-* header taken out of the signature or added, the
    /// operation swapped — is always refused.
    #[test]
    fn one_change_to_a_signed_request_is_always_refused(
        body in proptest::collection::vec(any::<u8>(), 0..64),
        suffix in "[a-z]{1,12}",
        value in "[!-~]{1,20}",
        which in 0usize..4,
    ) {
        let mut request = signed("us-east-1", "kms", NOW, &body, &[("x-amz-meta", &value)]);
        prop_assert!(request.check(&KMS, NOW, SECRET).is_ok());
        match which {
            0 => {
                for (name, header) in &mut request.headers {
                    if name == "x-amz-target" {
                        *header = format!("TrentService.{suffix}").into_bytes();
                    }
                }
                prop_assume!(suffix != "Encrypt");
            }
            1 => unsign(&mut request, "x-amz-target"),
            2 => request.headers.push((format!("x-amz-{suffix}"), value.into_bytes())),
            _ => {
                for (name, header) in &mut request.headers {
                    if name == "x-amz-meta" {
                        header.push(b'!');
                    }
                }
            }
        }
        prop_assert!(request.check(&KMS, NOW, SECRET).is_err());
    }
}

/// AWS's SigV4 test suite from `../shared/testdata/sigv4` (read in place, never
/// copied into the project). Skipped when the folder is absent.
#[test]
fn aws_signing_test_suite_verifies() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/sigv4/v4");
    let Ok(entries) = std::fs::read_dir(&root) else {
        eprintln!("skipping: {} not found", root.display());
        return;
    };
    let mut checked = 0;
    for entry in entries {
        let dir = entry.unwrap().path();
        let context: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("context.json")).unwrap())
                .unwrap();
        let Ok(signed_text) = std::fs::read(dir.join("header-signed-request.txt")) else {
            continue;
        };
        let expected_sts = std::fs::read_to_string(dir.join("header-string-to-sign.txt")).unwrap();
        let request = parse_http(&signed_text);
        let settings = Settings {
            service: context["service"].as_str().unwrap(),
            normalize_path: context["normalize"].as_bool().unwrap(),
            check_skew: false,
        };
        let secret = context["credentials"]["secret_access_key"]
            .as_str()
            .unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let parsed = request
            .check(&settings, 0, secret)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(parsed.string_to_sign(), expected_sts.trim_end(), "{name}");

        // Any change to a signed header value or the body is refused.
        let mut tampered = parse_http(&signed_text);
        if tampered.body.is_empty() {
            tampered
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-date"))
                .unwrap()
                .1[15] = b'X';
        } else {
            tampered.body[0] ^= 1;
        }
        assert!(
            tampered.check(&settings, 0, secret).is_err(),
            "{name} tampered"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} cases applied");
}

/// Parses a suite request file: request line, `Name:value` headers (a line
/// starting with whitespace folds into the previous value), blank line, body.
fn parse_http(text: &[u8]) -> Owned {
    let text = String::from_utf8_lossy(text).replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let method = request_line.split(' ').next().unwrap().to_owned();
    let target = request_line[method.len() + 1..request_line.rfind(" HTTP/").unwrap()].to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().unwrap();
            last.1.extend_from_slice(b"\n");
            last.1.extend_from_slice(line.as_bytes());
            continue;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_owned(), value.as_bytes().to_vec()));
    }
    Owned {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn debug_output_hides_the_session_token() {
    let headers: Vec<(String, Vec<u8>)> = {
        let mut request = signed("us-east-1", "kms", NOW, b"{}", &[]);
        request.headers.push((
            "x-amz-security-token".into(),
            b"SESSIONTOKENSECRET".to_vec(),
        ));
        request.headers
    };
    let raw: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let request = Request {
        method: "POST",
        path: "/",
        query: "",
        headers: &raw,
        body: b"{}",
    };
    let parsed = parse(&request, &KMS, NOW).unwrap();
    assert_eq!(parsed.session_token.as_deref(), Some("SESSIONTOKENSECRET"));
    let shown = format!("{parsed:?}");
    assert!(!shown.contains("SESSIONTOKENSECRET"), "{shown}");
    assert!(shown.contains("redacted"));
}

/// Our client-side signature is byte for byte the official signer's, and
/// verifies; with the wrong secret it does not.
#[test]
fn our_signature_is_the_sdks_and_verifies() {
    for (region, body, extra) in [
        ("us-east-1", &b"{\"KeyId\":\"alias/demo\"}"[..], &[][..]),
        (
            "eu-west-3",
            &b""[..],
            &[("x-custom-header", "  a   b ")][..],
        ),
        ("ap-southeast-2", &[0u8, 255, 10][..], &[][..]),
    ] {
        let sdk = signed(region, "kms", NOW, body, extra);
        let unsigned: Vec<(&str, &[u8])> = sdk
            .headers
            .iter()
            .filter(|(name, _)| name != "x-amz-date" && name != "authorization")
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let request = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &unsigned,
            body,
        };
        let ours = crate::sign(&request, "AKIDEXAMPLE", SECRET, region, "kms", NOW).unwrap();
        let header = |name: &str| {
            sdk.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
                .unwrap()
        };
        assert_eq!(ours.amz_date, header("x-amz-date"));
        assert_eq!(ours.authorization, header("authorization"));

        let mut headers = unsigned.clone();
        headers.push(("x-amz-date", ours.amz_date.as_bytes()));
        headers.push(("authorization", ours.authorization.as_bytes()));
        let request = Request {
            headers: &headers,
            ..request
        };
        let parsed = parse(&request, &KMS, NOW).unwrap();
        assert_eq!(parsed.verify(SECRET), Ok(()));
        assert_eq!(
            parsed.verify("another secret"),
            Err(AuthError::SignatureMismatch)
        );
    }
}
