//! The closed set of errors Trent returns to callers, named after AWS's exceptions.
//!
//! Variants carry typed data, never preformatted text; `trent-protocol` turns
//! each into its `__type`, HTTP status and message in one exhaustive table.
//! These are the service's answers: a request the wire protocol refuses
//! before any service runs (unknown operation, bad JSON, a member against the
//! model, a malformed `Authorization` header) is `trent_protocol::error::RequestError`.

use crate::algorithm::{EncryptionAlgorithm, MessageType, SigningAlgorithm};
use crate::id::PrincipalKind;
use crate::key::{KeySpec, KeyState, KeyUsage};

/// An error a KMS request ends with.
#[derive(Debug)]
pub enum KmsError {
    // ---- Authentication ----
    /// The access key id is not known (or not active), or the session token is not valid.
    UnrecognizedClient,
    /// The session token has expired.
    ExpiredToken,
    /// The signature does not verify, or its scope or date is wrong.
    InvalidSignature(InvalidSignature),
    /// A request-rate quota is exhausted, or the server sheds load.
    Throttling,

    // ---- Operation errors ----
    /// The named key or alias does not exist.
    NotFound(NotFound),
    /// The key is disabled.
    Disabled {
        /// The key ARN.
        arn: String,
    },
    /// The key's state does not allow the operation.
    KmsInvalidState(InvalidState),
    /// The ciphertext could not be decrypted; deliberately without detail.
    InvalidCiphertext,
    /// Verify: the signature is not valid for the message and key.
    SignatureNotValid,
    /// VerifyMac: the MAC is not valid for the message and key.
    MacNotValid,
    /// The API model accepts the request but AWS's rules refuse it.
    Invalid(Invalid),
    /// The `KeyId` given is not the key that encrypted the ciphertext.
    IncorrectKey,
    /// The alias name is taken.
    AlreadyExists {
        /// The alias ARN.
        alias_arn: String,
    },
    /// A multi-Region key already has a related key in the Region asked
    /// for (ReplicateKey).
    ReplicaExists,
    /// The alias name is not allowed.
    InvalidAliasName(AliasNameProblem),
    /// A quota would be exceeded.
    LimitExceeded(Limit),
    /// The policy document is not acceptable.
    MalformedPolicyDocument(PolicyProblem),
    /// A tag is not acceptable.
    Tag(TagProblem),
    /// The pagination marker was not issued by this server.
    InvalidMarker,
    /// The key's usage or spec does not allow what was asked.
    InvalidKeyUsage(KeyUsageProblem),
    /// The caller may not perform the operation.
    AccessDenied {
        /// The caller's ARN.
        principal_arn: String,
        /// The action, such as `kms:Encrypt`.
        action: crate::action::Action,
        /// The resource ARN.
        resource: String,
        /// Why, as AWS words it.
        reason: DenialReason,
    },
    /// The request asks for something Trent does not support.
    UnsupportedOperation(Unsupported),
    /// A grant token is not one this server issued.
    InvalidGrantToken,
    /// A grant id is malformed or names no grant of the key.
    InvalidGrantId,
    /// A grant names an operation the key cannot grant.
    GrantOperation(GrantOperationProblem),
    /// A principal ARN (of `trent explain`) names no principal that exists.
    UnknownPrincipal {
        /// The ARN given.
        arn: String,
    },
    /// Imported key material (GetParametersForImport, ImportKeyMaterial,
    /// DeleteImportedKeyMaterial, and rotation of imported material).
    Import(ImportProblem),
    /// `DryRun` was set and the request would have succeeded.
    DryRun,
    /// A server-side failure; its source is logged, never returned.
    Internal(InternalError),
}

