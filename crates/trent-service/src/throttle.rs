//! Request-rate quotas per account and Region ([`trent_core::rate`]): a
//! token bucket per quota, refilled continuously at the quota's rate and
//! holding at most one second of it (at least one request), so a caller
//! that keeps under its rate is never refused and one above it is refused
//! as soon as its second's worth is spent.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use trent_core::error::KmsError;
use trent_core::id::{AccountId, Region};
use trent_core::rate::{counts_key_use, Counted, KeyFamily, RateQuota};
use trent_store::record::KeyRecord;

use crate::{Caller, Kms};

/// The rates in force: AWS's defaults, scaled, with per-quota overrides.
#[derive(Clone, Debug)]
pub struct QuotaSettings {
    /// Requests per second by [`RateQuota::index`]; `None` is unlimited.
    rates: Vec<Option<f64>>,
}

impl Default for QuotaSettings {
    /// AWS's defaults.
    fn default() -> Self {
        Self::scaled(1.0)
    }
}

impl QuotaSettings {
    /// AWS's defaults multiplied by `factor` (0 or less: no quotas at all).
    pub fn scaled(factor: f64) -> Self {
        let mut rates = vec![None; RateQuota::COUNT];
        if factor > 0.0 {
            for quota in RateQuota::all() {
                rates[quota.index()] = Some(quota.default_per_second() * factor);
            }
        }
        Self { rates }
    }

    /// Sets one quota (`0` or less: unlimited).
    pub fn set(&mut self, quota: RateQuota, per_second: f64) {
        self.rates[quota.index()] = (per_second > 0.0).then_some(per_second);
    }

