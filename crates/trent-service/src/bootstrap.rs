//! First start, the root-key check, and access keys.

use trent_core::error::{InternalError, KmsError};
use trent_core::id::AccountId;
use trent_crypto::root_key::RootKeyProvider as _;
use trent_store::record::AccessKeyRecord;
use zeroize::Zeroizing;

use crate::{store_failed, Kms};

pub(crate) const ROOT_KEY_CHECK: &str = "root_key_check";
pub(crate) const ROOT_KEY_CHECK_LABEL: &[u8] = b"trent/root-key-check/v1";
pub(crate) const AUDIT_SIGNING_KEY: &str = "audit_signing_key";
pub(crate) const AUDIT_SIGNING_KEY_LABEL: &[u8] = b"trent/audit-signing-key/v1";
pub(crate) const TOKEN_KEY: &str = "token_key";
pub(crate) const TOKEN_KEY_LABEL: &[u8] = b"trent/token-key/v1";
const ACCESS_KEY_LABEL_PREFIX: &str = "trent/access-key-secret/v1/";

pub use trent_core::secret::SecretAccessKey;

/// What the first start made, or found.
#[derive(Debug)]
pub struct Bootstrap {
    /// The data folder's (first) account.
    pub account: AccountId,
    /// Whether this start created the account.
    pub created: bool,
}

impl Kms {
    /// Checks that the root key opens what this data folder sealed, sealing
    /// a check value on first use. A data folder paired with the wrong root
    /// key is refused here, before any request.
    pub fn check_root_key(&self) -> Result<(), KmsError> {
        match self.store.meta(ROOT_KEY_CHECK).map_err(store_failed)? {
            Some(sealed) => self
                .root_key
                .open(ROOT_KEY_CHECK_LABEL, &sealed)
                .map(drop)
                .map_err(|error| {
                    KmsError::internal("the root key does not open this data folder", error)
                }),
            None => {
                let _sealing = self.sealing();
                let sealed = self
                    .root_key
                    .seal(ROOT_KEY_CHECK_LABEL, b"trent")
                    .map_err(|error| KmsError::internal("sealing the root key check", error))?;
                // Nodes starting together on a new shared store: the first
                // check stored wins, and a node with another key is refused.
                let stored = self
                    .store
                    .insert_meta(ROOT_KEY_CHECK, &sealed)
                    .map_err(store_failed)?;
                self.root_key
                    .open(ROOT_KEY_CHECK_LABEL, &stored)
                    .map(drop)
                    .map_err(|error| {
                        KmsError::internal("the root key does not open this data folder", error)
                    })
            }
        }
    }

    /// On first start, creates the account (`requested`, or a random id) and
    /// its root access key. `persist` receives the new credentials and must
    /// store them durably; it runs before the store commits them, so a crash
    /// in between leaves a data folder that bootstraps again.
    pub fn bootstrap(
        &self,
        requested: Option<AccountId>,
        persist: impl FnOnce(&AccountId, &str, &SecretAccessKey) -> std::io::Result<()>,
    ) -> Result<Bootstrap, KmsError> {
        // Nodes starting together on a new shared store make one account.
        let _writing = self.writing()?;
        let accounts = self.store.accounts().map_err(store_failed)?;
        for account in &accounts {
            // Data folders from before identities gain the service-linked roles.
            self.ensure_account(account)?;
        }
        if let Some(account) = accounts.into_iter().next() {
            return Ok(Bootstrap {
                account,
                created: false,
            });
        }
        let account = match requested {
            Some(account) => account,
            None => random_account_id()?,
        };
        let (access_key_id, secret) = new_access_key()?;
        persist(&account, &access_key_id, &secret)
            .map_err(|error| KmsError::internal("writing the root credentials", error))?;
        self.ensure_account(&account)?;
        self.store_access_key(&account, None, &access_key_id, &secret)?;
        Ok(Bootstrap {
            account,
            created: true,
        })
    }

