//! The protocol's own errors ([`RequestError`]: what AWS's front end answers
//! before any service runs), and the one table from them and from the
//! service's [`KmsError`] to `__type`, HTTP status and message.
//!
//! The matches have no catch-all arm: a new error variant does not compile
//! until it has its row here. Messages are built from typed fields only and
//! never contain secrets; internal errors say nothing but the request id.

use serde::Serialize;
use trent_core::error::{
    AliasNameProblem, DenialReason, GrantOperationProblem, Invalid, InvalidSignature,
    KeyUsageProblem, KmsError, Limit, NotFound, PolicyProblem, TagProblem, Unsupported,
};
use trent_core::key::KeyState;

/// A request the wire protocol refuses before, or instead of, the service:
/// its vocabulary is HTTP, JSON, the API model's member names and the
/// `Authorization` header's syntax.
#[derive(Debug)]
pub enum RequestError {
    /// The `X-Amz-Target` (or the path or method) names no operation Trent knows.
    UnknownOperation,
    /// The body is not valid JSON for the operation, or a member has the wrong type.
    Serialization(SerializationProblem),
    /// The body is larger than the server accepts.
    TooLarge,
    /// The body did not arrive within the server's body timeout.
    BodyTimeout,
    /// No `Authorization` header.
    MissingAuthenticationToken,
    /// The `Authorization` header is malformed or lacks a required part.
    IncompleteSignature(IncompleteSignature),
    /// Members failed constraints of the API model.
    Validation(Vec<ValidationFailure>),
}

impl RequestError {
    /// A single validation failure.
    pub fn validation(member: &str, value: ShownValue, constraint: impl Into<String>) -> Self {
        Self::Validation(vec![ValidationFailure {
            member: member.to_owned(),
            value,
            constraint: constraint.into(),
        }])
    }
}

/// What the body's JSON got wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerializationProblem {
    /// Not JSON, or not a JSON object.
    MalformedJson,
    /// A member had the wrong JSON type or an undecodable value.
    WrongType,
}

/// What was missing from the `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncompleteSignature {
    /// The header is not `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
    Malformed,
    /// A header that must be signed was not (`host`, `x-amz-date`, any
    /// `x-amz-*` header present, `content-type`), by its lower-case name.
    UnsignedHeader(String),
    /// The credential is not `AKID/date/region/service/aws4_request`.
    MalformedCredential,
    /// No `X-Amz-Date` (or `Date`) header.
    MissingDate,
    /// A presigned request lacks these query parameters.
    MissingQueryParameters(Vec<&'static str>),
    /// A presigned request's `X-Amz-Expires` is not 1 to 604800 seconds.
    ExpiresOutOfRange,
}

/// A time window as AWS's expiry messages write it: `5 min`, `3600 sec`.
fn window_text(seconds: i64) -> String {
    if seconds % 60 == 0 {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} sec")
    }
}

/// One failed constraint, as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationFailure {
    /// The member, in AWS's lower camel case (`keyId`).
    pub member: String,
    /// The value shown, or `None` for a missing member; sensitive values are
    /// never shown (`Value at 'plaintext' ...`).
    pub value: ShownValue,
    /// The constraint, such as "Member must have length less than or equal to 8192".
    pub constraint: String,
}

/// How a failing value appears in a validation message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShownValue {
    /// The member was absent: `Value null at ...`.
    Null,
    /// A value safe to echo: `Value 'x' at ...`.
    Shown(String),
    /// A sensitive value, not echoed: `Value at ...`.
    Hidden,
}

/// How a request ends when it does not succeed: refused by the protocol, or
/// answered with the service's error `E` (`KmsError` for KMS, `IamError`
/// for IAM and STS).
#[derive(Debug)]
pub enum Failure<E = KmsError> {
    /// The protocol refused the request.
    Request(RequestError),
    /// The service refused it.
    Service(E),
}

impl<E> From<RequestError> for Failure<E> {
    fn from(error: RequestError) -> Self {
        Self::Request(error)
    }
}

