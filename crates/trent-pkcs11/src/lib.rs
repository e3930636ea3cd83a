//! The root key inside a PKCS#11 token.
//!
//! Owns [`Pkcs11RootKeyProvider`], a [`RootKeyProvider`] whose root key is an
//! AES-256 key generated inside a token (SoftHSM2, a YubiHSM, a network HSM)
//! that never leaves it: every seal and open is a `C_Encrypt` or
//! `C_Decrypt` with `CKM_AES_GCM` in the token, with the label as additional
//! authenticated data. It also owns [`uri::Pkcs11Uri`], the RFC 7512 URI that
//! says where the key is, and [`HsmError`], the start-up errors.
//!
//! It deliberately knows nothing of storage, the wire format or async code,
//! binds no PKCS#11 function itself (the `cryptoki` crate does, and none of
//! its types appear in this crate's API), and never holds the PIN anywhere
//! but in a zeroizing buffer: no message, `Debug` output or URI it writes
//! contains it.
//!
//! A sealed value is `0x10 || IV (12 bytes) || ciphertext || tag (16 bytes)`:
//! the first byte names the mechanism that sealed it (0x10, AES-GCM; 0x11 is
//! kept for `CKM_AES_KEY_WRAP_PAD`, which this provider does not use:
//! SoftHSM2 offers it only for `C_WrapKey`, not `C_Encrypt`).
//!
//! A key already in the token is taken only if it is AES-256, sensitive, not
//! extractable and has a `CKA_ID` (its root key id). A provider keeps one
//! session, so its operations take turns.
//!
//! When the token goes away, an operation fails as
//! [`CryptoError::RootKeyUnavailable`] and the session is dropped; the next
//! operation opens a new one, logs in and finds the key again (re-initializing
//! the module if the token is not seen, see the `module` module), so service
//! resumes by itself when the token comes back.

mod error;
mod module;
mod pin;
mod token;
pub mod uri;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLockReadGuard};
use std::time::{Duration, Instant};

use cryptoki::error::Error as CryptokiError;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::Session;
use trent_crypto::aead::{fill_random, IV_LEN, TAG_LEN};
use trent_crypto::root_key::{RootKeyId, RootKeyKind, RootKeyProvider};
use trent_crypto::CryptoError;
use zeroize::{Zeroize, Zeroizing};

pub use crate::error::{Action, HsmError, KeyFault, Pkcs11Cause};
use crate::module::{Module, State};
use crate::pin::Pin;
pub use crate::token::KeyOrigin;
use crate::token::{establish, Expected, Live};
use crate::uri::Pkcs11Uri;

/// The first byte of a value sealed with `CKM_AES_GCM`.
const SEALED_GCM: u8 = 0x10;
/// GCM tag length in bits.
const TAG_BITS: u64 = (TAG_LEN * 8) as u64;
/// The shortest time between two re-initializations of the module by one
/// provider, so a token that stays away does not make every request finalize
/// the module (and every other provider on it reconnect).
const REINITIALIZE_INTERVAL: Duration = Duration::from_secs(1);

/// How a provider seals inside the token; named in the first byte of every
/// value it seals, and in the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealMechanism {
    /// `CKM_AES_GCM` with a random 96-bit IV, the label as additional
    /// authenticated data and a 128-bit tag.
    AesGcm,
}

impl fmt::Display for SealMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AesGcm => f.write_str("CKM_AES_GCM"),
        }
    }
}

/// A root key held in a PKCS#11 token. Safe to share between threads: the
/// one session it keeps is used by one thread at a time.
pub struct Pkcs11RootKeyProvider {
    uri: Pkcs11Uri,
    pin: Pin,
    module: Arc<Module>,
    token_label: String,
    expected: Expected,
    origin: KeyOrigin,
    mechanism: SealMechanism,
    connection: Mutex<Connection>,
}

/// The provider's session, used by one thread at a time.
#[derive(Debug)]
struct Connection {
    /// The session and key handle; `None` after the token went away, until
    /// the next operation reconnects.
    live: Option<Live>,
    /// When this provider last re-initialized the module.
    reinitialized_at: Option<Instant>,
}

impl fmt::Debug for Pkcs11RootKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11RootKeyProvider")
            .field("location", &self.uri.to_string())
            .field("id", &self.expected.id)
            .field("mechanism", &self.mechanism)
            .finish_non_exhaustive()
    }
}

/// The attributes of the root key as the token reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttributes {
    /// `CKA_SENSITIVE`.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`.
    pub extractable: bool,
    /// `CKA_NEVER_EXTRACTABLE`.
    pub never_extractable: bool,
    /// `CKA_ALWAYS_SENSITIVE`.
    pub always_sensitive: bool,
    /// `CKA_VALUE_LEN`, in bytes.
    pub value_len: u64,
    /// `CKA_TOKEN`: stored in the token, not only in a session.
    pub token: bool,
    /// What the token did when asked for `CKA_VALUE`.
    pub value: ValueRead,
}

