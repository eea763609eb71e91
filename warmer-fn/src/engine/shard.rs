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
//! [`TargetReport::shards`] (its share, what it reached, its time, its failure with the reason).
//! A shard that fails (throttled, timed out, crashed) says so there and in the notes; its
//! warm-ups count as failed, never as a silent shortfall.
//!
//! # Lambda's scaling rate
//!
//! Each function adds at most [`SCALING_ENVIRONMENTS`] new execution environments every
//! [`SCALING_PERIOD_SECS`] seconds. A warm-up that needs a new environment past that is
//! throttled, and so is a user request that needs one, so the coordinator takes at most the
//! run's `max_share` of the rate: with the default 0.8, 800 new environments every 10 seconds.
//! A first run of a large N therefore ramps: round after round, 10 seconds apart, each sending
//! as many warm-ups as the environments already reached plus that budget, all at once, so that
//! the round lands on the idle environments of the rounds before and starts up to the budget of
//! new ones. The report's notes say so, round by round. A later run of the same target by a
//! warmer that stayed warm (its [`ArrivalMemory`] saw the last run reach them less than
//! [`RECENT`] ago) sends them all in its first round.
//!
//! # Guard rails
//!
//! The coordinator reads the limits and caps N ([`super::guard`]) before sharding; the copies
//! do not read them again and send exactly their share. A copy never shards again, and refuses
//! a share larger than one process may hold in flight. No warm-up holds past the coordinator's
//! deadline: the copies receive it and hold at most until it.
//!
//! ```
//! use warmer_fn::engine::ShardRequest;
//! use warmer_fn::target::Target;
//!
//! let request = ShardRequest {
//!     target: Target::new("orders", 500),
//!     total: 2_000,
//!     first_index: 501,
//!     correlation_id: "run-1".into(),
//!     hold_until_ms: 1_764_700_000_000,
//!     deadline_ms: 1_764_700_030_000,
//!     round: 1,
//!     shard: 2,
//!     shards: 4,
//! };
//! let event = serde_json::json!({ "shard": request });
//! assert_eq!(event["shard"]["first_index"], 501);
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_lambda::primitives::Blob;
use serde::{Deserialize, Serialize};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::fanout::{self, epoch_ms, millis};
use super::guard::Decision;
use super::outcome::{self, Outcome};
use super::reason::CallSite;
use super::report::TargetReport;
use super::{ArrivalMemory, RunOptions};
use crate::rules::{self, DEFAULT_MAX_IN_FLIGHT, SCALING_ENVIRONMENTS, SCALING_PERIOD_SECS};
use crate::target::{Mode, Target};

/// How recent a run's count of environments must be for the next run to skip the ramp: the
/// longest schedule period the project suggests (every 5 to 15 minutes). Lambda documents no
/// lifetime for idle environments; a count older than this is not trusted.
pub const RECENT: Duration = Duration::from_secs(15 * 60);

/// How long the prior gives a copy of the warmer to start (cold) before it sends its share.
const SHARD_START_MS: u64 = 1_000;

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

/// What the coordinator asks one copy of the warmer to do: the warmer Lambda's
/// `{"shard": {...}}` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardRequest {
    /// The target, with `concurrency` set to this shard's share.
    pub target: Target,
    /// The target's whole N in this round (each warm-up says it as `concurrency`).
    pub total: u32,
    /// The index of this shard's first warm-up (1-based across the round).
    pub first_index: u32,
    /// The run's correlation id.
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

/// One environment a shard reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInstance {
    /// The environment's instance id (the warm-up answer's `instance`).
    pub id: String,
    /// Whether this warm-up started it.
    pub cold: bool,
}

/// What one copy of the warmer answers: its report and the environments it reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    /// The share's report (as for any target, `requested` being the share).
    pub report: TargetReport,
    /// Every environment reached, once each.
    pub instances: Vec<ShardInstance>,
    /// When the first and the last environment received their warm-ups (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<(u64, u64)>,
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
    /// Why it failed, when it did (its warm-ups are then counted as failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Warms one shard's share, as a copy of the warmer Lambda does for its coordinator. The share
