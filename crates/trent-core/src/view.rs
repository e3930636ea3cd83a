//! What operations answer: the domain values the service returns and the
//! protocol encodes, so that neither knows the other (nor the store's
//! records).

use crate::algorithm::{
    DataKeyPairSpec, EncryptionAlgorithm, KeyAgreementAlgorithm, MacAlgorithm, MessageType,
    SigningAlgorithm,
};
use crate::clock::Timestamp;
use crate::context::EncryptionContext;
use crate::id::{KeyId, KeyReference, Scope};
use crate::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin, Tag};
use crate::operation::Operation;
use crate::secret::{Plaintext, SecretAccessKey};

/// One page of a listing and the marker of the next, as AWS paginates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The marker of the next page, when `Truncated` is true.
    pub next_marker: Option<String>,
}

impl<T> Listing<T> {
    /// Whether more pages follow.
    pub fn truncated(&self) -> bool {
        self.next_marker.is_some()
    }
}

/// The metadata of a key, as AWS's `KeyMetadata` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMetadata {
    /// The key id.
    pub key_id: KeyId,
    /// The owning account and region.
    pub scope: Scope,
    /// The key ARN.
    pub arn: String,
    /// When the key was created.
    pub created_at: Timestamp,
    /// The description.
    pub description: String,
    /// The state.
    pub state: KeyState,
    /// The key spec.
    pub spec: KeySpec,
    /// The key usage.
    pub usage: KeyUsage,
    /// The origin.
    pub origin: Origin,
    /// The manager.
    pub manager: KeyManager,
    /// Whether it is a multi-Region key.
    pub multi_region: bool,
    /// When it will be deleted, while pending deletion.
    pub deletion_date: Option<Timestamp>,
    /// Imported material's expiration model (origin `EXTERNAL`, while imported).
    pub expiration_model: Option<crate::import::ExpirationModel>,
    /// The earliest expiry of its imported material.
    pub valid_to: Option<Timestamp>,
    /// The current key material's id (symmetric encryption keys).
    pub current_key_material_id: Option<String>,
    /// Where a multi-Region key's related keys are (multi-Region keys only).
    pub multi_region_configuration: Option<MultiRegionConfiguration>,
    /// The waiting period a primary pending replica deletion will start
    /// once its last replica is deleted.
    pub pending_deletion_window_days: Option<u32>,
}

/// What ReplicateKey asks for, beyond the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicateKeyInput {
    /// Where the replica goes.
    pub replica_region: crate::id::Region,
    /// The replica's key policy; the default policy when absent.
    pub policy: Option<String>,
    /// Skip the lockout check of `policy`.
    pub bypass_policy_lockout_safety_check: bool,
    /// The replica's description.
    pub description: String,
    /// The replica's tags.
    pub tags: Vec<crate::key::Tag>,
}

/// ReplicateKey's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicatedKey {
    /// The replica, as it is while being created.
    pub metadata: KeyMetadata,
    /// Its key policy.
    pub policy: String,
    /// Its tags.
    pub tags: Vec<crate::key::Tag>,
}

/// A multi-Region key's place among its related keys (AWS
/// `MultiRegionConfiguration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiRegionConfiguration {
    /// Whether this key is the primary.
    pub primary: bool,
    /// The primary key's ARN and Region.
    pub primary_key: (String, crate::id::Region),
    /// Every replica's ARN and Region.
    pub replica_keys: Vec<(String, crate::id::Region)>,
}

impl KeyMetadata {
    /// Whether the key is enabled.
    pub fn enabled(&self) -> bool {
        self.state == KeyState::Enabled
    }
}

/// A key as ListKeys shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    /// The key id.
    pub key_id: String,
    /// The key ARN.
    pub key_arn: String,
}

/// One alias as ListAliases shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasEntry {
    /// The alias name.
    pub name: String,
    /// The alias ARN.
    pub arn: String,
    /// The id of the key it points to.
    pub target: KeyId,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was last updated.
    pub updated_at: Timestamp,
}

/// The outcome of ScheduleKeyDeletion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduledDeletion {
    /// The key ARN.
    pub key_arn: String,
    /// When the key will be deleted; `None` for a primary pending replica
    /// deletion, whose waiting period has not started.
    pub deletion_date: Option<Timestamp>,
    /// The key's state (`PendingDeletion` or `PendingReplicaDeletion`).
    pub state: KeyState,
    /// The waiting period, in days.
    pub pending_window_days: u32,
}

