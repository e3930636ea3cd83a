//! Reaching the root key: find the token, open a session, log in, find (or
//! make) the key and check that it is fit to be a root key.

use aws_lc_rs::digest;
use cryptoki::error::{Error as CryptokiError, RvError};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use trent_crypto::aead::fill_random;
use trent_crypto::root_key::RootKeyId;

use crate::error::{Action, HsmError, KeyFault, Pkcs11Cause};
use crate::module::{Module, State};
use crate::pin::Pin;
use crate::uri::Pkcs11Uri;

/// Bytes of the AES key.
const KEY_LEN: u64 = 32;

/// A logged-in session and the root key's handle in it, from one
/// initialization of the module. Dropping it closes the session.
#[derive(Debug)]
pub(crate) struct Live {
    pub(crate) session: Session,
    pub(crate) key: ObjectHandle,
    pub(crate) generation: u64,
}

impl Live {
    /// Lets go of a session of an earlier initialization without closing it:
    /// its handle died with that initialization and may now name another
    /// provider's session. This leaks a reference count on the module (which
    /// the registry keeps loaded anyway), once per re-initialization.
    pub(crate) fn forget(self) {
        std::mem::forget(self);
    }
}

/// What the provider must find again when it reconnects.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub(crate) serial: String,
    pub(crate) id: RootKeyId,
}

/// Whether the key was made by this open or found in the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Generated in the token by this provider (`create` was true and no key had the label).
    Created,
    /// Found in the token.
    Found,
}

/// What [`establish`] reached.
#[derive(Debug)]
pub(crate) struct Established {
    pub(crate) live: Live,
    pub(crate) label: String,
    pub(crate) serial: String,
    pub(crate) id: RootKeyId,
    pub(crate) origin: KeyOrigin,
}

/// Finds the token, logs in, finds the key (making it when absent and
/// `create`) and checks it. `state` must be the module's current state,
/// held by the caller for as long as the returned session lives in it.
/// With `expected` (a reconnection), the token must have the same serial
/// and the key the same id as at start-up.
pub(crate) fn establish(
    module: &Module,
    state: &State,
    uri: &Pkcs11Uri,
    pin: &Pin,
    expected: Option<&Expected>,
    create: bool,
) -> Result<Established, HsmError> {
    let pkcs11 = module.pkcs11();
    let (slot, label, serial) = find_token(module, uri, expected)?;
    let failed = |action, error| HsmError::Token {
        token: label.clone(),
        action,
        cause: Pkcs11Cause(error),
    };
    require_gcm(module, slot, &label)?;
    let session = pkcs11
        .open_rw_session(slot)
        .map_err(|error| failed(Action::OpenSession, error))?;
    match session.login(UserType::User, Some(pin.auth())) {
        Ok(()) | Err(CryptokiError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(CryptokiError::Pkcs11(RvError::PinIncorrect, _)) => {
            return Err(HsmError::PinIncorrect { token: label });
        }
        Err(CryptokiError::Pkcs11(RvError::PinLocked, _)) => {
            return Err(HsmError::PinLocked { token: label });
        }
        Err(error) => return Err(failed(Action::Login, error)),
    }
    let (key, origin) = match find_key(&session, uri, &label)? {
        Some(key) => (key, KeyOrigin::Found),
        None if create && expected.is_none() => (
            generate_key(&session, uri).map_err(|error| match error {
                GenerateError::Random => HsmError::Random,
                GenerateError::Token(error) => failed(Action::GenerateKey, error),
            })?,
            KeyOrigin::Created,
        ),
        None => {
            return Err(HsmError::KeyAbsent {
                object: uri.object().to_owned(),
                token: label,
            })
        }
    };
    let refused = |fault| HsmError::KeyRefused {
        object: uri.object().to_owned(),
        token: label.clone(),
        fault,
    };
    let cka_id = check_key(&session, key).map_err(|error| match error {
        CheckError::Fault(fault) => refused(fault),
        CheckError::Token(error) => failed(Action::ReadKeyAttributes, error),
    })?;
    let id = root_key_id(&cka_id).ok_or_else(|| refused(KeyFault::NoId))?;
    if expected.is_some_and(|expected| expected.id != id) {
        return Err(refused(KeyFault::OtherKey));
    }
    Ok(Established {
        live: Live {
            session,
            key,
            generation: state.generation,
        },
        label,
        serial,
        id,
        origin,
    })
}

/// The one initialized token matching the URI (and, on a reconnection, the
/// serial seen at start-up): its slot, label and serial.
fn find_token(
    module: &Module,
    uri: &Pkcs11Uri,
    expected: Option<&Expected>,
) -> Result<(Slot, String, String), HsmError> {
    let pkcs11 = module.pkcs11();
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|error| HsmError::Token {
            token: String::new(),
            action: Action::ListTokens,
            cause: Pkcs11Cause(error),
        })?;
    let mut seen = Vec::new();
    let mut matching = Vec::new();
    for slot in slots {
        // A token that cannot say what it is (SoftHSM2's, once its files
        // went away) is neither seen nor matched.
        let Ok(info) = pkcs11.get_token_info(slot) else {
            continue;
        };
        if !info.token_initialized() {
            continue;
        }
        let label = info.label().to_owned();
        let serial = info.serial_number().to_owned();
        seen.push(label.clone());
        let wanted = uri.token().is_none_or(|token| token == label)
            && uri.serial().is_none_or(|want| want == serial)
            && uri.slot_id().is_none_or(|id| id == slot.id())
            && expected.is_none_or(|expected| expected.serial == serial);
        if wanted {
            matching.push((slot, label, serial));
        }
    }
    if matching.len() > 1 {
        return Err(HsmError::SeveralTokens {
            wanted: Box::new(uri.clone()),
            matching: matching.into_iter().map(|(_, label, _)| label).collect(),
        });
    }
    matching.pop().ok_or_else(|| HsmError::NoMatchingToken {
        wanted: Box::new(uri.clone()),
        seen,
    })
}

