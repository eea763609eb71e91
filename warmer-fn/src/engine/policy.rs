//! The round policy: from what the rounds so far measured to the next round or the reason to
//! stop. Pure (no clock, no network), so the same inputs stop or go on the same way whether
//! this process sends the warm-ups or copies of the warmer do.
//!
//! Rules, in order, after each round:
//! 1. Stop when the function was not found, N is reached, the target is in `event` mode, the
//!    answers were not warm-sdk answers, or warm-ups failed after reaching Lambda, raised
//!    function errors or met a concurrency limit ([`StopReason`]). A warm-up that never
//!    reached Lambda (`ConnectTimeout`) stops nothing.
//! 2. Ramp: each round sends the environments already there plus the budget of new ones
//!    ([`Policy::budget`]: all N when Lambda's scaling rate, 1,000 new environments per
//!    function per 10 s, can start them at once; above that the run's share of it, 800 by
//!    default), capped at N. A round that could need more new environments than this period has left,
//!    or that met throttles with no known reason (the scaling rate), waits for the next period.
//! 3. Top-up: a round whose warm-ups did not all overlap (fewer environments than warm-ups,
//!    and no throttle to explain it) is sent again holding longer, once; a second round that
//!    reaches nothing new ends the run. A fixed delay is never lengthened.
//! 4. At most the ramp's rounds plus one; never a round whose wait and hold do not fit twice
//!    before the deadline.
//!
//! ```
//! use std::time::Duration;
//! use warmer_fn::engine::{AutoDelay, Measured, Next, Policy, StopReason};
//! use warmer_fn::target::{Delay, Mode};
//!
//! let mut policy = Policy::new(50, Mode::Verify, Delay::Auto, AutoDelay::default(), 800, 0);
//! let Next::Round(first) = policy.first(400, None) else { panic!() };
//! assert_eq!(first.send, 50);
//! // The round reached 42 of 50 with no failure: the warm-ups did not all overlap.
//! let measured = Measured { sent: 50, reached: 42, new: 42, total: 42, ..Measured::default() };
//! let Next::Round(top_up) = policy.after(&measured, Duration::ZERO, None) else { panic!() };
//! assert_eq!((top_up.round, top_up.send), (2, 50));
//! assert!(top_up.hold_ms > 400);
//! let covered = Measured { sent: 50, reached: 50, new: 8, total: 50, ..Measured::default() };
//! assert_eq!(policy.after(&covered, Duration::ZERO, None), Next::Stop(StopReason::Covered));
//! ```

use std::time::Duration;

use super::delay::AutoDelay;
use super::note::StopReason;
use crate::rules::SCALING_PERIOD_SECS;
use crate::target::{Delay, Mode};

/// The scaling rate's period.
const PERIOD: Duration = Duration::from_secs(SCALING_PERIOD_SECS);

/// What one round measured, as the policy reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measured {
    /// Warm-ups the round sent.
    pub sent: u32,
    /// Distinct environments its answers came from.
    pub reached: u32,
    /// Of those, environments it started (new to the run).
    pub new: u32,
    /// Environments reached so far in the run.
    pub total: u32,
    /// How long the round held, from its start, in milliseconds (the rest's hold after a
    /// probe).
    pub hold_ms: u64,
    /// When its last environment received its warm-up, from the round's start.
    pub last_arrival_ms: Option<u64>,
    /// Throttles by a concurrency limit.
    pub concurrency_throttles: u32,
    /// Throttles with no reason this warmer knows (Lambda's scaling rate among them).
    pub other_throttles: u32,
    /// Failures of warm-ups that reached Lambda.
    pub failures: u32,
    /// Function errors.
    pub function_errors: u32,
    /// Answers that were not warm-sdk answers.
    pub unknown: u32,
    /// The function was not found.
    pub not_found: bool,
}

/// How long a round holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Each warm-up for this many milliseconds from its arrival (a fixed delay).
    For(u64),
    /// Every warm-up until this many milliseconds after the round's start (`hold_until_ms`).
    Until(u64),
}

impl Hold {
    /// The hold in milliseconds, either way.
    pub fn ms(self) -> u64 {
        match self {
            Hold::For(ms) | Hold::Until(ms) => ms,
        }
    }
}

/// The next round to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundPlan {
    /// The round (1-based).
    pub round: u32,
    /// How many warm-ups.
    pub send: u32,
    /// How long they hold.
    pub hold: Hold,
    /// Milliseconds of that hold, the same as `hold.ms()`.
    pub hold_ms: u64,
    /// How long to wait before sending it (Lambda's scaling rate).
    pub wait: Duration,
    /// Whether this round lengthens the hold after warm-ups that did not overlap.
    pub top_up: bool,
}

