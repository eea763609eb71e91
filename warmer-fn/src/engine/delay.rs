//! The `auto` hold: how long after a round's start its warm-ups hold, so that all N overlap.
//!
//! N warm-ups reach N environments only if every one of them is still holding its
//! environment when the last one arrives; otherwise a late invocation lands on an environment
//! an early one has just released. The engine holds every warm-up of a round until one instant
//! (`hold_until_ms`, see [`crate::engine`]), this long after the round's start. The time from
//! the first to the last invocation leaving the client (the dispatch spread) grows with N and
//! with how fast this client, on this machine or Lambda size, can put invokes on the wire. So
//! the engine measures that speed in the run itself:
//!
//! 1. It sends the first `k = min(N, probe)` warm-ups (the probe) holding until an instant
//!    computed from a conservative prior per-invoke cost, and times how long it takes until
//!    all `k` have been handed to the HTTP connection (an SDK interceptor stamps each request
//!    just before transmit, after signing).
//! 2. `per_invoke` = the mean gap between consecutive probe transmits (the time from the
//!    first to the last stamp over `k - 1`): the dispatch cost of one invoke at full speed.
//!    The first request's own set-up (credentials, endpoint) is left out, as it is paid once.
//! 3. The other `N - k` warm-ups hold until
//!    `clamp(base + N × per_invoke × safety, base, cap)` after the round's start, and never
//!    earlier than the probe.
//!
//! The dispatch spread is not the whole story: a warm-up that finds no idle environment waits
//! for a new one to start, and the service places the later invokes only as fast as it starts
//! environments. On `local-lambda` on a 2-core machine (a process per environment) the last of
//! 500 new environments received its warm-up 1.6 to 2.7 s after the round's start, and the last
//! of 1,000 5.1 to 8.0 s after it, while this client had sent them all within 0.1 to 2.9 s
//! (BENCHMARKS.md, "Coverage in one round"); a hold from the dispatch spread alone reached 297
//! of 500 in its first round. The hold is fixed before the first warm-up leaves, so it cannot
//! wait for the answers that would say when the
//! environments got their warm-ups: the probe holds for the prior (`base + N × prior ×
//! safety`), and the rest at least as long. A warmer that stays warm between runs (the warmer
//! Lambda) replaces the prior by what the target's previous run measured
//! ([`crate::engine::ArrivalMemory`]).
//!
//! Defaults: `base` 100 ms (covers the network round trip and jitter), `safety` 2,
//! `probe` 16, prior 3 ms per warm-up (covers 500 new environments there, not 1,000 under load),
//! `cap` 10 000 ms (the handler side's default maximum); the cap is lowered further when the
//! run's deadline is closer. So one round holds until 160 ms after its start at N = 10,
//! 700 ms at N = 100, 3.1 s at N = 500 and 6.1 s at N = 1,000, unless the client dispatches
//! slower than 3 ms per invoke.
//!
//! ```
//! use std::time::Duration;
//! use warmer_fn::engine::AutoDelay;
//!
//! let auto = AutoDelay::default();
//! // 1,000 warm-ups at 0.5 ms each: 100 + 1000 × 0.5 × 2 = 1,100 ms.
//! assert_eq!(auto.delay_ms(1000, Duration::from_micros(500)), 1100);
//! // Never below the base, never above the cap.
//! assert_eq!(auto.delay_ms(1, Duration::ZERO), 100);
//! assert_eq!(auto.delay_ms(100_000, Duration::from_millis(5)), 10_000);
//! ```

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Parameters of the `auto` delay formula (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AutoDelay {
    /// The floor, in milliseconds: round trip and scheduling jitter.
    pub base_ms: u64,
    /// Multiplier on the projected dispatch time.
    pub safety: f64,
    /// How many warm-ups are sent first to measure the dispatch cost.
    pub probe: u32,
    /// The time each warm-up is assumed to add to the round's last arrival before anything is
    /// measured, in microseconds: the probe's hold, and the floor of the rest's.
    pub prior_per_invoke_us: u64,
    /// The ceiling, in milliseconds.
    pub cap_ms: u64,
}

impl Default for AutoDelay {
    fn default() -> Self {
        Self {
            base_ms: 100,
            safety: 2.0,
            probe: 16,
            prior_per_invoke_us: 3_000,
            cap_ms: warm_sdk::protocol::DEFAULT_MAX_DELAY_MS,
        }
    }
}

impl AutoDelay {
    /// `clamp(base + n × per_invoke × safety, base, cap)`, in milliseconds.
    pub fn delay_ms(&self, n: u32, per_invoke: Duration) -> u64 {
        let projected_ms = f64::from(n) * per_invoke.as_secs_f64() * 1000.0 * self.safety;
        let delay = self.base_ms as f64 + projected_ms.max(0.0);
        (delay.ceil() as u64).clamp(self.base_ms.min(self.cap_ms), self.cap_ms)
    }

    /// The hold of the rest of a probed round of `n`: as long as `auto` asks for at the
    /// measured cost per invoke, and never shorter than the probe's own hold, so that the probe's
    /// environments are not released before the rest arrive.
    ///
    /// ```
    /// use std::time::Duration;
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.rest_delay_ms(100, Duration::from_millis(1), 300), 300);
    /// assert_eq!(auto.rest_delay_ms(1000, Duration::from_millis(1), 300), 2_100);
    /// ```
    pub fn rest_delay_ms(&self, n: u32, per_invoke: Duration, probe_ms: u64) -> u64 {
        self.delay_ms(n, per_invoke).max(probe_ms)
    }

    /// The hold of the probe warm-ups, from the prior per-invoke cost.
    ///
    /// ```
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.probe_delay_ms(50), 100 + 50 * 3 * 2);
    /// ```
    pub fn probe_delay_ms(&self, n: u32) -> u64 {
        self.delay_ms(n, Duration::from_micros(self.prior_per_invoke_us))
    }

    /// How many warm-ups form the probe for a target of `n`.
    ///
    /// ```
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.probe_size(5), 5);
    /// assert_eq!(auto.probe_size(500), 16);
    /// ```
    pub fn probe_size(&self, n: u32) -> u32 {
        n.min(self.probe.max(1))
    }

    /// The hold of a top-up round from its start (see [`crate::engine`]): twice the first
    /// round's hold, and at least the base plus the first round's measured spread (its last
    /// arrival, or its dispatch spread) times the safety factor twice, capped.
    ///
    /// ```
    /// use std::time::Duration;
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.top_up_delay_ms(300, Duration::from_millis(400)), 100 + 1600);
    /// assert_eq!(auto.top_up_delay_ms(300, Duration::from_millis(10)), 600);
    /// ```
    pub fn top_up_delay_ms(&self, first_delay_ms: u64, first_spread: Duration) -> u64 {
        let from_spread =
            self.base_ms as f64 + first_spread.as_secs_f64() * 1000.0 * self.safety * 2.0;
        (first_delay_ms.saturating_mul(2))
            .max(from_spread.ceil() as u64)
            .clamp(self.base_ms.min(self.cap_ms), self.cap_ms)
    }
}