/// Refuses a token that cannot encrypt and decrypt with AES-GCM.
fn require_gcm(module: &Module, slot: Slot, label: &str) -> Result<(), HsmError> {
    match module
        .pkcs11()
        .get_mechanism_info(slot, MechanismType::AES_GCM)
    {
        Ok(info) if info.encrypt() && info.decrypt() => Ok(()),
        Ok(_) | Err(CryptokiError::Pkcs11(RvError::MechanismInvalid, _)) => {
            Err(HsmError::NoMechanism {
                token: label.to_owned(),
            })
        }
        Err(error) => Err(HsmError::Token {
            token: label.to_owned(),
            action: Action::ReadMechanisms,
            cause: Pkcs11Cause(error),
        }),
    }
}

/// The secret key labelled as the URI says (with its `id`, if given).
fn find_key(
    session: &Session,
    uri: &Pkcs11Uri,
    label: &str,
) -> Result<Option<ObjectHandle>, HsmError> {
    let mut template = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::Label(uri.object().as_bytes().to_vec()),
    ];
    if let Some(id) = uri.id() {
        template.push(Attribute::Id(id.to_vec()));
    }
    let mut keys = session
        .find_objects(&template)
        .map_err(|error| HsmError::Token {
            token: label.to_owned(),
            action: Action::FindKey,
            cause: Pkcs11Cause(error),
        })?;
    if keys.len() > 1 {
        return Err(HsmError::SeveralKeys {
            object: uri.object().to_owned(),
            token: label.to_owned(),
            count: keys.len(),
        });
    }
    Ok(keys.pop())
}

enum GenerateError {
    Random,
    Token(CryptokiError),
}

/// Generates the AES-256 root key inside the token: sensitive, never
/// extractable, for encryption and decryption only. Its `CKA_ID` is the
/// URI's `id`, or 8 random bytes.
fn generate_key(session: &Session, uri: &Pkcs11Uri) -> Result<ObjectHandle, GenerateError> {
    let id = match uri.id() {
        Some(id) => id.to_vec(),
        None => {
            let mut id = vec![0u8; 8];
            fill_random(&mut id).map_err(|_| GenerateError::Random)?;
            id
        }
    };
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(KEY_LEN.into()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Label(uri.object().as_bytes().to_vec()),
        Attribute::Id(id),
    ];
    session
        .generate_key(&Mechanism::AesKeyGen, &template)
        .map_err(GenerateError::Token)
}

enum CheckError {
    Fault(KeyFault),
    Token(CryptokiError),
}

/// Checks the key is fit to be a root key and returns its `CKA_ID`.
fn check_key(session: &Session, key: ObjectHandle) -> Result<Vec<u8>, CheckError> {
    let wanted = [
        AttributeType::KeyType,
        AttributeType::ValueLen,
        AttributeType::Sensitive,
        AttributeType::Extractable,
        AttributeType::Encrypt,
        AttributeType::Decrypt,
        AttributeType::Id,
    ];
    let attributes = session
        .get_attributes(key, &wanted)
        .map_err(CheckError::Token)?;
    let mut read = KeyRead::default();
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(key_type) => read.aes = Some(key_type == KeyType::AES),
            Attribute::ValueLen(len) => read.len = Some(u64::from(len)),
            Attribute::Sensitive(flag) => read.sensitive = Some(flag),
            Attribute::Extractable(flag) => read.extractable = Some(flag),
            Attribute::Encrypt(flag) => read.encrypt = Some(flag),
            Attribute::Decrypt(flag) => read.decrypt = Some(flag),
            Attribute::Id(id) => read.id = Some(id),
            _ => {}
        }
    }
    read.check().map_err(CheckError::Fault)
}

