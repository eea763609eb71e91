//! The fan-out engine: warm N environments of each target at once, and count how many were
//! reached.
//!
//! In `verify` mode (the default) all N warm-ups of a target are synchronous
//! (`RequestResponse`) invokes in flight together, each carrying the run's correlation id, its
//! index and a delay; every answer is a [`warm_sdk::protocol::WarmupResponse`] whose `instance`
//! names the environment, so the distinct instances are the environments reached, and the
//! answers with `cold: true` are the environments the warm-up itself started. In `event` mode
//! the classic N-1 `Event` invokes and one synchronous one are sent; Lambda does not say which
//! environment ran an asynchronous invoke, so the report says coverage is unknown.
//!
//! # Hold
//!
//! A fixed delay is sent as given: each environment holds that long from when it receives its
//! warm-up. The `auto` hold releases every environment of a round at one instant instead: each
//! warm-up carries `hold_until_ms` (an instant, milliseconds since the Unix epoch) and, for
//! functions built with an older warm-sdk, `delay` = the time left to that instant when it is
//! sent (see [warm_sdk::protocol](warm_sdk::protocol#holding-until-an-instant)). N warm-ups
//! reach N environments when no environment is released before the last warm-up has arrived;
//! with one instant, an environment that received its warm-up early holds longer and one that
//! received it late holds less, and none holds past the instant. The instant is
//! [`AutoDelay`]'s hold from the round's start, about 1.5 times the expected last arrival:
//! with an [`ArrivalMemory`] (the warmer Lambda keeps one), from the target's previous run;
//! else learnt within the run from a probe round of half the N ([`learnt_hold`]); a sharded
//! coordinator's first run holds the prior (`base + N × prior × safety`, which covers new
//! environments starting). Never more than half the time left before the run's deadline.
//!
//! Every answer says when its environment received the warm-up (`received_at_ms`), so the
//! report gives the arrival spread where it matters: [`TargetReport::arrival_spread_ms`],
//! [`TargetReport::last_arrival_ms`] (from the round's start), and the environment-seconds
//! held, [`TargetReport::held_env_seconds`].
//!
//! # Rounds
//!
//! One loop runs every target (`engine/target_run.rs`): it asks the
//! [`Policy`] for a round, a sender sends it (from this process, or through copies of the
//! warmer, see [Sharding](#sharding)), and the round's [`Count`] is merged into the target's.
//! The policy is pure and the same for both senders: it stops when N is reached or another
//! round would only repeat failures, function errors or concurrency throttles; a first run of
//! more than Lambda's scaling rate can start at once (1,000 new environments per function per
//! 10 s) ramps at the run's share of it (800 by default), round after round; a round whose warm-ups did not all overlap is sent again
//! holding longer ([`AutoDelay::top_up_delay_ms`]), once, with N warm-ups (not N - reached: the
//! first round's environments are idle by then, and a smaller round would land on them). A
//! warm-up whose connection was never made (`ConnectTimeout`) never reached Lambda and stops
//! nothing. Environments reached in any round count once; answers from an environment already
//! reached in the same round are `duplicates`. Every decision is a value ([`Next`],
//! [`StopReason`], [`Note`], [`FailureKind`]) and becomes a sentence only in the report.
//!
//! # Sharding
//!
//! One process keeps at most `max_in_flight` calls in flight, warm-ups and shard invokes
//! alike (900 by default: one file descriptor each, 1,024 in a Lambda environment; `warmer
//! warm` raises its open-file limit and sizes the bound from it). With [`RunOptions::shards`]
//! set (the warmer Lambda sets its own function there), a `verify` target whose N is above the
//! shard size is warmed by copies of the warmer instead, each sending one shard, and the
//! coordinator merges what they reached by instance id; a later run sends all N at once when
//! the warmer remembers reaching them. See [`shard`].
//!
//! # Retries and throttles
//!
//! The client has SDK retries off ([`client`]): a retried warm-up would hold another
//! environment and count twice. A throttle whose `Reason` is a rate limit
//! ([`ThrottleKind::Rate`]) is retried once after `Retry-After` if that is at most
//! [`MAX_RETRY_AFTER`] and the deadline allows (a malformed or huge value is not waited for);
//! concurrency-limit throttles are counted and explained ("reserved concurrency allows 20 of
//! the 50 requested"). A missing function stops that target after the probe; other targets go
//! on. A target's extra warm-up fields are capped ([`crate::rules::MAX_PAYLOAD_BYTES`]) and
//! serialized once per round.
//!
//! ```no_run
//! # async fn demo() {
//! use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
//! use warmer_fn::target::Target;
//!
//! let lambda = client(&ClientOptions::default()).await;
//! let report = warm(&lambda, &[Target::new("orders", 50)], &RunOptions::default()).await;
//! for line in report.emf_lines("Warmer") {
//!     println!("{line}");
//! }
//! assert!(report.ok, "{:?}", report.targets[0].notes);
//! # }
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