impl From<KmsError> for Failure {
    fn from(error: KmsError) -> Self {
        Self::Service(error)
    }
}

impl Failure {
    /// The service's internal error, if that is what this is (for the operator's log).
    pub fn internal(&self) -> Option<&trent_core::error::InternalError> {
        match self {
            Self::Service(KmsError::Internal(internal)) => Some(internal),
            _ => None,
        }
    }
}

/// An error as it goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// The HTTP status.
    pub status: u16,
    /// The `__type` member: AWS's exception name.
    pub type_name: &'static str,
    /// The `message` member, or `None` where AWS's body has none
    /// (`InvalidCiphertextException` is `{"__type":"InvalidCiphertextException"}`).
    pub message: Option<String>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "__type")]
    type_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

impl WireError {
    /// The JSON body: `{"__type": ..., "message": ...}`, or `{"__type": ...}`
    /// alone for an error without a message.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&Body {
            type_name: self.type_name,
            message: self.message.as_deref(),
        })
        .unwrap_or_else(|_| br#"{"__type":"KMSInternalException"}"#.to_vec())
    }

    /// The message, or the empty text for an error without one (for logs
    /// and the audit trail).
    pub fn message_text(&self) -> &str {
        self.message.as_deref().unwrap_or_default()
    }
}

/// Renders a failed KMS request for the wire.
pub fn render(failure: &Failure) -> WireError {
    match failure {
        Failure::Request(error) => render_request(error),
        Failure::Service(error) => render_kms(error),
    }
}

/// Renders a request the protocol refused.
pub fn render_request(error: &RequestError) -> WireError {
    let (status, type_name, message): (u16, &'static str, String) = match error {
        RequestError::UnknownOperation => (400, "UnknownOperationException", String::new()),
        RequestError::Serialization(problem) => (
            400,
            "SerializationException",
            match problem {
                SerializationProblem::MalformedJson => "The request body is not a valid JSON object".into(),
                SerializationProblem::WrongType => {
                    "A member of the request has the wrong JSON type or an invalid value".into()
                }
            },
        ),
        RequestError::BodyTimeout => (
            408,
            "RequestTimeoutException",
            "Your socket connection to the server was not read from or written to within the timeout period.".into(),
        ),
        RequestError::TooLarge => (
            413,
            "RequestEntityTooLargeException",
            format!(
                "Request body exceeds the maximum of {} bytes",
                crate::limit::MAX_REQUEST_BODY_BYTES
            ),
        ),
        RequestError::MissingAuthenticationToken => {
            (400, "MissingAuthenticationTokenException", "Missing Authentication Token".into())
        }
        RequestError::IncompleteSignature(problem) => (
            400,
            "IncompleteSignatureException",
            match problem {
                IncompleteSignature::Malformed => "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters, in the AWS4-HMAC-SHA256 format.".into(),
                IncompleteSignature::UnsignedHeader(name) => format!("'{}' must be a 'SignedHeader' in the AWS Authorization.", header_display_name(name)),
                IncompleteSignature::MalformedCredential => "Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.".into(),
                IncompleteSignature::MissingDate => "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into(),
                IncompleteSignature::MissingQueryParameters(names) => {
                    let mut message = String::new();
                    for name in names {
                        message.push_str(&format!("AWS query-string parameters must include '{name}'. "));
                    }
                    message.push_str("Re-examine the query-string parameters.");
                    message
                }
                IncompleteSignature::ExpiresOutOfRange => "X-Amz-Expires must be less than a week (in seconds) that is 604800".into(),
            },
        ),
        RequestError::Validation(failures) => (400, "ValidationException", validation_message(failures)),
    };
    WireError {
        status,
        type_name,
        message: Some(message),
    }
}

