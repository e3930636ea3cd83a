//! AWS Signature Version 4 verification, as AWS verifies it.
//!
//! [`parse`] reads the `Authorization` header, or the query-string
//! (presigned) parameters, and the request, checks the credential scope
//! (service, date, region form) and the time window, and
//! builds the canonical request and string to sign from the request as it
//! was received. [`ParsedRequest::verify`] then checks the signature against
//! the caller's secret in constant time.
//!
//! [`sign`] is the other side, for Trent's own client commands (`trent
//! explain`): the headers a client adds, from the same canonical request and
//! signing key.
//!
//! It knows nothing of KMS operations, policies or storage, and is not async:
//! the server looks the secret up between the two steps.

mod canonical;
mod sign;
mod time;

pub use sign::{sign, Signature};

use aws_lc_rs::{digest, hmac};
use zeroize::Zeroizing;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Largest distance between the request's time and the server's, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 5 * 60;
/// Longest `X-Amz-Expires` of a presigned request: seven days, in seconds.
pub const MAX_PRESIGNED_EXPIRES_SECONDS: i64 = 7 * 24 * 60 * 60;
/// How long a presigned request without `X-Amz-Expires` stays valid.
pub const DEFAULT_PRESIGNED_EXPIRES_SECONDS: i64 = 15 * 60;

/// The query parameters a presigned request must carry, in AWS's order.
pub const PRESIGNED_PARAMETERS: [&str; 5] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "X-Amz-SignedHeaders",
    "X-Amz-Date",
];

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header and no `X-Amz-Algorithm` query parameter.
    #[error("missing authentication token")]
    Missing,
    /// Both an `Authorization` header and query-string authentication.
    #[error("both header and query-string authentication")]
    BothMechanisms,
    /// A presigned request lacks these parameters (from [`PRESIGNED_PARAMETERS`]).
    #[error("missing query-string authentication parameters")]
    MissingQueryParameters(Vec<&'static str>),
    /// `X-Amz-Expires` is not a whole number of seconds from 1 to seven days.
    #[error("X-Amz-Expires out of range")]
    ExpiresOutOfRange,
    /// The header is not in the `AWS4-HMAC-SHA256` form.
    #[error("malformed authorization header")]
    Malformed,
    /// The credential is not `AKID/date/region/service/aws4_request`.
    #[error("malformed credential")]
    MalformedCredential,
    /// A header that must be signed is not: `host`, `x-amz-date`, every
    /// `x-amz-*` header present (`x-amz-target` among them) and
    /// `content-type` when present. Its name, lower case.
    #[error("header {0} must be signed")]
    UnsignedHeader(String),
    /// No parseable `X-Amz-Date`.
    #[error("missing or malformed x-amz-date")]
    MissingDate,
    /// The request time is before the window: more than five minutes
    /// before the server's, or for a presigned request more than its
    /// `X-Amz-Expires`.
    #[error("signature expired")]
    Expired {
        /// The request's time, `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// The earliest time accepted (server time minus the window).
        limit: String,
        /// The server's time, `YYYYMMDDTHHMMSSZ`.
        server_time: String,
        /// The window, in seconds.
        window_seconds: i64,
    },
    /// The request time is more than five minutes after the server's.
    #[error("signature not yet current")]
    NotYetCurrent {
        /// The request's time, `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// The latest time accepted (server time plus five minutes).
        limit: String,
        /// The server's time, `YYYYMMDDTHHMMSSZ`.
        server_time: String,
    },
    /// The scope names another service.
    #[error("credential scoped to another service")]
    WrongService(String),
    /// The scope's region is not a region name.
    #[error("credential scoped to an invalid region")]
    WrongRegion,
    /// The scope's date is not the request's date.
    #[error("credential scope date does not match x-amz-date")]
    WrongDate,
    /// `X-Amz-Content-Sha256` does not match the body.
    #[error("body hash mismatch")]
    BodyHashMismatch,
    /// The signature does not match.
    #[error("signature mismatch")]
    SignatureMismatch,
}

