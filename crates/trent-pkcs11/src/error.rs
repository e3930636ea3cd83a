//! Start-up errors of the PKCS#11 provider: each names the problem and, where
//! there is one, what to do about it. None ever holds the PIN.

use std::fmt;
use std::path::PathBuf;

use cryptoki::error::{Error as CryptokiError, RvError};

use crate::uri::Pkcs11Uri;

/// Why the provider could not reach, log in to or use the root key.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// The module file is missing, unreadable or not a PKCS#11 module.
    #[error("the PKCS#11 module at {path} could not be loaded: {cause}")]
    ModuleNotLoadable {
        /// The `module-path` of the URI.
        path: PathBuf,
        /// What the loader said.
        cause: Pkcs11Cause,
    },
    /// `C_Initialize` failed.
    #[error("the PKCS#11 module at {path} could not be initialized: {cause}")]
    ModuleNotInitialized {
        /// The `module-path` of the URI.
        path: PathBuf,
        /// What the module returned.
        cause: Pkcs11Cause,
    },
    /// No initialized token matches the URI's `token`, `serial` and `slot-id`.
    #[error(
        "no token matching {} in the PKCS#11 module at {} (tokens seen: {})",
        wanted.token_selector(),
        wanted.module_path().display(),
        Labels(seen)
    )]
    NoMatchingToken {
        /// The URI asked for.
        wanted: Box<Pkcs11Uri>,
        /// The labels of the initialized tokens the module shows.
        seen: Vec<String>,
    },
    /// More than one token matches: the URI must say which.
    #[error(
        "several tokens match {} (labels: {}): name one by `serial` or `slot-id`",
        wanted.token_selector(),
        Labels(matching)
    )]
    SeveralTokens {
        /// The URI asked for.
        wanted: Box<Pkcs11Uri>,
        /// The labels of the tokens that match.
        matching: Vec<String>,
    },
    /// `CKR_PIN_INCORRECT`.
    #[error("the PIN for token {token} was refused")]
    PinIncorrect {
        /// The token's label.
        token: String,
    },
    /// `CKR_PIN_LOCKED`: too many wrong PINs.
    #[error("the PIN for token {token} is locked (too many wrong PINs): the token's security officer must unlock it")]
    PinLocked {
        /// The token's label.
        token: String,
    },
    /// The `pin-source` file could not be read.
    #[error("the PIN file {path} could not be read: {error}")]
    PinFileUnreadable {
        /// The file.
        path: PathBuf,
        /// Why not.
        error: std::io::Error,
    },
    /// The `pin-source` file is empty (or holds only a newline).
    #[error("the PIN file {path} is empty")]
    PinFileEmpty {
        /// The file.
        path: PathBuf,
    },
    /// The `pin-source` file is not UTF-8.
    #[error("the PIN file {path} is not UTF-8")]
    PinFileNotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The environment variable that holds the PIN is unset or empty.
    #[error(
        "the environment variable {name}, which holds the token's PIN, is not set (or is empty)"
    )]
    PinEnvUnset {
        /// The variable.
        name: String,
    },
    /// The environment variable that holds the PIN is not valid Unicode.
    #[error("the environment variable {name}, which holds the token's PIN, is not valid Unicode")]
    PinEnvNotUnicode {
        /// The variable.
        name: String,
    },
    /// No secret key with the URI's `object` label, and creating one was not allowed.
    #[error("no secret key labelled {object} in token {token}: run `trent admin init-hsm` or start with creation allowed")]
    KeyAbsent {
        /// The key's `CKA_LABEL`.
        object: String,
        /// The token's label.
        token: String,
    },
    /// Several secret keys have the URI's `object` label.
    #[error("{count} secret keys are labelled {object} in token {token}: give the URI an `id` to say which")]
    SeveralKeys {
        /// The key's `CKA_LABEL`.
        object: String,
        /// The token's label.
        token: String,
        /// How many.
        count: usize,
    },
    /// The key exists but is not fit to be a root key.
    #[error("the secret key labelled {object} in token {token} is refused as a root key: {fault}")]
    KeyRefused {
        /// The key's `CKA_LABEL`.
        object: String,
        /// The token's label.
        token: String,
        /// Which attribute is wrong.
        fault: KeyFault,
    },
    /// The token cannot encrypt and decrypt with AES-GCM.
    #[error("token {token} does not offer CKM_AES_GCM for C_Encrypt and C_Decrypt, the mechanism Trent seals with inside the token (CKM_AES_KEY_WRAP_PAD through C_Encrypt is not supported by this provider)")]
    NoMechanism {
        /// The token's label.
        token: String,
    },
    /// A PKCS#11 call failed.
    #[error("{action} on token {token} failed: {cause}")]
    Token {
        /// The token's label (empty before a token was found).
        token: String,
        /// What the provider was doing.
        action: Action,
        /// What the module returned.
        cause: Pkcs11Cause,
    },
    /// The token went away while the provider was reading from it.
    #[error("token {token} is unavailable")]
    Unavailable {
        /// The token's label.
        token: String,
    },
    /// The system's random generator failed.
    #[error("the system random generator failed")]
    Random,
}

