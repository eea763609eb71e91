//! The first round's hold, learnt within the run: a probe round of k warm-ups holding only the
//! base measures how long a new environment takes to receive its warm-up and how far apart new
//! environments start; the round then holds `base + 1.5 × the expected last arrival`, where the
//! expected last arrival of N is the probe's last arrival plus the N - k environments still to
//! start, each as far apart as the probe's (or as this client dispatches, when slower). The
//! probe's environments are idle again when the round is sent, so k of its N warm-ups land on
//! them and the round still reaches N in one go. A probe that started no environment (the
//! function's environments were there already) measured no start-up: the prior holds instead.

use std::time::{Duration, SystemTime};

use crate::engine::count::Count;
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::{epoch_ms, millis};
use crate::engine::note::Note;

/// How much longer than the expected last arrival a learnt hold lasts.
pub(crate) const LEARNT_SAFETY: f64 = 1.5;

/// What the probe round measured and the hold it asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Learnt {
    pub(crate) k: u32,
    pub(crate) last_arrival_ms: u64,
    pub(crate) per_environment: Duration,
    pub(crate) expected_ms: u64,
    pub(crate) hold_ms: u64,
}

impl Learnt {
    /// The note that says so, with the hold the deadline allowed.
    pub(crate) fn note(&self, hold_ms: u64) -> Note {
        Note::Learnt {
            k: self.k,
            last_arrival_ms: self.last_arrival_ms,
            per_environment_us: u64::try_from(self.per_environment.as_micros()).unwrap_or(u64::MAX),
            expected_ms: self.expected_ms,
            hold_ms,
        }
    }
}

/// The hold a round of `n` asks for after a probe of `k` (its answers in `probed`, sent at
/// `start`, dispatched `per_invoke` apart); `None` when the probe started no environment.
pub(crate) fn hold(
    probed: &Count,
    start: SystemTime,
    k: u32,
    n: u32,
    per_invoke: Duration,
    auto: &AutoDelay,
) -> Option<Learnt> {
    if probed.started() == 0 || probed.not_found.is_some() {
        return None;
    }
    let (first, last) = probed.arrivals?;
    let start = epoch_ms(start);
    let last_arrival_ms = last.saturating_sub(start);
    let spread = Duration::from_millis(last.saturating_sub(first));
    let per_environment = (spread / k.saturating_sub(1).max(1)).max(per_invoke);
    let rest = per_environment * n.saturating_sub(k);
    let expected_ms = last_arrival_ms.saturating_add(millis(rest));
    let hold = auto.base_ms as f64 + expected_ms as f64 * LEARNT_SAFETY;
    let hold_ms = (hold.ceil() as u64).clamp(auto.base_ms.min(auto.cap_ms), auto.cap_ms);
    Some(Learnt {
        k,
        last_arrival_ms,
        per_environment,
        expected_ms,
        hold_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(arrivals: &[(u64, bool)], start: SystemTime) -> Count {
        let mut count = Count::default();
        for (i, (at, cold)) in arrivals.iter().enumerate() {
            count.warmed(&format!("env-{i}"), *cold, 100, Some(epoch_ms(start) + at));
        }
        count
    }

    #[test]
    fn the_hold_is_one_and_a_half_times_the_expected_last_arrival() {
        let start = SystemTime::now();
        // 16 new environments answered 40 to 70 ms after the probe's start: 2 ms apart.
        let arrivals: Vec<(u64, bool)> = (0..16).map(|i| (40 + i * 2, true)).collect();
        let learnt = hold(
            &probe(&arrivals, start),
            start,
            16,
            500,
            Duration::ZERO,
            &AutoDelay::default(),
        )
        .unwrap();
        // 70 ms + 484 more environments 2 ms apart = 1,038 ms; held 100 + 1.5 x that.
        assert_eq!(learnt.expected_ms, 70 + 484 * 2);
        assert_eq!(learnt.hold_ms, 100 + 1_557);
        // A slower client's dispatch sets the pace instead.
        let slow = hold(
            &probe(&arrivals, start),
            start,
            16,
            500,
            Duration::from_millis(5),
            &AutoDelay::default(),
        )
        .unwrap();
        assert_eq!(slow.expected_ms, 70 + 484 * 5);
    }

    #[test]
    fn a_probe_that_started_nothing_leaves_the_prior() {
        let start = SystemTime::now();
        let warm: Vec<(u64, bool)> = (0..16).map(|i| (5 + i, false)).collect();
        assert_eq!(
            hold(
                &probe(&warm, start),
                start,
                16,
                500,
                Duration::ZERO,
                &AutoDelay::default()
            ),
            None
        );
        assert_eq!(
            hold(
                &Count::default(),
                start,
                16,
                500,
                Duration::ZERO,
                &AutoDelay::default()
            ),
            None
        );
    }

    #[test]
    fn the_hold_never_passes_the_cap() {
        let start = SystemTime::now();
        let slow: Vec<(u64, bool)> = (0..16).map(|i| (3_000 + i * 50, true)).collect();
        let learnt = hold(
            &probe(&slow, start),
            start,
            16,
            1_000,
            Duration::ZERO,
            &AutoDelay::default(),
        )
        .unwrap();
        assert_eq!(learnt.hold_ms, AutoDelay::default().cap_ms);
    }
}
