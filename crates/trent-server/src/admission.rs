//! Admission control: a bounded number of requests in service and a
//! bounded, time-limited queue in front of them, so that under overload a
//! request is refused early (ThrottlingException, which SDKs retry with
//! backoff) instead of every request's latency growing without bound; and
//! a cap on the connections one address holds.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Places for requests in service, and a queue for them.
pub(crate) struct Admission {
    places: Arc<Semaphore>,
    queued: AtomicUsize,
    max_queued: usize,
    queue_timeout: Duration,
}

impl Admission {
    pub(crate) fn new(max_in_flight: usize, max_queued: usize, queue_timeout: Duration) -> Self {
        Self {
            places: Arc::new(Semaphore::new(
                max_in_flight.clamp(1, Semaphore::MAX_PERMITS),
            )),
            queued: AtomicUsize::new(0),
            max_queued,
            queue_timeout,
        }
    }

    /// A place in service, at once if one is free, else after waiting in
    /// the queue up to the queue timeout; `None` when the queue is full or
    /// the wait ran out (the request is to be shed).
    pub(crate) async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = self.places.clone().try_acquire_owned() {
            return Some(permit);
        }
        // Join the queue only if it has room; leave it however the wait
        // ends, the request's future dropped midway included.
        let _in_queue = Queued::join(&self.queued, self.max_queued)?;
        tokio::time::timeout(self.queue_timeout, self.places.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// A place in the queue, given back when dropped.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(queued: &'a AtomicUsize, max: usize) -> Option<Self> {
        queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
                (count < max).then_some(count + 1)
            })
            .ok()
            .map(|_| Self(queued))
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Open connections by address, capped.
pub(crate) struct PerIp {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    cap: usize,
}

/// One open connection of an address; closing it (dropping this) frees its place.
pub(crate) struct Held {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
    address: IpAddr,
}

impl PerIp {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            open: Arc::new(Mutex::new(HashMap::new())),
            cap: cap.max(1),
        }
    }

    /// A place for one more connection from `address`, unless it holds its cap.
    pub(crate) fn open(&self, address: IpAddr) -> Option<Held> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(address).or_insert(0);
        if *count >= self.cap {
            return None;
        }
        *count += 1;
        Some(Held {
            open: self.open.clone(),
            address,
        })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beyond_the_places_requests_queue_and_beyond_the_queue_are_shed() {
        let admission = Arc::new(Admission::new(2, 1, Duration::from_millis(200)));
        let first = admission.admit().await.unwrap();
        let _second = admission.admit().await.unwrap();
        // The third waits in the queue; a fourth finds it full.
        let waiting = {
            let admission = admission.clone();
            // The place it gets stays taken.
            tokio::spawn(async move {
                admission
                    .admit()
                    .await
                    .map(OwnedSemaphorePermit::forget)
                    .is_some()
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(admission.admit().await.is_none(), "the queue holds one");
        drop(first);
        assert!(waiting.await.unwrap(), "a freed place goes to the queue");
        // Nobody frees a place: the queued request gives up at the timeout.
        let started = std::time::Instant::now();
        let admitted = admission.admit().await;
        assert!(admitted.is_none());
        assert!(started.elapsed() >= Duration::from_millis(190));
    }

    #[tokio::test]
    async fn a_request_dropped_while_queued_leaves_the_queue() {
        let admission = Arc::new(Admission::new(1, 1, Duration::from_secs(60)));
        let _held = admission.admit().await.unwrap();
        for _ in 0..3 {
            // Queued, then abandoned (its connection closed).
            let waiting = {
                let admission = admission.clone();
                tokio::spawn(async move { admission.admit().await.is_some() })
            };
            tokio::time::sleep(Duration::from_millis(20)).await;
            waiting.abort();
            let _ = waiting.await;
            assert_eq!(admission.queued.load(Ordering::Acquire), 0);
        }
    }

    #[test]
    fn one_address_holds_at_most_its_cap() {
        let per_ip = PerIp::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = per_ip.open(a).unwrap();
        let _second = per_ip.open(a).unwrap();
        assert!(per_ip.open(a).is_none());
        assert!(per_ip.open(b).is_some(), "another address is not affected");
        drop(first);
        assert!(
            per_ip.open(a).is_some(),
            "a closed connection frees its place"
        );
    }
}