impl HsmError {
    /// Whether finalizing and initializing the module again may bring the
    /// token back: it is not seen, or the module says it or the session is gone.
    pub(crate) fn may_recover_by_reinitializing(&self) -> bool {
        match self {
            Self::NoMatchingToken { .. } => true,
            Self::Token { cause, .. } => cause.means_gone(),
            _ => false,
        }
    }
}

/// Why an existing key is refused as a root key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFault {
    /// `CKA_KEY_TYPE` is not `CKK_AES`.
    #[error("CKA_KEY_TYPE is not CKK_AES")]
    NotAes,
    /// `CKA_VALUE_LEN` is not 32.
    #[error("CKA_VALUE_LEN is {0}, not 32 (AES-256)")]
    Length(u64),
    /// `CKA_SENSITIVE` is false: the token would reveal the value.
    #[error("CKA_SENSITIVE is false, so the token would reveal its value")]
    NotSensitive,
    /// `CKA_EXTRACTABLE` is true: the value could be wrapped out of the token.
    #[error("CKA_EXTRACTABLE is true, so its value could leave the token")]
    Extractable,
    /// `CKA_ENCRYPT` is false.
    #[error("CKA_ENCRYPT is false")]
    CannotEncrypt,
    /// `CKA_DECRYPT` is false.
    #[error("CKA_DECRYPT is false")]
    CannotDecrypt,
    /// `CKA_ID` is empty, so the key has no root key id.
    #[error("CKA_ID is empty, and a root key's id is its CKA_ID: give the key an id")]
    NoId,
    /// The token would not say what an attribute is.
    #[error("{0} could not be read")]
    Unreadable(&'static str),
    /// After a reconnection, the key under the label is another key.
    #[error("its CKA_ID is not the one of the root key opened at start-up")]
    OtherKey,
}

/// What the provider was doing when a PKCS#11 call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `C_GetSlotList`, `C_GetTokenInfo`.
    ListTokens,
    /// `C_GetMechanismInfo`.
    ReadMechanisms,
    /// `C_OpenSession`.
    OpenSession,
    /// `C_Login`.
    Login,
    /// `C_FindObjects`.
    FindKey,
    /// `C_GenerateKey`.
    GenerateKey,
    /// `C_GetAttributeValue`.
    ReadKeyAttributes,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ListTokens => "listing the tokens",
            Self::ReadMechanisms => "reading the mechanisms",
            Self::OpenSession => "opening a session",
            Self::Login => "logging in",
            Self::FindKey => "finding the root key",
            Self::GenerateKey => "generating the root key",
            Self::ReadKeyAttributes => "reading the root key's attributes",
        })
    }
}

/// What a PKCS#11 module or its loader returned, kept opaque so no binding
/// type leaves this crate.
#[derive(Debug)]
pub struct Pkcs11Cause(pub(crate) CryptokiError);

impl Pkcs11Cause {
    /// Whether the token, the session or the module's initialization is gone.
    pub(crate) fn means_gone(&self) -> bool {
        means_gone(&self.0)
    }
}

impl fmt::Display for Pkcs11Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            CryptokiError::Pkcs11(rv, function) => write!(f, "C_{function:?} returned {rv:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl std::error::Error for Pkcs11Cause {}

/// Return values meaning the token, the session, the key handle or the
/// module's initialization went away, rather than that the input was bad:
/// the session is dropped and rebuilt on the next call.
pub(crate) fn means_gone(error: &CryptokiError) -> bool {
    matches!(
        error,
        CryptokiError::Pkcs11(
            RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::TokenNotPresent
                | RvError::TokenNotRecognized
                | RvError::DeviceRemoved
                | RvError::DeviceError
                | RvError::ObjectHandleInvalid
                | RvError::KeyHandleInvalid
                | RvError::UserNotLoggedIn
                | RvError::CryptokiNotInitialized,
            _
        )
    )
}

/// Token labels, quoted, for messages.
struct Labels<'a>(&'a [String]);

impl fmt::Display for Labels<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, label) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{label:?}")?;
        }
        Ok(())
    }
}
