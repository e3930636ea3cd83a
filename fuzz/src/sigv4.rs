//! SigV4 requests: an `Authorization` header from parts, and requests that
//! `trent_sigv4::sign` can sign (header names HTTP would carry).

use arbitrary::Arbitrary;

use crate::pick;

/// A header name of HTTP token characters, or one a KMS client sends.
#[derive(Arbitrary, Debug, Clone)]
pub enum HeaderName {
    /// A name a KMS or IAM client sends.
    Known(u8),
    /// Any token (mapped onto HTTP's token characters).
    Token(Vec<u8>),
}

const KNOWN_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Target",
    "x-amz-security-token",
    "User-Agent",
    "X-Amz-User-Agent",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "Content-Length",
    "content-encoding",
    "Accept",
    "X-Amz-Meta-a",
];
const TOKEN: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
/// What `sign` writes itself, and a header whose value it checks.
const RESERVED: &[&str] = &[
    "authorization",
    "x-amz-date",
    "x-amz-content-sha256",
    "host",
];

impl HeaderName {
    /// The name as sent.
    pub fn render(&self) -> String {
        let mut name = match self {
            Self::Known(index) => pick(KNOWN_HEADERS, *index).to_owned(),
            Self::Token(bytes) => bytes
                .iter()
                .take(40)
                .map(|b| char::from(TOKEN[usize::from(*b) % TOKEN.len()]))
                .collect(),
        };
        if name.is_empty() {
            name.push('x');
        }
        if RESERVED
            .iter()
            .any(|reserved| name.eq_ignore_ascii_case(reserved))
        {
            name.push_str("-x");
        }
        name
    }
}

/// `YYYYMMDDTHHMMSSZ` of Unix seconds.
pub fn amz_date(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// 2026-01-01T00:00:00Z, the fuzz targets' clock.
pub const BASE_NOW: i64 = 1_767_225_600;

/// An `Authorization` header assembled from fuzzed parts.
#[derive(Arbitrary, Debug)]
pub struct AuthorizationParts {
    /// `None`: `AWS4-HMAC-SHA256`.
    pub algorithm: Option<String>,
    /// The access key id.
    pub access_key_id: String,
    /// Seconds from [`BASE_NOW`] of `X-Amz-Date`, or its raw text.
    pub date: Result<i16, String>,
    /// The scope's date: `None` for the date's own.
    pub scope_date: Option<String>,
    /// A region name, by index, or raw.
    pub region: Result<u8, String>,
    /// `kms`, `iam`, `sts`, or raw.
    pub service: Result<u8, String>,
    /// `aws4_request`, or raw.
    pub terminator: Option<String>,
    /// Signed header names.
    pub signed_headers: Vec<String>,
    /// The signature's bytes (hex-encoded), or raw text.
    pub signature: Result<Vec<u8>, String>,
    /// A field appended (`Name=value`).
    pub extra: Option<(String, String)>,
    /// Whether to separate fields with `, ` (else `,`).
    pub spaced: bool,
}

impl AuthorizationParts {
    /// The `X-Amz-Date` value.
    pub fn amz_date(&self) -> String {
        match &self.date {
            Ok(offset) => amz_date(BASE_NOW + i64::from(*offset)),
            Err(raw) => raw.clone(),
        }
    }

    /// The header's value.
    pub fn render(&self) -> String {
        let amz = self.amz_date();
        let date = self
            .scope_date
            .clone()
            .unwrap_or_else(|| amz.get(..8).unwrap_or_default().to_owned());
        let region = match &self.region {
            Ok(index) => pick(
                &["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"],
                *index,
            )
            .to_owned(),
            Err(raw) => raw.clone(),
        };
        let service = match &self.service {
            Ok(index) => pick(&["kms", "iam", "sts"], *index).to_owned(),
            Err(raw) => raw.clone(),
        };
        let mut signed: Vec<String> = vec!["host".into(), "x-amz-date".into()];
        signed.extend(self.signed_headers.iter().cloned());
        let signature = match &self.signature {
            Ok(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            Err(raw) => raw.clone(),
        };
        let separator = if self.spaced { ", " } else { "," };
        let mut out = format!(
            "{} Credential={}/{date}/{region}/{service}/{}{separator}SignedHeaders={}{separator}Signature={signature}",
            self.algorithm.as_deref().unwrap_or(trent_sigv4::ALGORITHM),
            self.access_key_id,
            self.terminator.as_deref().unwrap_or("aws4_request"),
            signed.join(";"),
        );
        if let Some((name, value)) = &self.extra {
            out.push_str(separator);
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
        out
    }
}

/// A request a client signs with `trent_sigv4::sign`.
#[derive(Arbitrary, Debug)]
pub struct SignedRequest {
    /// `POST`, `GET`, or any text.
    pub method: String,
    /// The `Host` value.
    pub host: String,
    /// The path as sent.
    pub path: String,
    /// The query string as sent.
    pub query: String,
    /// Headers beyond `host`, in sending order.
    pub headers: Vec<(HeaderName, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
    /// The secret access key.
    pub secret: String,
    /// Seeds the access key id (mapped onto `A-Z0-9`).
    pub access_key_seed: Vec<u8>,
    /// A region, by index.
    pub region_index: u8,
    /// Seconds from [`BASE_NOW`].
    pub now_offset: i32,
}

impl SignedRequest {
    /// An access key id as AWS makes them.
    pub fn access_key_id(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut id: String = "AKIA".into();
        id.extend(
            self.access_key_seed
                .iter()
                .take(16)
                .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])),
        );
        id
    }

    /// The region of the scope.
    pub fn region(&self) -> String {
        pick(
            &[
                "us-east-1",
                "eu-west-1",
                "ap-southeast-2",
                "us-gov-west-1",
                "me-central-1",
            ],
            self.region_index,
        )
        .to_owned()
    }
}