/// A request as received, for verification.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path as received (still percent-encoded).
    pub path: &'a str,
    /// The query string as received, without `?`.
    pub query: &'a str,
    /// Every header, in received order, with its raw value.
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body.
    pub body: &'a [u8],
}

/// Verification settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The service the scope must name (`kms`).
    pub service: &'a str,
    /// Whether to remove `.` and `..` segments and repeated slashes from the
    /// path (true for every service but S3).
    pub normalize_path: bool,
    /// Whether the request time must be within [`MAX_SKEW_SECONDS`] of now.
    pub check_skew: bool,
}

/// A request whose `Authorization` header parsed and whose scope and time
/// passed; the signature is still to be checked.
pub struct ParsedRequest {
    /// The access key id that signed.
    pub access_key_id: String,
    /// The region of the credential scope.
    pub region: String,
    /// The session token, if the request carried one.
    pub session_token: Option<String>,
    date: String,
    service: String,
    scope: String,
    string_to_sign: String,
    signature: Vec<u8>,
}

/// Where a request's signature and its companions were found.
struct Fields<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    /// `X-Amz-Date`, trimmed.
    amz_date: &'a str,
    session_token: Option<&'a [u8]>,
    /// How long before the server's time the request may be: the skew for
    /// a header signature, `X-Amz-Expires` for a presigned one.
    window_seconds: i64,
    /// Presigned: the query without `X-Amz-Signature`, which is what was signed.
    signed_query: Option<String>,
}

/// Parses and checks everything but the signature. `now` is Unix seconds.
pub fn parse(
    request: &Request<'_>,
    settings: &Settings<'_>,
    now: i64,
) -> Result<ParsedRequest, AuthError> {
    let authorization = header(request.headers, "authorization");
    let params = canonical::query_params(request.query);
    let presigned = params
        .as_deref()
        .is_some_and(|params| params.iter().any(|(name, _)| name == "X-Amz-Algorithm"));
    let fields = match (authorization, presigned, &params) {
        (Some(_), true, _) => return Err(AuthError::BothMechanisms),
        (None, false, _) => return Err(AuthError::Missing),
        (Some(authorization), false, _) => header_fields(request, authorization)?,
        (None, true, Some(params)) => query_fields(request, params)?,
        (None, true, None) => return Err(AuthError::Malformed),
    };

    let mut scope = fields.credential.split('/');
    let (Some(access_key_id), Some(date), Some(region), Some(service), Some("aws4_request"), None) = (
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
        scope.next(),
    ) else {
        return Err(AuthError::MalformedCredential);
    };
    if access_key_id.is_empty() || date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::MalformedCredential);
    }

    let signed = |wanted: &str| {
        fields
            .signed_headers
            .split(';')
            .any(|name| name.eq_ignore_ascii_case(wanted))
    };
    // A presigned request carries its date in the query, not a header.
    let required: &[&str] = if fields.signed_query.is_some() {
        &["host"]
    } else {
        &["host", "x-amz-date"]
    };
    for required in required {
        if !signed(required) {
            return Err(AuthError::UnsignedHeader((*required).to_owned()));
        }
    }
    // What a header says must not change without the signature changing:
    // an unsigned X-Amz-Target would let a captured request be replayed as
    // another operation on the same body. The session token alone may be
    // added after signing, as SigV4 allows (AWS's suite, post-sts-header-after):
    // it names the session whose secret made the signature, so another
    // token cannot verify.
    if let Some((name, _)) = request.headers.iter().find(|(name, _)| {
        (starts_with_ignore_case(name, "x-amz-") || name.eq_ignore_ascii_case("content-type"))
            && !name.eq_ignore_ascii_case("x-amz-security-token")
            && !signed(name)
    }) {
        return Err(AuthError::UnsignedHeader(name.to_ascii_lowercase()));
    }
    let amz_date = fields.amz_date;
    let request_time = time::parse_amz_date(amz_date).ok_or(AuthError::MissingDate)?;
    if settings.check_skew && request_time < now - fields.window_seconds {
        return Err(AuthError::Expired {
            request_time: amz_date.to_owned(),
            limit: time::format_amz_date(now - fields.window_seconds),
            server_time: time::format_amz_date(now),
            window_seconds: fields.window_seconds,
        });
    }
    if settings.check_skew && request_time > now + MAX_SKEW_SECONDS {
        return Err(AuthError::NotYetCurrent {
            request_time: amz_date.to_owned(),
            limit: time::format_amz_date(now + MAX_SKEW_SECONDS),
            server_time: time::format_amz_date(now),
        });
    }
    if service != settings.service {
        return Err(AuthError::WrongService(service.chars().take(64).collect()));
    }
    if !is_region(region) {
        return Err(AuthError::WrongRegion);
    }
    if !amz_date.starts_with(date) {
        return Err(AuthError::WrongDate);
    }

    // The body is the operation: it is always signed by its hash, never as
    // UNSIGNED-PAYLOAD, presigned or not.
    let body_hash = lower_hex(digest::digest(&digest::SHA256, request.body).as_ref());
    if let Some(claimed) = header(request.headers, "x-amz-content-sha256") {
        if claimed != body_hash.as_bytes() {
            return Err(AuthError::BodyHashMismatch);
        }
    }
    let signed_request = Request {
        query: fields.signed_query.as_deref().unwrap_or(request.query),
        ..*request
    };
    let canonical_request = canonical::request(
        &signed_request,
        fields.signed_headers,
        settings.normalize_path,
        &body_hash,
    )
    .ok_or(AuthError::Malformed)?;
    let string_to_sign = string_to_sign(amz_date, date, region, service, &canonical_request);
    let signature = hex::decode(fields.signature).map_err(|_| AuthError::SignatureMismatch)?;
    let session_token = fields
        .session_token
        .map(|value| String::from_utf8_lossy(value).into_owned());
    Ok(ParsedRequest {
        access_key_id: access_key_id.to_owned(),
        region: region.to_owned(),
        session_token,
        date: date.to_owned(),
        service: service.to_owned(),
        scope: format!("{date}/{region}/{service}"),
        string_to_sign,
        signature,
    })
}