/// The outcome of asking the token for the key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRead {
    /// The token refused, as it must for a sensitive key.
    Refused,
    /// The token returned the value (which was zeroized at once).
    Returned,
}

/// Why an operation on the live session did not succeed.
enum OpError {
    /// The token, the session or the key went away; the session was dropped.
    Unavailable,
    /// The token refused the operation itself.
    Failed(CryptokiError),
}

impl Pkcs11RootKeyProvider {
    /// Loads the URI's module (once per process), finds its token, logs in
    /// with the PIN from the URI's `pin-source` (or `TRENT_PKCS11_PIN`) and
    /// finds the secret key labelled with the URI's `object`. When there is
    /// none and `create` is true, generates one in the token.
    pub fn open(uri: &Pkcs11Uri, create: bool) -> Result<Self, HsmError> {
        let pin = Pin::read(uri.pin_source())?;
        let module = Module::load(uri.module_path())?;
        let state = module.state();
        let established = establish(&module, &state, uri, &pin, None, create)?;
        drop(state);
        Ok(Self {
            uri: uri.clone(),
            pin,
            token_label: established.label,
            expected: Expected {
                serial: established.serial,
                id: established.id,
            },
            origin: established.origin,
            mechanism: SealMechanism::AesGcm,
            connection: Mutex::new(Connection {
                live: Some(established.live),
                reinitialized_at: None,
            }),
            module,
        })
    }

    /// How this provider seals (for the start-up log).
    pub fn mechanism(&self) -> SealMechanism {
        self.mechanism
    }

    /// The label of the token that holds the key.
    pub fn token_label(&self) -> &str {
        &self.token_label
    }

    /// Whether [`Pkcs11RootKeyProvider::open`] generated the key or found it.
    pub fn key_origin(&self) -> KeyOrigin {
        self.origin
    }

    /// The URI the provider was opened with.
    pub fn uri(&self) -> &Pkcs11Uri {
        &self.uri
    }

    /// Reads the key's attributes back from the token, and asks for its
    /// value, which the token must refuse.
    pub fn key_attributes(&self) -> Result<KeyAttributes, HsmError> {
        self.with_live(read_key_attributes)
            .map_err(|error| match error {
                OpError::Unavailable => HsmError::Unavailable {
                    token: self.token_label.clone(),
                },
                OpError::Failed(error) => HsmError::Token {
                    token: self.token_label.clone(),
                    action: Action::ReadKeyAttributes,
                    cause: Pkcs11Cause(error),
                },
            })?
            .map_err(|fault| HsmError::KeyRefused {
                object: self.uri.object().to_owned(),
                token: self.token_label.clone(),
                fault,
            })
    }

    /// Runs `op` on the live session, reconnecting first if there is none.
    /// An error meaning the token or session went away drops the session.
    fn with_live<T>(
        &self,
        op: impl FnOnce(&Session, ObjectHandle) -> Result<T, CryptokiError>,
    ) -> Result<T, OpError> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let state = self.connect(&mut connection)?;
        let current = connection.live.as_ref().ok_or(OpError::Unavailable)?;
        match op(&current.session, current.key) {
            Ok(value) => Ok(value),
            Err(error) if error::means_gone(&error) => {
                // Closed while `state` is held: the handle is still ours.
                connection.live = None;
                drop(state);
                Err(OpError::Unavailable)
            }
            Err(error) => Err(OpError::Failed(error)),
        }
    }

    /// Gives `connection` a session of the module's current initialization
    /// and returns that initialization, held for reading. When the token is
    /// not seen or the module says it is gone, re-initializes the module
    /// (at most once per [`REINITIALIZE_INTERVAL`]) and tries once more.
    fn connect(&self, connection: &mut Connection) -> Result<RwLockReadGuard<'_, State>, OpError> {
        let state = self.module.state();
        match connection.live.take() {
            Some(current) if current.generation == state.generation => {
                connection.live = Some(current);
                return Ok(state);
            }
            Some(stale) => stale.forget(),
            None => {}
        }
        let seen = state.generation;
        let may_reinitialize = connection
            .reinitialized_at
            .is_none_or(|at| at.elapsed() >= REINITIALIZE_INTERVAL);
        match self.establish(&state) {
            Ok(reached) => {
                connection.live = Some(reached);
                return Ok(state);
            }
            Err(error) if may_reinitialize && error.may_recover_by_reinitializing() => drop(state),
            Err(_) => return Err(OpError::Unavailable),
        }
        self.module.reinitialize(seen);
        connection.reinitialized_at = Some(Instant::now());
        let state = self.module.state();
        connection.live = Some(self.establish(&state).map_err(|_| OpError::Unavailable)?);
        Ok(state)
    }

    fn establish(&self, state: &State) -> Result<Live, HsmError> {
        establish(
            &self.module,
            state,
            &self.uri,
            &self.pin,
            Some(&self.expected),
            false,
        )
        .map(|established| established.live)
    }
}

