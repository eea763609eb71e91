//! The two ways a round's warm-ups leave: from this process ([`Local`]), or through copies of
//! the warmer, one shard each ([`Shards`]). Both take a [`RoundPlan`] from the policy and
//! answer with what the round found ([`Sent`]); the loop that asks the policy
//! ([`super::target_run`]) does not know which one it drives, and a first round whose hold is
//! learnt ([`learnt`]) is sent the same way through either.

use std::future::Future;
use std::time::{Duration, SystemTime};

use super::count::Count;
use super::delay::AutoDelay;
use super::invoke::epoch_ms;
use super::note::Note;
use super::policy::RoundPlan;
use super::shard::ShardSummary;

mod learnt;
mod local;
mod shards;

pub(crate) use learnt::send_learnt;
pub(crate) use local::Local;
pub(crate) use shards::Shards;

/// What one round found.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// Its outcomes.
    pub(crate) count: Count,
    /// How long it held, from its start (the rest's hold after a probe), in milliseconds.
    pub(crate) hold_ms: u64,
    /// Time between the first and the last request leaving this process.
    pub(crate) dispatch_spread: Duration,
    /// When it started, by the wall clock the environments compare `hold_until_ms` with.
    pub(crate) started_at: Option<SystemTime>,
    /// What it has to say (the probe, warm-ups not sent, shards that failed).
    pub(crate) notes: Vec<Note>,
    /// The shards it went through (none from this process).
    pub(crate) shards: Vec<ShardSummary>,
}

/// Part of a round: `count` of its warm-ups, after the first `offset`, all holding until
/// `until` (by the wall clock the environments compare `hold_until_ms` with).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part {
    pub(crate) offset: u32,
    pub(crate) count: u32,
    pub(crate) until: SystemTime,
    /// A probe round's part (listed so in the report's shards).
    pub(crate) probe: bool,
}

impl Part {
    /// Its hold from `start`, in milliseconds (none when `until` has passed).
    pub(crate) fn hold_ms_from(&self, start: SystemTime) -> u64 {
        super::invoke::millis(self.until.duration_since(start).unwrap_or_default())
    }
}

impl Sent {
    /// A round (or part) that starts at `started_at` and holds `hold_ms` from then, nothing
    /// found yet.
    pub(crate) fn starting(started_at: SystemTime, hold_ms: u64) -> Self {
        Self {
            started_at: Some(started_at),
            hold_ms,
            ..Self::default()
        }
    }

    /// Takes in what another part of the same round found: its outcomes (an environment both
    /// reached counts once), notes and shards; the rest is the caller's to set.
    pub(crate) fn absorb(&mut self, other: Sent) {
        self.count.merge(other.count);
        self.notes.extend(other.notes);
        self.shards.extend(other.shards);
        self.dispatch_spread = self.dispatch_spread.max(other.dispatch_spread);
    }

    /// When the round's first and last environments received their warm-ups, in milliseconds
    /// from the round's start; `None` when no answer said.
    pub(crate) fn arrivals_from_start(&self) -> Option<(u64, u64)> {
        let start = self.started_at.map_or(0, epoch_ms);
        self.count
            .arrivals
            .map(|(first, last)| (first.saturating_sub(start), last.saturating_sub(start)))
    }
}

/// Sends rounds of one target's warm-ups.
pub(crate) trait Sender {
    /// The `auto` hold of the first round before anything is measured, for `n` warm-ups.
    fn prior_hold_ms(&self, n: u32, auto: &AutoDelay) -> u64;

    /// The hold of a probe of `k` of round `plan`'s warm-ups: [`AutoDelay::learn_probe_hold_ms`]
    /// (of the largest share, through copies of the warmer), and the time a copy takes to
    /// start when the probe goes through copies.
    fn probe_hold_ms(&self, plan: &RoundPlan, k: u32, auto: &AutoDelay) -> u64;

    /// How many copies of the warmer a round of `send` warm-ups goes through (0: none).
    fn shards_for(&self, send: u32) -> u32;

    /// Sends one round and waits for every answer.
    fn send(&self, plan: &RoundPlan) -> impl Future<Output = Sent>;

    /// Sends part of round `plan` and waits for every answer (through as many copies of the
    /// warmer as the whole round, each sending its share of the part).
    fn send_part(&self, plan: &RoundPlan, part: Part) -> impl Future<Output = Sent>;
}