/// The rotation settings of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationStatus {
    /// The key ARN.
    pub key_arn: String,
    /// Whether automatic rotation is on.
    pub enabled: bool,
    /// The rotation period, when rotation is on.
    pub period_days: Option<u32>,
    /// The next scheduled rotation, when rotation is on.
    pub next_rotation: Option<Timestamp>,
}

/// How a key's material was rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationType {
    /// On the key's schedule.
    Automatic,
    /// By RotateKeyOnDemand.
    OnDemand,
}

impl RotationType {
    /// AWS's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "AUTOMATIC",
            Self::OnDemand => "ON_DEMAND",
        }
    }
}

/// One rotation of a key, or (with `ALL_KEY_MATERIAL`) one of its key materials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// The key id.
    pub key_id: KeyId,
    /// When the rotation made the material current; `None` for a key's
    /// first material and material pending rotation.
    pub rotation_date: Option<Timestamp>,
    /// `AUTOMATIC` or `ON_DEMAND`, with `rotation_date`.
    pub rotation_type: Option<RotationType>,
    /// The key material's id (symmetric encryption keys).
    pub key_material_id: Option<String>,
    /// CURRENT, NON_CURRENT or PENDING_ROTATION (symmetric encryption keys).
    pub material_state: Option<crate::import::KeyMaterialState>,
    /// What is known of imported material (origin `EXTERNAL`).
    pub import: Option<ImportedMaterialView>,
}

/// An imported key material as ListKeyRotations shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMaterialView {
    /// IMPORTED or PENDING_IMPORT.
    pub state: crate::import::ImportState,
    /// Whether it expires.
    pub expiration_model: crate::import::ExpirationModel,
    /// When it expires.
    pub valid_to: Option<Timestamp>,
    /// The caller's description, possibly empty.
    pub description: String,
}

/// The answer of GetParametersForImport.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportParameters {
    /// The key ARN.
    pub key_arn: String,
    /// The import token (sealed; it holds the wrapping private key).
    pub import_token: Vec<u8>,
    /// The wrapping public key, DER `SubjectPublicKeyInfo`.
    pub public_key: Vec<u8>,
    /// When the token and public key stop being valid.
    pub valid_to: Timestamp,
}

impl std::fmt::Debug for ImportParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportParameters")
            .field("key_arn", &self.key_arn)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

/// What ImportKeyMaterial asks, checked against the API model.
pub struct ImportKeyMaterialInput {
    /// The token GetParametersForImport returned.
    pub import_token: Vec<u8>,
    /// The material, wrapped as the token says.
    pub encrypted_key_material: Vec<u8>,
    /// When the material expires (`KEY_MATERIAL_EXPIRES`); `None` for
    /// `KEY_MATERIAL_DOES_NOT_EXPIRE`.
    pub valid_to: Option<Timestamp>,
    /// `NEW_KEY_MATERIAL` or `EXISTING_KEY_MATERIAL`, when given.
    pub import_type: Option<crate::import::ImportType>,
    /// The material's description, when given.
    pub description: Option<String>,
    /// The id of the material being imported again, when given.
    pub key_material_id: Option<String>,
}

impl std::fmt::Debug for ImportKeyMaterialInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportKeyMaterialInput")
            .field("valid_to", &self.valid_to)
            .field("import_type", &self.import_type)
            .field("key_material_id", &self.key_material_id)
            .finish_non_exhaustive()
    }
}

/// The answer of ImportKeyMaterial and DeleteImportedKeyMaterial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialAnswer {
    /// The key ARN.
    pub key_arn: String,
    /// The key material's id.
    pub key_material_id: String,
}

/// The kind of a grant's encryption-context constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `EncryptionContextEquals`.
    Equals,
    /// `EncryptionContextSubset`.
    Subset,
}

/// A grant as ListGrants and ListRetirableGrants show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The ARN of the key the grant is on.
    pub key_arn: String,
    /// The grant id.
    pub grant_id: String,
    /// The optional name.
    pub name: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who may use it.
    pub grantee: String,
    /// Who may retire it.
    pub retiring: Option<String>,
    /// The account root that created it.
    pub issuing_account: String,
    /// The operations it allows, in AWS's names.
    pub operations: Vec<String>,
    /// The encryption-context constraint, if any.
    pub constraint: Option<(ConstraintKind, Vec<(String, String)>)>,
}

