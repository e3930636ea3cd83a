//! ARNs and key ids: `KeyReference::parse` (the four forms AWS accepts for
//! `KeyId`: key id, key ARN, alias name, alias ARN), `KeyId`, `AliasName`,
//! `AccountId`, `Region`, and trent-protocol's `check::key_reference` and
//! `check::alias_name` that requests go through.
//!
//! Properties: no panic; what parses prints back as its input (key ids in
//! lower case: they are hex) and parses again to the same value; a key id
//! from 16 bytes prints and parses back to those bytes and form;
//! trent-protocol accepts nothing trent-core refuses.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use trent_core::id::{AccountId, AliasName, KeyId, KeyReference, Region, Scope};
use trent_fuzz::pick;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Any text.
    Text(String),
    /// `arn:<partition>:<service>:<region>:<account>:<resource>` from parts.
    Arn {
        parts: [Option<String>; 5],
        resource: Resource,
    },
    /// A key id's bytes.
    Bytes([u8; 16]),
}

#[derive(Arbitrary, Debug)]
enum Resource {
    Key([u8; 16], bool, bool),
    Alias(String),
    Raw(String),
}

const DEFAULTS: [&[&str]; 5] = [
    &["aws", "aws-cn", "AWS"],
    &["kms", "iam", "KMS"],
    &["us-east-1", "eu-west-1", "", "us-east-1-"],
    &["111122223333", "000000000000", "1111222233334"],
    &[""],
];

fuzz_target!(|data: &[u8]| {
    if let Some(plain) = trent_fuzz::plain(data) {
        // A key id, ARN or alias as a request carries it.
        if let Ok(text) = std::str::from_utf8(plain) {
            check(text);
        }
        return;
    }
    let Ok(input) = Input::arbitrary_take_rest(arbitrary::Unstructured::new(data)) else {
        return;
    };
    let text = match input {
        Input::Text(text) => text,
        Input::Arn { parts, resource } => {
            let mut fields: Vec<String> = parts
                .iter()
                .enumerate()
                .take(4)
                .map(|(i, part)| {
                    part.clone()
                        .unwrap_or_else(|| pick(DEFAULTS[i], 0).to_owned())
                })
                .collect();
            if let Some(Some(raw)) = parts.get(4) {
                fields[2] = pick(DEFAULTS[2], raw.len() as u8).to_owned();
            }
            let resource = match resource {
                Resource::Key(bytes, upper, mrk) => {
                    let id = key_id_text(bytes, mrk);
                    format!("key/{}", if upper { id.to_uppercase() } else { id })
                }
                Resource::Alias(name) => format!("alias/{name}"),
                Resource::Raw(raw) => raw,
            };
            format!("arn:{}:{resource}", fields.join(":"))
        }
        Input::Bytes(bytes) => {
            let id = KeyId::from_bytes(bytes);
            let text = id.to_string();
            let parsed = KeyId::parse(&text).expect("a key id's text parses");
            assert_eq!(parsed.as_bytes(), &bytes);
            assert_eq!(parsed.is_multi_region(), id.is_multi_region());
            assert_eq!(parsed.to_string(), text);
            text
        }
    };
    check(&text);
});

fn key_id_text(bytes: [u8; 16], mrk: bool) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if mrk {
        format!("mrk-{hex}")
    } else {
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }
}

fn check(text: &str) {
    let _ = AccountId::parse(text).map(|a| assert_eq!(a.as_str(), text));
    let _ = Region::parse(text).map(|r| assert_eq!(r.as_str(), text));
    let _ = AliasName::parse(text).map(|a| assert_eq!(a.as_str(), text));
    if let Ok(id) = KeyId::parse(text) {
        assert_eq!(id.to_string(), text.to_ascii_lowercase());
        assert_eq!(KeyId::parse(&id.to_string()), Ok(id));
    }
    let core = KeyReference::parse(text);
    if let Ok(reference) = &core {
        let printed = print(reference);
        match reference {
            KeyReference::Id(_) | KeyReference::Arn { .. } => {
                assert!(
                    printed.eq_ignore_ascii_case(text),
                    "{text} printed as {printed}"
                );
                // Only the hex digits may change case.
                assert_eq!(printed.len(), text.len());
            }
            KeyReference::AliasName(_) | KeyReference::AliasArn { .. } => {
                assert_eq!(printed, text)
            }
        }
        assert_eq!(KeyReference::parse(&printed).as_ref(), Ok(reference));
    }
    match trent_protocol::check::key_reference(text) {
        Ok(reference) => assert_eq!(Ok(&reference), core.as_ref(), "protocol accepted {text:?}"),
        Err(_) => {}
    }
    if let Ok(alias) = trent_protocol::check::alias_name(text) {
        assert_eq!(AliasName::parse(text).as_ref(), Ok(&alias));
    }
}

/// A reference written out as the service writes its ARNs.
fn print(reference: &KeyReference) -> String {
    match reference {
        KeyReference::Id(id) => id.to_string(),
        KeyReference::Arn { scope, key_id } => scope.key_arn(key_id),
        KeyReference::AliasName(alias) => alias.as_str().to_owned(),
        KeyReference::AliasArn { scope, alias } => scope_alias(scope, alias),
    }
}

fn scope_alias(scope: &Scope, alias: &AliasName) -> String {
    scope.alias_arn(alias)
}
