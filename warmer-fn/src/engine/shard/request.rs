//! The wire between the coordinator and a copy of the warmer: the `{"shard": ...}` event the
//! coordinator sends ([`ShardEvent`], holding a [`ShardRequest`]), and the [`ShardReport`] the
//! copy answers with. Each is one `Serialize + Deserialize` type used by both sides.

use serde::{Deserialize, Serialize};

use crate::engine::count::Count;
use crate::engine::report::TargetReport;
use crate::rules::{self, MAX_CONCURRENCY, Problem};
use crate::target::{Mode, Target};

/// The longest correlation id a shard event may carry, in bytes (a UUID is 36).
pub const MAX_CORRELATION_ID_BYTES: usize = 128;

/// The warmer Lambda's shard event: `{"shard": {...}}`, and nothing beside it.
///
/// ```
/// use warmer_fn::engine::{ShardEvent, ShardRequest};
/// use warmer_fn::target::Target;
///
/// let request = ShardRequest {
///     target: Target::new("orders", 500),
///     total: 2_000,
///     first_index: 501,
///     correlation_id: "run-1".into(),
///     hold_until_ms: 1_764_700_000_000,
///     deadline_ms: 1_764_700_030_000,
///     round: 1,
///     shard: 2,
///     shards: 4,
/// };
/// let event = serde_json::to_value(ShardEvent { shard: request }).unwrap();
/// assert_eq!(event["shard"]["first_index"], 501);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardEvent {
    /// The shard to warm.
    pub shard: ShardRequest,
}

/// What the coordinator asks one copy of the warmer to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRequest {
    /// The target, with `concurrency` set to this shard's share.
    pub target: Target,
    /// The round's whole size (each warm-up says it as `concurrency`).
    pub total: u32,
    /// The index of this shard's first warm-up (1-based across the round).
    pub first_index: u32,
    /// The run's correlation id (at most [`MAX_CORRELATION_ID_BYTES`]).
    pub correlation_id: String,
    /// The instant every warm-up of the round holds until (milliseconds since the Unix epoch).
    pub hold_until_ms: u64,
    /// The coordinator's deadline (milliseconds since the Unix epoch): no warm-up past it.
    pub deadline_ms: u64,
    /// The round (1-based) this shard belongs to.
    pub round: u32,
    /// This shard's number (1-based) in the round.
    pub shard: u32,
    /// How many shards the round has.
    pub shards: u32,
}

impl ShardRequest {
    /// Every problem with this request, each naming its field under `shard.` (the target by
    /// the rules every entry path uses; the share within one process's in-flight bound; the
    /// indexes inside the round; the strings within their caps).
    ///
    /// ```
    /// use warmer_fn::engine::ShardRequest;
    /// use warmer_fn::target::Target;
    /// let mut request = ShardRequest {
    ///     target: Target::new("f", 10), total: 10, first_index: 1,
    ///     correlation_id: "c".into(), hold_until_ms: 0, deadline_ms: 0,
    ///     round: 1, shard: 1, shards: 1,
    /// };
    /// assert!(request.problems(900).is_empty());
    /// request.first_index = u32::MAX;
    /// assert_eq!(request.problems(900)[0].field, "shard.first_index");
    /// ```
    pub fn problems(&self, max_in_flight: u32) -> Vec<Problem> {
        let mut problems = rules::check_target(&self.target, "shard.target");
        let share = self.target.concurrency;
        if share > max_in_flight {
            problems.push(Problem::new(
                "shard.target.concurrency",
                format!("is {share}"),
                format!("send at most {max_in_flight} warm-ups per shard (one process's warm-ups in flight)"),
            ));
        }
        if self.target.mode != Mode::Verify {
            problems.push(Problem::new(
                "shard.target.mode",
                format!("is {}", self.target.mode),
                "shards send verify warm-ups only",
            ));
        }
        let last = u64::from(self.first_index) + u64::from(share);
        if self.first_index == 0 || last > u64::from(self.total) + 1 {
            problems.push(Problem::new(
                "shard.first_index",
                format!("is {} for a share of {share} in a round of {}", self.first_index, self.total),
                "the share's indexes must lie inside the round: 1 <= first_index and first_index + share - 1 <= total",
            ));
        }
        if self.total > MAX_CONCURRENCY {
            problems.push(Problem::new(
                "shard.total",
                format!("is {}", self.total),
                format!("a round sends at most {MAX_CONCURRENCY} warm-ups"),
            ));
        }
        if self.correlation_id.len() > MAX_CORRELATION_ID_BYTES {
            problems.push(Problem::new(
                "shard.correlation_id",
                format!("is {} bytes long", self.correlation_id.len()),
                format!("send at most {MAX_CORRELATION_ID_BYTES} bytes (a UUID is 36)"),
            ));
        }
        if self.shard == 0 || self.shard > self.shards {
            problems.push(Problem::new(
                "shard.shard",
                format!("is {} of {}", self.shard, self.shards),
                "number shards from 1 to `shards`",
            ));
        }
        problems
    }
}

/// What one copy of the warmer answers: its share's report, and its count (the environments
/// it reached by instance id, for the coordinator to merge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    /// The share's report (as for any target, `requested` being the share).
    pub report: TargetReport,
    /// What its warm-ups found.
    pub count: Count,
}

/// One shard as the coordinator saw it, listed in [`TargetReport::shards`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardSummary {
    /// The round (1-based).
    pub round: u32,
    /// The shard's number in its round (1-based).
    pub shard: u32,
    /// How many warm-ups it was asked to send.
    pub sent: u32,
    /// Distinct environments its answers came from.
    pub reached: u32,
    /// Of those, environments its warm-ups started.
    pub new: u32,
    /// Its wall time as the coordinator measured it, in milliseconds.
    pub elapsed_ms: u64,
    /// Whether it was part of the probe a first round learnt its hold from (the round's own
    /// shards follow with the same numbers).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub probe: bool,
    /// Why it failed, when it did (its warm-ups are then counted as failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
