//! The first round's hold, learnt within the run: a probe round of half the N measures how long
//! new environments take to receive their warm-ups at that load, and the round of all N holds
//! `margin + 1.5 × the expected last arrival` instead of the prior.
//!
//! Why half: the probe has to see the start-up rate at N, not at 16. On `local-lambda` on 2
//! cores, 16 new environments start 0.3 to 0.7 ms apart and 500 about 2.5 ms apart, so a
//! probe of 16 under-estimated the round of 500 and every first round fell short (BENCHMARKS.md,
//! "Coverage in one round"). With a probe of `k = ⌈N / 2⌉` the round of N finds the probe's
//! environments idle and starts only the other half: as many as the probe started, at about
//! the same load, so the expected last arrival is the probe's own, not an extrapolation.
//!
//! ```
//! use warmer_fn::engine::{AutoDelay, Probed, learnt_hold};
//!
//! let auto = AutoDelay::default();
//! // 250 new environments; the last received its warm-up 600 ms after the probe's start.
//! let probed = Probed { k: 250, reached: 250, started: 250, last_arrival_ms: 600 };
//! // The round's prior from this process: 100 ms + 500 × 3 ms × 2.
//! let learnt = learnt_hold(500, &probed, &auto, auto.probe_delay_ms(500));
//! // The other 250 start as the probe's did: expected at 600 ms, held 20 + 1.5 × 600.
//! assert_eq!((learnt.expected_ms, learnt.hold_ms), (600, 920));
//! ```

use super::delay::AutoDelay;

/// What a probe round measured, as [`learnt_hold`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Probed {
    /// Warm-ups in the probe.
    pub k: u32,
    /// Distinct environments they reached (all idle again when the round is sent).
    pub reached: u32,
    /// Of those, environments the probe started.
    pub started: u32,
    /// When the last of them received its warm-up, from the probe's start, in milliseconds.
    pub last_arrival_ms: u64,
}

/// The hold a round asks for after a probe, and what it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Learnt {
    /// The round's expected last arrival, from its start, in milliseconds.
    pub expected_ms: u64,
    /// The round's hold, from its start, in milliseconds.
    pub hold_ms: u64,
}

/// The hold of a round of `n` after the probe `probed` (see the module docs):
/// `margin + safety × expected`, within `[margin, cap]` and never longer than `prior_ms`, the
/// round's hold had nothing been learnt (from this process [`AutoDelay::probe_delay_ms`];
/// through copies of the warmer, the largest shard's plus the time a copy takes to start).
///
/// The expected last arrival: when the probe started environments, each new one costs
/// `last arrival / started`, and the round has `n - reached` of them to start; never less than
/// the probe's own last arrival, and never more than it scaled by `n / k`, as if each warm-up
/// cost the service as much as the probe's did (a probe whose own environments were released
/// early and reused started few of them, and its last arrival is a reused one's). When it
/// started none (the environments were there), the probe's last arrival scaled by `n / k`.
pub fn learnt_hold(n: u32, probed: &Probed, auto: &AutoDelay, prior_ms: u64) -> Learnt {
    let last = probed.last_arrival_ms as f64;
    let per_warm_up = last * f64::from(n) / f64::from(probed.k.max(1));
    let expected = if probed.started == 0 {
        per_warm_up
    } else {
        let per_new = last / f64::from(probed.started);
        let to_start = n.saturating_sub(probed.reached);
        (per_new * f64::from(to_start)).clamp(last, per_warm_up.max(last))
    };
    let expected_ms = expected.ceil() as u64;
    Learnt {
        expected_ms,
        hold_ms: auto.learnt_hold_ms(expected_ms).min(prior_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probed(k: u32, reached: u32, started: u32, last_arrival_ms: u64) -> Probed {
        Probed {
            k,
            reached,
            started,
            last_arrival_ms,
        }
    }

    /// (what, N, the probe, expected last arrival, hold).
    #[test]
    fn the_hold_is_a_margin_plus_one_and_a_half_times_the_expected_last_arrival() {
        let cases = [
            (
                "half started, half to go",
                500,
                probed(250, 250, 250, 600),
                600,
                920,
            ),
            ("N = 10 on a fast start", 10, probed(5, 5, 5, 12), 12, 38),
            (
                "the probe reused some of its own: the rest extrapolated",
                1_000,
                probed(500, 400, 400, 1_000),
                1_500,
                2_270,
            ),
            (
                "the probe reused most of its own: no more than n / k times its last arrival",
                500,
                probed(250, 141, 141, 862),
                1_724,
                2_606,
            ),
            (
                "an odd N: one more to start",
                11,
                probed(6, 6, 6, 12),
                12,
                38,
            ),
            (
                "environments already there",
                100,
                probed(50, 50, 0, 8),
                16,
                44,
            ),
            (
                "slower than the prior allows: the prior",
                100,
                probed(50, 50, 50, 900),
                900,
                700,
            ),
            ("the probe reached N already", 6, probed(3, 6, 0, 5), 10, 35),
        ];
        let auto = AutoDelay::default();
        for (what, n, probe, expected_ms, hold_ms) in cases {
            let learnt = learnt_hold(n, &probe, &auto, auto.probe_delay_ms(n));
            assert_eq!(
                (learnt.expected_ms, learnt.hold_ms),
                (expected_ms, hold_ms),
                "{what}"
            );
        }
    }

    #[test]
    fn the_hold_stays_within_the_margin_and_the_cap() {
        let auto = AutoDelay::default();
        let instant = learnt_hold(4, &probed(2, 2, 2, 0), &auto, u64::MAX);
        assert_eq!(instant.hold_ms, auto.learnt_margin_ms);
        let slow = learnt_hold(5_000, &probed(2_500, 2_500, 2_500, 20_000), &auto, u64::MAX);
        assert_eq!(slow.hold_ms, auto.cap_ms);
    }

    /// Through copies of the warmer the prior is the largest shard's plus a copy's start: a
    /// learnt hold above this process's prior for N stands.
    #[test]
    fn the_cap_is_the_senders_prior() {
        let auto = AutoDelay::default();
        let probe = probed(14, 14, 14, 242);
        let local = learnt_hold(27, &probe, &auto, auto.probe_delay_ms(27));
        assert_eq!((local.expected_ms, local.hold_ms), (242, 262));
        let shards = learnt_hold(27, &probe, &auto, auto.probe_delay_ms(9) + 1_000);
        assert_eq!(shards.hold_ms, 20 + 363);
    }
}