pub(crate) mod client;
mod count;
mod delay;
pub mod guard;
mod invoke;
mod learn;
mod memory;
mod note;
mod outcome;
mod policy;
pub mod reason;
mod report;
mod send;
pub mod shard;
mod target_run;

pub use client::{CONNECT_TIMEOUT, ClientOptions, client, client_with_profile};
pub use count::{Added, Count, Environment, FailureKind};
pub use delay::AutoDelay;
pub use invoke::{MAX_RETRY_AFTER, parse_retry_after};
pub use learn::{Learnt, Probed, learnt_hold};
pub use memory::{ArrivalMemory, RECENT};
pub use note::{Note, ShardAt, StopReason};
pub use policy::{Hold, Measured, Next, Policy, RoundPlan};
pub(crate) use report::emf_metadata;
pub use report::{
    AUTO_EMF_METRICS, DEFAULT_METRICS_NAMESPACE, EMF_METRICS, RunReport, Status, TargetReport,
    ThrottleKind, throttle_kind, throttle_pool,
};
pub use shard::{
    MAX_CORRELATION_ID_BYTES, ShardEvent, ShardReport, ShardRequest, ShardSummary, ShardVia,
    warm_shard,
};

use crate::autopilot;
use crate::rules::{self, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_SHARE, SCALING_ENVIRONMENTS};
use crate::target::{Mode, Target};

/// How a run behaves beyond its targets.
///
/// ```
/// use std::time::{Duration, Instant};
/// let options = warmer_fn::engine::RunOptions {
///     deadline: Some(Instant::now() + Duration::from_secs(30)),
///     ..Default::default()
/// };
/// assert_eq!(options.metrics_namespace, "Warmer");
/// assert!(options.top_up);
/// ```
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stop dispatching and report before this instant (the warmer Lambda sets it from its own
    /// remaining time). `None`: no deadline beyond each invoke's delay plus `invoke_grace`.
    pub deadline: Option<Instant>,
    /// CloudWatch namespace of the EMF line.
    pub metrics_namespace: String,
    /// Parameters of the `auto` delay.
    pub auto_delay: AutoDelay,
    /// Allow one top-up round (see the module docs).
    pub top_up: bool,
    /// Each target's last measured arrival, kept between runs by a process that stays warm
    /// (the warmer Lambda); `None` (the default) remembers nothing. See [`ArrivalMemory`].
    pub memory: Option<Arc<ArrivalMemory>>,
    /// How long an invoke may take beyond its delay (cold start, network) before it counts as
    /// failed.
    pub invoke_grace: Duration,
    /// The correlation id to send; a fresh UUID when `None`.
    pub correlation_id: Option<String>,
    /// Read each target's concurrency limits first and hold at most `max_share` of them (see
    /// [`guard`]). On by default; off sends every target's N as asked.
    pub concurrency_guard: bool,
    /// The share of a function's available concurrency a warm-up may hold, for targets
    /// without their own `max_share`: a fraction in (0, 1], default
    /// [`crate::rules::DEFAULT_MAX_SHARE`].
    pub max_share: f64,
    /// How many warm-ups this process keeps in flight at most, shared by all targets (default
    /// [`crate::rules::DEFAULT_MAX_IN_FLIGHT`]). A target whose N is
    /// larger is not sent: its coverage could not be proven.
    pub max_in_flight: u32,
    /// Shard targets whose N is above the shard size across copies of the warmer Lambda (see
    /// [`shard`]); `None` (the default, and the `warmer` command's) sends every warm-up from this
    /// process. The warmer Lambda sets its own function here.
    pub shards: Option<ShardVia>,
    /// Where `"concurrency": "auto"` targets read their recent concurrency (see
    /// [`crate::autopilot`]); `None` (the default) sizes them at their `min`, with a note.
    pub cloudwatch: Option<aws_sdk_cloudwatch::Client>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            deadline: None,
            metrics_namespace: DEFAULT_METRICS_NAMESPACE.to_owned(),
            auto_delay: AutoDelay::default(),
            top_up: true,
            memory: None,
            invoke_grace: Duration::from_secs(30),
            correlation_id: None,
            concurrency_guard: true,
            max_share: DEFAULT_MAX_SHARE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            shards: None,
            cloudwatch: None,
        }
    }
}

