//! SigV4: `Authorization` header parsing, the canonical request (path,
//! query string, headers) and the string to sign, as `trent_sigv4::parse`
//! builds them from a request as received.
//!
//! Two shapes of input, chosen by the first byte:
//! - `Raw`: any method, path, query, headers and body, with an
//!   `Authorization` header either raw or assembled from fuzzed parts (so the
//!   fuzzer gets past `AWS4-HMAC-SHA256 Credential=...` at once). It must not
//!   panic, and a request that parses names a region trent-core accepts.
//! - `Signed`: a request signed by `trent_sigv4::sign` (the client side,
//!   same canonical request) must parse and verify at the same instant with
//!   the same secret; header order must not matter; another secret, another
//!   body, another method or an unsigned `x-amz-*` header added afterwards
//!   must be refused.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use trent_fuzz::sigv4::{AuthorizationParts, SignedRequest, BASE_NOW};
use trent_sigv4::{parse, sign, AuthError, Request, Settings, ALGORITHM};

#[derive(Arbitrary, Debug)]
enum Input {
    Raw {
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, Vec<u8>)>,
        authorization: Option<AuthorizationParts>,
        body: Vec<u8>,
        now_offset: i32,
        check_skew: bool,
        normalize_path: bool,
        secret: String,
    },
    Signed(SignedRequest),
}

/// The secret of AWS's SigV4 test suite, which signed the seed corpus.
const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fuzz_target!(|data: &[u8]| {
    if let Some(plain) = trent_fuzz::plain(data) {
        return check_http(plain);
    }
    let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) else {
        return;
    };
    match input {
        Input::Raw {
            method,
            path,
            query,
            mut headers,
            authorization,
            body,
            now_offset,
            check_skew,
            normalize_path,
            secret,
        } => {
            if let Some(parts) = authorization {
                headers.push(("x-amz-date".to_owned(), parts.amz_date().into_bytes()));
                headers.push(("Authorization".to_owned(), parts.render().into_bytes()));
            }
            let header_refs: Vec<(&str, &[u8])> = headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_slice()))
                .collect();
            let request = Request {
                method: &method,
                path: &path,
                query: &query,
                headers: &header_refs,
                body: &body,
            };
            let settings = Settings {
                service: "kms",
                normalize_path,
                check_skew,
            };
            if let Ok(parsed) = parse(&request, &settings, BASE_NOW + i64::from(now_offset)) {
                assert!(!parsed.access_key_id.is_empty());
                assert!(
                    trent_core::id::Region::parse(&parsed.region).is_ok(),
                    "sigv4 accepted region {:?} that trent-core refuses",
                    parsed.region
                );
                assert!(parsed.string_to_sign().starts_with(ALGORITHM));
                assert!(parsed.scope().ends_with("/kms"));
                let _ = parsed.verify(&secret);
            }
        }
        Input::Signed(signed) => check_signed(&signed),
    }
});

/// A request as text (a seed from AWS's suite): parsed for `kms` and for
/// the suite's `service`, without the clock, and verified with the suite's
/// secret.
fn check_http(data: &[u8]) {
    let Some(http) = trent_fuzz::HttpRequest::parse(data) else {
        return;
    };
    let headers: Vec<(&str, &[u8])> = http
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect();
    let request = Request {
        method: &http.method,
        path: &http.path,
        query: &http.query,
        headers: &headers,
        body: &http.body,
    };
    for service in ["kms", "service"] {
        for normalize_path in [true, false] {
            let settings = Settings {
                service,
                normalize_path,
                check_skew: false,
            };
            if let Ok(parsed) = parse(&request, &settings, BASE_NOW) {
                assert!(trent_core::id::Region::parse(&parsed.region).is_ok());
                let _ = parsed.verify(SUITE_SECRET);
            }
        }
    }
}

