//! The `auto` hold: how long after a round's start its warm-ups hold, so that all N overlap.
//!
//! N warm-ups reach N environments only if every one of them is still holding its
//! environment when the last one arrives; otherwise a late invocation lands on an environment
//! an early one has just released. The engine holds every warm-up of a round until one instant
//! (`hold_until_ms`, see [`crate::engine`]), this long after the round's start. The last
//! arrival is mostly the time the service takes to start the new environments: on
//! `local-lambda` on a 2-core machine (a process per environment) the last of 500 new
//! environments received its warm-up 1.2 to 1.4 s after the round's start and the last of
//! 1,000 1.8 to 3.5 s after it, while this client had sent them all within a few hundred ms
//! (BENCHMARKS.md, "Coverage in one round"); a hold from the dispatch spread alone reached 297
//! of 500. The hold is fixed before a round's first warm-up leaves, so it comes from what was
//! measured before the round, in this order:
//!
//! 1. **Remembered**: a warmer that stays warm between runs (the warmer Lambda) holds
//!    `margin + 1.5 × the target's previous last arrival`
//!    ([`crate::engine::ArrivalMemory`], [`AutoDelay::learnt_hold_ms`]).
//! 2. **Learnt within the run** (nothing remembered): a probe round of half the N holding
//!    `margin + k × prior` (through copies of the warmer, `k` of the largest probe shard and
//!    the 1 s a copy is given to start) measures when new environments receive their
//!    warm-ups at that load; the round of all N (the probe's environments idle again, the
//!    other half to start) then holds `margin + 1.5 × the expected last arrival`
//!    ([`crate::engine::learnt_hold`]). A single warm-up holds the margin: it reaches one
//!    environment whatever it holds.
//! 3. **The prior** ([`AutoDelay::learn`] off): `clamp(base + N × prior × safety, base, cap)`
//!    (through copies, of the largest shard, plus 1 s); from this process the first 16
//!    warm-ups then measure the client's dispatch cost, and the rest hold longer if it is
//!    slower than the prior.
//!
//! Defaults: `margin` 20 ms (scheduling jitter: the arrivals it multiplies include the
//! network), `learnt_safety` 1.5, `base` 100 ms, `safety` 2, prior 3 ms per warm-up, `probe`
//! 16, `cap` 10 000 ms (the handler side's default maximum), lowered further when the run's
//! deadline is closer. Measured without memory on `local-lambda` (2 loaded cores; BENCHMARKS.md,
//! "Coverage in one round", 2026-12-06 23:30), every round covering in one go: N = 10 held
//! 31–35 ms (the prior: 160 ms), N = 100 128–131 ms (700 ms), N = 1,000 2.1–3.1 s (6.1 s),
//! 0.25 to 0.5 of the prior's environment-seconds; at N = 500 the probe's environments were
//! placed so slowly that it held 2.6 s (3.1 s), no saving. A learnt hold never exceeds the
//! prior, `100 ms + N × 6 ms`, which is what `warmer cost` prices.
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
#[serde(default)]
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
    /// Learn the first round's hold within the run from a probe round of half the N, when
    /// nothing is remembered (see [`crate::engine::learnt_hold`]); off, the first round holds
    /// the prior, as before 2026-12-07.
    pub learn: bool,
    /// A learnt or remembered hold is this many times the expected last arrival, plus the margin.
    pub learnt_safety: f64,
    /// Added to a learnt or remembered hold, and its floor, in milliseconds: scheduling jitter
    /// (the arrivals it multiplies already include the network).
    pub learnt_margin_ms: u64,
}

impl Default for AutoDelay {
    fn default() -> Self {
        Self {
            base_ms: 100,
            safety: 2.0,
            probe: 16,
            prior_per_invoke_us: 3_000,
            cap_ms: warm_sdk::protocol::DEFAULT_MAX_DELAY_MS,
            learn: true,
            learnt_safety: 1.5,
            learnt_margin_ms: 20,
        }
    }
}

impl AutoDelay {
    /// The settings before the hold was learnt (2026-12-06): no probe round, the first round
    /// holds the prior, and a remembered hold is `base + last arrival × safety`. For benches
    /// that compare the two side by side.
    pub fn before_learning() -> Self {
        Self {
            learn: false,
            learnt_safety: 2.0,
            learnt_margin_ms: 100,
            ..Self::default()
        }
    }

    /// `margin + expected × learnt_safety`, within `[margin, cap]`, in milliseconds.
    ///
    /// ```
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.learnt_hold_ms(600), 20 + 900);
    /// assert_eq!(auto.learnt_hold_ms(0), 20);
    /// ```
    pub fn learnt_hold_ms(&self, expected_ms: u64) -> u64 {
        let hold = self.learnt_margin_ms as f64 + expected_ms as f64 * self.learnt_safety;
        (hold.ceil() as u64).clamp(self.learnt_margin_ms.min(self.cap_ms), self.cap_ms)
    }

    /// The size of the probe round a first round of `n` learns its hold from: half, rounded
    /// up; none for a single warm-up (it reaches one environment whatever it holds).
    ///
    /// ```
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!((auto.learn_probe_size(1), auto.learn_probe_size(11)), (0, 6));
    /// ```
    pub fn learn_probe_size(&self, n: u32) -> u32 {
        if n <= 1 { 0 } else { n.div_ceil(2) }
    }

    /// The hold of a probe round of `k`: `margin + k × prior`, the prior without its safety
    /// factor, capped. A probe whose environments are released before its last warm-up is
    /// placed starts fewer of them and lands the rest on those, which
    /// [`crate::engine::learnt_hold`] allows for; shorter (`k × prior / 2`) it started too few
    /// to foresee the round (BENCHMARKS.md, "Coverage in one round").
    ///
    /// ```
    /// let auto = warmer_fn::engine::AutoDelay::default();
    /// assert_eq!(auto.learn_probe_hold_ms(250), 20 + 250 * 3);
    /// ```
    pub fn learn_probe_hold_ms(&self, k: u32) -> u64 {
        let prior_ms = u64::from(k).saturating_mul(self.prior_per_invoke_us) / 1_000;
        self.learnt_margin_ms
            .saturating_add(prior_ms)
            .min(self.cap_ms)
    }

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