/// Warms every target at once and reports, target by target, how many environments were
/// reached. Never fails: problems are in the report.
pub async fn warm(
    client: &aws_sdk_lambda::Client,
    targets: &[Target],
    options: &RunOptions,
) -> RunReport {
    let started = Instant::now();
    let correlation_id: Arc<str> = options
        .correlation_id
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
        .into();
    let problems = run_problems(targets, options);
    if !problems.is_empty() {
        let message = rules::describe(&problems);
        let reports = targets
            .iter()
            .map(|t| {
                let mut report = TargetReport::new(t.display_name(), t.mode, t.concurrency);
                report.error = Some(message.clone());
                report.finish();
                report
            })
            .collect();
        return RunReport::new(&*correlation_id, reports, invoke::millis(started.elapsed()));
    }
    // Autopilot first: an `auto` target's N is chosen from its recent concurrency, then
    // guarded like any other.
    let (targets, choices) = size_auto_targets(targets, options).await;
    let targets = &targets[..];
    let decisions = if options.concurrency_guard {
        let limits = guard::read(client, targets, options.deadline).await;
        guard::plan(targets, &limits, options.max_share)
    } else {
        targets
            .iter()
            .map(|t| guard::Decision {
                n: t.concurrency,
                cap: None,
                notes: Vec::new(),
            })
            .collect()
    };
    // One bound on everything this process has in flight: warm-ups and shard invokes alike.
    let permits = Arc::new(Semaphore::new(options.max_in_flight as usize));
    let client = invoke::stamping_client(client);
    let reports = futures_util::future::join_all(
        targets
            .iter()
            .zip(decisions)
            .map(|(t, d)| warm_one(&client, t, d, &permits, &correlation_id, options)),
    )
    .await;
    let reports = reports
        .into_iter()
        .zip(choices)
        .map(|(mut report, choice)| {
            if let Some(choice) = choice {
                report.notes.insert(0, choice.to_string());
                report.auto = Some(choice);
            }
            report
        });
    RunReport::new(
        &*correlation_id,
        reports.collect(),
        invoke::millis(started.elapsed()),
    )
}

/// Every target with its N: an `auto` one sized by [`autopilot::size`] (its choice beside it),
/// the others as they are.
async fn size_auto_targets(
    targets: &[Target],
    options: &RunOptions,
) -> (Vec<Target>, Vec<Option<autopilot::Choice>>) {
    let now = chrono::Utc::now();
    // A run's warm-ups hold at most the auto cap; a little more for the round trips.
    let run_seconds = (options.auto_delay.cap_ms / 1_000) as i64 + 2;
    let sized = targets.iter().map(|target| {
        autopilot::size(
            options.cloudwatch.as_ref(),
            target,
            now,
            run_seconds,
            options.deadline,
        )
    });
    futures_util::future::join_all(sized)
        .await
        .into_iter()
        .unzip()
}

