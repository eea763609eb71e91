//! What a warmer that stays warm between runs remembers of each target: how long after a
//! round's start its last environment received its warm-up.
//!
//! The `auto` hold is fixed before the first warm-up leaves, from what the run can measure by
//! then: the prior, which must cover new environments starting (see [`AutoDelay`]). A process
//! that runs again, the warmer Lambda warm between its scheduled runs, knows more: when the
//! last environment of the previous run received its warm-up (the answers' `received_at_ms`).
//! The next run of the same target then holds `margin + that time × 1.5`
//! ([`AutoDelay::learnt_hold_ms`], scaled up to a larger N) instead of learning it again, shorter where the environments were already there or start
//! fast, longer where they started slower; after a round that fell short, at least twice what
//! it held. A target whose environments were reclaimed since (idle for long) may then fall
//! short once; the top-up round fills it, and the next run holds twice as long.
//!
//! ```
//! use warmer_fn::engine::{ArrivalMemory, AutoDelay};
//!
//! let memory = ArrivalMemory::default();
//! let auto = AutoDelay::default();
//! assert_eq!(memory.hold_ms("orders", 100, &auto), None, "nothing remembered yet");
//! // The last of 100 environments received its warm-up 700 ms after the round's start.
//! memory.record("orders", 100, 700, 900, true);
//! assert_eq!(memory.hold_ms("orders", 100, &auto), Some(20 + 700 * 3 / 2));
//! // Twice the N: twice the time, as far as the cap allows.
//! assert_eq!(memory.hold_ms("orders", 200, &auto), Some(20 + 1400 * 3 / 2));
//! ```

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::delay::AutoDelay;

/// How recent a run's count of environments must be for the next run to skip the ramp: the
/// longest schedule period the project suggests (every 5 to 15 minutes). Lambda documents no
/// lifetime for idle environments; a count older than this is not trusted.
pub const RECENT: Duration = Duration::from_secs(15 * 60);

/// A target's previous round, as [`ArrivalMemory`] keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Seen {
    n: u32,
    last_arrival_ms: u64,
    hold_ms: u64,
    reached_all: bool,
}

/// Each target's last measured arrival, shared by the runs of one process (see
/// [`crate::engine`], "Hold"). The warmer Lambda keeps one for the life of its environment; the
/// `warmer` command runs once and keeps none.
#[derive(Debug, Default)]
pub struct ArrivalMemory {
    targets: Mutex<HashMap<String, Seen>>,
    /// How many environments each target's last run reached, and when.
    reached: Mutex<HashMap<String, (u32, Instant)>>,
}

impl ArrivalMemory {
    /// The hold the memory asks for `target` at `n`, in milliseconds from the round's start:
    /// `margin + last arrival × learnt_safety` ([`AutoDelay::learnt_hold_ms`]), the last
    /// arrival scaled up when `n` is larger than the remembered N; after a round that did not
    /// reach every environment, at least twice the hold it had. `None` when nothing is
    /// remembered.
    pub fn hold_ms(&self, target: &str, n: u32, auto: &AutoDelay) -> Option<u64> {
        let seen = *self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(target)?;
        let scale = (f64::from(n) / f64::from(seen.n.max(1))).max(1.0);
        let arrival = (seen.last_arrival_ms as f64 * scale).ceil() as u64;
        let mut hold = auto.learnt_hold_ms(arrival);
        if !seen.reached_all {
            hold = hold.max(seen.hold_ms.saturating_mul(2).min(auto.cap_ms));
        }
        Some(hold)
    }

    /// Remembers a round of `target` (the engine keeps a run's largest): how many warm-ups it
    /// sent (`n`, which [`ArrivalMemory::hold_ms`] scales from), when its last environment
    /// received its warm-up and how long the round held (both from the round's start, in
    /// milliseconds), and whether its warm-ups reached as many environments.
    pub fn record(
        &self,
        target: &str,
        n: u32,
        last_arrival_ms: u64,
        hold_ms: u64,
        reached_all: bool,
    ) {
        self.targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                target.to_owned(),
                Seen {
                    n,
                    last_arrival_ms,
                    hold_ms,
                    reached_all,
                },
            );
    }

    /// Remembers that the run of `target` that just ended reached `reached` environments.
    ///
    /// ```
    /// use std::time::Duration;
    /// let memory = warmer_fn::engine::ArrivalMemory::default();
    /// memory.record_reached("orders", 2_000);
    /// assert_eq!(memory.recent_reached("orders", Duration::from_secs(60)), Some(2_000));
    /// assert_eq!(memory.recent_reached("orders", Duration::ZERO), None, "too old");
    /// assert_eq!(memory.recent_reached("other", Duration::from_secs(60)), None);
    /// ```
    pub fn record_reached(&self, target: &str, reached: u32) {
        self.reached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(target.to_owned(), (reached, Instant::now()));
    }

    /// How many environments the last run of `target` reached, if it ended less than `within`
    /// ago: environments that are probably still there, idle, so that a sharded run need not
    /// ramp up to them at Lambda's scaling rate (see [`crate::engine`], "Sharding").
    pub fn recent_reached(&self, target: &str, within: Duration) -> Option<u32> {
        let (reached, at) = *self
            .reached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(target)?;
        (at.elapsed() < within).then_some(reached)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_that_fell_short_doubles_the_next_hold() {
        let memory = ArrivalMemory::default();
        let auto = AutoDelay::default();
        memory.record("f", 500, 300, 900, false);
        assert_eq!(memory.hold_ms("f", 500, &auto), Some(1800));
        // A smaller N keeps the measured time (it is not scaled down).
        memory.record("f", 500, 600, 900, true);
        assert_eq!(memory.hold_ms("f", 50, &auto), Some(20 + 900));
        // Before the hold was learnt: base + last arrival × 2.
        let before = AutoDelay::before_learning();
        assert_eq!(memory.hold_ms("f", 50, &before), Some(100 + 1200));
        // Never past the cap.
        memory.record("f", 10, 6_000, 9_000, false);
        assert_eq!(memory.hold_ms("f", 1000, &auto), Some(auto.cap_ms));
        assert_eq!(memory.hold_ms("other", 10, &auto), None);
    }
}