/// Renders the service's error.
pub fn render_kms(error: &KmsError) -> WireError {
    let (status, type_name, message): (u16, &'static str, String) = match error {
        KmsError::UnrecognizedClient => (
            400,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        ),
        KmsError::Throttling => (
            400,
            "ThrottlingException",
            "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.".into(),
        ),
        KmsError::ExpiredToken => (
            400,
            "ExpiredTokenException",
            "The security token included in the request is expired".into(),
        ),
        KmsError::InvalidSignature(problem) => (
            400,
            "InvalidSignatureException",
            match problem {
                InvalidSignature::Mismatch | InvalidSignature::BodyHashMismatch => "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.".into(),
                InvalidSignature::Expired { request_time, limit, server_time, window_seconds } => format!(
                    "Signature expired: {request_time} is now earlier than {limit} ({server_time} - {}.)",
                    window_text(*window_seconds)
                ),
                InvalidSignature::BothMechanisms => "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.".into(),
                InvalidSignature::NotYetCurrent { request_time, limit, server_time } => format!(
                    "Signature not yet current: {request_time} is still later than {limit} ({server_time} + 5 min.)"
                ),
                InvalidSignature::WrongRegion => "Credential should be scoped to a valid region.".into(),
                InvalidSignature::RegionNotServed { region } => format!("Credential should be scoped to a valid region, not '{region}'."),
                InvalidSignature::WrongService(service) => {
                    format!("Credential should be scoped to correct service: 'kms'. Found: '{service}'.")
                }
                InvalidSignature::WrongDate => "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.".into(),
            },
        ),
        KmsError::NotFound(what) => (
            400,
            "NotFoundException",
            match what {
                NotFound::Key { arn } => format!("Key '{arn}' does not exist"),
                NotFound::Alias { arn } => format!("Alias '{arn}' is not found."),
                NotFound::OtherRegion { region } => format!("Invalid arn {region}"),
                NotFound::Policy => "No such policy exists".into(),
                NotFound::Grant { grant_id } => format!("Grant ID {grant_id} not found"),
                NotFound::InvalidKeyId { given } => format!("Invalid keyId '{given}'"),
            },
        ),
        KmsError::Disabled { arn } => (400, "DisabledException", format!("{arn} is disabled.")),
        KmsError::KmsInvalidState(invalid) => (
            400,
            "KMSInvalidStateException",
            match invalid.state {
                KeyState::PendingDeletion => format!("{} is pending deletion.", invalid.arn),
                KeyState::PendingImport => format!("{} is pending import.", invalid.arn),
                KeyState::PendingReplicaDeletion => {
                    format!("{} is pending replica deletion.", invalid.arn)
                }
                KeyState::Creating => format!("{} is creating.", invalid.arn),
                KeyState::Updating => format!("{} is updating.", invalid.arn),
                KeyState::Enabled | KeyState::Disabled => {
                    format!("{} is not pending deletion.", invalid.arn)
                }
                other => format!("{} is {}.", invalid.arn, other.as_str()),
            },
        ),
        // AWS's body has no message member at all: say nothing about why.
        KmsError::InvalidCiphertext => {
            return WireError {
                status: 400,
                type_name: "InvalidCiphertextException",
                message: None,
            }
        }
        KmsError::SignatureNotValid => (400, "KMSInvalidSignatureException", String::new()),
        KmsError::MacNotValid => (400, "KMSInvalidMacException", String::new()),
        KmsError::Invalid(invalid) => (400, "ValidationException", invalid_message(invalid)),
        KmsError::IncorrectKey => (
            400,
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.".into(),
        ),
        KmsError::AlreadyExists { alias_arn } => (
            400,
            "AlreadyExistsException",
            format!("An alias with the name {alias_arn} already exists"),
        ),
        KmsError::ReplicaExists => (
            400,
            "AlreadyExistsException",
            "You can create only one replica of each primary key in each AWS Region.".into(),
        ),
        KmsError::InvalidAliasName(problem) => (
            400,
            "InvalidAliasNameException",
            match problem {
                AliasNameProblem::Malformed => "Alias must start with the prefix \"alias/\" and contain only alphanumeric characters, forward slashes (/), underscores (_), and dashes (-).".into(),
                AliasNameProblem::Reserved => "Alias names beginning with \"alias/aws/\" are reserved for AWS managed keys.".into(),
            },
        ),
        KmsError::LimitExceeded(limit) => (
            400,
            "LimitExceededException",
            match limit {
                Limit::OnDemandRotations => "The KMS key has reached the maximum number of on-demand rotations.".into(),
                Limit::GrantsPerKey => format!(
                    "A KMS key can have at most {} grants.",
                    trent_core::quota::MAX_GRANTS_PER_KEY
                ),
            },
        ),
        KmsError::MalformedPolicyDocument(problem) => (
            400,
            "MalformedPolicyDocumentException",
            match problem {
                PolicyProblem::NotJson => "The policy document is not a valid JSON object.".into(),
                PolicyProblem::InvalidPrincipals => "Policy contains a statement with one or more invalid principals.".into(),
                PolicyProblem::Invalid(explanation) => explanation.clone(),
                PolicyProblem::Lockout => "The new key policy will not allow you to update the key policy in the future.".into(),
                PolicyProblem::TooLarge => format!(
                    "Policy document exceeds the maximum size of {} bytes.",
                    trent_core::quota::MAX_POLICY_BYTES
                ),
            },
        ),
        KmsError::Tag(problem) => (
            400,
            "TagException",
            match problem {
                TagProblem::ReservedPrefix => "Tags beginning with aws: are reserved".into(),
                TagProblem::DuplicateKey => "Duplicate tag keys".into(),
                TagProblem::TooMany => "Too many tags".into(),
            },
        ),
        KmsError::InvalidMarker => (400, "InvalidMarkerException", "Invalid marker.".into()),
        KmsError::InvalidKeyUsage(problem) => (
            400,
            "InvalidKeyUsageException",
            match problem {
                KeyUsageProblem::EncryptionAlgorithm(algorithm) => format!(
                    "The encryption algorithm {algorithm} is not supported by symmetric encryption keys."
                ),
                KeyUsageProblem::Usage { arn, usage, operation } => format!(
                    "{arn} key usage is {usage} which is not valid for {operation}."
                ),
                KeyUsageProblem::Algorithm { algorithm, spec } => format!(
                    "Algorithm {algorithm} is incompatible with key spec {spec}."
                ),
                KeyUsageProblem::DataKeyPairUnderAsymmetricKey => {
                    "You cannot generate a data key pair with an asymmetric CMK".into()
                }
                KeyUsageProblem::DataKeyUnderAsymmetricKey => {
                    "You cannot generate a data key with an asymmetric CMK".into()
                }
            },
        ),
        KmsError::AccessDenied { principal_arn, action, resource, reason } => (
            400,
            "AccessDeniedException",
            match reason {
                DenialReason::NoResourcePolicyAllows => format!(
                    "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} because no resource-based policy allows the {action} action"
                ),
                DenialReason::ExplicitDenyInResourcePolicy => format!(
                    "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in a resource-based policy"
                ),
                DenialReason::NoIdentityPolicyAllows => format!(
                    "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
                ),
                DenialReason::RootMayNotAssumeRoles => "Roles may not be assumed by root accounts.".into(),
                DenialReason::ExplicitDenyInIdentityPolicy => format!(
                    "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in an identity-based policy"
                ),
            },
        ),
        KmsError::InvalidGrantToken => (
            400,
            "InvalidGrantTokenException",
            "The grant token is not valid.".into(),
        ),
        KmsError::InvalidGrantId => (
            400,
            "InvalidGrantIdException",
            "The grant ID is not valid.".into(),
        ),
        KmsError::GrantOperation(GrantOperationProblem::NotForKey {
            operations,
            asymmetric,
            usage,
            valid,
        }) => (
            400,
            "ValidationException",
            format!(
                "Operations [{}] are not supported when creating a grant for a{} KMS key with key usage {usage}. Valid operations are [{}]",
                operations.join(", "),
                if *asymmetric { "n asymmetric" } else { " symmetric" },
                valid.join(", "),
            ),
        ),
        KmsError::GrantOperation(GrantOperationProblem::TakesNoContext { operation }) => (
            400,
            "ValidationException",
            validation_message(&[ValidationFailure {
                member: "operations".into(),
                value: ShownValue::Shown(operation.clone()),
                constraint: format!("Grant operation {operation} does not accept an encryption context, so a grant with an encryption context constraint cannot include it"),
            }]),
        ),
        KmsError::UnknownPrincipal { arn } => (
            400,
            "ValidationException",
            validation_message(&[ValidationFailure {
                member: "principalArn".into(),
                value: ShownValue::Shown(arn.clone()),
                constraint: "Member must be the ARN of an account root, user, role or assumed-role session that exists".into(),
            }]),
        ),
        KmsError::Import(problem) => import_error(problem),
        KmsError::DryRun => (
            412,
            "DryRunOperationException",
            "The request would have succeeded, but the DryRun option is set.".into(),
        ),
        KmsError::UnsupportedOperation(what) => (
            400,
            "UnsupportedOperationException",
            match what {
                Unsupported::MultiRegion => "Multi-Region keys with imported key material are not supported by this Trent server yet.".into(),
                Unsupported::CustomKeyStore => "Custom key stores are not supported by Trent.".into(),
                Unsupported::NotPrimary { arn } => format!("{arn} is not a multi-region primary key."),
                Unsupported::RegionNotServed { region } => format!("The Region {region} is not served by this Trent server."),
                Unsupported::Operation(name) => format!("{name} is not supported by this Trent server yet."),
                Unsupported::Recipient => "Recipient is supported only for Nitro Enclaves, which Trent does not serve.".into(),
                Unsupported::ChinaRegionsOnly(spec) => format!("KeySpec {spec} is not supported in this Region"),
                Unsupported::KeyKind => String::new(),
                Unsupported::Algorithm { algorithm, message_type } => format!(
                    "Signing algorithm {algorithm} with message type {message_type} is not supported by this Trent server: its cryptography library offers no interface for it."
                ),
            },
        ),
        KmsError::Internal(_) => (500, "KMSInternalException", "An internal error occurred.".into()),
    };
    WireError {
        status,
        type_name,
        message: Some(message),
    }
}

