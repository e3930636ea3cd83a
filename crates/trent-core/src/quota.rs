//! AWS KMS quotas and request limits that Trent mirrors, as named constants.

/// Largest plaintext Encrypt accepts (AWS: `Plaintext` length 1..4096).
pub const MAX_PLAINTEXT_BYTES: usize = 4096;
/// Largest ciphertext blob Decrypt and ReEncrypt accept (AWS: `CiphertextBlob` length 1..6144).
pub const MAX_CIPHERTEXT_BYTES: usize = 6144;
/// Largest key policy document (AWS: `Policy` length 1..32768).
pub const MAX_POLICY_BYTES: usize = 32_768;
/// Largest description (AWS: `Description` length 0..8192).
pub const MAX_DESCRIPTION_CHARS: usize = 8192;
/// Longest tag key (AWS: `TagKey` length 1..128).
pub const MAX_TAG_KEY_CHARS: usize = 128;
/// Longest tag value (AWS: `TagValue` length 0..256).
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// Most tags on one key (AWS quota: 50 tags per KMS key).
pub const MAX_TAGS_PER_KEY: usize = 50;
/// Longest alias name (AWS: `AliasName` length 1..256).
pub const MAX_ALIAS_NAME_CHARS: usize = 256;
/// Longest key identifier in a request (AWS: `KeyIdType` length 1..2048).
pub const MAX_KEY_ID_CHARS: usize = 2048;
/// Shortest and longest data key (AWS: `NumberOfBytes` range 1..1024).
pub const DATA_KEY_BYTES_RANGE: std::ops::RangeInclusive<u32> = 1..=1024;
/// GenerateRandom bounds (AWS: `NumberOfBytes` range 1..1024).
pub const RANDOM_BYTES_RANGE: std::ops::RangeInclusive<u32> = 1..=1024;
/// ScheduleKeyDeletion waiting window in days (AWS: 7..30, default 30).
pub const PENDING_WINDOW_DAYS_RANGE: std::ops::RangeInclusive<u32> = 7..=30;
/// Default ScheduleKeyDeletion waiting window in days.
pub const DEFAULT_PENDING_WINDOW_DAYS: u32 = 30;
/// List page size bounds (AWS: `Limit` range 1..1000, default 100 for keys and aliases).
pub const LIST_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 1..=1000;
/// Default page size of ListKeys, ListAliases and ListResourceTags.
pub const DEFAULT_LIST_LIMIT: u32 = 100;
/// Largest encryption context, counted as the sum of key and value bytes (AWS quota: 8192).
pub const MAX_ENCRYPTION_CONTEXT_BYTES: usize = 8192;

/// Grants per KMS key (AWS quota).
pub const MAX_GRANTS_PER_KEY: usize = 50_000;

/// AWS's range for `RotationPeriodInDays`.
pub const ROTATION_PERIOD_DAYS: std::ops::RangeInclusive<u32> = 90..=2560;

/// The only key policy name AWS KMS has.
pub const DEFAULT_POLICY_NAME: &str = "default";