/// A created (or, for an idempotent retry, found) grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedGrant {
    /// The grant id.
    pub grant_id: String,
    /// A token that names the grant.
    pub grant_token: String,
}

/// A ciphertext and the key that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encrypted {
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The ARN of the key used.
    pub key_arn: String,
    /// The algorithm it was encrypted with.
    pub algorithm: EncryptionAlgorithm,
}

/// A decrypted plaintext and the key that decrypted it.
#[derive(Debug)]
pub struct Decrypted {
    /// The plaintext, zeroized on drop.
    pub plaintext: Plaintext,
    /// The ARN of the key used.
    pub key_arn: String,
    /// The algorithm it was decrypted with.
    pub algorithm: EncryptionAlgorithm,
}

/// A ciphertext moved to another key (or context, or material version).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReEncrypted {
    /// The new ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The ARN of the key that decrypted the source.
    pub source_key_arn: String,
    /// The ARN of the key that encrypted the result.
    pub key_arn: String,
    /// The algorithm that decrypted the source.
    pub source_algorithm: EncryptionAlgorithm,
    /// The algorithm that encrypted the result.
    pub destination_algorithm: EncryptionAlgorithm,
}

/// A data key: its plaintext (returned once, absent for
/// GenerateDataKeyWithoutPlaintext) and its ciphertext.
#[derive(Debug)]
pub struct DataKey {
    /// The plaintext data key, zeroized on drop.
    pub plaintext: Option<Plaintext>,
    /// The data key encrypted under the KMS key.
    pub ciphertext: Vec<u8>,
    /// The ARN of the KMS key.
    pub key_arn: String,
}

/// What a caller asks of a new key (already checked against the API model).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateKeyInput {
    /// The description, possibly empty.
    pub description: String,
    /// The key policy; the default key policy when `None`.
    pub policy: Option<String>,
    /// Tags to attach.
    pub tags: Vec<Tag>,
    /// The key spec.
    pub spec: KeySpec,
    /// The key usage.
    pub usage: KeyUsage,
    /// The origin of the material.
    pub origin: Origin,
    /// Skip the check that the policy lets the caller change it again.
    pub bypass_policy_lockout_safety_check: bool,
    /// A multi-Region primary key (`MultiRegion`), with an `mrk-` id.
    pub multi_region: bool,
}

/// What CreateGrant asks for (already checked against the API model).
#[derive(Clone, Debug, Default)]
pub struct CreateGrantInput {
    /// Who may use the grant.
    pub grantee: String,
    /// Who may retire it.
    pub retiring: Option<String>,
    /// Its operations, AWS's names.
    pub operations: Vec<String>,
    /// The encryption-context constraint.
    pub constraint: Option<(ConstraintKind, EncryptionContext)>,
    /// A name that makes retries idempotent.
    pub name: Option<String>,
    /// Only check; do not create.
    pub dry_run: bool,
}

/// How RetireGrant names its grant.
#[derive(Clone, Debug)]
pub enum RetireTarget {
    /// By grant token.
    Token(String),
    /// By key and grant id.
    Id(KeyReference, String),
}

/// The last successful cryptographic use of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLastUsage {
    /// The operation.
    pub operation: Operation,
    /// When it was answered.
    pub timestamp: Timestamp,
    /// The `eventID` of its audit event (absent when no audit log was kept).
    pub event_id: Option<String>,
    /// Its request id (`x-amzn-RequestId`).
    pub request_id: String,
}

/// What GetKeyLastUsage reports about a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsageReport {
    /// The key id.
    pub key_id: KeyId,
    /// Its last successful cryptographic use since tracking began, if any.
    pub last_usage: Option<KeyLastUsage>,
    /// Since when uses are tracked: when this data folder began tracking
    /// them, or when the key was created, whichever is later.
    pub tracking_start_date: Timestamp,
    /// When the key was created.
    pub key_creation_date: Timestamp,
}

/// An IAM user, as AWS's `User` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The path, `/` by default.
    pub path: String,
    /// The name.
    pub name: String,
    /// The unique id (`AIDA...`).
    pub id: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub created_at: Timestamp,
}