/// The run-level rules (how many targets, the sum of N, the run's share, the in-flight
/// bound): a run that breaks them sends nothing. Each target's own rules are checked in its
/// own report.
fn run_problems(targets: &[Target], options: &RunOptions) -> Vec<rules::Problem> {
    let mut problems = rules::check_run_size(targets, "targets");
    if targets.is_empty() {
        problems.push(rules::Problem::new(
            "targets",
            "is empty",
            "name at least one function to warm",
        ));
    }
    problems.extend(rules::check_share(options.max_share, "max_share"));
    if options.max_in_flight == 0 {
        problems.push(rules::Problem::new(
            "max_in_flight",
            "is 0",
            "allow at least 1 warm-up in flight",
        ));
    }
    problems
}

/// Warms one target: through copies of the warmer when the run shards it, else from this
/// process when its N fits in flight here.
async fn warm_one(
    client: &aws_sdk_lambda::Client,
    target: &Target,
    decision: guard::Decision,
    permits: &Arc<Semaphore>,
    correlation_id: &Arc<str>,
    options: &RunOptions,
) -> TargetReport {
    if let Err(message) = target.validate() {
        let mut report = TargetReport::new(target.display_name(), target.mode, target.concurrency);
        report.error = Some(message);
        report.finish();
        return report;
    }
    let deadline = options.deadline.map(tokio::time::Instant::from_std);
    let mut sent = target.clone();
    sent.concurrency = decision.n;
    if let Some(via) = sharded(target, &decision, options) {
        let sender = send::Shards::new(
            client,
            via,
            &sent,
            correlation_id.clone(),
            deadline,
            permits.clone(),
        );
        return target_run::warm_target(&sender, target, decision, options).await;
    }
    if decision.n > options.max_in_flight {
        return too_many_in_flight(target, decision, options.max_in_flight);
    }
    let shot = invoke::Shot::new(client, &sent, deadline, options.invoke_grace);
    let sender = send::Local::new(
        shot,
        correlation_id.clone(),
        permits.clone(),
        options.auto_delay,
    );
    target_run::warm_target(&sender, target, decision, options).await
}

/// The report of a target whose N cannot be in flight at once here: nothing sent, coverage
/// unknown.
fn too_many_in_flight(target: &Target, decision: guard::Decision, max: u32) -> TargetReport {
    let mut report = TargetReport::new(target.display_name(), target.mode, target.concurrency);
    report.capped = decision.cap;
    report.coverage_known = false;
    report.guard_unreadable = decision.notes.iter().any(|note| note.is_unread());
    let notes = decision.notes.into_iter().map(Note::Guard);
    let too_many = Note::TooManyInFlight { n: decision.n, max };
    report
        .notes
        .extend(notes.chain([too_many]).map(|n| n.to_string()));
    report.finish();
    report
}

/// How many new environments a round may start: the run's share of Lambda's scaling rate.
pub(crate) fn scaling_budget(max_share: f64) -> u32 {
    ((f64::from(SCALING_ENVIRONMENTS) * max_share).floor() as u32).max(1)
}

/// Where `target`'s warm-ups go when the run shards it: a `verify` target whose N (after the
/// guard) is above the shard size, in a run that may shard.
fn sharded<'a>(
    target: &Target,
    decision: &guard::Decision,
    options: &'a RunOptions,
) -> Option<&'a ShardVia> {
    options
        .shards
        .as_ref()
        .filter(|via| target.mode == Mode::Verify && decision.n > via.shard_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ramp_takes_the_run_share_of_the_scaling_rate() {
        assert_eq!(scaling_budget(0.8), 800);
        assert_eq!(scaling_budget(1.0), 1_000);
        assert_eq!(scaling_budget(0.0001), 1);
    }
}
