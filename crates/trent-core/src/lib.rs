//! Domain vocabulary of Trent.
//!
//! Owns identifiers (`AccountId`, `Region`, `KeyId`, `KeyArn`, `AliasName`),
//! key specs, usages and states with their allowed transitions, encryption
//! contexts, tags, the AWS quotas Trent mirrors, the [`clock::Clock`] seam,
//! the typed policy [`action::Action`]s and the operation table
//! ([`operation::Operation`]: each operation's facts, declared once).
//!
//! It also owns the values operations answer ([`view`]) and the one secret
//! type that carries plaintexts to the wire ([`secret::Plaintext`]).
//!
//! It deliberately knows nothing of IO, async, serialization or cryptography:
//! every other crate speaks these types, and conversions to the wire or the
//! disk are written out at those edges.

pub mod action;
pub mod algorithm;
pub mod clock;
pub mod context;
pub mod error;
pub mod id;
pub mod import;
pub mod key;
pub mod operation;
pub mod query_action;
pub mod quota;
pub mod rate;
pub mod sealed;
pub mod secret;
pub mod view;
