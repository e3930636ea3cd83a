//! The token's user PIN: read once from where the URI says, held in a
//! zeroizing buffer, and never displayed.

use std::fmt;
use std::path::Path;

use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::HsmError;
use crate::uri::{PinSource, DEFAULT_PIN_ENV};

/// A user PIN. Its `Debug` says nothing of it; the buffer is zeroized on drop
/// (by `secrecy`, which `cryptoki` logs in with).
pub(crate) struct Pin(AuthPin);

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin(redacted)")
    }
}

impl Pin {
    /// Reads the PIN from `source`, or from [`DEFAULT_PIN_ENV`] without one.
    pub(crate) fn read(source: Option<&PinSource>) -> Result<Self, HsmError> {
        read_text(source).map(|text| Self::new(&text))
    }

    pub(crate) fn auth(&self) -> &AuthPin {
        &self.0
    }

    fn new(pin: &str) -> Self {
        // `String::from(&str)` allocates exactly, so boxing it does not copy.
        Self(AuthPin::from(pin))
    }
}

fn read_text(source: Option<&PinSource>) -> Result<Zeroizing<String>, HsmError> {
    match source {
        Some(PinSource::File(path)) => from_file(path),
        Some(PinSource::Env(name)) => from_env(name),
        None => from_env(DEFAULT_PIN_ENV),
    }
}

fn from_file(path: &Path) -> Result<Zeroizing<String>, HsmError> {
    let bytes =
        Zeroizing::new(
            std::fs::read(path).map_err(|error| HsmError::PinFileUnreadable {
                path: path.to_owned(),
                error,
            })?,
        );
    let text = std::str::from_utf8(&bytes).map_err(|_| HsmError::PinFileNotUtf8 {
        path: path.to_owned(),
    })?;
    let pin = text.trim_end_matches(['\n', '\r']);
    if pin.is_empty() {
        return Err(HsmError::PinFileEmpty {
            path: path.to_owned(),
        });
    }
    Ok(Zeroizing::new(pin.to_owned()))
}

fn from_env(name: &str) -> Result<Zeroizing<String>, HsmError> {
    let unset = || HsmError::PinEnvUnset {
        name: name.to_owned(),
    };
    let value = std::env::var_os(name).ok_or_else(unset)?;
    let value = Zeroizing::new(
        value
            .into_string()
            .map_err(|_| HsmError::PinEnvNotUnicode {
                name: name.to_owned(),
            })?,
    );
    if value.is_empty() {
        return Err(unset());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_pin_file_loses_its_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        for (content, expected) in [("1234\n", "1234"), ("1234\r\n", "1234"), ("12 34", "12 34")] {
            let path = dir.path().join("pin");
            std::fs::write(&path, content).unwrap();
            let pin = read_text(Some(&PinSource::File(path))).unwrap();
            assert_eq!(pin.as_str(), expected);
        }
    }

    #[test]
    fn pin_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing-pin");
        let error = Pin::read(Some(&PinSource::File(missing.clone()))).unwrap_err();
        assert!(matches!(error, HsmError::PinFileUnreadable { .. }));
        assert!(
            error.to_string().contains(&missing.display().to_string()),
            "{error}"
        );
        let empty = dir.path().join("empty-pin");
        std::fs::write(&empty, "\n").unwrap();
        let error = Pin::read(Some(&PinSource::File(empty.clone()))).unwrap_err();
        assert!(error.to_string().contains("empty-pin"), "{error}");
        let binary = dir.path().join("binary-pin");
        std::fs::write(&binary, [0xff, 0xfe]).unwrap();
        let error = Pin::read(Some(&PinSource::File(binary))).unwrap_err();
        assert!(error.to_string().contains("binary-pin"), "{error}");
    }

    #[test]
    fn an_unset_pin_variable_is_named() {
        let name = "TRENT_HSM_TEST_PIN_THAT_IS_NEVER_SET";
        let error = Pin::read(Some(&PinSource::Env(name.into()))).unwrap_err();
        assert!(matches!(error, HsmError::PinEnvUnset { .. }));
        assert!(error.to_string().contains(name), "{error}");
    }

    #[test]
    fn a_pin_never_shows_in_debug_output() {
        assert_eq!(format!("{:?}", Pin::new("1234")), "Pin(redacted)");
    }
}
