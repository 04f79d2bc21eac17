//! Memory shared by the threads of a check, handed out in bytes.
//!
//! Each file is judged on its own thread, and judging a file takes memory
//! in proportion to its size: the decoded text, the parsed page, a script's
//! syntax tree. Bounding each file alone would still let every thread hold
//! its worst case at once, so that peak memory grew with the number of
//! cores. A [`Budget`] is the bound across threads: work reserves what it
//! will take before it starts, and waits while other threads hold the rest.
//!
//! A reservation larger than the whole budget is granted only when nothing
//! else is held, so one large file is judged alone rather than refused;
//! callers that must refuse such work compare it with the capacity they
//! built the budget with.

use std::sync::{Condvar, Mutex, PoisonError};

/// A number of bytes that threads reserve from and give back to.
#[derive(Debug)]
pub struct Budget {
    capacity: u64,
    held: Mutex<u64>,
    released: Condvar,
}

/// Bytes reserved from a [`Budget`], given back when dropped.
#[derive(Debug)]
#[must_use = "the bytes are given back as soon as the reservation is dropped"]
pub struct Reservation<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `capacity` bytes.
    pub const fn new(capacity: u64) -> Budget {
        Budget {
            capacity,
            held: Mutex::new(0),
            released: Condvar::new(),
        }
    }

    /// Reserves `bytes`, waiting until other reservations leave room. A
    /// reservation over the capacity waits until nothing else is held.
    pub fn reserve(&self, bytes: u64) -> Reservation<'_> {
        // A poisoned lock only means another thread panicked while holding
        // it; the count itself is always left consistent, so it is used.
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        while *held > 0 && held.saturating_add(bytes) > self.capacity {
            held = self
                .released
                .wait(held)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *held = held.saturating_add(bytes);
        Reservation {
            budget: self,
            bytes,
        }
    }

    /// The bytes reserved now.
    #[cfg(test)]
    fn held(&self) -> u64 {
        *self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut held = self
            .budget
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *held = held.saturating_sub(self.bytes);
        drop(held);
        self.budget.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::Budget;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn a_reservation_over_the_capacity_is_granted_alone() {
        let budget = Budget::new(10);
        let large = budget.reserve(25);
        assert_eq!(budget.held(), 25);
        drop(large);
        assert_eq!(budget.held(), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Threads reserving at once never hold more than the capacity
        /// together, unless one reservation alone is larger, and every
        /// byte is given back.
        #[test]
        fn concurrent_reservations_stay_within_the_capacity(
            capacity in 1u64..64,
            sizes in proptest::collection::vec(1u64..96, 1..24),
        ) {
            let budget = Budget::new(capacity);
            let peak = AtomicU64::new(0);
            let over = AtomicU64::new(0);
            std::thread::scope(|scope| {
                for &bytes in &sizes {
                    let (budget, peak, over) = (&budget, &peak, &over);
                    scope.spawn(move || {
                        let reservation = budget.reserve(bytes);
                        let held = budget.held();
                        if held > capacity && held != bytes {
                            over.fetch_add(1, Ordering::Relaxed);
                        }
                        peak.fetch_max(held, Ordering::Relaxed);
                        std::thread::yield_now();
                        drop(reservation);
                    });
                }
            });
            prop_assert_eq!(over.load(Ordering::Relaxed), 0);
            prop_assert_eq!(budget.held(), 0);
            let largest = sizes.iter().copied().max().unwrap_or(0);
            prop_assert!(peak.load(Ordering::Relaxed) <= capacity.max(largest));
        }
    }
}
