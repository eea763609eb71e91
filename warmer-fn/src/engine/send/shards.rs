//! Warm-ups through copies of the warmer: the coordinator splits a round (or a part of one,
//! such as a probe) into shards of about equal size, invokes one copy per shard (each invoke
//! under the process's in-flight bound), and merges what they reached by instance id.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_lambda::primitives::Blob;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Part, Sender, Sent};
use crate::engine::count::FailureKind;
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::{epoch_ms, millis};
use crate::engine::note::{Note, ShardAt};
use crate::engine::outcome::{self, Outcome};
use crate::engine::policy::RoundPlan;
use crate::engine::reason::CallSite;
use crate::engine::shard::{
    SHARD_START_MS, ShardEvent, ShardReport, ShardRequest, ShardSummary, ShardVia, shares,
};
use crate::rules;
use crate::target::Target;

/// Sends a target's rounds through copies of the warmer.
#[derive(Debug, Clone)]
pub(crate) struct Shards {
    client: aws_sdk_lambda::Client,
    via: ShardVia,
    target: Target,
    correlation_id: Arc<str>,
    deadline: Option<Instant>,
    permits: Arc<Semaphore>,
    site: Arc<CallSite>,
}

/// Why one shard's invoke failed: its kind and a sentence.
type ShardFailure = (FailureKind, String);

impl Shards {
    /// Rounds of `target` through `via`, each shard invoke taking one of `permits`.
    pub(crate) fn new(
        client: &aws_sdk_lambda::Client,
        via: &ShardVia,
        target: &Target,
        correlation_id: Arc<str>,
        deadline: Option<Instant>,
        permits: Arc<Semaphore>,
    ) -> Self {
        let mut target = target.clone();
        target.max_share = None;
        Self {
            client: client.clone(),
            via: via.clone(),
            target,
            correlation_id,
            deadline,
            permits,
            site: Arc::new(CallSite::new(client, "lambda:InvokeFunction")),
        }
    }

    /// How many copies a part of `count` of round `plan`'s warm-ups goes through: as many as
    /// the whole round (never more than the part's warm-ups), so that a probe of half the
    /// round starts every copy the round needs and the round finds them all idle again: it
    /// waits on no copy's start, only on its environments', which the probe measured.
    fn copies(&self, plan: &RoundPlan, count: u32) -> u32 {
        self.shards_for(plan.send).min(count).max(1)
    }

    /// The requests of one part of a round, from its `offset`-th warm-up on.
    fn requests(
        &self,
        plan: &RoundPlan,
        part: &Part,
        hold_until_ms: u64,
        deadline_ms: u64,
    ) -> Vec<ShardRequest> {
        let k = self.copies(plan, part.count);
        let mut first_index = part.offset + 1;
        let mut requests = Vec::new();
        for (i, share) in shares(part.count, k).into_iter().enumerate() {
            let mut target = self.target.clone();
            target.concurrency = share;
            requests.push(ShardRequest {
                target,
                total: plan.send,
                first_index,
                correlation_id: self.correlation_id.to_string(),
                hold_until_ms,
                deadline_ms,
                round: plan.round,
                shard: i as u32 + 1,
                shards: k,
            });
            first_index += share;
        }
        requests
    }
}

impl Sender for Shards {
    fn prior_hold_ms(&self, n: u32, auto: &AutoDelay) -> u64 {
        let largest = n.div_ceil(self.shards_for(n));
        auto.probe_delay_ms(largest)
            .saturating_add(SHARD_START_MS)
            .min(auto.cap_ms)
    }

    fn probe_hold_ms(&self, plan: &RoundPlan, k: u32, auto: &AutoDelay) -> u64 {
        let largest = k.div_ceil(self.copies(plan, k));
        auto.learn_probe_hold_ms(largest)
            .saturating_add(SHARD_START_MS)
            .min(auto.cap_ms)
    }

    fn shards_for(&self, send: u32) -> u32 {
        rules::shards_needed(send, self.via.shard_size.max(1)).max(1)
    }

    async fn send(&self, plan: &RoundPlan) -> Sent {
        let whole = Part {
            offset: 0,
            count: plan.send,
            until: SystemTime::now() + Duration::from_millis(plan.hold_ms),
            probe: false,
        };
        self.send_part(plan, whole).await
    }

    async fn send_part(&self, plan: &RoundPlan, part: Part) -> Sent {
        let started_at = SystemTime::now();
        let deadline_ms = self.deadline.map_or(u64::MAX, |d| {
            epoch_ms(started_at + d.saturating_duration_since(Instant::now()))
        });
        let mut tasks = JoinSet::new();
        for request in self.requests(plan, &part, epoch_ms(part.until), deadline_ms) {
            let this = self.clone();
            tasks.spawn(async move {
                let started = Instant::now();
                let answer = this.invoke(&request).await;
                (request, answer, started.elapsed())
            });
        }
        let mut sent = Sent::starting(started_at, part.hold_ms_from(started_at));
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((request, answer, elapsed)) => {
                    merge(&mut sent, &request, answer, elapsed, part.probe);
                }
                Err(e) => sent.count.fail(FailureKind::TaskFailed, &e.to_string()),
            }
        }
        sent.shards.sort_by_key(|s| s.shard);
        sent
    }
}

