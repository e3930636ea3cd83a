//! Records as the store keeps them.

use trent_core::clock::Timestamp;
use trent_core::id::{AccountId, AliasName, KeyId, Region, Scope};
use trent_core::import::{ExpirationModel, ImportState};
use trent_core::key::{KeyManager, KeySpec, KeyState, KeyUsage, Origin};
use trent_core::sealed::SealedKeyMaterial;

/// A KMS key's metadata and policy (never its material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key id.
    pub key_id: KeyId,
    /// The owning account and region.
    pub scope: Scope,
    /// When the key was created.
    pub created_at: Timestamp,
    /// The description, possibly empty.
    pub description: String,
    /// The lifecycle state.
    pub state: KeyState,
    /// The key spec.
    pub spec: KeySpec,
    /// The key usage.
    pub usage: KeyUsage,
    /// Where the material came from.
    pub origin: Origin,
    /// Customer or AWS managed.
    pub manager: KeyManager,
    /// Whether this is a multi-Region key.
    pub multi_region: bool,
    /// When the key will be deleted, while pending deletion.
    pub deletion_date: Option<Timestamp>,
    /// The waiting period chosen, while pending deletion.
    pub pending_window_days: Option<u32>,
    /// The key policy document, as given.
    pub policy: String,
    /// Whether automatic rotation is on.
    pub rotation_enabled: bool,
    /// The rotation period, when rotation is on.
    pub rotation_period_days: Option<u32>,
    /// The material version new encryptions use.
    pub current_material_version: u32,
    /// When automatic rotation is next due, while it is on.
    pub next_rotation_at: Option<Timestamp>,
    /// Imported material (origin `EXTERNAL`): what DescribeKey shows of it.
    pub imported: ImportedSummary,
    /// The primary key's Region, for a multi-Region key (shared by the
    /// related keys); `None` for a single-Region key.
    pub primary_region: Option<Region>,
    /// Every Region holding a related key but the primary's, in the order
    /// they were made (read, never written: replicas are their own rows).
    pub replica_regions: Vec<Region>,
}

impl KeyRecord {
    /// Whether this is a single-Region key or the primary of a
    /// multi-Region key (what rotates and replicates).
    pub fn is_primary(&self) -> bool {
        self.primary_region
            .as_ref()
            .is_none_or(|primary| *primary == self.scope.region)
    }
}

/// What DescribeKey shows of a key's imported material; all `None` for
/// keys of origin `AWS_KMS` and for keys with no material imported.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedSummary {
    /// The current material's expiration model, while it is imported.
    pub expiration_model: Option<ExpirationModel>,
    /// The earliest expiry of the key's imported materials.
    pub valid_to: Option<Timestamp>,
    /// The id of the current material, once one was imported.
    pub current_material_id: Option<String>,
}

/// One sealed version of a key's material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialRecord {
    /// The version number, from 1.
    pub version: u32,
    /// The material, sealed under the root key; empty while imported
    /// material is deleted or expired (`ImportState::PendingImport`).
    pub sealed: SealedKeyMaterial,
    /// When the version was made.
    pub created_at: Timestamp,
    /// How it came to be: `None` for a key's first material, else a rotation.
    pub rotation: Option<RotationType>,
    /// Imported material: its id and import facts; `None` for generated material.
    pub import: Option<ImportedMaterial>,
}

/// The facts of one imported key material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMaterial {
    /// The key material id (64 lowercase hex digits), a keyed fingerprint
    /// of the material: the same bytes imported again have the same id.
    pub material_id: String,
    /// Imported, or deleted and waiting to be imported again.
    pub state: ImportState,
    /// Whether it expires.
    pub expiration_model: ExpirationModel,
    /// When it expires (`KEY_MATERIAL_EXPIRES`).
    pub valid_to: Option<Timestamp>,
    /// The caller's description, possibly empty.
    pub description: String,
}

/// Why a material version was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotationType {
    /// Automatic rotation, on its schedule.
    Automatic,
    /// RotateKeyOnDemand.
    OnDemand,
}

impl RotationType {
    /// AWS's name (`AUTOMATIC`, `ON_DEMAND`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Automatic => "AUTOMATIC",
            Self::OnDemand => "ON_DEMAND",
        }
    }

    /// Parses AWS's name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "AUTOMATIC" => Some(Self::Automatic),
            "ON_DEMAND" => Some(Self::OnDemand),
            _ => None,
        }
    }
}

/// A material version without its secret: for ListKeyRotations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialInfo {
    /// The version number.
    pub version: u32,
    /// When it was made.
    pub created_at: Timestamp,
    /// How it came to be.
    pub rotation: Option<RotationType>,
    /// Imported material: its id and import facts.
    pub import: Option<ImportedMaterial>,
}

/// How a grant's encryption-context constraint compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `EncryptionContextEquals`: the request's context must be exactly this.
    Equals,
    /// `EncryptionContextSubset`: the request's context must include this.
    Subset,
}