/// AWS's sentence for a request its rules refuse.
fn invalid_message(invalid: &Invalid) -> String {
    match invalid {
        Invalid::AliasPrefix => "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html".into(),
        Invalid::NumberOfBytesRequired => "NumberOfBytes is required.".into(),
        Invalid::KeyUsageRequired => {
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.".into()
        }
        Invalid::UsageForSpec { usage, spec } => {
            format!("KeyUsage {usage} is not compatible with KeySpec {spec}")
        }
        Invalid::MessageTypeForSpec { message_type, spec } => {
            format!("Message type {message_type} is incompatible with key spec {spec}.")
        }
        Invalid::MessageTypeForAlgorithm { message_type, algorithm } => {
            format!("Message type {message_type} is incompatible with algorithm {algorithm}.")
        }
        Invalid::DigestLength(algorithm) => {
            format!("Digest is invalid length for algorithm {algorithm}.")
        }
        Invalid::ExternalMuLength(algorithm) => {
            format!("External Mu is invalid length for algorithm {algorithm}.")
        }
        Invalid::PlaintextTooLarge { algorithm, spec, max } => format!(
            "Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {max} bytes."
        ),
        Invalid::ContextWithAsymmetricKey => {
            "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs."
                .into()
        }
        Invalid::KeyIdRequired => "KeyId must not be null".into(),
        Invalid::PublicKey => String::new(),
        Invalid::GrantContextNotSymmetric => {
            "EncryptionContext is supported only when creating a grant for a symmetric encryption KMS key.".into()
        }
    }
}

