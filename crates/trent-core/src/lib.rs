//! Domain vocabulary of Trent.
//!
//! Owns identifiers (`AccountId`, `Region`, `KeyId`, `KeyArn`, `AliasName`),
//! key specs, usages and states with their allowed transitions, encryption
//! contexts, tags, the AWS quotas Trent mirrors, and the [`clock::Clock`] seam.
//!
//! It deliberately knows nothing of IO, async, serialization or cryptography:
//! every other crate speaks these types, and conversions to the wire or the
//! disk are written out at those edges.

pub mod clock;
pub mod context;
pub mod error;
pub mod id;
pub mod key;
pub mod quota;
pub mod sealed;