impl KmsError {
    /// The variant's name, for logs; typed fields may hold caller input and are left out.
    pub fn name(&self) -> &'static str {
        match self {
            Self::UnrecognizedClient => "UnrecognizedClient",
            Self::ExpiredToken => "ExpiredToken",
            Self::InvalidSignature(_) => "InvalidSignature",
            Self::Throttling => "Throttling",
            Self::NotFound(_) => "NotFound",
            Self::Disabled { .. } => "Disabled",
            Self::KmsInvalidState(_) => "KmsInvalidState",
            Self::InvalidCiphertext => "InvalidCiphertext",
            Self::SignatureNotValid => "SignatureNotValid",
            Self::MacNotValid => "MacNotValid",
            Self::Invalid(_) => "Invalid",
            Self::IncorrectKey => "IncorrectKey",
            Self::AlreadyExists { .. } => "AlreadyExists",
            Self::ReplicaExists => "ReplicaExists",
            Self::InvalidAliasName(_) => "InvalidAliasName",
            Self::LimitExceeded(_) => "LimitExceeded",
            Self::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            Self::Tag(_) => "Tag",
            Self::InvalidMarker => "InvalidMarker",
            Self::InvalidKeyUsage(_) => "InvalidKeyUsage",
            Self::AccessDenied { .. } => "AccessDenied",
            Self::UnsupportedOperation(_) => "UnsupportedOperation",
            Self::InvalidGrantToken => "InvalidGrantToken",
            Self::InvalidGrantId => "InvalidGrantId",
            Self::GrantOperation(_) => "GrantOperation",
            Self::UnknownPrincipal { .. } => "UnknownPrincipal",
            Self::Import(_) => "Import",
            Self::DryRun => "DryRun",
            Self::Internal(_) => "Internal",
        }
    }
}

impl std::fmt::Display for KmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Internal(internal) => write!(f, "internal error: {}", internal.context),
            other => write!(f, "kms error: {}", other.name()),
        }
    }
}

impl std::error::Error for KmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Internal(internal) => internal
                .source
                .as_deref()
                .map(|source| source as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidSignature {
    /// The signature does not match.
    Mismatch,
    /// The request time is before its window: five minutes, or a presigned
    /// request's `X-Amz-Expires`.
    Expired {
        /// The request's `X-Amz-Date`.
        request_time: String,
        /// The earliest time accepted, in the same format.
        limit: String,
        /// The server's time, in the same format.
        server_time: String,
        /// The window, in seconds.
        window_seconds: i64,
    },
    /// Both an `Authorization` header and an `X-Amz-Algorithm` query parameter.
    BothMechanisms,
    /// The request time is more than five minutes in the future.
    NotYetCurrent {
        /// The request's `X-Amz-Date`.
        request_time: String,
        /// The latest time accepted, in the same format.
        limit: String,
        /// The server's time, in the same format.
        server_time: String,
    },
    /// The credential scope names an invalid region.
    WrongRegion,
    /// The credential scope names a region this server does not serve
    /// (`trent serve --regions`).
    RegionNotServed {
        /// The scope's region.
        region: String,
    },
    /// The credential scope names another service than `kms`.
    WrongService(String),
    /// The credential scope's date is not the request's date.
    WrongDate,
    /// The body hash header does not match the body.
    BodyHashMismatch,
}

/// A key or alias that was not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFound {
    /// No key with this ARN.
    Key {
        /// The key ARN looked up.
        arn: String,
    },
    /// No alias with this ARN.
    Alias {
        /// The alias ARN looked up.
        arn: String,
    },
    /// A key ARN of a Region other than the one the request was sent to.
    OtherRegion {
        /// The Region the ARN names.
        region: String,
    },
    /// No key policy with this name (only `default` exists).
    Policy,
    /// No grant with this id on the key.
    Grant {
        /// The grant id looked up.
        grant_id: String,
    },
    /// The `KeyId` is not in any accepted form.
    InvalidKeyId {
        /// The text given.
        given: String,
    },
}

/// A key-state refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidState {
    /// The key ARN.
    pub arn: String,
    /// The state the key is in.
    pub state: KeyState,
}

/// Why an alias name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AliasNameProblem {
    /// After `alias/`, it is empty or has characters outside `[a-zA-Z0-9/_-]`
    /// (a name without the prefix is [`Invalid::AliasPrefix`]).
    Malformed,
    /// It is in the reserved `alias/aws/` namespace.
    Reserved,
}

/// A quota that would be exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// More on-demand rotations than a key may have.
    OnDemandRotations,
    /// More grants on a key than the quota.
    GrantsPerKey,
}

/// Why a policy document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyProblem {
    /// Not a JSON object.
    NotJson,
    /// A principal names a user or role that does not exist.
    InvalidPrincipals,
    /// Larger than the key-policy quota (32 KB).
    TooLarge,
    /// Against the policy grammar; the parser's explanation.
    Invalid(String),
    /// It would not let the caller change the key policy again.
    Lockout,
}

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialReason {
    /// No statement of the key policy allows the caller.
    NoResourcePolicyAllows,
    /// A Deny statement of the key policy matched.
    ExplicitDenyInResourcePolicy,
    /// The key policy delegates to IAM, and no identity policy of the caller allows.
    NoIdentityPolicyAllows,
    /// A Deny statement of an identity policy of the caller matched.
    ExplicitDenyInIdentityPolicy,
    /// An account root called AssumeRole.
    RootMayNotAssumeRoles,
}