/// The `__type`, status and message of a refusal about imported material.
fn import_error(problem: &trent_core::error::ImportProblem) -> (u16, &'static str, String) {
    use trent_core::error::ImportProblem as P;
    let unsupported = "UnsupportedOperationException";
    let invalid_state = "KMSInvalidStateException";
    let validation = "ValidationException";
    match problem {
        P::Origin { arn, origin } => (
            400,
            unsupported,
            format!("{arn} origin is {origin} which is not valid for this operation."),
        ),
        P::Spec(spec) => (
            400,
            unsupported,
            format!("Importing key material is not supported for {spec} keys."),
        ),
        P::Wrapping(what) => (
            400,
            unsupported,
            format!("{what} is not supported for importing key material."),
        ),
        P::WrappingForSpec { algorithm, spec } => (
            400,
            unsupported,
            format!("Wrapping algorithm {algorithm} cannot be used to import {spec} key material."),
        ),
        P::OnlySymmetric => (
            400,
            unsupported,
            "ImportType, KeyMaterialDescription and KeyMaterialId apply only to symmetric encryption KMS keys.".into(),
        ),
        P::InvalidToken => (
            400,
            "InvalidImportTokenException",
            "The import token is invalid, was already used, or is associated with a different KMS key.".into(),
        ),
        P::ExpiredToken => (
            400,
            "ExpiredImportTokenException",
            "The import token has expired. Call GetParametersForImport for a new one.".into(),
        ),
        P::IncorrectMaterial => (
            400,
            "IncorrectKeyMaterialException",
            "The key material is not the key material the KMS key expects.".into(),
        ),
        P::NothingPendingRotation { arn } => (
            400,
            invalid_state,
            format!("No available key material pending rotation for the key: {arn}."),
        ),
        P::AnotherPendingRotation { arn, new_id, pending_id } => (
            400,
            invalid_state,
            format!(
                "New key material (id: {new_id}) cannot be imported into KMS key {arn}, because another key material (id: {pending_id}) is pending rotation."
            ),
        ),
        P::UnknownMaterial { material_id } => (
            400,
            "NotFoundException",
            format!("Key material with id {material_id} is not associated with the KMS key."),
        ),
        P::ValidToRequired => (
            400,
            validation,
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES".into(),
        ),
        P::ValidToNotAllowed => (
            400,
            validation,
            "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE".into(),
        ),
        P::ValidToOutOfRange => (
            400,
            validation,
            "The validTo date must be in the future and at most 365 days from now.".into(),
        ),
        P::MaterialIdWithNewMaterial => (
            400,
            validation,
            "KeyMaterialId must not be set when ImportType is NEW_KEY_MATERIAL.".into(),
        ),
    }
}

