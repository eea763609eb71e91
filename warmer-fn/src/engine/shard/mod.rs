//! Sharding: one target's N split across copies of the warmer Lambda.
//!
//! One process holds about [`crate::rules::DEFAULT_MAX_IN_FLIGHT`] warm-ups in flight (one
//! file descriptor each, 1,024 in a Lambda environment). Above the shard size (default
//! [`crate::rules::DEFAULT_SHARD_SIZE`]) the warmer Lambda becomes the run's coordinator: it
//! splits the target's N into shards of about equal size and invokes a copy of itself for each,
//! synchronously and in parallel, with a [`ShardRequest`]: the target with the shard's share,
//! the run's correlation id, the shard's first index and one shared instant to hold until. Each
//! copy warms its share as one round ([`warm_shard`]) and answers with a [`ShardReport`] that
//! lists the environments it reached by instance id. The coordinator merges them, so an
//! environment two shards reached counts once, and lists every shard in
//! [`TargetReport::shards`](crate::engine::TargetReport::shards) (its share, what it reached, its time, its failure with the reason).
//! A shard that fails (throttled, timed out, crashed) says so there and in the notes; its
//! warm-ups count as failed, never as a silent shortfall.
//!
//! # Lambda's scaling rate
//!
//! Each function adds at most [`SCALING_ENVIRONMENTS`](crate::rules::SCALING_ENVIRONMENTS) new execution environments every
//! [`SCALING_PERIOD_SECS`](crate::rules::SCALING_PERIOD_SECS) seconds. A warm-up that needs a new environment past that is
//! throttled, and so is a user request that needs one, so the coordinator takes at most the
//! run's `max_share` of the rate: with the default 0.8, 800 new environments every 10 seconds.
//! A first run of a large N therefore ramps: round after round, 10 seconds apart, each sending
//! as many warm-ups as the environments already reached plus that budget, all at once, so that
//! the round lands on the idle environments of the rounds before and starts up to the budget of
//! new ones. The report's notes say so, round by round. A later run of the same target by a
//! warmer that stayed warm (its [`crate::engine::ArrivalMemory`] saw the last run reach them less than
//! [`crate::engine::RECENT`] ago) sends them all in its first round.
//!
//! # Guard rails
//!
//! The coordinator reads the limits and caps N ([`super::guard`]) before sharding.
//! [`warm_shard`] itself sends exactly the share it is given; the warmer Lambda reads the
//! limits again before calling it and narrows the share when the guard allows less (a copy
//! holds to the guard whoever invoked it: `crate::lambda`). A copy never shards again, and refuses
//! a share larger than one process may hold in flight. No warm-up holds past the coordinator's
//! deadline: the copies receive it and hold at most until it.
//!
//! The rounds themselves follow the same policy as warm-ups sent from one process
//! ([`crate::engine::Policy`]); only the sender differs (the coordinator's side is
//! `engine/send/shards.rs`, the copy's side [`warm_shard`]).
//!
//! ```
//! let via = warmer_fn::engine::ShardVia::new("warmer", Some("3".into()));
//! assert_eq!(via.shard_size, warmer_fn::rules::DEFAULT_SHARD_SIZE);
//! ```

mod request;
mod worker;

pub use request::{MAX_CORRELATION_ID_BYTES, ShardEvent, ShardReport, ShardRequest, ShardSummary};
pub use worker::warm_shard;

use crate::rules;

/// How long the prior gives a copy of the warmer to start (cold) before it sends its share.
pub(crate) const SHARD_START_MS: u64 = 1_000;

/// Where the shards go: the function the coordinator invokes for each (itself), and how many
/// warm-ups one shard sends at most.
///
/// ```
/// let via = warmer_fn::engine::ShardVia::new("warmer", Some("3".into()));
/// assert_eq!(via.shard_size, warmer_fn::rules::DEFAULT_SHARD_SIZE);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardVia {
    /// The warmer function's name (the coordinator's own, `AWS_LAMBDA_FUNCTION_NAME`).
    pub function: String,
    /// The version the coordinator runs (`AWS_LAMBDA_FUNCTION_VERSION`), so the copies run the
    /// same code; `None` for `$LATEST`.
    pub qualifier: Option<String>,
    /// The most warm-ups one shard sends; a target with a larger N is sharded.
    pub shard_size: u32,
}

impl ShardVia {
    /// Shards of the default size through `function` (at `qualifier`; `$LATEST` is `None`).
    pub fn new(function: impl Into<String>, qualifier: Option<String>) -> Self {
        Self {
            function: function.into(),
            qualifier: qualifier.filter(|q| q != "$LATEST"),
            shard_size: rules::DEFAULT_SHARD_SIZE,
        }
    }
}

/// `m` warm-ups in `k` shares that differ by at most one.
pub(crate) fn shares(m: u32, k: u32) -> Vec<u32> {
    let k = k.max(1);
    (0..k).map(|i| m / k + u32::from(i < m % k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_differ_by_at_most_one_and_add_up() {
        assert_eq!(shares(2_000, 4), [500, 500, 500, 500]);
        assert_eq!(shares(1_601, 4), [401, 400, 400, 400]);
        assert_eq!(shares(3, 1), [3]);
        assert_eq!(shares(5, 0), [5]);
    }
}