/// The attributes [`check_key`] read; `None` when the token did not say.
#[derive(Default)]
struct KeyRead {
    aes: Option<bool>,
    len: Option<u64>,
    sensitive: Option<bool>,
    extractable: Option<bool>,
    encrypt: Option<bool>,
    decrypt: Option<bool>,
    id: Option<Vec<u8>>,
}

impl KeyRead {
    fn check(self) -> Result<Vec<u8>, KeyFault> {
        if !self.aes.ok_or(KeyFault::Unreadable("CKA_KEY_TYPE"))? {
            return Err(KeyFault::NotAes);
        }
        let len = self.len.ok_or(KeyFault::Unreadable("CKA_VALUE_LEN"))?;
        if len != KEY_LEN {
            return Err(KeyFault::Length(len));
        }
        if !self
            .sensitive
            .ok_or(KeyFault::Unreadable("CKA_SENSITIVE"))?
        {
            return Err(KeyFault::NotSensitive);
        }
        if self
            .extractable
            .ok_or(KeyFault::Unreadable("CKA_EXTRACTABLE"))?
        {
            return Err(KeyFault::Extractable);
        }
        if !self.encrypt.ok_or(KeyFault::Unreadable("CKA_ENCRYPT"))? {
            return Err(KeyFault::CannotEncrypt);
        }
        if !self.decrypt.ok_or(KeyFault::Unreadable("CKA_DECRYPT"))? {
            return Err(KeyFault::CannotDecrypt);
        }
        self.id.ok_or(KeyFault::NoId)
    }
}

/// A key's root key id: its `CKA_ID` when that is 8 bytes, else the first 8
/// bytes of SHA-256 of it; `None` for an empty `CKA_ID`.
pub(crate) fn root_key_id(cka_id: &[u8]) -> Option<RootKeyId> {
    if cka_id.is_empty() {
        return None;
    }
    if let Ok(id) = <[u8; 8]>::try_from(cka_id) {
        return Some(RootKeyId(id));
    }
    let hash = digest::digest(&digest::SHA256, cka_id);
    let prefix: [u8; 8] = hash.as_ref().get(..8)?.try_into().ok()?;
    Some(RootKeyId(prefix))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fit() -> KeyRead {
        KeyRead {
            aes: Some(true),
            len: Some(32),
            sensitive: Some(true),
            extractable: Some(false),
            encrypt: Some(true),
            decrypt: Some(true),
            id: Some(vec![1; 8]),
        }
    }

    #[test]
    fn a_key_unfit_for_a_root_key_is_refused_naming_the_attribute() {
        assert_eq!(fit().check(), Ok(vec![1; 8]));
        type Spoil = fn(&mut KeyRead);
        let cases: [(Spoil, KeyFault, &str); 8] = [
            (|k| k.aes = Some(false), KeyFault::NotAes, "CKA_KEY_TYPE"),
            (|k| k.len = Some(16), KeyFault::Length(16), "CKA_VALUE_LEN"),
            (
                |k| k.sensitive = Some(false),
                KeyFault::NotSensitive,
                "CKA_SENSITIVE",
            ),
            (
                |k| k.extractable = Some(true),
                KeyFault::Extractable,
                "CKA_EXTRACTABLE",
            ),
            (
                |k| k.encrypt = Some(false),
                KeyFault::CannotEncrypt,
                "CKA_ENCRYPT",
            ),
            (
                |k| k.decrypt = Some(false),
                KeyFault::CannotDecrypt,
                "CKA_DECRYPT",
            ),
            (|k| k.id = None, KeyFault::NoId, "CKA_ID"),
            (
                |k| k.sensitive = None,
                KeyFault::Unreadable("CKA_SENSITIVE"),
                "CKA_SENSITIVE",
            ),
        ];
        for (spoil, fault, attribute) in cases {
            let mut key = fit();
            spoil(&mut key);
            assert_eq!(key.check(), Err(fault.clone()));
            assert!(fault.to_string().contains(attribute), "{fault}");
        }
    }

    #[test]
    fn a_root_key_id_is_the_cka_id_or_a_hash_of_it() {
        assert_eq!(root_key_id(&[7; 8]), Some(RootKeyId([7; 8])));
        assert_eq!(root_key_id(&[]), None);
        // SHA-256("abc") = ba7816bf8f01cfea...
        assert_eq!(
            root_key_id(b"abc"),
            Some(RootKeyId([0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea]))
        );
        assert_ne!(root_key_id(&[7; 9]), root_key_id(&[7; 10]));
    }
}
