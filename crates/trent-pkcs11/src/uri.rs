//! Where the root key is: an RFC 7512 PKCS#11 URI, parsed once at start-up.
//!
//! `pkcs11:token=trent;object=trent-root-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/trent/pin`
//!
//! The path names the token (`token`, `serial`, `slot-id`: at least one) and
//! the key (`object`, its `CKA_LABEL`, default [`DEFAULT_OBJECT`]; `id`, its
//! `CKA_ID`; `type`, only `secret-key`). The query names the module
//! (`module-path`, required) and where the PIN is (`pin-source`: `file:PATH`,
//! a bare path, or `env:NAME`; without it [`DEFAULT_PIN_ENV`]). A URI never
//! holds the PIN itself: `pin-value` is refused, so the PIN cannot end up on
//! a command line, in a shell history or in the store.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The `CKA_LABEL` of the root key when the URI names no `object`.
pub const DEFAULT_OBJECT: &str = "trent-root-key";

/// The environment variable the PIN is read from when the URI has no
/// `pin-source`.
pub const DEFAULT_PIN_ENV: &str = "TRENT_PKCS11_PIN";

/// A parsed PKCS#11 URI naming a token, a secret key in it, the module that
/// reaches it and where its PIN is. [`fmt::Display`] writes it back in a
/// canonical form that holds no PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    token: Option<String>,
    serial: Option<String>,
    slot_id: Option<u64>,
    object: String,
    id: Option<Vec<u8>>,
    module_path: PathBuf,
    pin_source: Option<PinSource>,
}

/// Where the user PIN of the token is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    /// A file holding the PIN; one trailing newline is ignored.
    File(PathBuf),
    /// An environment variable holding the PIN.
    Env(String),
}

/// Why a PKCS#11 URI was refused. Each message names the attribute at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// The text does not start with `pkcs11:`.
    #[error("a PKCS#11 URI starts with `pkcs11:`")]
    NotPkcs11,
    /// A `#` fragment, which RFC 7512 does not allow.
    #[error("a PKCS#11 URI has no `#` fragment")]
    Fragment,
    /// A path or query component without `=`.
    #[error("attribute `{text}` in the PKCS#11 URI has no `=`")]
    NoValue {
        /// The component as written (never a PIN: `pin-value` is refused first).
        text: String,
    },
    /// An attribute this provider does not know or does not support.
    #[error("unsupported attribute `{name}` in the PKCS#11 URI (path: token, serial, slot-id, object, id, type; query: module-path, pin-source)")]
    UnknownAttribute {
        /// The attribute's name.
        name: String,
    },
    /// A query attribute in the path or a path attribute in the query.
    #[error("attribute `{name}` belongs in the {expected} of the PKCS#11 URI")]
    WrongPart {
        /// The attribute's name.
        name: String,
        /// `path` (before `?`) or `query` (after `?`).
        expected: &'static str,
    },
    /// The same attribute twice.
    #[error("attribute `{name}` appears twice in the PKCS#11 URI")]
    Duplicate {
        /// The attribute's name.
        name: String,
    },
    /// A `%` not followed by two hex digits.
    #[error("attribute `{name}` has a `%` not followed by two hex digits")]
    BadPercentEncoding {
        /// The attribute's name.
        name: String,
    },
    /// A text attribute whose decoded bytes are not UTF-8.
    #[error("attribute `{name}` is not UTF-8 once percent-decoded")]
    NotUtf8 {
        /// The attribute's name.
        name: String,
    },
    /// An attribute with an empty value.
    #[error("attribute `{name}` is empty")]
    Empty {
        /// The attribute's name.
        name: String,
    },
    /// `slot-id` is not a decimal number.
    #[error("attribute `slot-id` must be a decimal number")]
    BadSlotId,
    /// `type` other than `secret-key`: the root key is an AES secret key.
    #[error("attribute `type` must be `secret-key`: the root key is an AES secret key")]
    BadType,
    /// No `module-path`.
    #[error("attribute `module-path` is required: the path of the PKCS#11 module (for SoftHSM2, /usr/lib/softhsm/libsofthsm2.so)")]
    MissingModulePath,
    /// None of `token`, `serial`, `slot-id`.
    #[error(
        "the PKCS#11 URI must name the token: give `token` (its label), `serial` or `slot-id`"
    )]
    NoToken,
    /// `pin-value`, refused on purpose.
    #[error("attribute `pin-value` is refused: the PIN never goes on a command line; use pin-source=file:/path/to/pin or set {DEFAULT_PIN_ENV}")]
    PinValue,
}

