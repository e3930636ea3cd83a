//! The audit trail: one CloudTrail-shaped event per request (`event`),
//! appended to the audit log (`trent_audit::log::AuditLog`) before the
//! response is sent.

pub(crate) mod event;