impl Drop for Pkcs11RootKeyProvider {
    fn drop(&mut self) {
        let live = self
            .connection
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .live
            .take();
        if let Some(live) = live {
            let state = self.module.state();
            if live.generation == state.generation {
                drop(live);
            } else {
                live.forget();
            }
        }
    }
}

fn read_key_attributes(
    session: &Session,
    key: ObjectHandle,
) -> Result<Result<KeyAttributes, KeyFault>, CryptokiError> {
    let attributes = session.get_attributes(
        key,
        &[
            AttributeType::Sensitive,
            AttributeType::Extractable,
            AttributeType::NeverExtractable,
            AttributeType::AlwaysSensitive,
            AttributeType::ValueLen,
            AttributeType::Token,
        ],
    )?;
    let (mut sensitive, mut extractable, mut never_extractable) = (None, None, None);
    let (mut always_sensitive, mut value_len, mut token) = (None, None, None);
    for attribute in attributes {
        match attribute {
            Attribute::Sensitive(flag) => sensitive = Some(flag),
            Attribute::Extractable(flag) => extractable = Some(flag),
            Attribute::NeverExtractable(flag) => never_extractable = Some(flag),
            Attribute::AlwaysSensitive(flag) => always_sensitive = Some(flag),
            Attribute::ValueLen(len) => value_len = Some(u64::from(len)),
            Attribute::Token(flag) => token = Some(flag),
            _ => {}
        }
    }
    // `get_attributes` leaves out what the token refuses (CKR_ATTRIBUTE_SENSITIVE).
    let mut value = ValueRead::Refused;
    for attribute in session.get_attributes(key, &[AttributeType::Value])? {
        if let Attribute::Value(mut bytes) = attribute {
            bytes.zeroize();
            value = ValueRead::Returned;
        }
    }
    let read = || -> Result<KeyAttributes, KeyFault> {
        Ok(KeyAttributes {
            sensitive: sensitive.ok_or(KeyFault::Unreadable("CKA_SENSITIVE"))?,
            extractable: extractable.ok_or(KeyFault::Unreadable("CKA_EXTRACTABLE"))?,
            never_extractable: never_extractable
                .ok_or(KeyFault::Unreadable("CKA_NEVER_EXTRACTABLE"))?,
            always_sensitive: always_sensitive
                .ok_or(KeyFault::Unreadable("CKA_ALWAYS_SENSITIVE"))?,
            value_len: value_len.ok_or(KeyFault::Unreadable("CKA_VALUE_LEN"))?,
            token: token.ok_or(KeyFault::Unreadable("CKA_TOKEN"))?,
            value,
        })
    };
    Ok(read())
}

/// What an operation error is to the rest of Trent: the token gone, or a
/// value that does not open (a changed byte, a wrong label) as opaque as
/// every other [`CryptoError::Failed`].
fn crypto_error(error: OpError) -> CryptoError {
    match error {
        OpError::Unavailable => CryptoError::RootKeyUnavailable,
        OpError::Failed(_) => CryptoError::Failed,
    }
}

impl RootKeyProvider for Pkcs11RootKeyProvider {
    fn id(&self) -> RootKeyId {
        self.expected.id
    }

    fn kind(&self) -> RootKeyKind {
        RootKeyKind::Pkcs11
    }

    fn location(&self) -> String {
        self.uri.to_string()
    }

    fn seal(&self, label: &[u8], secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut iv = [0u8; IV_LEN];
        fill_random(&mut iv)?;
        let sealed = self
            .with_live(|session, key| {
                let mut params_iv = iv;
                let params = GcmParams::new(&mut params_iv, label, TAG_BITS.into())?;
                session.encrypt(&Mechanism::AesGcm(params), key, secret)
            })
            .map_err(crypto_error)?;
        let mut out = Vec::with_capacity(1 + IV_LEN + sealed.len());
        out.push(SEALED_GCM);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, label: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (&mechanism, rest) = sealed.split_first().ok_or(CryptoError::Failed)?;
        if mechanism != SEALED_GCM || rest.len() < IV_LEN + TAG_LEN {
            return Err(CryptoError::Failed);
        }
        let (iv, ciphertext) = rest.split_at(IV_LEN);
        let mut iv: [u8; IV_LEN] = iv.try_into().map_err(|_| CryptoError::Failed)?;
        self.with_live(|session, key| {
            let params = GcmParams::new(&mut iv, label, TAG_BITS.into())?;
            session
                .decrypt(&Mechanism::AesGcm(params), key, ciphertext)
                .map(Zeroizing::new)
        })
        .map_err(crypto_error)
    }
}