/// Why a tag was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagProblem {
    /// The key uses the reserved `aws:` prefix, in any case (`AWS:`, `Aws:`).
    ReservedPrefix,
    /// The same tag key appears twice in one request.
    DuplicateKey,
    /// The key would have more than 50 tags (AWS answers a `TagException`
    /// here, not a `LimitExceededException`).
    TooMany,
}

/// An unsupported request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsupported {
    /// Multi-Region keys with imported material are not offered yet.
    MultiRegion,
    /// ReplicateKey or UpdatePrimaryRegion named a Region this server does
    /// not serve (`trent serve --regions`).
    RegionNotServed {
        /// The Region asked for.
        region: String,
    },
    /// ReplicateKey, UpdatePrimaryRegion or a rotation operation named a
    /// key that is not a multi-Region primary key.
    NotPrimary {
        /// The key ARN.
        arn: String,
    },
    /// Custom key stores are not offered.
    CustomKeyStore,
    /// An operation of the AWS KMS API that this build does not serve yet
    /// (`trent_core::operation::NOT_SERVED`), by its AWS name.
    Operation(&'static str),
    /// An asymmetric-only feature (such as `Recipient`).
    Recipient,
    /// A key spec AWS offers only in the China Regions (SM2).
    ChinaRegionsOnly(KeySpec),
    /// The operation does not apply to a key of this kind (GetPublicKey of
    /// a symmetric key, rotation of an asymmetric or HMAC key); AWS says
    /// nothing more.
    KeyKind,
    /// An algorithm and message type aws-lc-rs offers no interface for.
    Algorithm {
        /// The signing algorithm.
        algorithm: SigningAlgorithm,
        /// The message type.
        message_type: MessageType,
    },
}

/// A request the API model accepts but AWS's rules refuse: a
/// `ValidationException` with AWS's own sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// An alias name (CreateAlias, UpdateAlias, DeleteAlias) that does not
    /// start with `alias/`.
    AliasPrefix,
    /// GenerateRandom without `NumberOfBytes`.
    NumberOfBytesRequired,
    /// CreateKey without `KeyUsage` for a key that is not symmetric.
    KeyUsageRequired,
    /// CreateKey with a usage the spec does not take.
    UsageForSpec {
        /// The usage asked for.
        usage: KeyUsage,
        /// The spec asked for.
        spec: KeySpec,
    },
    /// A message type the key's spec does not take (EXTERNAL_MU, or DIGEST with ML-DSA).
    MessageTypeForSpec {
        /// The message type.
        message_type: MessageType,
        /// The key's spec.
        spec: KeySpec,
    },
    /// A message type the algorithm does not take (Ed25519 and Ed25519ph).
    MessageTypeForAlgorithm {
        /// The message type.
        message_type: MessageType,
        /// The algorithm.
        algorithm: SigningAlgorithm,
    },
    /// A DIGEST message of the wrong length for the algorithm.
    DigestLength(SigningAlgorithm),
    /// An EXTERNAL_MU message that is not 64 bytes.
    ExternalMuLength(SigningAlgorithm),
    /// A plaintext over the RSA-OAEP limit of the key and algorithm.
    PlaintextTooLarge {
        /// The algorithm.
        algorithm: EncryptionAlgorithm,
        /// The key's spec.
        spec: KeySpec,
        /// The most bytes it can encrypt.
        max: usize,
    },
    /// An encryption context with an asymmetric key.
    ContextWithAsymmetricKey,
    /// Decrypt of an asymmetric ciphertext without `KeyId`.
    KeyIdRequired,
    /// DeriveSharedSecret's public key is malformed or on another curve (AWS says nothing more).
    PublicKey,
    /// A grant with an encryption-context constraint on a key that is not symmetric.
    GrantContextNotSymmetric,
}

/// Why a grant cannot include an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantOperationProblem {
    /// Operations a key of this kind does not perform.
    NotForKey {
        /// The refused operations, as the request names them.
        operations: Vec<String>,
        /// Whether the key is asymmetric (HMAC keys are symmetric).
        asymmetric: bool,
        /// The key's usage.
        usage: KeyUsage,
        /// The operations a grant for such a key may name.
        valid: &'static [&'static str],
    },
    /// The operation takes no encryption context, and the grant has a context constraint.
    TakesNoContext {
        /// The operation, as the request names it.
        operation: String,
    },
}