    /// The server's audit signing key: made, sealed under the root key and
    /// stored on first use.
    pub fn audit_signer(&self) -> Result<trent_crypto::audit::AuditSigner, KmsError> {
        const META: &str = AUDIT_SIGNING_KEY;
        const LABEL: &[u8] = AUDIT_SIGNING_KEY_LABEL;
        if let Some(sealed) = self.store.meta(META).map_err(store_failed)? {
            let pkcs8 = self
                .root_key
                .open(LABEL, &sealed)
                .map_err(|error| KmsError::internal("opening the audit signing key", error))?;
            return trent_crypto::audit::AuditSigner::from_pkcs8(&pkcs8)
                .map_err(|error| KmsError::internal("reading the audit signing key", error));
        }
        let _sealing = self.sealing();
        let (signer, pkcs8) = trent_crypto::audit::AuditSigner::generate()
            .map_err(|error| KmsError::internal("generating the audit signing key", error))?;
        let sealed = self
            .root_key
            .seal(LABEL, &pkcs8)
            .map_err(|error| KmsError::internal("sealing the audit signing key", error))?;
        let stored = self
            .store
            .insert_meta(META, &sealed)
            .map_err(store_failed)?;
        if stored != sealed {
            // Another node made it first: use that one.
            drop(_sealing);
            return self.audit_signer();
        }
        Ok(signer)
    }

    /// The key that seals session and grant tokens: made, sealed under the
    /// root key and stored on first use, then held open.
    pub(crate) fn token_key(&self) -> Result<&trent_crypto::token::TokenKey, KmsError> {
        use trent_crypto::token::TokenKey;
        if let Some(key) = self.token_key.get() {
            return Ok(key);
        }
        let _init = self
            .token_key_init
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(key) = self.token_key.get() {
            return Ok(key);
        }
        let key = match self.store.meta(TOKEN_KEY).map_err(store_failed)? {
            Some(sealed) => {
                let secret = self
                    .root_key
                    .open(TOKEN_KEY_LABEL, &sealed)
                    .map_err(|error| KmsError::internal("opening the token key", error))?;
                TokenKey::from_secret(&secret)
                    .map_err(|error| KmsError::internal("reading the token key", error))?
            }
            None => {
                let _sealing = self.sealing();
                let key = TokenKey::generate()
                    .map_err(|error| KmsError::internal("generating the token key", error))?;
                let sealed = self
                    .root_key
                    .seal(TOKEN_KEY_LABEL, key.secret())
                    .map_err(|error| KmsError::internal("sealing the token key", error))?;
                // Another node may have made one first: every node uses the
                // first stored, or their tokens would not open elsewhere.
                let stored = self
                    .store
                    .insert_meta(TOKEN_KEY, &sealed)
                    .map_err(store_failed)?;
                if stored == sealed {
                    key
                } else {
                    let secret = self
                        .root_key
                        .open(TOKEN_KEY_LABEL, &stored)
                        .map_err(|error| KmsError::internal("opening the token key", error))?;
                    TokenKey::from_secret(&secret)
                        .map_err(|error| KmsError::internal("reading the token key", error))?
                }
            }
        };
        Ok(self.token_key.get_or_init(|| key))
    }

    /// Seals a token handed to a caller.
    pub(crate) fn seal_token(&self, label: &[u8], data: &[u8]) -> Result<Vec<u8>, KmsError> {
        self.token_key()?
            .seal(label, data)
            .map_err(|error| KmsError::internal("sealing a token", error))
    }

    /// Opens a token a caller presented: sealed by the token key, or (a
    /// token issued before there was one) by the root key.
    pub(crate) fn open_token(&self, label: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if trent_crypto::token::TokenKey::sealed_it(sealed) {
            self.token_key().ok()?.open(label, sealed).ok()
        } else {
            self.root_key.open(label, sealed).ok()
        }
    }

    /// How many keys are in each state, for metrics.
    pub fn key_counts_by_state(&self) -> Result<Vec<(trent_core::key::KeyState, u64)>, KmsError> {
        self.store.count_keys_by_state().map_err(store_failed)
    }

    /// The accounts of the data folder, oldest first.
    pub fn accounts(&self) -> Result<Vec<AccountId>, KmsError> {
        self.store.accounts().map_err(store_failed)
    }

    /// Creates another account (`requested`, or a random id) with its root
    /// access key; `persist` stores the credentials before the account is
    /// committed. Refuses an account that exists.
    pub fn create_account(
        &self,
        requested: Option<AccountId>,
        persist: impl FnOnce(&AccountId, &str, &SecretAccessKey) -> std::io::Result<()>,
    ) -> Result<AccountId, KmsError> {
        let account = match requested {
            Some(account) => account,
            None => random_account_id()?,
        };
        if self
            .store
            .accounts()
            .map_err(store_failed)?
            .contains(&account)
        {
            return Err(KmsError::internal(
                "the account exists",
                std::io::Error::other(account.as_str().to_owned()),
            ));
        }
        let (access_key_id, secret) = new_access_key()?;
        persist(&account, &access_key_id, &secret)
            .map_err(|error| KmsError::internal("writing the root credentials", error))?;
        self.ensure_account(&account)?;
        self.store_access_key(&account, None, &access_key_id, &secret)?;
        Ok(account)
    }

