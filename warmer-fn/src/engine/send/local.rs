//! Warm-ups from this process: a round's N invokes in flight together, under the process's
//! in-flight bound. A first `auto` round with a remembered hold opens with a probe of 16 that
//! measures the dispatch cost (one with nothing remembered is learnt: [`super::learnt`]).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_lambda::types::InvocationType;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Part, Sender, Sent};
use crate::engine::count::{Count, FailureKind};
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::{DispatchClock, HoldAt, Payload, Shot, epoch_ms, millis};
use crate::engine::note::Note;
use crate::engine::outcome::Outcome;
use crate::engine::policy::{Hold, RoundPlan, fit};
use crate::target::Mode;

/// Why warm-ups were not sent when the process's in-flight bound stayed full.
const NO_PERMITS: &str = "the other targets of this run held the process's in-flight warm-ups until the deadline; give this target its own warmer or a longer timeout";

/// How long to wait for the probe to reach the wire before going on regardless.
const PROBE_WAIT: Duration = Duration::from_secs(5);

/// Sends a target's rounds from this process.
#[derive(Debug, Clone)]
pub(crate) struct Local {
    shot: Shot,
    correlation_id: Arc<str>,
    permits: Arc<Semaphore>,
    auto: AutoDelay,
    /// The index of the first warm-up (a copy's share starts past the others').
    first_index: u32,
    /// The round size each warm-up names (a copy sends part of its coordinator's round).
    total: Option<u32>,
    probe: bool,
}

impl Local {
    /// Rounds of `shot`'s target, taking one of `permits` per warm-up in flight.
    pub(crate) fn new(
        shot: Shot,
        correlation_id: Arc<str>,
        permits: Arc<Semaphore>,
        auto: AutoDelay,
    ) -> Self {
        Self {
            shot,
            correlation_id,
            permits,
            auto,
            first_index: 1,
            total: None,
            probe: true,
        }
    }

    /// One share of a coordinator's round: indexes from `first_index`, each warm-up naming the
    /// round's `total`, and no probe (the coordinator fixed the hold).
    pub(crate) fn share(mut self, first_index: u32, total: u32) -> Self {
        self.first_index = first_index.max(1);
        self.total = Some(total);
        self.probe = false;
        self
    }

    /// Starts `count` warm-ups at `started_at`, holding `hold_ms`: what they will find and
    /// the process's in-flight permits they take, waiting no later than the deadline; when the
    /// deadline comes first, what says they were not sent.
    async fn begin(
        &self,
        count: u32,
        started_at: SystemTime,
        hold_ms: u64,
    ) -> Result<(Sent, OwnedSemaphorePermit), Sent> {
        let mut sent = Sent::starting(started_at, hold_ms);
        let acquire = self.permits.clone().acquire_many_owned(count);
        let acquired = match self.shot.deadline {
            Some(d) => tokio::time::timeout_at(d, acquire).await.ok(),
            None => Some(acquire.await),
        };
        match acquired.and_then(Result::ok) {
            Some(permits) => Ok((sent, permits)),
            None => {
                sent.count
                    .fail_n(FailureKind::NotSentBeforeDeadline, count, NO_PERMITS);
                Err(sent)
            }
        }
    }

    /// The round's warm-ups in flight.
    fn round(&self, plan: &RoundPlan) -> Round {
        Round {
            shot: self.shot.clone(),
            clock: DispatchClock::new(),
            tasks: JoinSet::new(),
            next_index: self.first_index,
            last_index: self.first_index + plan.send.saturating_sub(1),
            mode: self.shot.target.mode,
        }
    }

    /// The shared payload of warm-ups holding `hold`.
    fn payload(&self, plan: &RoundPlan, hold: HoldAt) -> Payload {
        let hold_until = match hold {
            HoldAt::Until(at) => Some(epoch_ms(at)),
            HoldAt::For(_) => None,
        };
        let total = self.total.unwrap_or(plan.send);
        Payload::new(&self.shot.target, &self.correlation_id, total, hold_until)
    }
}

impl Sender for Local {
    fn prior_hold_ms(&self, n: u32, auto: &AutoDelay) -> u64 {
        auto.probe_delay_ms(n)
    }

    fn probe_hold_ms(&self, _plan: &RoundPlan, k: u32, auto: &AutoDelay) -> u64 {
        auto.learn_probe_hold_ms(k)
    }

    fn shards_for(&self, _send: u32) -> u32 {
        0
    }

    async fn send(&self, plan: &RoundPlan) -> Sent {
        let started_at = SystemTime::now();
        let (mut sent, _permits) = match self.begin(plan.send, started_at, plan.hold_ms).await {
            Ok(begun) => begun,
            Err(not_sent) => return not_sent,
        };
        let mut round = self.round(plan);
        let hold = match plan.hold {
            Hold::For(ms) => HoldAt::For(ms),
            Hold::Until(ms) => HoldAt::Until(started_at + Duration::from_millis(ms)),
        };
        let probing = self.probe && plan.round == 1 && matches!(plan.hold, Hold::Until(_));
        let k = if probing {
            self.auto.probe_size(plan.send)
        } else {
            plan.send
        };
        round.spawn(k, &self.payload(plan, hold), hold);
        if probing && plan.send > k {
            let per_invoke = round.probe(k, &mut sent.count).await;
            self.send_rest(plan, per_invoke, &mut round, &mut sent);
        }
        round.drain(&mut sent.count).await;
        sent.dispatch_spread = round.clock.spread();
        sent
    }

