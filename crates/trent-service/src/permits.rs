//! A counting semaphore for blocking threads: at most `n` holders at once,
//! the others sleep until a permit is returned. For work that must not take
//! every core (RSA key generation on the blocking pool).

use std::sync::{Condvar, Mutex, MutexGuard};

/// At most a fixed number of holders at once.
pub(crate) struct Permits {
    available: Mutex<usize>,
    returned: Condvar,
}

/// One permit, returned when dropped.
pub(crate) struct Permit<'a>(&'a Permits);

impl Permits {
    /// `count` permits (at least one).
    pub(crate) fn new(count: usize) -> Self {
        Self {
            available: Mutex::new(count.max(1)),
            returned: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        self.available.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for a permit.
    pub(crate) fn acquire(&self) -> Permit<'_> {
        let mut available = self.lock();
        while *available == 0 {
            available = self
                .returned
                .wait(available)
                .unwrap_or_else(|p| p.into_inner());
        }
        *available -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.lock() += 1;
        self.0.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn no_more_than_the_permits_hold_at_once() {
        let permits = Arc::new(Permits::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (permits, inside, most) = (permits.clone(), inside.clone(), most.clone());
                std::thread::spawn(move || {
                    let _permit = permits.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(*permits.lock(), 2, "every permit came back");
    }
}