    /// Makes, seals and stores a new access key for the root of `account`
    /// or one of its users.
    pub(crate) fn store_new_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
    ) -> Result<(AccessKeyRecord, SecretAccessKey), KmsError> {
        let (access_key_id, secret) = new_access_key()?;
        let record = self.store_access_key(account, user, &access_key_id, &secret)?;
        Ok((record, secret))
    }

    fn store_access_key(
        &self,
        account: &AccountId,
        user: Option<&str>,
        access_key_id: &str,
        secret: &SecretAccessKey,
    ) -> Result<AccessKeyRecord, KmsError> {
        let _sealing = self.sealing();
        let sealed_secret = self
            .root_key
            .seal(
                access_key_label(access_key_id).as_bytes(),
                secret.expose().as_bytes(),
            )
            .map_err(|error| KmsError::internal("sealing an access key secret", error))?;
        let record = AccessKeyRecord {
            access_key_id: access_key_id.to_owned(),
            account: account.clone(),
            user: user.map(str::to_owned),
            sealed_secret,
            created_at: self.clock.now(),
            active: true,
        };
        self.store
            .insert_access_key(&record)
            .map_err(store_failed)?;
        Ok(record)
    }

    /// Opens a stored access key secret.
    pub(crate) fn open_secret(
        &self,
        access_key_id: &str,
        sealed: &[u8],
    ) -> Result<SecretAccessKey, KmsError> {
        let bytes = self
            .root_key
            .open(access_key_label(access_key_id).as_bytes(), sealed)
            .map_err(|error| KmsError::internal("opening an access key secret", error))?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            KmsError::Internal(InternalError {
                context: "stored access key secret is not text",
                source: None,
            })
        })?;
        Ok(SecretAccessKey::new(text))
    }
}

pub(crate) fn access_key_label(access_key_id: &str) -> String {
    format!("{ACCESS_KEY_LABEL_PREFIX}{access_key_id}")
}

fn random_bytes<const N: usize>() -> Result<[u8; N], KmsError> {
    let mut bytes = [0u8; N];
    trent_crypto::aead::fill_random(&mut bytes)
        .map_err(|error| KmsError::internal("generating random bytes", error))?;
    Ok(bytes)
}

fn random_account_id() -> Result<AccountId, KmsError> {
    let bytes = random_bytes::<12>()?;
    let digits: String = bytes.iter().map(|b| char::from(b'0' + b % 10)).collect();
    AccountId::parse(&digits).map_err(|error| KmsError::internal("generating an account id", error))
}

/// `length` random characters of A–Z2–7, the alphabet of AWS ids.
pub(crate) fn random_token(length: usize) -> Result<String, KmsError> {
    const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = vec![0u8; length];
    trent_crypto::aead::fill_random(&mut bytes)
        .map_err(|error| KmsError::internal("generating random bytes", error))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ID_ALPHABET[usize::from(b % 32)]))
        .collect())
}

/// A new access key: `AKIA` and 16 characters of A–Z2–7, and a 40-character secret.
fn new_access_key() -> Result<(String, SecretAccessKey), KmsError> {
    Ok((format!("AKIA{}", random_token(16)?), new_secret()?))
}

/// A new 40-character secret access key.
pub(crate) fn new_secret() -> Result<SecretAccessKey, KmsError> {
    const SECRET_ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let secret_bytes = Zeroizing::new(random_bytes::<40>()?);
    let secret: String = secret_bytes
        .iter()
        .map(|b| char::from(SECRET_ALPHABET[usize::from(b % 64)]))
        .collect();
    Ok(SecretAccessKey::new(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_have_aws_shape_and_hidden_secrets() {
        let (id, secret) = new_access_key().unwrap();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("AKIA"));
        assert_eq!(secret.expose().len(), 40);
        assert_eq!(format!("{secret:?}"), "SecretAccessKey(redacted)");
    }
}