impl Pkcs11Uri {
    /// Parses an RFC 7512 URI. See the module documentation for the rules.
    pub fn parse(text: &str) -> Result<Self, UriError> {
        let rest = text
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("pkcs11:"))
            .and_then(|_| text.get(7..))
            .ok_or(UriError::NotPkcs11)?;
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, query),
            None => (rest, ""),
        };
        let mut fields = Fields::default();
        for component in path.split(';').filter(|c| !c.is_empty()) {
            fields.path_attribute(component)?;
        }
        for component in query.split('&').filter(|c| !c.is_empty()) {
            fields.query_attribute(component)?;
        }
        fields.finish()
    }

    /// The token's label (`token`).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The token's serial number (`serial`).
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }

    /// The slot's id (`slot-id`).
    pub fn slot_id(&self) -> Option<u64> {
        self.slot_id
    }

    /// The key's `CKA_LABEL` (`object`, default [`DEFAULT_OBJECT`]).
    pub fn object(&self) -> &str {
        &self.object
    }

    /// The key's `CKA_ID` (`id`), if the URI names one.
    pub fn id(&self) -> Option<&[u8]> {
        self.id.as_deref()
    }

    /// The PKCS#11 module to load (`module-path`).
    pub fn module_path(&self) -> &Path {
        &self.module_path
    }

    /// Where the PIN is (`pin-source`); `None` means [`DEFAULT_PIN_ENV`].
    pub fn pin_source(&self) -> Option<&PinSource> {
        self.pin_source.as_ref()
    }

    /// The token part alone (`token=…;serial=…;slot-id=…`), for messages.
    pub fn token_selector(&self) -> String {
        let mut out = String::new();
        self.write_token_selector(&mut out);
        out
    }

    fn write_token_selector(&self, out: &mut String) {
        let mut parts = Vec::new();
        if let Some(token) = &self.token {
            parts.push(format!("token={}", encode(token.as_bytes(), Part::Path)));
        }
        if let Some(serial) = &self.serial {
            parts.push(format!("serial={}", encode(serial.as_bytes(), Part::Path)));
        }
        if let Some(slot_id) = self.slot_id {
            parts.push(format!("slot-id={slot_id}"));
        }
        out.push_str(&parts.join(";"));
    }
}

impl FromStr for Pkcs11Uri {
    type Err = UriError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Pkcs11Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut path = String::new();
        self.write_token_selector(&mut path);
        path.push_str(";object=");
        path.push_str(&encode(self.object.as_bytes(), Part::Path));
        if let Some(id) = &self.id {
            path.push_str(";id=");
            path.push_str(&encode(id, Part::Path));
        }
        write!(f, "pkcs11:{path}?module-path=")?;
        f.write_str(&encode(
            self.module_path.as_os_str().as_encoded_bytes(),
            Part::Query,
        ))?;
        match &self.pin_source {
            Some(PinSource::File(file)) => {
                f.write_str("&pin-source=file:")?;
                f.write_str(&encode(file.as_os_str().as_encoded_bytes(), Part::Query))
            }
            Some(PinSource::Env(name)) => {
                f.write_str("&pin-source=env:")?;
                f.write_str(&encode(name.as_bytes(), Part::Query))
            }
            None => Ok(()),
        }
    }
}

