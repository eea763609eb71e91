//! What the engine did and why, as values: a target's [`Note`]s and the [`StopReason`] that
//! ended its rounds. They become sentences only in the report (`TargetReport::notes`) and the
//! logs, through `Display`.
//!
//! ```
//! use warmer_fn::engine::{Note, StopReason};
//! let note = Note::Stopped(StopReason::DeadlineTooClose { round: 2, reached: 40, n: 50 });
//! assert!(note.to_string().starts_with("round 2 was not sent: the run's deadline was too close"));
//! ```

use std::fmt;

use super::count::FailureKind;
use super::guard::GuardNote;
use super::learn::Probed;
use crate::rules::{SCALING_ENVIRONMENTS, SCALING_PERIOD_SECS};

/// Why a target's rounds ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// Every environment asked for was reached.
    Covered,
    /// The function or qualifier does not exist.
    NotFound,
    /// `event` mode sends one round: its coverage cannot be counted.
    EventMode,
    /// Answers that were not warm-sdk answers: another round would only invoke the function
    /// again.
    NotWarmSdk,
    /// Warm-ups failed, raised function errors or were throttled by a concurrency limit:
    /// another round would only repeat them.
    Failures,
    /// A fixed delay cannot be lengthened: the warm-ups that did not overlap stay short.
    FixedDelay,
    /// Top-up rounds are turned off for this run.
    TopUpOff,
    /// A longer hold reached no new environment.
    NoProgress,
    /// The run sent as many rounds as its ramp and one top-up allow.
    RoundLimit,
    /// The next round did not fit before the run's deadline.
    DeadlineTooClose {
        /// The round that was not sent.
        round: u32,
        /// Environments reached so far.
        reached: u32,
        /// The N the run set out to warm.
        n: u32,
    },
    /// The next ramp round must wait for Lambda's scaling rate, past the deadline.
    RampPastDeadline {
        /// Environments reached so far.
        reached: u32,
        /// The N the run set out to warm.
        n: u32,
    },
}

impl StopReason {
    /// Whether the report says why the rounds ended (a run that covered N, or stopped for a
    /// reason the counts already explain, needs no sentence).
    pub fn is_notable(&self) -> bool {
        !matches!(
            self,
            StopReason::Covered
                | StopReason::NotFound
                | StopReason::EventMode
                | StopReason::NotWarmSdk
                | StopReason::TopUpOff
        )
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Covered => f.write_str("every environment asked for was reached"),
            StopReason::NotFound => f.write_str("the function was not found"),
            StopReason::EventMode => f.write_str("event mode sends one round"),
            StopReason::NotWarmSdk => f.write_str(
                "no further round: the answers were not warm-sdk answers, and another round would only invoke the function again",
            ),
            StopReason::Failures => f.write_str(
                "no further round: the last round had failures or concurrency throttles, and another round would only repeat them",
            ),
            StopReason::FixedDelay => f.write_str(
                "no further round: a fixed delay is not lengthened (use `auto` to let the warmer hold longer when the warm-ups do not overlap)",
            ),
            StopReason::TopUpOff => f.write_str("no further round: top-up rounds are off"),
            StopReason::NoProgress => f.write_str(
                "no further round: a longer hold reached no new environment",
            ),
            StopReason::RoundLimit => f.write_str(
                "no further round: the run sent the rounds its ramp and one top-up allow",
            ),
            StopReason::DeadlineTooClose { round, reached, n } => write!(
                f,
                "round {round} was not sent: the run's deadline was too close (reached {reached} of {n})"
            ),
            StopReason::RampPastDeadline { reached, n } => write!(
                f,
                "ramp stopped at {reached} of {n}: the next round may start new environments only {SCALING_PERIOD_SECS} s after this one, past the run's deadline; the next run goes on from here"
            ),
        }
    }
}