/// A grant on a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRecord {
    /// The grant id (64 hex digits).
    pub grant_id: String,
    /// The key.
    pub key_id: KeyId,
    /// The key's Region (a grant belongs to one Regional key).
    pub region: Region,
    /// The optional name (idempotency of CreateGrant).
    pub name: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// Who may use it.
    pub grantee: String,
    /// Who may retire it, besides the grantee when allowed.
    pub retiring: Option<String>,
    /// The account root that created it.
    pub issuing_account: String,
    /// The operations it allows, in AWS's names.
    pub operations: Vec<String>,
    /// The encryption-context constraint, if any.
    pub constraint: Option<(ConstraintKind, Vec<(String, String)>)>,
}

/// The last successful cryptographic use of a key, as persisted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUsageRecord {
    /// The key.
    pub key_id: KeyId,
    /// The key's Region.
    pub region: Region,
    /// The operation, AWS's name.
    pub operation: String,
    /// When it was answered.
    pub used_at: Timestamp,
    /// Its audit event id, when an audit log was kept.
    pub event_id: Option<String>,
    /// Its request id.
    pub request_id: String,
}

/// An alias and the key it points to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AliasRecord {
    /// Where the alias lives.
    pub scope: Scope,
    /// The alias name.
    pub name: AliasName,
    /// The key it points to.
    pub target: KeyId,
    /// When the alias was created.
    pub created_at: Timestamp,
    /// When the alias was last pointed at a key.
    pub updated_at: Timestamp,
}

/// An access key: the id callers sign with and its sealed secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The access key id (`AKIA...`).
    pub access_key_id: String,
    /// The account the key belongs to.
    pub account: AccountId,
    /// The IAM user the key belongs to; `None` for the account root.
    pub user: Option<String>,
    /// The secret access key, sealed under the root key.
    pub sealed_secret: Vec<u8>,
    /// When the key was made.
    pub created_at: Timestamp,
    /// Whether the key may sign requests.
    pub active: bool,
}

impl std::fmt::Debug for AccessKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRecord")
            .field("access_key_id", &self.access_key_id)
            .field("account", &self.account)
            .field("user", &self.user)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// One page of a listing, and the position to continue from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, when there is one.
    pub next: Option<i64>,
}

/// Whether an IAM principal is a user or a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// An IAM user, with long-term access keys.
    User,
    /// An IAM role, assumed for temporary credentials.
    Role,
}

impl PrincipalKind {
    /// The stored name, also the ARN resource prefix (`user/`, `role/`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "user" => Some(Self::User),
            "role" => Some(Self::Role),
            _ => None,
        }
    }
}

/// An IAM user or role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalRecord {
    /// The owning account.
    pub account: AccountId,
    /// User or role.
    pub kind: PrincipalKind,
    /// The name, unique in the account and kind without regard to case.
    pub name: String,
    /// The unique id (`AIDA...` for users, `AROA...` for roles).
    pub id: String,
    /// The path, `/` by default.
    pub path: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// A role's trust policy (who may assume it); `None` for users.
    pub trust_policy: Option<String>,
    /// A role's description, possibly empty.
    pub description: String,
}

impl PrincipalRecord {
    /// The ARN: `arn:aws:iam::<account>:<kind><path><name>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:{}{}{}",
            self.account.as_str(),
            self.kind.as_str(),
            self.path,
            self.name
        )
    }
}

/// An inline policy embedded in a user or role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityPolicyRecord {
    /// The policy's name, unique for its principal.
    pub name: String,
    /// The policy document, as given.
    pub document: String,
}

/// Where a value sealed under the root key is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealedPlace {
    /// One version of a key's material.
    KeyMaterial {
        /// The key.
        key_id: KeyId,
        /// The material version.
        version: u32,
    },
    /// An access key's secret.
    AccessKey {
        /// The access key id.
        access_key_id: String,
    },
    /// A value of the metadata table (the service knows which are sealed).
    Meta {
        /// The value's name.
        name: String,
    },
}

/// A value sealed under the root key, and where it is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedValue {
    /// Where it is.
    pub place: SealedPlace,
    /// The sealed bytes.
    pub sealed: Vec<u8>,
}

/// A sealed value to replace, if it still holds `expected`.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedChange {
    /// Where it is.
    pub place: SealedPlace,
    /// What it must still hold.
    pub expected: Vec<u8>,
    /// What it gets.
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for SealedChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedChange({:?})", self.place)
    }
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SealedValue({:?}, {} bytes)",
            self.place,
            self.sealed.len()
        )
    }
}

/// An encryption context for a grant constraint as both backends store it:
/// pairs, each as two length-prefixed (u32, big-endian) UTF-8 strings.
pub(crate) fn encode_pairs(pairs: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in pairs {
        for text in [key, value] {
            out.extend_from_slice(&(text.len() as u32).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
    out
}

/// The pairs of a stored constraint; `None` if the bytes are not such pairs.
pub(crate) fn decode_pairs(mut bytes: &[u8]) -> Option<Vec<(String, String)>> {
    fn text(bytes: &mut &[u8]) -> Option<String> {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = u32::from_be_bytes(*length) as usize;
        let value = rest.get(..length)?;
        *bytes = &rest[length..];
        String::from_utf8(value.to_vec()).ok()
    }
    let mut pairs = Vec::new();
    while !bytes.is_empty() {
        let key = text(&mut bytes)?;
        pairs.push((key, text(&mut bytes)?));
    }
    Some(pairs)
}
