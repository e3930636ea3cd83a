//! Change notifications: what a write tells the other nodes, sent with
//! `pg_notify` on [`CHANNEL`] inside the write's own transaction, so it is
//! delivered only if the write commits.
//!
//! Payloads are text: `k:<key id>` ([`Change::Key`]),
//! `a:<account>:<region>:<alias name>` ([`Change::Alias`]), `i`
//! ([`Change::Identities`]) and `*` ([`Change::Everything`]). A payload that
//! does not decode is heard as `Everything`. `p:<session>:<n>` is a
//! listener's confirmation ping ([`ping`]): it names no change, and every
//! other listener ignores it.

use deadpool_postgres::GenericClient;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};

use super::execute;
use crate::{Change, StoreResult};

/// The channel every node LISTENs on.
pub(super) const CHANNEL: &str = "trent_changes";

/// Tells the other nodes of `change` when the caller's transaction commits.
pub(super) async fn notify(tx: &impl GenericClient, change: &Change) -> StoreResult<()> {
    execute(
        tx,
        "SELECT pg_notify('trent_changes', $1)",
        &[&encode(change)],
    )
    .await
    .map(drop)
}

/// The payload of `change`.
pub(super) fn encode(change: &Change) -> String {
    match change {
        Change::Key(key_id) => format!("k:{key_id}"),
        Change::Alias(scope, name) => format!(
            "a:{}:{}:{}",
            scope.account.as_str(),
            scope.region.as_str(),
            name.as_str()
        ),
        Change::Identities => "i".to_owned(),
        Change::Everything => "*".to_owned(),
    }
}

/// The payload of the `n`th confirmation ping of listener session `session`.
pub(super) fn ping(session: u64, n: u64) -> String {
    format!("p:{session:016x}:{n}")
}

/// The session and number of a ping payload; `None` for any other payload.
pub(super) fn parse_ping(payload: &str) -> Option<(u64, u64)> {
    let (session, n) = payload.strip_prefix("p:")?.split_once(':')?;
    Some((u64::from_str_radix(session, 16).ok()?, n.parse().ok()?))
}

/// The change a payload names; `Everything` when it names none.
pub(super) fn decode(payload: &str) -> Change {
    let decoded = || -> Option<Change> {
        match payload.split_once(':') {
            Some(("k", key_id)) => KeyId::parse(key_id).ok().map(Change::Key),
            Some(("a", rest)) => {
                let mut parts = rest.splitn(3, ':');
                let account = AccountId::parse(parts.next()?).ok()?;
                let region = Region::parse(parts.next()?).ok()?;
                let name = AliasName::parse(parts.next()?).ok()?;
                Some(Change::Alias(Scope { account, region }, name))
            }
            None if payload == "i" => Some(Change::Identities),
            _ => None,
        }
    };
    decoded().unwrap_or(Change::Everything)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_are_read_back_and_name_no_change() {
        assert_eq!(parse_ping(&ping(0xabc, 7)), Some((0xabc, 7)));
        assert_eq!(parse_ping("k:1234"), None);
        assert_eq!(parse_ping("p:zz:1"), None);
        for change in [Change::Identities, Change::Everything] {
            assert_eq!(parse_ping(&encode(&change)), None);
        }
    }

    #[test]
    fn every_change_decodes_to_itself_and_garbage_to_everything() {
        let scope = Scope {
            account: AccountId::parse("111122223333").unwrap(),
            region: Region::parse("us-east-1").unwrap(),
        };
        for change in [
            Change::Key(KeyId::from_bytes([3; 16])),
            Change::Alias(scope, AliasName::parse("alias/a-b_c/d").unwrap()),
            Change::Identities,
            Change::Everything,
        ] {
            assert_eq!(decode(&encode(&change)), change);
        }
        for garbage in ["", "k:", "k:nope", "a:1:2", "x:y", "i:"] {
            assert_eq!(decode(garbage), Change::Everything);
        }
    }
}