/// What the policy decides after a round.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Send this round.
    Round(RoundPlan),
    /// Stop, for this reason.
    Stop(StopReason),
}

/// The round policy for one target (see the module docs).
#[derive(Debug, Clone)]
pub struct Policy {
    n: u32,
    mode: Mode,
    delay: Delay,
    auto: AutoDelay,
    budget: u32,
    known: u32,
    top_up_allowed: bool,
    round: u32,
    hold_ms: u64,
    lengthened: bool,
    /// New environments started since the scaling period began.
    period_new: u32,
}

impl Policy {
    /// The policy for a target of `n` in `mode` with `delay`; `budget` is how many new
    /// environments a round may start (the run's share of the scaling rate), `known` how many
    /// a recent run reached.
    pub fn new(n: u32, mode: Mode, delay: Delay, auto: AutoDelay, budget: u32, known: u32) -> Self {
        Self {
            n,
            mode,
            delay,
            auto,
            budget: budget.max(1),
            known: known.min(n),
            top_up_allowed: true,
            round: 0,
            hold_ms: 0,
            lengthened: false,
            period_new: 0,
        }
    }

    /// Turns top-up rounds off (a run that must send each target once).
    pub fn without_top_up(mut self) -> Self {
        self.top_up_allowed = false;
        self
    }

    /// The N the rounds set out to reach.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// How many new environments one round may start.
    pub fn budget(&self) -> u32 {
        self.budget
    }

    /// The most rounds: those the ramp needs, plus one top-up.
    pub fn max_rounds(&self) -> u32 {
        let to_start = self.n - self.known;
        to_start.div_ceil(self.budget).max(1) + 1
    }

    /// Whether the run ramps: a first run of more than one round's budget.
    pub fn ramps(&self) -> bool {
        self.n > self.known + self.budget
    }

    /// The first round; `auto_hold_ms` is the `auto` hold before anything is measured (what
    /// memory or the prior asks for), `time_left` the time to the deadline.
    pub fn first(&mut self, auto_hold_ms: u64, time_left: Option<Duration>) -> Next {
        let hold = match self.delay {
            Delay::Fixed(ms) => Hold::For(fit(ms, time_left)),
            Delay::Auto => Hold::Until(fit(auto_hold_ms, time_left)),
        };
        self.hold_ms = hold.ms();
        self.round = 1;
        let send = if self.mode == Mode::Event {
            self.n
        } else {
            self.n.min(self.known + self.budget)
        };
        Next::Round(RoundPlan {
            round: 1,
            send,
            hold,
            hold_ms: hold.ms(),
            wait: Duration::ZERO,
            top_up: false,
        })
    }

    /// After a round: the next one or why not. `since_start` is the time since the round
    /// started, `time_left` the time to the deadline.
    pub fn after(
        &mut self,
        m: &Measured,
        since_start: Duration,
        time_left: Option<Duration>,
    ) -> Next {
        self.hold_ms = self.hold_ms.max(m.hold_ms);
        self.period_new += m.new;
        if let Some(reason) = self.stop_reason(m) {
            return Next::Stop(reason);
        }
        let overlapped = m.reached >= m.sent || m.other_throttles > 0;
        let mut top_up = false;
        if !overlapped {
            if self.delay != Delay::Auto {
                return Next::Stop(StopReason::FixedDelay);
            }
            if !self.top_up_allowed {
                return Next::Stop(StopReason::TopUpOff);
            }
            if self.lengthened && m.new == 0 {
                return Next::Stop(StopReason::NoProgress);
            }
            let spread = Duration::from_millis(m.last_arrival_ms.unwrap_or(self.hold_ms));
            self.hold_ms = self.auto.top_up_delay_ms(self.hold_ms, spread);
            self.lengthened = true;
            top_up = true;
        }
        let round = self.round + 1;
        let there = self.known.max(m.total);
        let send = self.n.min(there + self.budget);
        let need = send.saturating_sub(m.total);
        let wait = if m.other_throttles > 0 || self.period_new + need > self.budget {
            PERIOD.saturating_sub(since_start)
        } else {
            Duration::ZERO
        };
        let hold = match self.delay {
            Delay::Fixed(ms) => Hold::For(ms),
            Delay::Auto => Hold::Until(self.hold_ms),
        };
        if let Some(left) = time_left
            && wait + Duration::from_millis(hold.ms()) * 2 >= left
        {
            return Next::Stop(if wait > Duration::ZERO {
                StopReason::RampPastDeadline {
                    reached: m.total,
                    n: self.n,
                }
            } else {
                StopReason::DeadlineTooClose {
                    round,
                    reached: m.total,
                    n: self.n,
                }
            });
        }
        if wait > Duration::ZERO {
            self.period_new = 0;
        }
        self.round = round;
        Next::Round(RoundPlan {
            round,
            send,
            hold,
            hold_ms: hold.ms(),
            wait,
            top_up,
        })
    }