/// Merges one shard's answer into the round.
fn merge(
    sent: &mut Sent,
    request: &ShardRequest,
    answer: Result<ShardReport, ShardFailure>,
    elapsed: Duration,
    probe: bool,
) {
    let at = ShardAt {
        round: request.round,
        shard: request.shard,
        shards: request.shards,
    };
    let share = request.target.concurrency;
    let mut summary = ShardSummary {
        round: request.round,
        shard: request.shard,
        sent: share,
        reached: 0,
        new: 0,
        elapsed_ms: millis(elapsed),
        probe,
        error: None,
    };
    match answer {
        Ok(ShardReport { report, count }) => {
            summary.reached = count.reached();
            summary.new = count.started();
            summary.error = report.error.clone();
            let refused = report.error.is_some() && count.not_found.is_none();
            if let Some(error) = report.error {
                sent.notes.push(Note::ShardError { at, error });
            }
            let mut count = count;
            if refused {
                count.fail_n(
                    FailureKind::Shard(Box::new(FailureKind::Refused)),
                    share,
                    "the copy refused its shard",
                );
            }
            sent.dispatch_spread = sent.dispatch_spread.max(Duration::from_secs_f64(
                (report.dispatch_spread_ms / 1000.0).clamp(0.0, 3600.0),
            ));
            sent.count.merge_shard(count);
        }
        Err((kind, why)) => {
            let kind = FailureKind::Shard(Box::new(kind));
            sent.count.fail_n(kind.clone(), share, &why);
            sent.notes.push(Note::ShardFailed {
                at,
                share,
                kind,
                why: why.clone(),
            });
            summary.error = Some(why);
        }
    }
    sent.shards.push(summary);
}

impl Shards {
    /// Invokes one copy of the warmer with its shard (under one in-flight permit) and reads its
    /// [`ShardReport`].
    async fn invoke(&self, request: &ShardRequest) -> Result<ShardReport, ShardFailure> {
        let deadline = self.deadline;
        let until =
            |d: Option<Instant>| d.unwrap_or_else(|| Instant::now() + Duration::from_secs(900));
        let _permit =
            tokio::time::timeout_at(until(deadline), self.permits.clone().acquire_owned())
                .await
                .ok()
                .and_then(Result::ok)
                .ok_or_else(|| {
                    (
                        FailureKind::NotSentBeforeDeadline,
                        "the process's in-flight bound stayed full until the deadline".to_owned(),
                    )
                })?;
        let event = ShardEvent {
            shard: request.clone(),
        };
        let payload = serde_json::to_vec(&event)
            .map_err(|e| (FailureKind::ConstructionFailure, e.to_string()))?;
        let send = self
            .client
            .invoke()
            .function_name(&self.via.function)
            .set_qualifier(self.via.qualifier.clone())
            .payload(Blob::new(payload))
            .send();
        let output = match tokio::time::timeout_at(until(deadline), send).await {
            Ok(Ok(output)) => output,
            Ok(Err(err)) => return Err(self.failure(outcome::from_error(&err, &self.site))),
            Err(_) => {
                return Err((
                    FailureKind::DeadlineExceeded,
                    "the copy of the warmer did not answer before the run's deadline".to_owned(),
                ));
            }
        };
        let body = output.payload().map(|b| b.as_ref()).unwrap_or_default();
        if let Some(kind) = output.function_error() {
            let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
            return Err((
                FailureKind::FunctionError,
                format!("the copy of the warmer failed ({kind}): {text}"),
            ));
        }
        serde_json::from_slice::<ShardReport>(body).map_err(|e| {
            (
                FailureKind::BadShardAnswer,
                format!(
                    "the copy of the warmer answered something that is not a shard report ({e})"
                ),
            )
        })
    }

    /// A failed shard invoke, worded for the operator.
    fn failure(&self, outcome: Outcome) -> ShardFailure {
        let warmer = &self.via.function;
        match outcome {
            Outcome::Throttled { reason, .. } => (
                FailureKind::Throttled,
                format!(
                    "Lambda throttled the copy of the warmer `{warmer}` ({reason}): give the warmer reserved concurrency of 1 + the shards of a run"
                ),
            ),
            Outcome::NotFound(message) => (
                FailureKind::NotFound,
                format!("the warmer `{warmer}` was not found: {message}"),
            ),
            Outcome::Failed(kind, sentence) => (kind, sentence),
            other => (FailureKind::TaskFailed, format!("{other:?}")),
        }
    }
}
