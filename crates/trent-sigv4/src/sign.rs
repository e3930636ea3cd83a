//! Signing a request as a client does, with the verifier's own canonical
//! request and signing key (so the two cannot disagree on the format).

use aws_lc_rs::{digest, hmac};

use crate::{canonical, lower_hex, signing_key, string_to_sign, time, Request, ALGORITHM};

/// The two headers that sign a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The `X-Amz-Date` value, `YYYYMMDDTHHMMSSZ`.
    pub amz_date: String,
    /// The `Authorization` value.
    pub authorization: String,
}

/// Signs `request` at `now` (Unix seconds) for `region` and `service`.
///
/// Every header of the request is signed, so it must include `host`, and
/// must not include `x-amz-date` or `authorization` (they are the answer).
/// The path is normalized, as for every service but S3. `None` when the
/// request has no canonical form (a bad escape in its query).
pub fn sign(
    request: &Request<'_>,
    access_key_id: &str,
    secret_access_key: &str,
    region: &str,
    service: &str,
    now: i64,
) -> Option<Signature> {
    let amz_date = time::format_amz_date(now);
    let date = &amz_date[..8];
    let mut headers = request.headers.to_vec();
    headers.push(("x-amz-date", amz_date.as_bytes()));
    let mut names: Vec<String> = headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let signed_headers = names.join(";");
    let dated = Request {
        headers: &headers,
        ..*request
    };
    let body_hash = lower_hex(digest::digest(&digest::SHA256, request.body).as_ref());
    let canonical_request = canonical::request(&dated, &signed_headers, true, &body_hash)?;
    let string_to_sign = string_to_sign(&amz_date, date, region, service, &canonical_request);
    let key = signing_key(secret_access_key, date, region, service);
    let signature = lower_hex(hmac::sign(&key, string_to_sign.as_bytes()).as_ref());
    let authorization = format!(
        "{ALGORITHM} Credential={access_key_id}/{date}/{region}/{service}/aws4_request, \
         SignedHeaders={signed_headers}, Signature={signature}"
    );
    Some(Signature {
        amz_date,
        authorization,
    })
}