/// The attributes read so far; `None` until seen, so a second one is refused.
#[derive(Default)]
struct Fields {
    token: Option<String>,
    serial: Option<String>,
    slot_id: Option<u64>,
    object: Option<String>,
    id: Option<Vec<u8>>,
    kind: Option<()>,
    module_path: Option<PathBuf>,
    pin_source: Option<PinSource>,
}

const PATH_ATTRIBUTES: &[&str] = &["token", "serial", "slot-id", "object", "id", "type"];
const QUERY_ATTRIBUTES: &[&str] = &["module-path", "pin-source"];

impl Fields {
    fn path_attribute(&mut self, component: &str) -> Result<(), UriError> {
        let (name, raw) = split_attribute(component)?;
        let value = decode(name, raw)?;
        match name {
            "token" => set(&mut self.token, name, text(name, value)?),
            "serial" => set(&mut self.serial, name, text(name, value)?),
            "object" => set(&mut self.object, name, text(name, value)?),
            "id" => set(&mut self.id, name, non_empty(name, value)?),
            "slot-id" => {
                let digits = text(name, value)?;
                if !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(UriError::BadSlotId);
                }
                set(
                    &mut self.slot_id,
                    name,
                    digits.parse().map_err(|_| UriError::BadSlotId)?,
                )
            }
            "type" => {
                if value != b"secret-key" {
                    return Err(UriError::BadType);
                }
                set(&mut self.kind, name, ())
            }
            _ => Err(misplaced(name, QUERY_ATTRIBUTES, "query")),
        }
    }

    fn query_attribute(&mut self, component: &str) -> Result<(), UriError> {
        let (name, raw) = split_attribute(component)?;
        let value = decode(name, raw)?;
        match name {
            "module-path" => set(
                &mut self.module_path,
                name,
                PathBuf::from(text(name, value)?),
            ),
            "pin-source" => set(&mut self.pin_source, name, pin_source(text(name, value)?)?),
            _ => Err(misplaced(name, PATH_ATTRIBUTES, "path")),
        }
    }

    fn finish(self) -> Result<Pkcs11Uri, UriError> {
        let module_path = self.module_path.ok_or(UriError::MissingModulePath)?;
        if self.token.is_none() && self.serial.is_none() && self.slot_id.is_none() {
            return Err(UriError::NoToken);
        }
        Ok(Pkcs11Uri {
            token: self.token,
            serial: self.serial,
            slot_id: self.slot_id,
            object: self.object.unwrap_or_else(|| DEFAULT_OBJECT.to_owned()),
            id: self.id,
            module_path,
            pin_source: self.pin_source,
        })
    }
}

/// Splits `name=value`; `pin-value` is refused here, in either part, before
/// anything else is read, so no message ever carries it.
fn split_attribute(component: &str) -> Result<(&str, &str), UriError> {
    if component == "pin-value" || component.starts_with("pin-value=") {
        return Err(UriError::PinValue);
    }
    match component.split_once('=') {
        Some((name, value)) => Ok((name, value)),
        None if PATH_ATTRIBUTES.contains(&component) || QUERY_ATTRIBUTES.contains(&component) => {
            Err(UriError::NoValue {
                text: component.to_owned(),
            })
        }
        None => Err(UriError::UnknownAttribute {
            name: component.to_owned(),
        }),
    }
}

fn misplaced(name: &str, other: &[&str], other_part: &'static str) -> UriError {
    if other.contains(&name) {
        UriError::WrongPart {
            name: name.to_owned(),
            expected: other_part,
        }
    } else {
        UriError::UnknownAttribute {
            name: name.to_owned(),
        }
    }
}

fn set<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), UriError> {
    if slot.is_some() {
        return Err(UriError::Duplicate {
            name: name.to_owned(),
        });
    }
    *slot = Some(value);
    Ok(())
}