/// is checked with the rules every entry path uses and must fit in flight in one process;
/// `own_deadline` (the copy's invocation deadline) and the coordinator's bound the run.
pub async fn warm_shard(
    client: &aws_sdk_lambda::Client,
    request: &ShardRequest,
    own_deadline: Option<std::time::Instant>,
    invoke_grace: Duration,
) -> ShardReport {
    let mut problems = rules::check_target(&request.target, "shard.target");
    if request.target.concurrency > DEFAULT_MAX_IN_FLIGHT {
        problems.push(rules::Problem::new(
            "shard.target.concurrency",
            format!("is {}", request.target.concurrency),
            format!(
                "send at most {DEFAULT_MAX_IN_FLIGHT} warm-ups per shard (one process's warm-ups in flight)"
            ),
        ));
    }
    if request.target.mode != Mode::Verify {
        problems.push(rules::Problem::new(
            "shard.target.mode",
            format!("is {}", request.target.mode),
            "shards send verify warm-ups only",
        ));
    }
    if !problems.is_empty() {
        let mut report = TargetReport::new(
            request.target.display_name(),
            Mode::Verify,
            request.target.concurrency,
        );
        report.error = Some(format!("bad shard request: {}", rules::describe(&problems)));
        report.finish();
        return ShardReport {
            report,
            instances: Vec::new(),
            arrivals: None,
        };
    }
    let coordinator = instant_of(request.deadline_ms);
    let deadline = match own_deadline.map(Instant::from_std) {
        Some(own) => own.min(coordinator),
        None => coordinator,
    };
    let client = fanout::stamping_client(client);
    let share = fanout::warm_share(
        &client,
        &request.target,
        request.first_index,
        request.total,
        UNIX_EPOCH + Duration::from_millis(request.hold_until_ms),
        request.correlation_id.as_str().into(),
        Some(deadline),
        invoke_grace,
    )
    .await;
    let mut instances: Vec<ShardInstance> = share
        .tally
        .instances()
        .map(|(id, cold)| ShardInstance {
            id: id.to_owned(),
            cold,
        })
        .collect();
    instances.sort_by(|a, b| a.id.cmp(&b.id));
    ShardReport {
        report: share.report,
        instances,
        arrivals: share.tally.arrivals(),
    }
}

/// The [`Instant`] of an epoch-milliseconds time (now, when it is past).
fn instant_of(epoch: u64) -> Instant {
    let now = epoch_ms(SystemTime::now());
    Instant::now() + Duration::from_millis(epoch.saturating_sub(now))
}

/// `m` warm-ups in `k` shares that differ by at most one.
fn shares(m: u32, k: u32) -> Vec<u32> {
    let k = k.max(1);
    (0..k).map(|i| m / k + u32::from(i < m % k)).collect()
}

/// How many new environments a round may start: the run's share of Lambda's scaling rate.
fn scaling_budget(max_share: f64) -> u32 {
    ((f64::from(SCALING_ENVIRONMENTS) * max_share).floor() as u32).max(1)
}

/// What one round's shards found, beyond what [`send_round`] merged into the report: the
/// environments the round reached (deduplicated across its shards) and how many of them it
/// started, its first and last arrival (epoch milliseconds), and how many shards failed.
struct RoundResult {
    reached: u32,
    new: u32,
    arrivals: Option<(u64, u64)>,
    shards_failed: u32,
}