/// A header name as AWS writes it in messages (`X-Amz-Target`, `Host`),
/// cut to a length a message can carry.
fn header_display_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .take(64)
        .collect()
}

fn validation_message(failures: &[ValidationFailure]) -> String {
    let count = failures.len();
    let noun = if count == 1 { "error" } else { "errors" };
    let details: Vec<String> = failures
        .iter()
        .map(|failure| {
            let value = match &failure.value {
                ShownValue::Null => "Value null at".to_owned(),
                ShownValue::Shown(text) => format!("Value '{text}' at"),
                ShownValue::Hidden => "Value at".to_owned(),
            };
            format!(
                "{value} '{}' failed to satisfy constraint: {}",
                failure.member, failure.constraint
            )
        })
        .collect();
    format!("{count} validation {noun} detected: {}", details.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::error::InvalidState;

    fn check(error: impl Into<Failure>, status: u16, type_name: &str, message: &str) {
        let wire = render(&error.into());
        assert_eq!(
            (wire.status, wire.type_name, wire.message_text()),
            (status, type_name, message)
        );
    }

    #[test]
    fn errors_render_as_aws_does() {
        let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        check(
            KmsError::Disabled { arn: arn.into() },
            400,
            "DisabledException",
            &format!("{arn} is disabled."),
        );
        check(
            KmsError::KmsInvalidState(InvalidState {
                arn: arn.into(),
                state: KeyState::PendingDeletion,
            }),
            400,
            "KMSInvalidStateException",
            &format!("{arn} is pending deletion."),
        );
        check(
            RequestError::validation("keyId", ShownValue::Null, "Member must not be null"),
            400,
            "ValidationException",
            "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
        );
        check(
            KmsError::Internal(trent_core::error::InternalError {
                context: "secret detail",
                source: None,
            }),
            500,
            "KMSInternalException",
            "An internal error occurred.",
        );
    }

    #[test]
    fn several_validation_failures_are_joined() {
        let error = RequestError::Validation(vec![
            ValidationFailure {
                member: "plaintext".into(),
                value: ShownValue::Hidden,
                constraint: "Member must have length less than or equal to 4096".into(),
            },
            ValidationFailure {
                member: "keyId".into(),
                value: ShownValue::Shown("".into()),
                constraint: "Member must have length greater than or equal to 1".into(),
            },
        ]);
        assert_eq!(
            render_request(&error).message_text(),
            "2 validation errors detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096; Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
    }

    #[test]
    fn domain_refusals_of_members_render_as_validation_errors() {
        check(
            KmsError::GrantOperation(GrantOperationProblem::NotForKey {
                operations: vec!["Encrypt".into()],
                asymmetric: false,
                usage: trent_core::key::KeyUsage::GenerateVerifyMac,
                valid: &["CreateGrant", "RetireGrant", "DescribeKey", "GenerateMac", "VerifyMac"],
            }),
            400,
            "ValidationException",
            "Operations [Encrypt] are not supported when creating a grant for a symmetric KMS key with key usage GENERATE_VERIFY_MAC. Valid operations are [CreateGrant, RetireGrant, DescribeKey, GenerateMac, VerifyMac]",
        );
        check(
            KmsError::GrantOperation(GrantOperationProblem::TakesNoContext {
                operation: "CreateGrant".into(),
            }),
            400,
            "ValidationException",
            "1 validation error detected: Value 'CreateGrant' at 'operations' failed to satisfy constraint: Grant operation CreateGrant does not accept an encryption context, so a grant with an encryption context constraint cannot include it",
        );
        check(
            KmsError::UnknownPrincipal {
                arn: "arn:aws:iam::111122223333:user/nobody".into(),
            },
            400,
            "ValidationException",
            "1 validation error detected: Value 'arn:aws:iam::111122223333:user/nobody' at 'principalArn' failed to satisfy constraint: Member must be the ARN of an account root, user, role or assumed-role session that exists",
        );
        check(
            RequestError::UnknownOperation,
            400,
            "UnknownOperationException",
            "",
        );
    }

    #[test]
    fn invalid_ciphertext_has_no_message_member() {
        let wire = render_kms(&KmsError::InvalidCiphertext);
        assert_eq!((wire.status, wire.message.as_deref()), (400, None));
        assert_eq!(wire.body(), br#"{"__type":"InvalidCiphertextException"}"#);
    }

    #[test]
    fn tag_refusals_are_tag_exceptions_in_aws_words() {
        for (problem, message) in [
            (
                TagProblem::ReservedPrefix,
                "Tags beginning with aws: are reserved",
            ),
            (TagProblem::DuplicateKey, "Duplicate tag keys"),
            (TagProblem::TooMany, "Too many tags"),
        ] {
            check(KmsError::Tag(problem), 400, "TagException", message);
        }
    }

    #[test]
    fn aws_rules_on_members_render_in_aws_words() {
        check(
            KmsError::Invalid(Invalid::AliasPrefix),
            400,
            "ValidationException",
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        );
        check(
            KmsError::Invalid(Invalid::NumberOfBytesRequired),
            400,
            "ValidationException",
            "NumberOfBytes is required.",
        );
        check(
            KmsError::UnsupportedOperation(Unsupported::Operation("ReplicateKey")),
            400,
            "UnsupportedOperationException",
            "ReplicateKey is not supported by this Trent server yet.",
        );
        check(
            KmsError::ReplicaExists,
            400,
            "AlreadyExistsException",
            "You can create only one replica of each primary key in each AWS Region.",
        );
        check(
            KmsError::UnsupportedOperation(Unsupported::NotPrimary {
                arn: "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
                    .into(),
            }),
            400,
            "UnsupportedOperationException",
            "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab is not a multi-region primary key.",
        );
    }

    #[test]
    fn body_has_type_and_message() {
        let body = render_kms(&KmsError::IncorrectKey).body();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["__type"], "IncorrectKeyException");
        assert!(value["message"].as_str().unwrap().contains("key ID"));
    }
}