    async fn send_part(&self, plan: &RoundPlan, part: Part) -> Sent {
        let started_at = SystemTime::now();
        let hold_ms = part.hold_ms_from(started_at);
        let (mut sent, _permits) = match self.begin(part.count, started_at, hold_ms).await {
            Ok(begun) => begun,
            Err(not_sent) => return not_sent,
        };
        let mut round = self.round(plan);
        round.next_index += part.offset;
        let hold = HoldAt::Until(part.until);
        round.spawn(part.count, &self.payload(plan, hold), hold);
        round.drain(&mut sent.count).await;
        sent.dispatch_spread = round.clock.spread();
        sent
    }
}

impl Local {
    /// After the probe: the rest of the first round, holding as `auto` asks at the measured
    /// dispatch cost, unless the function was not found or the deadline is too close.
    fn send_rest(
        &self,
        plan: &RoundPlan,
        per_invoke: Duration,
        round: &mut Round,
        sent: &mut Sent,
    ) {
        if sent.count.not_found.is_some() {
            return;
        }
        let started_at = sent.started_at.unwrap_or_else(SystemTime::now);
        let k = round.next_index - self.first_index;
        let rest = plan.send - k;
        let elapsed = millis(started_at.elapsed().unwrap_or_default());
        let time_left = self
            .shot
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let wanted = self.auto.rest_delay_ms(plan.send, per_invoke, plan.hold_ms);
        let rest_ms = elapsed + fit(wanted.saturating_sub(elapsed), time_left);
        if time_left.is_some_and(|left| Duration::from_millis(rest_ms - elapsed) >= left) {
            sent.count.fail_n(
                FailureKind::NotSentBeforeDeadline,
                rest,
                "the run's deadline was too close",
            );
            sent.notes.push(Note::NotSent { skipped: rest });
            return;
        }
        let hold = HoldAt::Until(started_at + Duration::from_millis(rest_ms));
        round.spawn(rest, &self.payload(plan, hold), hold);
        sent.hold_ms = rest_ms;
        sent.notes.push(Note::Probe {
            k,
            per_invoke_us: u64::try_from(per_invoke.as_micros()).unwrap_or(u64::MAX),
            probe_ms: plan.hold_ms,
            rest_ms,
        });
    }
}

/// One round of warm-ups in flight together.
struct Round {
    shot: Shot,
    clock: Arc<DispatchClock>,
    tasks: JoinSet<Outcome>,
    next_index: u32,
    last_index: u32,
    mode: Mode,
}

impl Round {
    /// Spawns the warm-ups with the next `count` indexes.
    fn spawn(&mut self, count: u32, payload: &Payload, hold: HoldAt) {
        for _ in 0..count {
            let index = self.next_index;
            self.next_index += 1;
            // Event mode: the classic N-1 asynchronous invokes and the last one synchronous.
            let kind = if self.mode == Mode::Event && index < self.last_index {
                InvocationType::Event
            } else {
                InvocationType::RequestResponse
            };
            let warm_up =
                self.shot
                    .clone()
                    .warm_up(payload.clone(), index, hold, kind, self.clock.clone());
            self.tasks.spawn(warm_up);
        }
    }

    /// Waits until the probe's `k` warm-ups are on the wire; returns the per-invoke cost.
    /// Outcomes that arrive meanwhile are counted.
    async fn probe(&mut self, k: u32, count: &mut Count) -> Duration {
        let started = Instant::now();
        let give_up = started + PROBE_WAIT;
        let mut done = 0u32;
        loop {
            tokio::select! {
                _ = self.clock.wait_for(k as usize) => break,
                joined = self.tasks.join_next() => match joined {
                    Some(result) => {
                        count.add(joined_outcome(result));
                        done += 1;
                        if count.not_found.is_some() || done >= k {
                            break;
                        }
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(give_up) => break,
            }
        }
        // The gaps between transmits, not the time to the first one: the first request of a
        // client also pays for credentials and endpoint resolution.
        self.clock
            .mean_gap()
            .unwrap_or_else(|| started.elapsed() / k.max(1))
    }

    /// Waits for every warm-up of the round.
    async fn drain(&mut self, count: &mut Count) {
        while let Some(result) = self.tasks.join_next().await {
            count.sent = count.sent.saturating_add(1);
            count.add(joined_outcome(result));
        }
    }
}

fn joined_outcome(result: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    result.unwrap_or_else(|e| Outcome::Failed(FailureKind::TaskFailed, e.to_string()))
}