/// The coordinator's side: warms `target` (N decided by the guard) through copies of the
/// warmer, in rounds that follow Lambda's scaling rate (see the module docs).
pub(crate) async fn warm_sharded(
    client: &aws_sdk_lambda::Client,
    target: &Target,
    decision: Decision,
    via: &ShardVia,
    correlation_id: Arc<str>,
    options: &RunOptions,
) -> TargetReport {
    let started = Instant::now();
    let name = target.display_name();
    let mut report = TargetReport::new(name.clone(), Mode::Verify, target.concurrency);
    report.capped = decision.cap;
    report.notes.extend(decision.notes);
    let n = decision.n;
    let deadline = options.deadline.map(Instant::from_std);
    let max_share = target.max_share.unwrap_or(options.max_share);
    let budget = scaling_budget(max_share);
    let memory: Option<&ArrivalMemory> = options.memory.as_deref();
    let known = memory
        .and_then(|m| m.recent_reached(&name, RECENT))
        .map_or(0, |r| r.min(n));
    let auto = options.auto_delay;
    let size = via.shard_size.max(1);
    // The prior: the `auto` hold for the largest shard, plus the time a copy takes to start.
    let mut hold_ms = memory
        .and_then(|m| m.hold_ms(&name, n, &auto))
        .unwrap_or_else(|| {
            let largest = n.div_ceil(rules::shards_needed(n, size).max(1));
            auto.probe_delay_ms(largest)
                .saturating_add(SHARD_START_MS)
                .min(auto.cap_ms)
        });
    if known > 0 {
        report.notes.push(format!(
            "the previous run of this target, less than {} minutes ago, reached {known} environments: this run counts on them being there",
            RECENT.as_secs() / 60
        ));
    }
    // Every environment reached in this run, and whether a warm-up of the run started it.
    let mut reached: HashMap<String, bool> = HashMap::new();
    let max_rounds = n.div_ceil(budget) + 2;
    let mut lengthened = false;
    let mut last_arrivals = None;
    loop {
        let round = report.rounds + 1;
        let there = known.max(reached.len() as u32);
        let m = n.min(there + budget);
        let k = rules::shards_needed(m, size).max(1);
        let round_start = SystemTime::now();
        let round_clock = Instant::now();
        let hold_until = fanout::until(round_start, hold_ms, deadline);
        let hold_left = hold_until.duration_since(round_start).unwrap_or_default();
        if round > 1 && deadline.is_some_and(|d| round_clock + hold_left * 2 >= d) {
            report.notes.push(format!(
                "round {round} was not sent: the run's deadline was too close (reached {} of {n})",
                reached.len()
            ));
            break;
        }
        let deadline_ms = deadline.map_or(u64::MAX, |d| {
            epoch_ms(SystemTime::now() + d.saturating_duration_since(Instant::now()))
        });
        let request = |shard: u32, first_index: u32, share: u32| {
            let mut part = target.clone();
            part.concurrency = share;
            part.max_share = None;
            ShardRequest {
                target: part,
                total: m,
                first_index,
                correlation_id: correlation_id.to_string(),
                hold_until_ms: epoch_ms(hold_until),
                deadline_ms,
                round,
                shard,
                shards: k,
            }
        };
        let mut requests = Vec::new();
        let mut first_index = 1;
        for (i, share) in shares(m, k).into_iter().enumerate() {
            requests.push(request(i as u32 + 1, first_index, share));
            first_index += share;
        }
        let result = send_round(client, via, requests, deadline, &mut report, &mut reached).await;
        report.rounds = round;
        report.delay_ms = millis(hold_left);
        if result.arrivals.is_some() {
            fanout::set_arrivals(&mut report, result.arrivals, round_start);
            last_arrivals = report.last_arrival_ms;
        }
        report.notes.push(format!(
            "round {round}: {m} warm-ups in {k} shards holding until {} ms after the round's start reached {} environments ({} new); {} of {n} reached so far",
            millis(hold_left),
            result.reached,
            result.new,
            reached.len()
        ));
        let total = reached.len() as u32;
        if total >= n {
            break;
        }
        let concurrency_throttled = report
            .throttle_reasons
            .keys()
            .any(|r| super::throttle_kind(r) == super::ThrottleKind::Concurrency);
        let broken = result.shards_failed > 0
            || report.function_errors > 0
            || report.unknown > 0
            || report.failed > 0
            || concurrency_throttled;
        if broken {
            report.notes.push(format!(
                "no further round: round {round} had failures or concurrency throttles, and another round would only repeat them"
            ));
            break;
        }
        if round >= max_rounds {
            break;
        }
        if result.reached < m {
            // The round's warm-ups did not all overlap: hold longer, once.
            if lengthened && result.new == 0 {
                break;
            }
            let spread = Duration::from_millis(last_arrivals.unwrap_or(hold_ms));
            hold_ms = auto.top_up_delay_ms(hold_ms, spread);
            lengthened = true;
        }
        if result.new > 0 {
            // New environments were started: the scaling rate refills over its period.
            let next = round_clock + Duration::from_secs(SCALING_PERIOD_SECS);
            if deadline.is_some_and(|d| next + Duration::from_millis(hold_ms * 2) >= d) {
                report.notes.push(format!(
                    "ramp stopped at {total} of {n}: the next round may start new environments only {SCALING_PERIOD_SECS} s after this one, past the run's deadline; the next run goes on from here"
                ));
                break;
            }
            tokio::time::sleep_until(next).await;
        }
    }
    if report.rounds > 1 || (known == 0 && n > budget) {
        report.notes.push(format!(
            "ramp: Lambda adds at most {SCALING_ENVIRONMENTS} new environments per function every {SCALING_PERIOD_SECS} s, and a user request that needs one past that is throttled; this run started at most {budget} per round ({max_share} of the rate)"
        ));
    }
    if let (Some(memory), Some(last)) = (memory, last_arrivals) {
        memory.record(&name, n, last, hold_ms, report.reached >= n);
    }
    if let Some(memory) = memory {
        memory.record_reached(&name, report.reached);
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.finish();
    report
}

/// Sends one round's shard requests at once and merges what comes back.
async fn send_round(
    client: &aws_sdk_lambda::Client,
    via: &ShardVia,
    requests: Vec<ShardRequest>,
    deadline: Option<Instant>,
    report: &mut TargetReport,
    reached: &mut HashMap<String, bool>,
) -> RoundResult {
    let site = Arc::new(CallSite::new(client, "lambda:InvokeFunction"));
    let mut tasks = JoinSet::new();
    for request in requests {
        let client = client.clone();
        let via = via.clone();
        let site = site.clone();
        tasks.spawn(async move {
            let started = Instant::now();
            let answer = invoke_shard(&client, &via, &request, deadline, &site).await;
            (request, answer, started.elapsed())
        });
    }
    let mut round = RoundResult {
        reached: 0,
        new: 0,
        arrivals: None,
        shards_failed: 0,
    };
    let mut in_round: HashMap<String, bool> = HashMap::new();
    let mut summaries = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((request, answer, elapsed)) = joined else {
            continue;
        };
        let mut summary = ShardSummary {
            round: request.round,
            shard: request.shard,
            sent: request.target.concurrency,
            reached: 0,
            new: 0,
            elapsed_ms: elapsed.as_millis() as u64,
            error: None,
        };
        match answer {
            Ok(shard) => {
                let r = &shard.report;
                summary.reached = r.reached;
                summary.new = r.new;
                summary.error = r.error.clone();
                report.duplicates += r.duplicates;
                report.throttled += r.throttled;
                for (reason, count) in &r.throttle_reasons {
                    *report.throttle_reasons.entry(reason.clone()).or_default() += count;
                }
                report.failed += r.failed;
                for (kind, count) in &r.failure_types {
                    *report.failure_types.entry(kind.clone()).or_default() += count;
                }
                report.function_errors += r.function_errors;
                report.unknown += r.unknown;
                report.dispatch_spread_ms = report.dispatch_spread_ms.max(r.dispatch_spread_ms);
                report.held_env_seconds += r.held_env_seconds;
                if let Some(error) = &r.error {
                    round.shards_failed += 1;
                    report.notes.push(format!(
                        "shard {} of {} (round {}) reported an error: {error}",
                        request.shard, request.shards, request.round
                    ));
                }
                for note in r.notes.iter().filter(|n| n.starts_with("first ")) {
                    report.notes.push(format!(
                        "shard {} of {} (round {}): {note}",
                        request.shard, request.shards, request.round
                    ));
                }
                if let Some((first, last)) = shard.arrivals {
                    round.arrivals = Some(match round.arrivals {
                        Some((f, l)) => (f.min(first), l.max(last)),
                        None => (first, last),
                    });
                }
                merge_instances(shard.instances, &mut in_round, reached, report);
            }
            Err((kind, sentence)) => {
                round.shards_failed += 1;
                let share = request.target.concurrency;
                report.failed += share;
                *report
                    .failure_types
                    .entry(format!("Shard{kind}"))
                    .or_default() += share;
                report.notes.push(format!(
                    "shard {} of {} (round {}, {share} warm-ups) failed: {sentence}; what its warm-ups reached is unknown, so they count as failed",
                    request.shard, request.shards, request.round
                ));
                summary.error = Some(sentence);
            }
        }
        summaries.push(summary);
    }
    round.reached = in_round.len() as u32;
    round.new = in_round.values().filter(|cold| **cold).count() as u32;
    summaries.sort_by_key(|s| s.shard);
    report.shards.extend(summaries);
    round
}