fn non_empty(name: &str, value: Vec<u8>) -> Result<Vec<u8>, UriError> {
    if value.is_empty() {
        return Err(UriError::Empty {
            name: name.to_owned(),
        });
    }
    Ok(value)
}

fn text(name: &str, value: Vec<u8>) -> Result<String, UriError> {
    String::from_utf8(non_empty(name, value)?).map_err(|_| UriError::NotUtf8 {
        name: name.to_owned(),
    })
}

fn pin_source(value: String) -> Result<PinSource, UriError> {
    let empty = || UriError::Empty {
        name: "pin-source".to_owned(),
    };
    if let Some(name) = value.strip_prefix("env:") {
        if name.is_empty() {
            return Err(empty());
        }
        return Ok(PinSource::Env(name.to_owned()));
    }
    // `file:///etc/pin` and `file:/etc/pin` both name /etc/pin.
    let path = value
        .strip_prefix("file://")
        .or_else(|| value.strip_prefix("file:"))
        .unwrap_or(&value);
    if path.is_empty() {
        return Err(empty());
    }
    Ok(PinSource::File(PathBuf::from(path)))
}

/// RFC 7512 percent-decoding: `%XX` is the byte 0xXX, anything else is itself.
fn decode(name: &str, raw: &str) -> Result<Vec<u8>, UriError> {
    let bad = || UriError::BadPercentEncoding {
        name: name.to_owned(),
    };
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let digits = std::str::from_utf8(hex).map_err(|_| bad())?;
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            out.push(u8::from_str_radix(digits, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    Ok(out)
}

#[derive(Clone, Copy)]
enum Part {
    Path,
    Query,
}

/// Percent-encodes all but RFC 3986 unreserved characters and the few
/// RFC 7512 allows as they are (`:` `@` everywhere, `/` in the query).
fn encode(bytes: &[u8], part: Part) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        let plain = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':' | b'@')
            || (matches!(part, Part::Query) && byte == b'/');
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const MODULE: &str = "module-path=/usr/lib/softhsm/libsofthsm2.so";

    fn check(text: &str, expected: Result<&str, UriError>) {
        let parsed = Pkcs11Uri::parse(text).map(|uri| uri.to_string());
        assert_eq!(parsed.as_deref().map_err(Clone::clone), expected, "{text}");
    }

    fn refused(text: &str) -> String {
        Pkcs11Uri::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_full_uri_reads_every_attribute() {
        let uri = Pkcs11Uri::parse(
            "pkcs11:token=trent;serial=12ab;slot-id=7;object=root;id=%01%02;type=secret-key\
             ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/trent/pin",
        )
        .unwrap();
        assert_eq!(uri.token(), Some("trent"));
        assert_eq!(uri.serial(), Some("12ab"));
        assert_eq!(uri.slot_id(), Some(7));
        assert_eq!(uri.object(), "root");
        assert_eq!(uri.id(), Some(&[1u8, 2][..]));
        assert_eq!(
            uri.module_path(),
            Path::new("/usr/lib/softhsm/libsofthsm2.so")
        );
        assert_eq!(
            uri.pin_source(),
            Some(&PinSource::File("/etc/trent/pin".into()))
        );
        assert_eq!(uri.token_selector(), "token=trent;serial=12ab;slot-id=7");
    }

    #[test]
    fn display_is_canonical_and_reads_back() {
        check(
            &format!("pkcs11:token=trent?{MODULE}"),
            Ok("pkcs11:token=trent;object=trent-root-key?module-path=/usr/lib/softhsm/libsofthsm2.so"),
        );
        check(
            &format!("PKCS11:object=k;type=secret-key;slot-id=3?pin-source=/run/pin&{MODULE}"),
            Ok("pkcs11:slot-id=3;object=k?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin"),
        );
        check(
            &format!("pkcs11:token=a%20b%3Bc?{MODULE}&pin-source=env:HSM_PIN"),
            Ok("pkcs11:token=a%20b%3Bc;object=trent-root-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:HSM_PIN"),
        );
        for text in [
            format!("pkcs11:token=caf%C3%A9;serial=x%2Fy;object=o%3Dp;id=%00%FF?{MODULE}&pin-source=file:///a%20b"),
            "pkcs11:slot-id=0?module-path=/lib/x%26y.so&pin-source=env:P".to_owned(),
        ] {
            let uri = Pkcs11Uri::parse(&text).unwrap();
            assert_eq!(Pkcs11Uri::parse(&uri.to_string()).unwrap(), uri, "{uri}");
        }
    }

    #[test]
    fn percent_decoding_follows_rfc_7512() {
        let uri = Pkcs11Uri::parse(&format!("pkcs11:token=my%20token;id=%a0%0B?{MODULE}")).unwrap();
        assert_eq!(uri.token(), Some("my token"));
        assert_eq!(uri.id(), Some(&[0xa0, 0x0b][..]));
        for bad in ["%", "%4", "%zz", "a%4g"] {
            assert_eq!(
                Pkcs11Uri::parse(&format!("pkcs11:token={bad}?{MODULE}")).unwrap_err(),
                UriError::BadPercentEncoding {
                    name: "token".into()
                }
            );
        }
        assert_eq!(
            Pkcs11Uri::parse(&format!("pkcs11:token=%FF?{MODULE}")).unwrap_err(),
            UriError::NotUtf8 {
                name: "token".into()
            }
        );
    }

    #[test]
    fn module_path_is_required() {
        check("pkcs11:token=trent", Err(UriError::MissingModulePath));
        check(
            "pkcs11:token=trent?pin-source=file:/p",
            Err(UriError::MissingModulePath),
        );
        assert!(refused("pkcs11:token=trent").contains("module-path"));
    }

    #[test]
    fn a_token_must_be_named() {
        check(
            &format!("pkcs11:object=root?{MODULE}"),
            Err(UriError::NoToken),
        );
        check(&format!("pkcs11:?{MODULE}"), Err(UriError::NoToken));
        for selector in ["token=t", "serial=s", "slot-id=0"] {
            assert!(Pkcs11Uri::parse(&format!("pkcs11:{selector}?{MODULE}")).is_ok());
        }
    }

    #[test]
    fn pin_value_is_refused_wherever_it_is() {
        for text in [
            format!("pkcs11:token=t?{MODULE}&pin-value=1234"),
            format!("pkcs11:token=t?pin-value=1234&{MODULE}"),
            format!("pkcs11:token=t;pin-value=1234?{MODULE}"),
            format!("pkcs11:token=t?{MODULE}&pin-value"),
        ] {
            assert_eq!(Pkcs11Uri::parse(&text).unwrap_err(), UriError::PinValue);
            let message = refused(&text);
            assert!(!message.contains("1234"), "{message}");
            assert!(message.contains("pin-source=file:"), "{message}");
            assert!(message.contains(DEFAULT_PIN_ENV), "{message}");
        }
    }

    #[test]
    fn pin_sources_are_a_file_a_bare_path_or_an_environment_variable() {
        let source = |query: &str| {
            Pkcs11Uri::parse(&format!("pkcs11:token=t?{MODULE}&{query}"))
                .map(|uri| uri.pin_source().cloned())
        };
        assert_eq!(
            source("pin-source=file:/etc/pin"),
            Ok(Some(PinSource::File("/etc/pin".into())))
        );
        assert_eq!(
            source("pin-source=file:///etc/pin"),
            Ok(Some(PinSource::File("/etc/pin".into())))
        );
        assert_eq!(
            source("pin-source=/etc/pin"),
            Ok(Some(PinSource::File("/etc/pin".into())))
        );
        assert_eq!(
            source("pin-source=env:MY_PIN"),
            Ok(Some(PinSource::Env("MY_PIN".into())))
        );
        assert_eq!(
            Pkcs11Uri::parse(&format!("pkcs11:token=t?{MODULE}"))
                .unwrap()
                .pin_source(),
            None
        );
        for empty in ["pin-source=", "pin-source=env:", "pin-source=file:"] {
            assert_eq!(
                source(empty),
                Err(UriError::Empty {
                    name: "pin-source".into()
                }),
                "{empty}"
            );
        }
    }

    #[test]
    fn unknown_attributes_are_named() {
        for (text, name) in [
            (
                format!("pkcs11:token=t;manufacturer=x?{MODULE}"),
                "manufacturer",
            ),
            (format!("pkcs11:token=t?{MODULE}&x-vendor=1"), "x-vendor"),
            (format!("pkcs11:token=t;lonely?{MODULE}"), "lonely"),
        ] {
            assert_eq!(
                Pkcs11Uri::parse(&text).unwrap_err(),
                UriError::UnknownAttribute { name: name.into() },
                "{text}"
            );
            assert!(refused(&text).contains(&format!("`{name}`")));
        }
    }

    #[test]
    fn attributes_in_the_wrong_part_are_named() {
        assert_eq!(
            Pkcs11Uri::parse("pkcs11:token=t;module-path=/m").unwrap_err(),
            UriError::WrongPart {
                name: "module-path".into(),
                expected: "query"
            }
        );
        assert_eq!(
            Pkcs11Uri::parse(&format!("pkcs11:?{MODULE}&token=t")).unwrap_err(),
            UriError::WrongPart {
                name: "token".into(),
                expected: "path"
            }
        );
    }

    #[test]
    fn malformed_attributes_are_named() {
        let cases = [
            (
                "pkcs11:token=t;token=u?x",
                UriError::Duplicate {
                    name: "token".into(),
                },
            ),
            (
                "pkcs11:token=t?module-path=/a&module-path=/b",
                UriError::Duplicate {
                    name: "module-path".into(),
                },
            ),
            (
                "pkcs11:token=?x",
                UriError::Empty {
                    name: "token".into(),
                },
            ),
            (
                "pkcs11:token=t;object=?x",
                UriError::Empty {
                    name: "object".into(),
                },
            ),
            (
                "pkcs11:token=t;id=?x",
                UriError::Empty { name: "id".into() },
            ),
            (
                "pkcs11:token?x",
                UriError::NoValue {
                    text: "token".into(),
                },
            ),
            ("pkcs11:slot-id=x1", UriError::BadSlotId),
            ("pkcs11:slot-id=-1", UriError::BadSlotId),
            (
                "pkcs11:slot-id=99999999999999999999999",
                UriError::BadSlotId,
            ),
            ("pkcs11:token=t;type=private", UriError::BadType),
            (
                "pkcs11:token=t;type=secret-key;type=secret-key?x",
                UriError::Duplicate {
                    name: "type".into(),
                },
            ),
            ("pkcs11:token=t#frag", UriError::Fragment),
            ("pkcs12:token=t", UriError::NotPkcs11),
            ("pkcs11", UriError::NotPkcs11),
            ("", UriError::NotPkcs11),
        ];
        for (text, expected) in cases {
            assert_eq!(Pkcs11Uri::parse(text).unwrap_err(), expected, "{text}");
        }
        assert!(refused("pkcs11:slot-id=x").contains("slot-id"));
        assert!(refused("pkcs11:token=t;type=data").contains("type"));
        assert!(refused("pkcs11:token=t;token=u").contains("token"));
    }

    #[test]
    fn the_object_defaults_to_the_trent_root_key() {
        let uri: Pkcs11Uri = format!("pkcs11:token=t?{MODULE}").parse().unwrap();
        assert_eq!(uri.object(), DEFAULT_OBJECT);
        assert_eq!(uri.id(), None);
    }
}
