//! Time as Trent reads it: one injectable clock for every time-based rule.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Builds a timestamp from milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the Unix epoch, with millisecond precision, as AWS JSON
    /// renders timestamps.
    pub fn as_epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// This timestamp moved forward by whole days.
    pub fn plus_days(self, days: u32) -> Self {
        Self(self.0.saturating_add(i64::from(days) * 86_400_000))
    }

    /// Whole seconds between `self` and `other`, as an absolute value.
    pub fn abs_diff_seconds(self, other: Self) -> u64 {
        self.0.abs_diff(other.0) / 1000
    }
}

/// The source of the current time.
///
/// Every time-based behaviour (SigV4 skew, deletion windows, rotation dates)
/// reads one `Clock`, so tests can move time without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "the one place that reads the system time"
    )]
    fn now(&self) -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO);
        Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that tests set and advance by hand.
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self {
            millis: Arc::new(AtomicI64::new(start.0)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}

/// The system clock moved forward by an adjustable offset: the server's test
/// clock (`trent serve --dev --test-clock`), so tests can cross deletion
/// windows and rotation periods while time keeps passing.
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_millis: AtomicI64,
}

impl OffsetClock {
    /// The system clock, not yet moved.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`; returns the total offset.
    pub fn advance(&self, by: Duration) -> Duration {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let total = self
            .offset_millis
            .fetch_add(by, Ordering::SeqCst)
            .saturating_add(by);
        Duration::from_millis(u64::try_from(total).unwrap_or(0))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let offset = self.offset_millis.load(Ordering::SeqCst);
        Timestamp(SystemClock.now().0.saturating_add(offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_advances_only_when_told() {
        let clock = ManualClock::new(Timestamp::from_millis(1_000));
        assert_eq!(clock.now().as_millis(), 1_000);
        clock.advance(Duration::from_secs(2));
        assert_eq!(clock.now().as_millis(), 3_000);
    }

    #[test]
    fn offset_clock_runs_ahead_of_the_system_clock() {
        let clock = OffsetClock::new();
        let before = SystemClock.now().as_millis();
        assert_eq!(
            clock.advance(Duration::from_secs(86_400)),
            Duration::from_secs(86_400)
        );
        let ahead = clock.now().as_millis() - before;
        assert!((86_400_000..86_460_000).contains(&ahead), "{ahead}");
    }

    #[test]
    fn plus_days_adds_whole_days() {
        let t = Timestamp::from_millis(0).plus_days(7);
        assert_eq!(t.as_millis(), 7 * 86_400_000);
        assert_eq!(t.as_epoch_seconds(), 604_800.0);
    }
}