/// The signature in the `Authorization` header, the date in `X-Amz-Date`.
fn header_fields<'a>(
    request: &Request<'a>,
    authorization: &'a [u8],
) -> Result<Fields<'a>, AuthError> {
    let authorization = std::str::from_utf8(authorization).map_err(|_| AuthError::Malformed)?;
    let parsed = AuthorizationFields::parse(authorization)?;
    let amz_date = header(request.headers, "x-amz-date")
        .and_then(|value| std::str::from_utf8(value).ok())
        .map(str::trim)
        .ok_or(AuthError::MissingDate)?;
    Ok(Fields {
        credential: parsed.credential,
        signed_headers: parsed.signed_headers,
        signature: parsed.signature,
        amz_date,
        session_token: header(request.headers, "x-amz-security-token"),
        window_seconds: MAX_SKEW_SECONDS,
        signed_query: None,
    })
}

/// A presigned request: everything in the (percent-decoded) query.
fn query_fields<'a>(
    request: &Request<'_>,
    params: &'a [(String, String)],
) -> Result<Fields<'a>, AuthError> {
    let param = |wanted: &str| {
        params
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    let missing: Vec<&'static str> = PRESIGNED_PARAMETERS
        .into_iter()
        .filter(|name| param(name).is_none_or(str::is_empty))
        .collect();
    if !missing.is_empty() {
        return Err(AuthError::MissingQueryParameters(missing));
    }
    let value = |name: &str| param(name).unwrap_or_default();
    if value("X-Amz-Algorithm") != ALGORITHM {
        return Err(AuthError::Malformed);
    }
    let window_seconds = match param("X-Amz-Expires") {
        None => DEFAULT_PRESIGNED_EXPIRES_SECONDS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|seconds| (1..=MAX_PRESIGNED_EXPIRES_SECONDS).contains(seconds))
            .ok_or(AuthError::ExpiresOutOfRange)?,
    };
    let signed_query = canonical::without_param(request.query, "X-Amz-Signature");
    Ok(Fields {
        credential: value("X-Amz-Credential"),
        signed_headers: value("X-Amz-SignedHeaders"),
        signature: value("X-Amz-Signature"),
        amz_date: value("X-Amz-Date").trim(),
        session_token: param("X-Amz-Security-Token").map(str::as_bytes),
        window_seconds,
        signed_query: Some(signed_query),
    })
}