    /// The reasons to stop that do not depend on time.
    fn stop_reason(&self, m: &Measured) -> Option<StopReason> {
        if m.not_found {
            Some(StopReason::NotFound)
        } else if m.total >= self.n {
            Some(StopReason::Covered)
        } else if self.mode == Mode::Event {
            Some(StopReason::EventMode)
        } else if m.unknown > 0 {
            Some(StopReason::NotWarmSdk)
        } else if m.failures > 0 || m.function_errors > 0 || m.concurrency_throttles > 0 {
            Some(StopReason::Failures)
        } else if self.round >= self.max_rounds() {
            Some(StopReason::RoundLimit)
        } else {
            None
        }
    }
}

/// A hold of at most half the time left, so the answers still fit.
pub(crate) fn fit(hold_ms: u64, time_left: Option<Duration>) -> u64 {
    match time_left {
        Some(left) => hold_ms.min(u64::try_from(left.as_millis() / 2).unwrap_or(u64::MAX)),
        None => hold_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(n: u32, delay: Delay, budget: u32, known: u32) -> Policy {
        Policy::new(n, Mode::Verify, delay, AutoDelay::default(), budget, known)
    }

    fn round(sent: u32, reached: u32, new: u32, total: u32) -> Measured {
        Measured {
            sent,
            reached,
            new,
            total,
            hold_ms: 400,
            ..Measured::default()
        }
    }

    fn next_round(next: Next) -> RoundPlan {
        match next {
            Next::Round(plan) => plan,
            Next::Stop(reason) => panic!("stopped: {reason}"),
        }
    }

    /// What must follow a round: the next round's size and whether it is a top-up, or a stop.
    type Expected = Result<(u32, bool), StopReason>;

    /// One table, every rule: (what, the policy, what the first round measured, what must
    /// follow it). The same table is what both senders obey.
    #[test]
    fn after_a_round_the_policy_stops_or_goes_on_as_its_rules_say() {
        let fail = |f: fn(&mut Measured)| {
            let mut m = round(50, 30, 30, 30);
            f(&mut m);
            m
        };
        let cases: Vec<(&str, Policy, Measured, Expected)> = vec![
            (
                "covered",
                policy(50, Delay::Auto, 800, 0),
                round(50, 50, 50, 50),
                Err(StopReason::Covered),
            ),
            (
                "overlap short: top-up of N",
                policy(50, Delay::Auto, 800, 0),
                round(50, 42, 42, 42),
                Ok((50, true)),
            ),
            (
                "fixed delay is not lengthened",
                policy(50, Delay::Fixed(75), 800, 0),
                round(50, 42, 42, 42),
                Err(StopReason::FixedDelay),
            ),
            (
                "not found",
                policy(50, Delay::Auto, 800, 0),
                fail(|m| m.not_found = true),
                Err(StopReason::NotFound),
            ),
            (
                "unknown answers",
                policy(50, Delay::Auto, 800, 0),
                fail(|m| m.unknown = 1),
                Err(StopReason::NotWarmSdk),
            ),
            (
                "failures after sending",
                policy(50, Delay::Auto, 800, 0),
                fail(|m| m.failures = 1),
                Err(StopReason::Failures),
            ),
            (
                "function errors",
                policy(50, Delay::Auto, 800, 0),
                fail(|m| m.function_errors = 1),
                Err(StopReason::Failures),
            ),
            (
                "concurrency throttles",
                policy(50, Delay::Auto, 800, 0),
                fail(|m| m.concurrency_throttles = 1),
                Err(StopReason::Failures),
            ),
            (
                "ramp: the next 800",
                policy(2_000, Delay::Auto, 800, 0),
                round(800, 800, 800, 800),
                Ok((1_600, false)),
            ),
            (
                "ramp past the scaling rate throttles: go on",
                policy(2_000, Delay::Auto, 800, 0),
                Measured {
                    other_throttles: 5,
                    ..round(800, 795, 795, 795)
                },
                Ok((1_595, false)),
            ),
        ];
        for (what, mut policy, measured, expected) in cases {
            let first = next_round(policy.first(400, None));
            assert_eq!(first.send, measured.sent, "{what}: first round");
            let got = match policy.after(&measured, Duration::from_secs(1), None) {
                Next::Round(plan) => Ok((plan.send, plan.top_up)),
                Next::Stop(reason) => Err(reason),
            };
            assert_eq!(got, expected, "{what}");
        }
    }

    #[test]
    fn a_top_up_that_finds_nothing_new_ends_the_run() {
        let mut p = policy(1_000, Delay::Auto, 400, 0);
        p.first(400, None);
        let second = next_round(p.after(&round(400, 300, 300, 300), Duration::ZERO, None));
        assert!(second.top_up && second.hold_ms >= 800, "{second:?}");
        assert_eq!(
            p.after(&round(700, 300, 0, 300), Duration::ZERO, None),
            Next::Stop(StopReason::NoProgress)
        );
        // At N = 50 the one top-up is the last round either way.
        let mut p = policy(50, Delay::Auto, 800, 0);
        p.first(400, None);
        next_round(p.after(&round(50, 42, 42, 42), Duration::ZERO, None));
        assert_eq!(
            p.after(&round(50, 45, 3, 45), Duration::ZERO, None),
            Next::Stop(StopReason::RoundLimit)
        );
    }

    #[test]
    fn the_ramp_waits_for_the_scaling_rate_and_ends_at_its_round_limit() {
        let mut p = policy(2_000, Delay::Auto, 800, 0);
        assert_eq!(p.max_rounds(), 4);
        assert_eq!(next_round(p.first(400, None)).send, 800);
        let second = next_round(p.after(&round(800, 800, 800, 800), Duration::from_secs(3), None));
        assert_eq!((second.send, second.wait), (1_600, Duration::from_secs(7)));
        let third = next_round(p.after(
            &round(1_600, 1_600, 800, 1_600),
            Duration::from_secs(4),
            None,
        ));
        assert_eq!(third.send, 2_000);
        // The deadline is too close for the wait and the hold: stop, saying so.
        let mut p = policy(2_000, Delay::Auto, 800, 0);
        p.first(400, None);
        assert_eq!(
            p.after(
                &round(800, 800, 800, 800),
                Duration::ZERO,
                Some(Duration::from_secs(5))
            ),
            Next::Stop(StopReason::RampPastDeadline {
                reached: 800,
                n: 2_000
            })
        );
    }

    #[test]
    fn a_known_fleet_is_sent_whole_and_a_small_top_up_does_not_wait() {
        let mut p = policy(2_000, Delay::Auto, 800, 2_000);
        assert_eq!(next_round(p.first(400, None)).send, 2_000);
        // The top-up of 50 after 40 new ones needs at most 10 more: within the period's budget.
        let mut p = policy(50, Delay::Auto, 800, 0);
        p.first(400, None);
        let top_up = next_round(p.after(&round(50, 40, 40, 40), Duration::ZERO, None));
        assert_eq!(top_up.wait, Duration::ZERO);
    }

    #[test]
    fn a_hold_fits_half_the_time_left() {
        let mut p = policy(5, Delay::Fixed(10_000), 800, 0);
        let first = next_round(p.first(0, Some(Duration::from_secs(4))));
        assert_eq!(first.hold, Hold::For(2_000));
        let mut p = policy(5, Delay::Auto, 800, 0);
        p.first(400, None);
        assert_eq!(
            p.after(
                &round(5, 3, 3, 3),
                Duration::ZERO,
                Some(Duration::from_millis(900))
            ),
            Next::Stop(StopReason::DeadlineTooClose {
                round: 2,
                reached: 3,
                n: 5
            })
        );
    }

    #[test]
    fn event_mode_sends_one_round_of_all_n() {
        let mut p = Policy::new(
            2_000,
            Mode::Event,
            Delay::Auto,
            AutoDelay::default(),
            800,
            0,
        );
        assert_eq!(next_round(p.first(400, None)).send, 2_000);
        let m = Measured {
            sent: 2_000,
            ..Measured::default()
        };
        assert_eq!(
            p.after(&m, Duration::ZERO, None),
            Next::Stop(StopReason::EventMode)
        );
    }
}
