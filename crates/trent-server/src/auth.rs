//! Turning a request's SigV4 signature into a [`Caller`].

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use axum::http::request::Parts;
use trent_core::error::{InvalidSignature, KmsError};
use trent_core::id::{AccountId, Region};
use trent_protocol::error::{Failure, IncompleteSignature, RequestError};
use trent_service::{Caller, Kms};
use trent_sigv4::{AuthError, Request, Settings, SigningKey};

/// How callers are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Full SigV4 verification against stored access keys (the default).
    Verify,
    /// Development: any well-formed SigV4 request is accepted without
    /// checking its secret; the caller is the root of the account named by a
    /// 12-digit access key id, else `000000000000`. Loopback only.
    Dev,
}

/// The account dev-mode callers act as when their access key id is not an account id.
pub(crate) const DEV_DEFAULT_ACCOUNT: &str = "000000000000";

/// Derived signing keys kept per (access key id, credential scope).
const SIGNING_KEY_CACHE_CAPACITY: usize = 10_000;

/// A verified caller and what is needed to verify its next request.
#[derive(Clone)]
struct Verified {
    caller: Caller,
    signing_key: Arc<SigningKey>,
    /// The identity generation the caller was built under.
    generation: u64,
    /// The session token of temporary credentials.
    session_token: Option<String>,
    /// When temporary credentials expire.
    expires: Option<trent_core::clock::Timestamp>,
}

/// Keyed by the access key id and the credential scope, joined by a newline.
type SigningKeys = HashMap<String, Verified>;

pub(crate) struct Authenticator {
    mode: AuthMode,
    known_accounts: Mutex<HashSet<AccountId>>,
    /// Signing keys derived from verified secrets, so a request costs one
    /// HMAC instead of a store read, an unseal and five HMACs. An entry is
    /// used only while the service's identity generation is unchanged: any
    /// change to users, roles, access keys or identity policies makes every
    /// entry stale, so a deactivated key fails on its next request.
    signing_keys: RwLock<SigningKeys>,
}

impl Authenticator {
    pub(crate) fn new(mode: AuthMode) -> Self {
        Self {
            mode,
            known_accounts: Mutex::new(HashSet::new()),
            signing_keys: RwLock::new(HashMap::new()),
        }
    }

    pub(crate) fn authenticate(
        &self,
        kms: &Kms,
        parts: &Parts,
        body: &[u8],
        service: &'static str,
    ) -> Result<Caller, Failure> {
        let headers: Vec<(&str, &[u8])> = parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_bytes()))
            .collect();
        let request = Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &headers,
            body,
        };
        let settings = Settings {
            service,
            normalize_path: true,
            check_skew: true,
        };
        let now = kms.clock().now().as_millis().div_euclid(1000);
        let parsed = trent_sigv4::parse(&request, &settings, now).map_err(auth_error)?;
        // IAM and STS are global (their scope is us-east-1 whatever is served).
        if service == "kms" && !kms.serves_region(&parsed.region) {
            return Err(
                KmsError::InvalidSignature(InvalidSignature::RegionNotServed {
                    region: parsed.region.chars().take(32).collect(),
                })
                .into(),
            );
        }
        let region = || {
            Region::parse(&parsed.region)
                .map_err(|_| KmsError::InvalidSignature(InvalidSignature::WrongRegion))
        };
        match self.mode {
            AuthMode::Verify => {
                let token = parsed.session_token.as_deref();
                let cache_key = format!("{}\n{}", parsed.access_key_id, parsed.scope());
                let generation = kms.identity_generation();
                let cached = self
                    .signing_keys
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&cache_key)
                    .cloned();
                if let Some(entry) = cached.filter(|entry| {
                    entry.generation == generation
                        && kms.hearing()
                        && entry.session_token.as_deref() == token
                }) {
                    if entry
                        .expires
                        .is_some_and(|expires| kms.clock().now() >= expires)
                    {
                        return Err(KmsError::ExpiredToken.into());
                    }
                    parsed.verify_with(&entry.signing_key).map_err(auth_error)?;
                    return Ok(entry.caller);
                }
                let (caller, secret, expires) = kms
                    .credentials(&parsed.access_key_id, token, region()?)?
                    .ok_or(KmsError::UnrecognizedClient)?;
                let signing_key = Arc::new(parsed.signing_key(secret.expose()));
                parsed.verify_with(&signing_key).map_err(auth_error)?;
                // Only keys that verified a request are kept.
                let mut keys = self.signing_keys.write().unwrap_or_else(|p| p.into_inner());
                if keys.len() >= SIGNING_KEY_CACHE_CAPACITY {
                    keys.clear();
                }
                keys.insert(
                    cache_key,
                    Verified {
                        caller: caller.clone(),
                        signing_key,
                        generation,
                        session_token: token.map(str::to_owned),
                        expires,
                    },
                );
                Ok(caller)
            }
            AuthMode::Dev => {
                let account = AccountId::parse(&parsed.access_key_id)
                    .or_else(|_| AccountId::parse(DEV_DEFAULT_ACCOUNT))
                    .map_err(|error| KmsError::internal("dev account id", error))?;
                let mut known = self
                    .known_accounts
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if !known.contains(&account) {
                    kms.ensure_account(&account)?;
                    known.insert(account.clone());
                }
                Ok(Caller::account_root(account, region()?))
            }
        }
    }
}

/// The `Authorization` header's syntax is the protocol's to refuse; a
/// well-formed signature that does not verify is authentication's.
fn auth_error(error: AuthError) -> Failure {
    let incomplete = |problem| RequestError::IncompleteSignature(problem).into();
    let invalid = |problem| KmsError::InvalidSignature(problem).into();
    match error {
        AuthError::Missing => RequestError::MissingAuthenticationToken.into(),
        AuthError::BothMechanisms => invalid(InvalidSignature::BothMechanisms),
        AuthError::MissingQueryParameters(names) => {
            incomplete(IncompleteSignature::MissingQueryParameters(names))
        }
        AuthError::ExpiresOutOfRange => incomplete(IncompleteSignature::ExpiresOutOfRange),
        AuthError::Malformed => incomplete(IncompleteSignature::Malformed),
        AuthError::MalformedCredential => incomplete(IncompleteSignature::MalformedCredential),
        AuthError::UnsignedHeader(name) => incomplete(IncompleteSignature::UnsignedHeader(name)),
        AuthError::MissingDate => incomplete(IncompleteSignature::MissingDate),
        AuthError::Expired {
            request_time,
            limit,
            server_time,
            window_seconds,
        } => invalid(InvalidSignature::Expired {
            request_time,
            limit,
            server_time,
            window_seconds,
        }),
        AuthError::NotYetCurrent {
            request_time,
            limit,
            server_time,
        } => invalid(InvalidSignature::NotYetCurrent {
            request_time,
            limit,
            server_time,
        }),
        AuthError::WrongService(service) => invalid(InvalidSignature::WrongService(service)),
        AuthError::WrongRegion => invalid(InvalidSignature::WrongRegion),
        AuthError::WrongDate => invalid(InvalidSignature::WrongDate),
        AuthError::BodyHashMismatch => invalid(InvalidSignature::BodyHashMismatch),
        AuthError::SignatureMismatch => invalid(InvalidSignature::Mismatch),
    }
}