/// An IAM role, as AWS's `Role` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The path, `/` by default (`/aws-service-role/<service>/` for
    /// service-linked roles).
    pub path: String,
    /// The name.
    pub name: String,
    /// The unique id (`AROA...`).
    pub id: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// The trust policy (who may assume it), as given.
    pub assume_role_policy_document: Option<String>,
    /// The description, possibly empty.
    pub description: String,
    /// The longest session AssumeRole grants for it, in seconds.
    pub max_session_duration: i64,
}

/// Whether an access key can be used (AWS's `StatusType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKeyStatus {
    /// Signs requests.
    Active,
    /// Refused until made active again.
    Inactive,
}

impl AccessKeyStatus {
    /// AWS's name of the status.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }
}

/// An access key without its secret, as AWS's `AccessKeyMetadata` carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyMetadata {
    /// The owning user; `None` for the account root's keys.
    pub user_name: Option<String>,
    /// The access key id (`AKIA...`).
    pub access_key_id: String,
    /// Whether it can be used.
    pub status: AccessKeyStatus,
    /// When it was created.
    pub created_at: Timestamp,
}

/// Who owns an access key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessKeyOwner {
    /// The account root.
    Root,
    /// An IAM user, by name.
    User(String),
}

/// An inline policy of a user or role, as GetUserPolicy and GetRolePolicy answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// The user's or role's name, as stored.
    pub principal_name: String,
    /// The policy's name.
    pub policy_name: String,
    /// The policy document, as given.
    pub policy_document: String,
}

/// A new access key, with its secret (shown once).
#[derive(Debug)]
pub struct NewAccessKey {
    /// The key, as ListAccessKeys would show it.
    pub metadata: AccessKeyMetadata,
    /// The secret access key.
    pub secret: SecretAccessKey,
}

/// Temporary credentials from AssumeRole.
pub struct SessionCredentials {
    /// `ASIA...`.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretAccessKey,
    /// The session token callers send as `X-Amz-Security-Token`.
    pub session_token: String,
    /// When the credentials stop working.
    pub expiration: Timestamp,
    /// `AROA...:session`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub arn: String,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a bearer credential with the secret: never printed.
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

/// Caller details for GetCallerIdentity.
#[derive(Debug)]
pub struct CallerIdentity {
    /// `aws:userid`.
    pub user_id: String,
    /// The account.
    pub account: String,
    /// The principal ARN.
    pub arn: String,
}

/// Encrypt's request, checked against the API model. Holds a plaintext: no `Debug`.
pub struct EncryptInput {
    /// The key.
    pub key: KeyReference,
    /// The plaintext, zeroized on drop.
    pub plaintext: Plaintext,
    /// The encryption context (empty for asymmetric keys).
    pub context: EncryptionContext,
    /// `EncryptionAlgorithm` (AWS's default: SYMMETRIC_DEFAULT).
    pub algorithm: EncryptionAlgorithm,
    /// Only check; encrypt nothing for the caller.
    pub dry_run: bool,
}

/// Decrypt's request, checked against the API model.
#[derive(Debug)]
pub struct DecryptInput {
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The encryption context it was sealed with.
    pub context: EncryptionContext,
    /// The key it must have been sealed under (required for asymmetric keys).
    pub key: Option<KeyReference>,
    /// `EncryptionAlgorithm`, when given.
    pub algorithm: Option<EncryptionAlgorithm>,
    /// Only check; decrypt nothing for the caller.
    pub dry_run: bool,
}

/// ReEncrypt's request, checked against the API model.
#[derive(Debug)]
pub struct ReEncryptInput {
    /// The ciphertext blob.
    pub ciphertext: Vec<u8>,
    /// The encryption context it was sealed with.
    pub source_context: EncryptionContext,
    /// The key it must have been sealed under, when given.
    pub source_key: Option<KeyReference>,
    /// `SourceEncryptionAlgorithm`, when given.
    pub source_algorithm: Option<EncryptionAlgorithm>,
    /// The key to seal it under.
    pub destination_key: KeyReference,
    /// The encryption context to seal it with.
    pub destination_context: EncryptionContext,
    /// `DestinationEncryptionAlgorithm` (AWS's default: SYMMETRIC_DEFAULT).
    pub destination_algorithm: EncryptionAlgorithm,
    /// Only check; re-encrypt nothing for the caller.
    pub dry_run: bool,
}

/// Sign's (and, with a signature, Verify's) request. Holds the message: no `Debug`.
pub struct SignInput {
    /// The key.
    pub key: KeyReference,
    /// The message, digest or μ, zeroized on drop.
    pub message: Plaintext,
    /// How to read `message`.
    pub message_type: MessageType,
    /// The signing algorithm.
    pub algorithm: SigningAlgorithm,
    /// Only check; sign nothing for the caller.
    pub dry_run: bool,
}

/// A signature and the key that made it (`Debug` shows its length only).
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The key ARN.
    pub key_arn: String,
    /// The signature, as AWS encodes it (DER for ECDSA).
    pub signature: Vec<u8>,
    /// The algorithm.
    pub algorithm: SigningAlgorithm,
}