    /// The rate of `quota`, `None` when unlimited.
    pub fn rate(&self, quota: RateQuota) -> Option<f64> {
        self.rates.get(quota.index()).copied().flatten()
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Buckets of one account in one Region, by quota index; made on first use.
type Buckets = Vec<Option<Bucket>>;

/// Most (account, Region) tables kept (each about 2 KiB).
const MAX_BUCKET_TABLES: usize = 10_000;

pub(crate) struct Quotas {
    settings: std::sync::RwLock<QuotaSettings>,
    /// Keyed by account, then Region, so a lookup allocates nothing.
    buckets: Mutex<HashMap<AccountId, HashMap<Region, Buckets>>>,
}

impl Quotas {
    pub(crate) fn new() -> Self {
        Self {
            settings: std::sync::RwLock::new(QuotaSettings::default()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn set(&self, settings: QuotaSettings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
        self.buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Takes one request from the bucket of `quota`; refuses when it is empty.
    fn take(&self, account: &AccountId, region: &Region, quota: RateQuota) -> Result<(), KmsError> {
        let Some(rate) = self
            .settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .rate(quota)
        else {
            return Ok(());
        };
        let capacity = rate.max(1.0);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Read under the lock, so no request moves a bucket's clock back.
        let now = Instant::now();
        if !buckets
            .get(account)
            .is_some_and(|regions| regions.contains_key(region))
            && buckets.values().map(HashMap::len).sum::<usize>() >= MAX_BUCKET_TABLES
        {
            // Callers can name Regions (and, in --dev, accounts) at will:
            // the tables stay bounded. Forgetting them refills every bucket
            // once, a burst of one second's worth at most.
            buckets.clear();
        }
        let regions = match buckets.get_mut(account) {
            Some(regions) => regions,
            None => buckets.entry(account.clone()).or_default(),
        };
        let table = match regions.get_mut(region) {
            Some(table) => table,
            None => regions
                .entry(region.clone())
                .or_insert_with(|| vec![None; RateQuota::COUNT]),
        };
        let Some(slot) = table.get_mut(quota.index()) else {
            return Ok(());
        };
        let bucket = slot.get_or_insert(Bucket {
            tokens: capacity,
            refilled: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(KmsError::Throttling)
        }
    }
}

impl Kms {
    /// Replaces the request-rate quotas in force (`trent serve --quota`),
    /// starting every bucket full.
    pub fn set_quotas(&self, settings: QuotaSettings) {
        self.quotas.set(settings);
    }

    /// Counts a request of `operation` against its quota, when the quota
    /// does not depend on the key or pair spec it names (those are counted
    /// where the service learns them). Called once per request, as soon as
    /// the caller is authenticated.
    pub fn admit(
        &self,
        caller: &Caller,
        operation: trent_core::operation::Operation,
    ) -> Result<(), KmsError> {
        match operation.counted() {
            Counted::Against(quota) => self.quotas.take(caller.account(), caller.region(), quota),
            Counted::ByKey | Counted::ByPairSpec => Ok(()),
        }
    }

    /// Counts the use of `key` for `action` against its family's shared
    /// quota, when `action` is the one use of a cryptographic operation
    /// that counts. The caller's account is charged, even for another
    /// account's key (AWS: cross-account requests count for the caller).
    pub(crate) fn count_key_use(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        action: trent_core::action::Action,
    ) -> Result<(), KmsError> {
        if !counts_key_use(action) {
            return Ok(());
        }
        self.quotas.take(
            caller.account(),
            caller.region(),
            RateQuota::Cryptographic(KeyFamily::of(key.spec)),
        )
    }

    /// Counts a GenerateDataKeyPair request against its pair spec's quota.
    pub(crate) fn count_pair(
        &self,
        caller: &Caller,
        spec: trent_core::algorithm::DataKeyPairSpec,
    ) -> Result<(), KmsError> {
        self.quotas.take(
            caller.account(),
            caller.region(),
            RateQuota::DataKeyPair(spec),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_core::operation::Operation;

    fn ids() -> (AccountId, Region) {
        (
            AccountId::parse("111122223333").unwrap(),
            Region::parse("us-east-1").unwrap(),
        )
    }

    #[test]
    fn a_bucket_holds_one_second_and_refills_at_its_rate() {
        let quotas = Quotas::new();
        let (account, region) = ids();
        let create = RateQuota::Operation(Operation::CreateKey);
        for _ in 0..5 {
            quotas.take(&account, &region, create).unwrap();
        }
        assert!(matches!(
            quotas.take(&account, &region, create),
            Err(KmsError::Throttling)
        ));
        // Another quota, Region or account is not affected.
        quotas
            .take(
                &account,
                &region,
                RateQuota::Operation(Operation::CreateAlias),
            )
            .unwrap();
        let other_region = Region::parse("eu-west-1").unwrap();
        quotas.take(&account, &other_region, create).unwrap();
        let other = AccountId::parse("444455556666").unwrap();
        quotas.take(&other, &region, create).unwrap();
        // A fifth of a second later, one more (5 a second).
        std::thread::sleep(std::time::Duration::from_millis(210));
        quotas.take(&account, &region, create).unwrap();
        assert!(quotas.take(&account, &region, create).is_err());
    }

    #[test]
    fn settings_scale_override_and_lift_quotas() {
        let quotas = Quotas::new();
        let (account, region) = ids();
        let create = RateQuota::Operation(Operation::CreateKey);
        let mut settings = QuotaSettings::scaled(2.0);
        assert_eq!(settings.rate(create), Some(10.0));
        settings.set(RateQuota::Operation(Operation::ListKeys), 0.0);
        assert_eq!(
            settings.rate(RateQuota::Operation(Operation::ListKeys)),
            None
        );
        quotas.set(settings);
        for _ in 0..10 {
            quotas.take(&account, &region, create).unwrap();
        }
        assert!(quotas.take(&account, &region, create).is_err());
        for _ in 0..1000 {
            quotas
                .take(&account, &region, RateQuota::Operation(Operation::ListKeys))
                .unwrap();
        }
        quotas.set(QuotaSettings::scaled(0.0));
        for _ in 0..1000 {
            quotas.take(&account, &region, create).unwrap();
        }
    }

    #[test]
    fn the_tables_stay_bounded_whatever_regions_callers_name() {
        let quotas = Quotas::new();
        let (account, _) = ids();
        let create = RateQuota::Operation(Operation::CreateKey);
        for n in 0..MAX_BUCKET_TABLES + 5 {
            let region = Region::parse(&format!("r{n}")).unwrap();
            quotas.take(&account, &region, create).unwrap();
        }
        let tables: usize = quotas
            .buckets
            .lock()
            .unwrap()
            .values()
            .map(HashMap::len)
            .sum();
        assert!(tables <= MAX_BUCKET_TABLES, "{tables}");
    }

    #[test]
    fn a_slow_quota_allows_one_request_then_waits_its_period() {
        let quotas = Quotas::new();
        let (account, region) = ids();
        let import = RateQuota::Operation(Operation::GetParametersForImport);
        quotas.take(&account, &region, import).unwrap();
        assert!(quotas.take(&account, &region, import).is_err());
    }
}
