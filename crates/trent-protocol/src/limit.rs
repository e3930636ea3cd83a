//! Request limits enforced before parsing.

/// Largest request body Trent reads, in bytes. The largest legitimate KMS
/// request is a PutKeyPolicy or CreateKey with a 128 KiB policy (the API
/// model's `PolicyType` maximum, 131072 characters) plus tags; 300 KiB leaves
/// room for that and refuses anything larger before it is parsed.
pub const MAX_REQUEST_BODY_BYTES: usize = 300 * 1024;
