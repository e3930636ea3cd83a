//! The IAM policy language, as AWS evaluates it for KMS.
//!
//! Owns the policy document model ([`document::PolicyDocument`]), its parser
//! and validator (AWS's grammar: `Version`, `Statement` as object or array,
//! `Sid`, `Effect`, `Principal`/`NotPrincipal`, `Action`/`NotAction`,
//! `Resource`/`NotResource`, `Condition`), wildcard matching
//! ([`wildcard`]), condition operators ([`condition`]), and the evaluation of
//! one document against one request ([`evaluate::evaluate`]) with a trace of
//! what matched and what failed.
//!
//! It does no IO and knows nothing of where policies are stored, of identities
//! or of KMS operations: callers supply the request context, and combine the
//! decisions of key policies, identity policies and grants.

pub mod condition;
pub mod document;
pub mod evaluate;
pub mod wildcard;