/// A signature or MAC found valid (an invalid one is an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified<A> {
    /// The key ARN.
    pub key_arn: String,
    /// The algorithm.
    pub algorithm: A,
}

/// GetPublicKey's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The key ARN.
    pub key_arn: String,
    /// The DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    /// The key spec.
    pub spec: KeySpec,
    /// The key usage.
    pub usage: KeyUsage,
}

/// GenerateMac's (and, with a MAC, VerifyMac's) request. Holds the message: no `Debug`.
pub struct MacInput {
    /// The key.
    pub key: KeyReference,
    /// The message, zeroized on drop.
    pub message: Plaintext,
    /// The MAC algorithm.
    pub algorithm: MacAlgorithm,
    /// Only check; compute nothing for the caller.
    pub dry_run: bool,
}

/// A MAC and the key that made it (`Debug` shows its length only).
#[derive(Clone, PartialEq, Eq)]
pub struct MacTag {
    /// The key ARN.
    pub key_arn: String,
    /// The MAC.
    pub mac: Vec<u8>,
    /// The algorithm.
    pub algorithm: MacAlgorithm,
}

/// GenerateDataKeyPair's (and WithoutPlaintext's) request.
#[derive(Debug)]
pub struct DataKeyPairInput {
    /// The symmetric key that encrypts the private key.
    pub key: KeyReference,
    /// The encryption context of that encryption.
    pub context: EncryptionContext,
    /// The key pair to make.
    pub spec: DataKeyPairSpec,
    /// Only check; make nothing for the caller.
    pub dry_run: bool,
}

/// A data key pair: the public key, the private key encrypted under a KMS
/// key, and (once, for GenerateDataKeyPair) the private key in plaintext.
#[derive(Debug)]
pub struct DataKeyPair {
    /// The ARN of the KMS key that encrypted the private key.
    pub key_arn: String,
    /// The key pair's spec.
    pub spec: DataKeyPairSpec,
    /// The DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    /// The PKCS#8 private key in a ciphertext of the KMS key.
    pub private_key_ciphertext: Vec<u8>,
    /// The PKCS#8 private key, zeroized on drop; `None` WithoutPlaintext.
    pub private_key_plaintext: Option<Plaintext>,
}

/// DeriveSharedSecret's request.
#[derive(Debug)]
pub struct DeriveSharedSecretInput {
    /// The key agreement key.
    pub key: KeyReference,
    /// The key agreement algorithm.
    pub algorithm: KeyAgreementAlgorithm,
    /// The peer's DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    /// Only check; derive nothing for the caller.
    pub dry_run: bool,
}

/// A shared secret (DeriveSharedSecret, Encapsulate, Decapsulate), and for
/// Encapsulate the ciphertext that carries it.
#[derive(Debug)]
pub struct SharedSecret {
    /// The key ARN.
    pub key_arn: String,
    /// The secret, zeroized on drop.
    pub secret: Plaintext,
    /// The encapsulated secret (Encapsulate only).
    pub ciphertext: Option<Vec<u8>>,
    /// The key's origin (DeriveSharedSecret's `KeyOrigin`).
    pub origin: Origin,
}

impl std::fmt::Debug for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signed")
            .field("key_arn", &self.key_arn)
            .field("signature_len", &self.signature.len())
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl std::fmt::Debug for MacTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacTag")
            .field("key_arn", &self.key_arn)
            .field("mac_len", &self.mac.len())
            .field("algorithm", &self.algorithm)
            .finish()
    }
}