/// Why a key cannot serve a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUsageProblem {
    /// A symmetric key asked for an asymmetric encryption algorithm.
    EncryptionAlgorithm(String),
    /// The key's usage is not the operation's.
    Usage {
        /// The key ARN.
        arn: String,
        /// The key's usage.
        usage: KeyUsage,
        /// The operation, as AWS names it.
        operation: &'static str,
    },
    /// The algorithm is not one the key's spec offers.
    Algorithm {
        /// The algorithm, as AWS names it.
        algorithm: &'static str,
        /// The key's spec.
        spec: KeySpec,
    },
    /// GenerateDataKeyPair under an asymmetric key.
    DataKeyPairUnderAsymmetricKey,
    /// GenerateDataKey under an asymmetric key.
    DataKeyUnderAsymmetricKey,
}

/// Why imported key material, or a request about it, was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProblem {
    /// `UnsupportedOperationException`: the key's origin does not allow the
    /// operation (import into an `AWS_KMS` key; automatic rotation of an
    /// `EXTERNAL` one).
    Origin {
        /// The key ARN.
        arn: String,
        /// The key's origin.
        origin: crate::key::Origin,
    },
    /// `UnsupportedOperationException`: keys of this spec cannot have imported material.
    Spec(KeySpec),
    /// `UnsupportedOperationException`: a wrapping algorithm or wrapping key
    /// spec Trent does not accept (`RSAES_PKCS1_V1_5`, the China Regions' SM2).
    Wrapping(&'static str),
    /// `UnsupportedOperationException`: the wrapping algorithm cannot carry
    /// material of this spec (RSA private keys need `RSA_AES_KEY_WRAP_*`).
    WrappingForSpec {
        /// The token's wrapping algorithm.
        algorithm: crate::import::WrappingAlgorithm,
        /// The key's spec.
        spec: KeySpec,
    },
    /// `UnsupportedOperationException`: `ImportType`, `KeyMaterialDescription`
    /// or `KeyMaterialId` for a key that is not a symmetric encryption key.
    OnlySymmetric,
    /// `InvalidImportTokenException`: not issued for this key, altered, or used before.
    InvalidToken,
    /// `ExpiredImportTokenException`: older than 24 hours.
    ExpiredToken,
    /// `IncorrectKeyMaterialException`: not the material the key expects.
    IncorrectMaterial,
    /// `KMSInvalidStateException`: RotateKeyOnDemand of an `EXTERNAL` key
    /// with no material pending rotation.
    NothingPendingRotation {
        /// The key ARN.
        arn: String,
    },
    /// `KMSInvalidStateException`: new material while another is pending rotation.
    AnotherPendingRotation {
        /// The key ARN.
        arn: String,
        /// The id of the material being imported.
        new_id: String,
        /// The id of the material pending rotation.
        pending_id: String,
    },
    /// `NotFoundException`: `KeyMaterialId` names no material of the key.
    UnknownMaterial {
        /// The id given.
        material_id: String,
    },
    /// `ValidationException`: expiring material without `ValidTo`.
    ValidToRequired,
    /// `ValidationException`: `ValidTo` with `KEY_MATERIAL_DOES_NOT_EXPIRE`.
    ValidToNotAllowed,
    /// `ValidationException`: `ValidTo` in the past or over 365 days ahead.
    ValidToOutOfRange,
    /// `ValidationException`: `KeyMaterialId` with `NEW_KEY_MATERIAL`.
    MaterialIdWithNewMaterial,
}

/// A server-side failure: a short context for the log and the underlying error.
#[derive(Debug)]
pub struct InternalError {
    /// What was being done, for the log.
    pub context: &'static str,
    /// The underlying error, for the log only.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl KmsError {
    /// An internal error with only a context, for the operator's log.
    pub fn internal_text(context: &'static str) -> Self {
        Self::Internal(InternalError {
            context,
            source: None,
        })
    }

    /// An internal error with a source, for the operator's log.
    pub fn internal(
        context: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Internal(InternalError {
            context,
            source: Some(Box::new(source)),
        })
    }
}

