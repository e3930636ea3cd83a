//! The PKCS#11 root key against a real SoftHSM2.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` at `C_Initialize`, and a module is
//! initialized once per process, so this binary has one configuration, made
//! once, and one token per test. SoftHSM2 does not see tokens made after it
//! was initialized, so every token is made up front, before any provider
//! loads the module.
//!
//! Without SoftHSM2 the tests print why and pass, unless
//! `TRENT_REQUIRE_SOFTHSM` is set (CI sets it where SoftHSM2 is installed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use trent_crypto::root_key::{RootKeyId, RootKeyKind, RootKeyProvider};
use trent_crypto::CryptoError;
use trent_pkcs11::uri::Pkcs11Uri;
use trent_pkcs11::{
    HsmError, KeyAttributes, KeyFault, KeyOrigin, Pkcs11RootKeyProvider, SealMechanism, ValueRead,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "1234";
const SO_PIN: &str = "5678";
/// The PIN in `TRENT_PKCS11_PIN` for the one test that reads it from there.
const ENV_PIN_TOKEN: &str = "trent-test-env-pin";

/// Every token this binary uses, one per test (labels are at most 32 bytes).
const TOKENS: &[&str] = &[
    "trent-test-create",
    "trent-test-attributes",
    "trent-test-hidden",
    "trent-test-labels",
    "trent-test-wrong-pin",
    "trent-test-absent-key",
    "trent-test-unfit",
    "trent-test-gone",
    "trent-test-neighbour",
    "trent-test-threads",
    ENV_PIN_TOKEN,
];

struct SoftHsm {
    root: PathBuf,
}

/// The one SoftHSM2 configuration of this process, with every token made;
/// `None` (after saying why) when SoftHSM2 is not installed.
fn softhsm() -> Option<&'static SoftHsm> {
    static SOFTHSM: OnceLock<Option<SoftHsm>> = OnceLock::new();
    SOFTHSM.get_or_init(set_up).as_ref()
}