impl std::fmt::Debug for ParsedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session token is a credential: never shown.
        f.debug_struct("ParsedRequest")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "redacted"),
            )
            .finish_non_exhaustive()
    }
}

/// A SigV4 signing key derived for one credential scope (date, region,
/// service). Deriving it costs four HMACs; a server may cache it for the day.
pub struct SigningKey {
    key: hmac::Key,
    scope: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, redacted)", self.scope)
    }
}

impl ParsedRequest {
    /// Checks the signature with the caller's secret access key, in constant time.
    pub fn verify(&self, secret_access_key: &str) -> Result<(), AuthError> {
        self.verify_with(&self.signing_key(secret_access_key))
    }

    /// The credential scope, `date/region/service`: the cache key of a [`SigningKey`].
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Derives the signing key for this request's scope.
    pub fn signing_key(&self, secret_access_key: &str) -> SigningKey {
        SigningKey {
            key: signing_key(secret_access_key, &self.date, &self.region, &self.service),
            scope: self.scope.clone(),
        }
    }

    /// Checks the signature with a (possibly cached) signing key, in constant
    /// time. A key derived for another scope never verifies.
    pub fn verify_with(&self, key: &SigningKey) -> Result<(), AuthError> {
        if key.scope != self.scope {
            return Err(AuthError::SignatureMismatch);
        }
        hmac::verify(&key.key, self.string_to_sign.as_bytes(), &self.signature)
            .map_err(|_| AuthError::SignatureMismatch)
    }

    /// The string to sign that was rebuilt from the request (for tests and diagnosis).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }
}

/// `AWS4-HMAC-SHA256`, the time, the scope and the hash of the canonical request.
fn string_to_sign(
    amz_date: &str,
    date: &str,
    region: &str,
    service: &str,
    canonical_request: &str,
) -> String {
    let mut string_to_sign = String::with_capacity(160);
    for part in [
        ALGORITHM,
        "\n",
        amz_date,
        "\n",
        date,
        "/",
        region,
        "/",
        service,
        "/aws4_request\n",
    ] {
        string_to_sign.push_str(part);
    }
    string_to_sign.push_str(&lower_hex(
        digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref(),
    ));
    string_to_sign
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> hmac::Key {
    let seed = Zeroizing::new(format!("AWS4{secret}"));
    let mut key = hmac::Key::new(hmac::HMAC_SHA256, seed.as_bytes());
    for part in [date, region, service, "aws4_request"] {
        let tag = hmac::sign(&key, part.as_bytes());
        key = hmac::Key::new(hmac::HMAC_SHA256, tag.as_ref());
    }
    key
}

/// Lower-case hex, as SigV4 writes hashes.
fn lower_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && !text.ends_with('-')
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The first value of a header, by case-insensitive name.
fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn header<'a>(headers: &[(&str, &'a [u8])], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
        .map(|(_, value)| *value)
}

struct AuthorizationFields<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

impl<'a> AuthorizationFields<'a> {
    fn parse(text: &'a str) -> Result<Self, AuthError> {
        let rest = text
            .strip_prefix(ALGORITHM)
            .filter(|rest| rest.starts_with(' '))
            .ok_or(AuthError::Malformed)?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=').ok_or(AuthError::Malformed)?;
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(AuthError::Malformed),
            };
            if slot.replace(value).is_some() {
                return Err(AuthError::Malformed);
            }
        }
        match (credential, signed_headers, signature) {
            (Some(credential), Some(signed_headers), Some(signature)) => Ok(Self {
                credential,
                signed_headers,
                signature,
            }),
            _ => Err(AuthError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod presigned_tests;