/// One thing the report says about a target beyond its counts.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// What the concurrency guard found or decided.
    Guard(GuardNote),
    /// N cannot be in flight at once in this process: nothing was sent.
    TooManyInFlight {
        /// The N asked for.
        n: u32,
        /// The most this process keeps in flight.
        max: u32,
    },
    /// The probe measured the dispatch cost and set the rest's hold.
    Probe {
        /// Warm-ups in the probe.
        k: u32,
        /// Measured time per invoke, in microseconds.
        per_invoke_us: u64,
        /// The probe's hold, from the round's start.
        probe_ms: u64,
        /// The rest's hold, from the round's start.
        rest_ms: u64,
    },
    /// A probe round of half the N measured new environments starting, and the round held
    /// what that asks for ([`crate::engine::learnt_hold`]).
    Learnt {
        /// What the probe measured.
        probed: Probed,
        /// The round's expected last arrival, from its start.
        expected_ms: u64,
        /// The round's hold, from its start.
        hold_ms: u64,
    },
    /// The previous run of this target asked for this hold.
    Remembered {
        /// The hold, in milliseconds.
        hold_ms: u64,
    },
    /// A recent run reached this many environments: no ramp up to them.
    Known {
        /// Environments the previous run reached.
        reached: u32,
    },
    /// Warm-ups of a round not sent: the deadline was too close.
    NotSent {
        /// How many.
        skipped: u32,
    },
    /// One round after the first, or any round of a sharded target.
    Round {
        /// The round (1-based).
        round: u32,
        /// Warm-ups sent.
        sent: u32,
        /// Copies of the warmer it went through (0: this process).
        shards: u32,
        /// Its hold, from its start.
        hold_ms: u64,
        /// Environments its answers came from.
        reached: u32,
        /// Of those, environments it started.
        new: u32,
        /// Environments reached so far in the run.
        total: u32,
        /// The N the run set out to warm.
        n: u32,
    },
    /// The run ramped at its share of Lambda's scaling rate.
    Ramp {
        /// New environments a round may start.
        budget: u32,
        /// The share of the scaling rate.
        share: f64,
    },
    /// A shard reported a target-level error.
    ShardError {
        /// The shard's place: round, shard, shards.
        at: ShardAt,
        /// Its error.
        error: String,
    },
    /// A shard failed; its warm-ups count as failed.
    ShardFailed {
        /// The shard's place.
        at: ShardAt,
        /// Its warm-ups.
        share: u32,
        /// How it failed.
        kind: FailureKind,
        /// Why, as the failure said.
        why: String,
    },
    /// The function runs on Lambda Managed Instances.
    ManagedInstances {
        /// Requests per environment.
        max: u32,
        /// The N asked for.
        n: u32,
    },
    /// The rounds ended for a reason worth saying.
    Stopped(StopReason),
    /// The first failure, as it was worded.
    FirstFailure(String),
    /// The first answer that was not a warm-up answer.
    FirstUnknown(String),
}

/// Where a shard sat in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardAt {
    /// The round (1-based).
    pub round: u32,
    /// The shard's number in its round (1-based).
    pub shard: u32,
    /// How many shards the round had.
    pub shards: u32,
}

impl fmt::Display for ShardAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shard {} of {} (round {})",
            self.shard, self.shards, self.round
        )
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Guard(note) => note.fmt(f),
            Note::TooManyInFlight { n, max } => write!(
                f,
                "{n} warm-ups cannot all be in flight at once in this process (at most {max} here, `max_in_flight`, from the open-file limit), so coverage cannot be proven: nothing was sent; the deployed warmer Lambda shards such a target across copies of itself (`warmer warm --via WARMER`, or its schedule)"
            ),
            Note::Probe {
                k,
                per_invoke_us,
                probe_ms,
                rest_ms,
            } => write!(
                f,
                "auto hold: probe of {k} measured {:.3} ms per invoke; the probe held until {probe_ms} ms after the round's start, the rest until {rest_ms} ms",
                *per_invoke_us as f64 / 1000.0
            ),
            Note::Learnt {
                probed,
                expected_ms,
                hold_ms,
            } => write!(
                f,
                "auto hold: a probe round of {} reached {} environments ({} new), the last {} ms after its start; the round expected its last arrival at {expected_ms} ms and held until {hold_ms} ms after its start",
                probed.k, probed.reached, probed.started, probed.last_arrival_ms
            ),
            Note::Remembered { hold_ms } => write!(
                f,
                "auto hold: the previous run of this target asked for {hold_ms} ms"
            ),
            Note::Known { reached } => write!(
                f,
                "the previous run of this target, less than {} minutes ago, reached {reached} environments: this run counts on them being there",
                super::memory::RECENT.as_secs() / 60
            ),
            Note::NotSent { skipped } => write!(
                f,
                "{skipped} warm-ups were not sent: the run's deadline was too close"
            ),
            Note::Round {
                round,
                sent,
                shards,
                hold_ms,
                reached,
                new,
                total,
                n,
            } => {
                write!(f, "round {round}: {sent} warm-ups")?;
                if *shards > 0 {
                    write!(f, " in {shards} shards")?;
                }
                write!(
                    f,
                    " holding until {hold_ms} ms after the round's start reached {reached} environments ({new} new); {total} of {n} reached so far"
                )
            }
            Note::Ramp { budget, share } => write!(
                f,
                "ramp: Lambda adds at most {SCALING_ENVIRONMENTS} new environments per function every {SCALING_PERIOD_SECS} s, and a user request that needs one past that is throttled; this run started at most {budget} per round ({share} of the rate)"
            ),
            Note::ShardError { at, error } => write!(f, "{at} reported an error: {error}"),
            Note::ShardFailed {
                at,
                share,
                kind,
                why,
            } => write!(
                f,
                "{at} ({share} warm-ups) failed ({kind}): {why}; what its warm-ups reached is unknown, so they count as failed"
            ),
            Note::ManagedInstances { max, n } => write!(
                f,
                "the function runs on Lambda Managed Instances (up to {max} requests per environment): {n} warm-ups do not need {n} environments"
            ),
            Note::Stopped(reason) => reason.fmt(f),
            Note::FirstFailure(text) => write!(f, "first failure: {text}"),
            Note::FirstUnknown(text) => write!(f, "first such answer: {text}"),
        }
    }
}