/// An error an IAM or STS request ends with (the Query protocol's error codes).
///
/// Authentication, access-denied and internal failures are shared with KMS
/// and carried as [`IamError::Kms`]; the renderer gives them IAM's codes.
/// The messages are written in trent-protocol (`query::render`).
#[derive(Debug)]
pub enum IamError {
    /// The `Action` names no operation Trent serves (the text names it).
    InvalidAction(String),
    /// A named user, role, policy or access key does not exist.
    NoSuchEntity(IamEntity),
    /// A user or role of that name exists.
    EntityAlreadyExists {
        /// User or role.
        kind: PrincipalKind,
        /// The name asked for.
        name: String,
    },
    /// The entity still has subordinate entities.
    DeleteConflict(Subordinate),
    /// The role is protected (a service-linked role).
    UnmodifiableEntity {
        /// The role's name.
        role: String,
    },
    /// The policy document is not acceptable.
    MalformedPolicyDocument(PolicyProblem),
    /// A quota would be exceeded.
    LimitExceeded(IamQuota),
    /// A parameter failed a constraint.
    Validation(IamInvalid),
    /// Shared with KMS: authentication, authorization and internal failures.
    Kms(KmsError),
}

/// An IAM entity a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamEntity {
    /// A user or role, by name.
    Principal {
        /// User or role.
        kind: PrincipalKind,
        /// The name.
        name: String,
    },
    /// An access key, by id.
    AccessKey {
        /// The access key id.
        id: String,
    },
    /// An inline policy of a user or role, by name.
    Policy {
        /// Whose policy: a user's or a role's.
        kind: PrincipalKind,
        /// The policy's name.
        name: String,
    },
}

/// What a user or role still has, so that it cannot be deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subordinate {
    /// Access keys.
    AccessKeys,
    /// Inline policies.
    Policies,
}

/// An IAM quota a request would exceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamQuota {
    /// Access keys per user (or root).
    AccessKeysPerUser {
        /// The quota.
        max: usize,
    },
    /// The aggregate size of a user's or role's inline policies.
    PolicySize {
        /// User or role.
        kind: PrincipalKind,
        /// Its name.
        name: String,
        /// The quota, in characters without whitespace.
        max: usize,
    },
}

/// Why an IAM or STS parameter is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IamInvalid {
    /// A required member is absent (named as the request names it, `RoleName`).
    Missing {
        /// The member.
        member: &'static str,
    },
    /// An integer member holds something else.
    NotANumber {
        /// The member.
        member: &'static str,
        /// What it holds.
        value: String,
    },
    /// UpdateAccessKey's `Status` is neither `Active` nor `Inactive`.
    Status {
        /// What it holds.
        value: String,
    },
    /// A user, role, policy name or custom suffix breaks IAM's name rules.
    Name {
        /// The member, as AWS's message names it (`userName`).
        member: &'static str,
        /// The longest name allowed.
        max: usize,
    },
    /// A path breaks IAM's path rules.
    Path,
    /// A role's `Description` is over 1000 characters or holds a character
    /// outside IAM's pattern (tab, newlines, printable ASCII and Latin-1).
    Description,
    /// GetUser or an access key action without `UserName`, called by an
    /// assumed role.
    UserNameRequired,
    /// CreateRole under `/aws-service-role/`.
    ReservedPath,
    /// CreateServiceLinkedRole's `AWSServiceName` is not a service principal.
    ServiceName {
        /// What it holds.
        service: String,
    },
    /// AssumeRole's `RoleSessionName` breaks its pattern or length.
    SessionName,
    /// AssumeRole's `DurationSeconds` is outside 900 to 43200.
    SessionDuration {
        /// What it holds.
        seconds: i64,
    },
    /// AssumeRole's `DurationSeconds` exceeds the role's maximum.
    SessionLongerThanRoleAllows,
    /// AssumeRole's `RoleArn` is not a role ARN.
    RoleArn {
        /// What it holds.
        arn: String,
    },
}

impl From<KmsError> for IamError {
    fn from(error: KmsError) -> Self {
        match error {
            KmsError::MalformedPolicyDocument(problem) => Self::MalformedPolicyDocument(problem),
            other => Self::Kms(other),
        }
    }
}

impl IamError {
    /// The variant's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidAction(_) => "InvalidAction",
            Self::NoSuchEntity(_) => "NoSuchEntity",
            Self::EntityAlreadyExists { .. } => "EntityAlreadyExists",
            Self::DeleteConflict(_) => "DeleteConflict",
            Self::UnmodifiableEntity { .. } => "UnmodifiableEntity",
            Self::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            Self::LimitExceeded(_) => "LimitExceeded",
            Self::Validation(_) => "Validation",
            Self::Kms(error) => error.name(),
        }
    }
}