/// Counts one shard's environments into the round's (`in_round`) and the run's (`run`):
/// reached once each, new when any warm-up started it. Shards answer in any order, so an
/// environment one shard started and another reached after it was released may come warm
/// first and cold second: it is new either way. An environment two shards of one round
/// reached is a duplicate.
fn merge_instances(
    instances: Vec<ShardInstance>,
    in_round: &mut HashMap<String, bool>,
    run: &mut HashMap<String, bool>,
    report: &mut TargetReport,
) {
    for instance in instances {
        match in_round.get_mut(&instance.id) {
            Some(cold) => {
                report.duplicates += 1;
                *cold |= instance.cold;
            }
            None => {
                in_round.insert(instance.id.clone(), instance.cold);
            }
        }
        match run.get_mut(&instance.id) {
            Some(cold) => {
                if instance.cold && !*cold {
                    *cold = true;
                    report.new += 1;
                }
            }
            None => {
                run.insert(instance.id, instance.cold);
                report.reached += 1;
                if instance.cold {
                    report.new += 1;
                }
            }
        }
    }
}

/// Invokes one copy of the warmer with its shard and reads its [`ShardReport`]; a failure comes
/// back as its kind and a sentence.
async fn invoke_shard(
    client: &aws_sdk_lambda::Client,
    via: &ShardVia,
    request: &ShardRequest,
    deadline: Option<Instant>,
    site: &CallSite,
) -> Result<ShardReport, (String, String)> {
    let payload = serde_json::to_vec(&serde_json::json!({ "shard": request }))
        .map_err(|e| ("Serialization".to_owned(), e.to_string()))?;
    let send = client
        .invoke()
        .function_name(&via.function)
        .set_qualifier(via.qualifier.clone())
        .payload(Blob::new(payload))
        .send();
    let sent = match deadline {
        Some(d) => tokio::time::timeout_at(d, send).await,
        None => Ok(send.await),
    };
    let output = match sent {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => {
            return Err(match outcome::from_error(&err, site) {
                Outcome::Throttled { reason, .. } => (
                    "TooManyRequestsException".to_owned(),
                    format!(
                        "Lambda throttled the copy of the warmer `{}` ({reason}): give the warmer reserved concurrency of 1 + the shards of a run",
                        via.function
                    ),
                ),
                Outcome::NotFound(message) => (
                    "ResourceNotFoundException".to_owned(),
                    format!("the warmer `{}` was not found: {message}", via.function),
                ),
                Outcome::Failed(kind, sentence) => (kind, sentence),
                other => ("Unexpected".to_owned(), format!("{other:?}")),
            });
        }
        Err(_) => {
            return Err((
                "DeadlineExceeded".to_owned(),
                "the copy of the warmer did not answer before the run's deadline".to_owned(),
            ));
        }
    };
    let body = output.payload().map(|b| b.as_ref()).unwrap_or_default();
    if let Some(kind) = output.function_error() {
        let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
        return Err((
            "FunctionError".to_owned(),
            format!("the copy of the warmer failed ({kind}): {text}"),
        ));
    }
    serde_json::from_slice::<ShardReport>(body).map_err(|e| {
        (
            "BadShardAnswer".to_owned(),
            format!("the copy of the warmer answered something that is not a shard report ({e})"),
        )
    })
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

    #[test]
    fn an_environment_two_shards_reached_counts_once_and_new_whatever_the_order() {
        let env = |id: &str, cold: bool| ShardInstance {
            id: id.into(),
            cold,
        };
        let mut report = TargetReport::new("f", Mode::Verify, 3);
        let (mut in_round, mut run) = (HashMap::new(), HashMap::new());
        // Shard 2 answers first: it found `a` warm (shard 1 had started it and released it).
        merge_instances(
            vec![env("a", false), env("b", true)],
            &mut in_round,
            &mut run,
            &mut report,
        );
        merge_instances(
            vec![env("a", true), env("c", true)],
            &mut in_round,
            &mut run,
            &mut report,
        );
        assert_eq!((report.reached, report.new, report.duplicates), (3, 3, 1));
        assert_eq!(in_round.values().filter(|cold| **cold).count(), 3);
        // The next round finds them all warm: reached stays 3, nothing new.
        let mut next_round = HashMap::new();
        merge_instances(
            vec![env("a", false), env("b", false), env("c", false)],
            &mut next_round,
            &mut run,
            &mut report,
        );
        assert_eq!((report.reached, report.new, report.duplicates), (3, 3, 1));
    }

    #[test]
    fn the_ramp_takes_the_run_share_of_the_scaling_rate() {
        assert_eq!(scaling_budget(0.8), 800);
        assert_eq!(scaling_budget(1.0), 1_000);
        assert_eq!(scaling_budget(0.0001), 1);
    }

    #[tokio::test]
    async fn a_shard_larger_than_one_process_holds_sends_nothing_and_says_why() {
        // Nothing listens here: a shard that sent anything would fail to connect instead.
        let client = crate::engine::client(&crate::engine::ClientOptions {
            endpoint_url: Some("http://127.0.0.1:9".into()),
            region: None,
        })
        .await;
        let mut request = ShardRequest {
            target: Target::new("f", DEFAULT_MAX_IN_FLIGHT + 1),
            total: 5_000,
            first_index: 1,
            correlation_id: "c".into(),
            hold_until_ms: 0,
            deadline_ms: 0,
            round: 1,
            shard: 1,
            shards: 5,
        };
        let answer = warm_shard(&client, &request, None, Duration::from_secs(1)).await;
        let error = answer.report.error.unwrap_or_default();
        assert!(error.contains("shard.target.concurrency"), "{error}");
        assert_eq!(answer.report.failed + answer.report.reached, 0);
        request.target.concurrency = 3;
        request.target.mode = Mode::Event;
        let answer = warm_shard(&client, &request, None, Duration::from_secs(1)).await;
        let error = answer.report.error.unwrap_or_default();
        assert!(error.contains("shard.target.mode"), "{error}");
    }

    #[test]
    fn an_epoch_time_in_the_past_is_now() {
        let now = Instant::now();
        assert!(instant_of(0) <= now + Duration::from_millis(5));
        let later = instant_of(epoch_ms(SystemTime::now()) + 2_000);
        assert!(later > now + Duration::from_millis(1_500));
    }
}