fn set_up() -> Option<SoftHsm> {
    let util = Command::new("softhsm2-util").arg("--version").output();
    if !Path::new(MODULE).exists() || util.is_err() {
        if std::env::var_os("TRENT_REQUIRE_SOFTHSM").is_some() {
            panic!("TRENT_REQUIRE_SOFTHSM is set but SoftHSM2 is not installed ({MODULE}, softhsm2-util): apt-get install softhsm2");
        }
        eprintln!("skipping: SoftHSM2 not installed (apt-get install softhsm2)");
        return None;
    }
    // One folder per process (test runners may run this binary in several
    // at once), kept until the process ends; those of ended runs go first.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    remove_ended_runs(tmp);
    let root = tmp.join(format!("softhsm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("tokens")).unwrap();
    let conf = root.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            root.join("tokens").display()
        ),
    )
    .unwrap();
    std::fs::write(root.join("pin"), format!("{PIN}\n")).unwrap();
    std::fs::write(root.join("wrong-pin"), "9999\n").unwrap();
    // Set before anything initializes the module, while every other test
    // waits on this OnceLock.
    std::env::set_var("SOFTHSM2_CONF", &conf);
    std::env::set_var("TRENT_PKCS11_PIN", PIN);
    for label in TOKENS {
        let out = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", PIN, "--so-pin", SO_PIN])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    make_unfit_keys();
    Some(SoftHsm { root })
}

/// Removes the `softhsm-<pid>` folders of processes that have ended.
fn remove_ended_runs(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name.to_str().and_then(|name| name.strip_prefix("softhsm-"));
        if pid.is_some_and(|pid| !Path::new("/proc").join(pid).exists()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Keys no provider may take, made through cryptoki directly; the module is
/// finalized again before any provider loads it.
fn make_unfit_keys() {
    let pkcs11 = Pkcs11::new(MODULE).unwrap();
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let slot = pkcs11
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|slot| pkcs11.get_token_info(*slot).unwrap().label() == "trent-test-unfit")
        .unwrap();
    let session = pkcs11.open_rw_session(slot).unwrap();
    session
        .login(UserType::User, Some(&AuthPin::from(PIN)))
        .unwrap();
    let aes = |label: &str, len: u64, extractable: bool, id: &[u8]| {
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(len.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(extractable),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id.to_vec()),
        ];
        session
            .generate_key(&Mechanism::AesKeyGen, &template)
            .unwrap();
    };
    aes("extractable", 32, true, &[1; 8]);
    aes("aes-128", 16, false, &[2; 8]);
    aes("no-id", 32, false, &[]);
    aes("long-id", 32, false, b"a CKA_ID longer than 8 bytes");
    drop(session);
    pkcs11.finalize().unwrap();
}

fn uri(token: &str, object: &str) -> Pkcs11Uri {
    uri_with(token, object, "pin")
}

fn uri_with(token: &str, object: &str, pin_file: &str) -> Pkcs11Uri {
    let hsm = softhsm().unwrap();
    Pkcs11Uri::parse(&format!(
        "pkcs11:token={token};object={object}?module-path={MODULE}&pin-source=file:{}",
        hsm.root.join(pin_file).display()
    ))
    .unwrap()
}

#[test]
fn a_key_made_in_the_token_seals_and_a_second_provider_opens() {
    let Some(_) = softhsm() else { return };
    let uri = uri("trent-test-create", "root");
    let first = Pkcs11RootKeyProvider::open(&uri, true).unwrap();
    assert_eq!(first.key_origin(), KeyOrigin::Created);
    assert_eq!(first.kind(), RootKeyKind::Pkcs11);
    assert_eq!(first.mechanism(), SealMechanism::AesGcm);
    assert_eq!(first.mechanism().to_string(), "CKM_AES_GCM");
    assert_eq!(first.token_label(), "trent-test-create");
    assert_eq!(first.location(), uri.to_string());
    assert_eq!(Pkcs11Uri::parse(&first.location()).unwrap(), uri);

    let sealed = first.seal(b"label", b"secret").unwrap();
    assert_eq!(sealed[0], 0x10, "the first byte names CKM_AES_GCM");
    assert_eq!(sealed.len(), 1 + 12 + b"secret".len() + 16);

    // Same module, same token: the registry shares one initialization, and
    // a second login on the token is already done.
    let second = Pkcs11RootKeyProvider::open(&uri, false).unwrap();
    assert_eq!(second.key_origin(), KeyOrigin::Found);
    assert_eq!(second.id(), first.id());
    assert_eq!(&second.open(b"label", &sealed).unwrap()[..], b"secret");
    drop(first);
    assert_eq!(&second.open(b"label", &sealed).unwrap()[..], b"secret");
    // `create` finds the existing key rather than making another.
    let third = Pkcs11RootKeyProvider::open(&uri, true).unwrap();
    assert_eq!(third.key_origin(), KeyOrigin::Found);
    assert_eq!(third.id(), second.id());
}

#[test]
fn the_key_is_sensitive_never_extractable_and_its_value_is_refused() {
    let Some(_) = softhsm() else { return };
    let provider =
        Pkcs11RootKeyProvider::open(&uri("trent-test-attributes", "root"), true).unwrap();
    assert_eq!(
        provider.key_attributes().unwrap(),
        KeyAttributes {
            sensitive: true,
            extractable: false,
            never_extractable: true,
            always_sensitive: true,
            value_len: 32,
            token: true,
            value: ValueRead::Refused,
        }
    );
}

#[test]
fn sealed_bytes_hide_the_secret_and_differ_each_time() {
    let Some(_) = softhsm() else { return };
    let provider = Pkcs11RootKeyProvider::open(&uri("trent-test-hidden", "root"), true).unwrap();
    let secret = [0x5a_u8; 32];
    let one = provider.seal(b"label", &secret).unwrap();
    let two = provider.seal(b"label", &secret).unwrap();
    assert_ne!(one, two, "a random IV per seal");
    assert_ne!(one[1..13], two[1..13]);
    for sealed in [&one, &two] {
        assert!(!sealed.windows(8).any(|w| w == &secret[..8]));
        assert_eq!(&provider.open(b"label", sealed).unwrap()[..], &secret[..]);
    }
    assert_eq!(
        &provider
            .open(b"l", &provider.seal(b"l", b"").unwrap())
            .unwrap()[..],
        b""
    );
}

#[test]
fn a_wrong_label_or_a_changed_byte_fails_and_the_session_goes_on() {
    let Some(_) = softhsm() else { return };
    let provider = Pkcs11RootKeyProvider::open(&uri("trent-test-labels", "root"), true).unwrap();
    let sealed = provider
        .seal(b"trent/key-material/v1/a/1", b"secret")
        .unwrap();
    let fails = |label: &[u8], bytes: &[u8]| provider.open(label, bytes).unwrap_err();
    assert_eq!(
        fails(b"trent/key-material/v1/a/2", &sealed),
        CryptoError::Failed
    );
    for i in [0, 1, 13, sealed.len() - 1] {
        let mut changed = sealed.clone();
        changed[i] ^= 0x01;
        assert_eq!(
            fails(b"trent/key-material/v1/a/1", &changed),
            CryptoError::Failed,
            "byte {i}"
        );
    }
    for short in [&sealed[..0], &sealed[..1], &sealed[..28]] {
        assert_eq!(
            fails(b"trent/key-material/v1/a/1", short),
            CryptoError::Failed
        );
    }
    // A failed tag check ends only that operation: the session still works.
    assert_eq!(
        &provider
            .open(b"trent/key-material/v1/a/1", &sealed)
            .unwrap()[..],
        b"secret"
    );
}

#[test]
fn a_wrong_pin_is_refused_clearly_without_showing_it() {
    let Some(_) = softhsm() else { return };
    let error =
        Pkcs11RootKeyProvider::open(&uri_with("trent-test-wrong-pin", "root", "wrong-pin"), true)
            .unwrap_err();
    assert!(matches!(error, HsmError::PinIncorrect { .. }), "{error:?}");
    let message = error.to_string();
    assert_eq!(
        message,
        "the PIN for token trent-test-wrong-pin was refused"
    );
    assert!(!format!("{error:?}").contains("9999"));
    // The right PIN still works: one wrong try does not lock the token.
    Pkcs11RootKeyProvider::open(&uri("trent-test-wrong-pin", "root"), true).unwrap();
}

#[test]
fn the_pin_comes_from_trent_pkcs11_pin_without_a_pin_source() {
    let Some(_) = softhsm() else { return };
    let uri = Pkcs11Uri::parse(&format!(
        "pkcs11:token={ENV_PIN_TOKEN}?module-path={MODULE}"
    ))
    .unwrap();
    let provider = Pkcs11RootKeyProvider::open(&uri, true).unwrap();
    let sealed = provider.seal(b"l", b"s").unwrap();
    assert_eq!(&provider.open(b"l", &sealed).unwrap()[..], b"s");
    let debug = format!("{provider:?}");
    assert!(!debug.contains(PIN), "{debug}");
    assert!(debug.contains("trent-root-key"), "{debug}");
}

#[test]
fn a_missing_token_is_refused_listing_the_tokens_seen() {
    let Some(_) = softhsm() else { return };
    let error = Pkcs11RootKeyProvider::open(&uri("no-such-token", "root"), true).unwrap_err();
    assert!(
        matches!(error, HsmError::NoMatchingToken { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("token=no-such-token"), "{message}");
    assert!(message.contains(MODULE), "{message}");
    for label in TOKENS {
        assert!(message.contains(&format!("\"{label}\"")), "{message}");
    }
}

#[test]
fn a_missing_key_without_creation_says_how_to_make_one() {
    let Some(_) = softhsm() else { return };
    let error =
        Pkcs11RootKeyProvider::open(&uri("trent-test-absent-key", "root"), false).unwrap_err();
    assert!(matches!(error, HsmError::KeyAbsent { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "no secret key labelled root in token trent-test-absent-key: \
         run `trent admin init-hsm` or start with creation allowed"
    );
}

#[test]
fn a_pin_value_uri_is_refused() {
    let error = Pkcs11Uri::parse(&format!(
        "pkcs11:token=trent?module-path={MODULE}&pin-value=1234"
    ))
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("pin-value"), "{message}");
    assert!(message.contains("TRENT_PKCS11_PIN"), "{message}");
    assert!(!message.contains("1234"), "{message}");
}

#[test]
fn a_module_that_does_not_load_is_named() {
    // Waits for the set-up (which sets the environment), if it is under way.
    let _ = softhsm();
    // The PIN is read first: give it one in a file, leaving the environment be.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pin"), "1").unwrap();
    let uri = Pkcs11Uri::parse(&format!(
        "pkcs11:token=t?module-path=/nonexistent/libpkcs11.so&pin-source=file:{}",
        dir.path().join("pin").display()
    ))
    .unwrap();
    let error = Pkcs11RootKeyProvider::open(&uri, true).unwrap_err();
    assert!(
        matches!(error, HsmError::ModuleNotLoadable { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("/nonexistent/libpkcs11.so"),
        "{error}"
    );
}

#[test]
fn keys_unfit_for_a_root_key_are_refused_naming_the_attribute() {
    let Some(_) = softhsm() else { return };
    for (object, fault, attribute) in [
        ("extractable", KeyFault::Extractable, "CKA_EXTRACTABLE"),
        ("aes-128", KeyFault::Length(16), "CKA_VALUE_LEN"),
        ("no-id", KeyFault::NoId, "CKA_ID"),
    ] {
        let error =
            Pkcs11RootKeyProvider::open(&uri("trent-test-unfit", object), true).unwrap_err();
        match &error {
            HsmError::KeyRefused { fault: found, .. } => assert_eq!(found, &fault, "{object}"),
            other => panic!("{object}: {other:?}"),
        }
        assert!(error.to_string().contains(attribute), "{error}");
    }
    // A CKA_ID of another length is accepted; the root key id is a hash of it.
    let provider = Pkcs11RootKeyProvider::open(&uri("trent-test-unfit", "long-id"), false).unwrap();
    assert_ne!(provider.id(), RootKeyId(*b"a CKA_ID"));
    let sealed = provider.seal(b"l", b"s").unwrap();
    assert_eq!(&provider.open(b"l", &sealed).unwrap()[..], b"s");
}

#[test]
fn the_provider_and_its_errors_cross_threads() {
    fn thread_safe<T: Send + Sync + 'static>() {}
    thread_safe::<Pkcs11RootKeyProvider>();
    thread_safe::<HsmError>();
}

#[test]
fn many_threads_share_one_provider() {
    let Some(_) = softhsm() else { return };
    let provider = Pkcs11RootKeyProvider::open(&uri("trent-test-threads", "root"), true).unwrap();
    std::thread::scope(|scope| {
        for thread in 0..4u8 {
            let provider = &provider;
            scope.spawn(move || {
                for i in 0..25u8 {
                    let label = [thread, i];
                    let sealed = provider.seal(&label, &[thread; 32]).unwrap();
                    assert_eq!(&provider.open(&label, &sealed).unwrap()[..], &[thread; 32]);
                }
            });
        }
    });
}

/// SoftHSM2 keeps each token in a directory under its token folder. Moving
/// that directory away makes the token vanish for a live session (every
/// call on the key fails with CKR_OBJECT_HANDLE_INVALID); moving it back is
/// not enough for SoftHSM2 to see it again (C_GetTokenInfo keeps failing
/// with CKR_GENERAL_ERROR) until the module is finalized and initialized
/// anew, which the provider does when it reconnects and finds no token.
#[test]
fn the_token_going_away_makes_the_key_unavailable_until_it_comes_back() {
    let Some(hsm) = softhsm() else { return };
    let provider = Pkcs11RootKeyProvider::open(&uri("trent-test-gone", "root"), true).unwrap();
    let sealed = provider.seal(b"label", b"secret").unwrap();
    // Another token on the same module, which stays.
    let neighbour =
        Pkcs11RootKeyProvider::open(&uri("trent-test-neighbour", "root"), true).unwrap();
    let neighbours = neighbour.seal(b"label", b"next door").unwrap();
    let token_dir = token_directory(&hsm.root, "trent-test-gone");
    let away = hsm.root.join("away");
    std::fs::rename(&token_dir, &away).unwrap();

    assert_eq!(
        provider.open(b"label", &sealed).unwrap_err(),
        CryptoError::RootKeyUnavailable
    );

    std::fs::rename(&away, &token_dir).unwrap();
    // The same provider reconnects by itself.
    assert_eq!(&provider.open(b"label", &sealed).unwrap()[..], b"secret");
    let again = provider.seal(b"label", b"more").unwrap();
    assert_eq!(&provider.open(b"label", &again).unwrap()[..], b"more");
    assert!(provider.key_attributes().unwrap().never_extractable);
    // The re-initialization that brought the token back closed the
    // neighbour's session too; it opens a new one without failing a call.
    assert_eq!(
        &neighbour.open(b"label", &neighbours).unwrap()[..],
        b"next door"
    );
}

/// The directory of the token labelled `label`: the one whose token.object
/// holds the label.
fn token_directory(root: &Path, label: &str) -> PathBuf {
    std::fs::read_dir(root.join("tokens"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|dir| {
            std::fs::read(dir.join("token.object"))
                .unwrap()
                .windows(label.len())
                .any(|window| window == label.as_bytes())
        })
        .unwrap()
}