fn check_signed(signed: &SignedRequest) {
    let headers: Vec<(String, Vec<u8>)> = signed
        .headers
        .iter()
        .map(|(name, value)| (name.render(), value.clone()))
        .collect();
    let mut all: Vec<(&str, &[u8])> = vec![("host", signed.host.as_bytes())];
    all.extend(headers.iter().map(|(n, v)| (n.as_str(), v.as_slice())));
    let akid = signed.access_key_id();
    let region = signed.region();
    let now = BASE_NOW + i64::from(signed.now_offset);
    let request = Request {
        method: &signed.method,
        path: &signed.path,
        query: &signed.query,
        headers: &all,
        body: &signed.body,
    };
    let Some(signature) = sign(&request, &akid, &signed.secret, &region, "kms", now) else {
        return; // a query string with a bad escape has no canonical form
    };
    let settings = Settings {
        service: "kms",
        normalize_path: true,
        check_skew: true,
    };
    let received = |headers: &[(&'static str, &[u8])]| -> Vec<(String, Vec<u8>)> {
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
            .collect()
    };
    let mut sent: Vec<(String, Vec<u8>)> = all
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
        .collect();
    sent.extend(received(&[
        ("X-Amz-Date", signature.amz_date.as_bytes()),
        ("Authorization", signature.authorization.as_bytes()),
    ]));
    let verify = |headers: &[(String, Vec<u8>)],
                  method: &str,
                  body: &[u8],
                  secret: &str|
     -> Result<(), AuthError> {
        let refs: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        let request = Request {
            method,
            path: &signed.path,
            query: &signed.query,
            headers: &refs,
            body,
        };
        parse(&request, &settings, now)?.verify(secret)
    };

    // A query string that already carries presigned authentication
    // (X-Amz-Algorithm), signed again in a header, is both mechanisms:
    // refused, as AWS refuses it. Without the header, such a request is
    // not `Missing` authentication.
    let unsent: Vec<(String, Vec<u8>)> = all
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
        .collect();
    if !matches!(
        verify(&unsent, &signed.method, &signed.body, &signed.secret),
        Err(AuthError::Missing)
    ) {
        let both = verify(&sent, &signed.method, &signed.body, &signed.secret);
        assert!(
            matches!(both, Err(AuthError::BothMechanisms)),
            "header and query authentication together: {both:?}"
        );
        return;
    }

    // Signed, then verified as received: accepted.
    if let Err(error) = verify(&sent, &signed.method, &signed.body, &signed.secret) {
        panic!("a request signed by trent_sigv4::sign is refused: {error:?}\n{signature:?}");
    }

    // The order of distinct headers does not matter.
    let mut names: Vec<String> = sent.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    if names.len() == sent.len() {
        let mut reversed = sent.clone();
        reversed.reverse();
        assert_eq!(
            verify(&reversed, &signed.method, &signed.body, &signed.secret),
            Ok(()),
            "header order changed the verdict"
        );
    }

    // Another secret.
    let other_secret = format!("{}x", signed.secret);
    assert_eq!(
        verify(&sent, &signed.method, &signed.body, &other_secret),
        Err(AuthError::SignatureMismatch)
    );

    // Another body.
    let mut body = signed.body.clone();
    match body.first_mut() {
        Some(first) => *first ^= 0x01,
        None => body.push(b'{'),
    }
    assert_eq!(
        verify(&sent, &signed.method, &body, &signed.secret),
        Err(AuthError::SignatureMismatch),
        "a changed body still verifies"
    );

    // Another method.
    let method = format!("{}X", signed.method);
    assert_eq!(
        verify(&sent, &method, &signed.body, &signed.secret),
        Err(AuthError::SignatureMismatch),
        "a changed method still verifies"
    );

    // An x-amz-* header added after signing (the replay as another
    // operation): refused as unsigned, unless a header of that name was
    // signed already.
    let added = "x-amz-target";
    if !names.iter().any(|name| name == added) {
        let mut extended = sent.clone();
        extended.push((added.to_owned(), b"TrentService.Decrypt".to_vec()));
        assert_eq!(
            verify(&extended, &signed.method, &signed.body, &signed.secret),
            Err(AuthError::UnsignedHeader(added.to_owned())),
            "an unsigned x-amz-target is accepted"
        );
    }

    // A signed header's value changed (not only in whitespace): refused.
    if let Some(index) = sent.iter().position(|(name, _)| {
        !name.eq_ignore_ascii_case("authorization") && !name.eq_ignore_ascii_case("x-amz-date")
    }) {
        let mut changed = sent.clone();
        changed[index].1.extend_from_slice(b"-changed");
        assert_eq!(
            verify(&changed, &signed.method, &signed.body, &signed.secret),
            Err(AuthError::SignatureMismatch),
            "a changed header value still verifies"
        );
    }
}
