//! Warm-ups from this process: a round's N invokes in flight together, under the process's
//! in-flight bound. A first `auto` round with nothing remembered learns its hold from a probe
//! round of half the N ([`crate::engine::learnt_hold`]); with a remembered hold it opens with
//! a probe of 16 that measures the dispatch cost.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_lambda::types::InvocationType;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Sender, Sent};
use crate::engine::count::{Count, FailureKind};
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::{DispatchClock, HoldAt, Payload, Shot, epoch_ms, millis};
use crate::engine::learn::{Probed, learnt_hold};
use crate::engine::note::Note;
use crate::engine::outcome::Outcome;
use crate::engine::policy::{Hold, RoundPlan, fit};
use crate::target::Mode;

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
    /// Learn the first `auto` round's hold from a probe round (nothing remembered).
    learn: bool,
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
            learn: false,
        }
    }

    /// Learns the first `auto` round's hold from a probe round of half the N when `learn`
    /// (nothing remembered of the target, and [`AutoDelay::learn`] on).
    pub(crate) fn learning(mut self, learn: bool) -> Self {
        self.learn = learn;
        self
    }

    /// One share of a coordinator's round: indexes from `first_index`, each warm-up naming the
    /// round's `total`, and no probe (the coordinator fixed the hold).
    pub(crate) fn share(mut self, first_index: u32, total: u32) -> Self {
        self.first_index = first_index.max(1);
        self.total = Some(total);
        self.probe = false;
        self.learn = false;
        self
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

    fn shards_for(&self, _send: u32) -> u32 {
        0
    }

    async fn send(&self, plan: &RoundPlan) -> Sent {
        let started_at = SystemTime::now();
        let mut sent = Sent {
            started_at: Some(started_at),
            hold_ms: plan.hold_ms,
            ..Sent::default()
        };
        let acquire = self.permits.clone().acquire_many_owned(plan.send);
        let acquired = match self.shot.deadline {
            Some(d) => tokio::time::timeout_at(d, acquire).await.ok(),
            None => Some(acquire.await),
        };
        let Some(Ok(_permits)) = acquired else {
            sent.count.fail_n(
                FailureKind::NotSentBeforeDeadline,
                plan.send,
                "the other targets of this run held the process's in-flight warm-ups until the deadline; give this target its own warmer or a longer timeout",
            );
            return sent;
        };
        let learns = self.learn && self.shot.target.mode == Mode::Verify;
        if learns && plan.round == 1 && matches!(plan.hold, Hold::Until(_)) {
            return self.send_learnt(plan, sent).await;
        }
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
}

impl Local {
    /// A first round whose hold is learnt: a probe round of half the N holding
    /// [`AutoDelay::learn_probe_hold_ms`], then all N holding what its arrivals ask for (the
    /// prior when the answers carry no arrival; the margin for a single warm-up). After a probe
    /// that met failures, throttles, function errors or answers that were not warm-ups, the
    /// rest of the N hold the prior, each warm-up sent once (after a missing function, nothing
    /// more is sent), and the policy decides.
    async fn send_learnt(&self, plan: &RoundPlan, mut sent: Sent) -> Sent {
        let k = self.auto.learn_probe_size(plan.send);
        let mut learnt = None;
        if k > 0 {
            let probe_start = SystemTime::now();
            let probe_ms = self.auto.learn_probe_hold_ms(k).min(plan.hold_ms);
            let hold = HoldAt::Until(probe_start + Duration::from_millis(probe_ms));
            let mut probe = self.round(plan);
            probe.spawn(k, &self.payload(plan, hold), hold);
            let mut probed = Count::default();
            probe.drain(&mut probed).await;
            let measured = probed.arrivals.map(|(_, last)| Probed {
                k,
                reached: probed.reached(),
                started: probed.started(),
                last_arrival_ms: last.saturating_sub(epoch_ms(probe_start)),
            });
            let clean = probed.failed() == 0
                && probed.throttled() == 0
                && probed.function_errors == 0
                && probed.unknown == 0;
            sent.count.merge(probed);
            if !clean || sent.count.not_found.is_some() {
                // Nothing to learn from: the rest holds the prior, each warm-up sent once (none
                // when the function is missing), and the policy reads the round as any other.
                if sent.count.not_found.is_none() {
                    let hold = HoldAt::Until(probe_start + Duration::from_millis(plan.hold_ms));
                    probe.spawn(plan.send - k, &self.payload(plan, hold), hold);
                    probe.drain(&mut sent.count).await;
                }
                sent.started_at = Some(probe_start);
                sent.dispatch_spread = probe.clock.spread();
                return sent;
            }
            // Answers without `received_at_ms` (an older warm-sdk) teach nothing: the prior.
            learnt = Some(measured.map(|m| (m, learnt_hold(plan.send, &m, &self.auto))));
        }
        let started_at = SystemTime::now();
        let time_left = self
            .shot
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()));
        let wanted = match learnt {
            None => self.auto.learnt_hold_ms(0),
            Some(None) => plan.hold_ms,
            Some(Some((_, learnt))) => learnt.hold_ms,
        };
        let hold_ms = fit(wanted, time_left);
        if let Some(Some((probed, learnt))) = learnt {
            sent.notes.push(Note::Learnt {
                probed,
                expected_ms: learnt.expected_ms,
                hold_ms,
            });
        }
        let hold = HoldAt::Until(started_at + Duration::from_millis(hold_ms));
        let mut round = self.round(plan);
        round.spawn(plan.send, &self.payload(plan, hold), hold);
        let mut main = Count::default();
        round.drain(&mut main).await;
        let arrivals = main.arrivals;
        sent.count.merge(main);
        // The round's arrivals and spread, from its own start (the probe's are in the note).
        sent.count.arrivals = arrivals;
        sent.started_at = Some(started_at);
        sent.hold_ms = hold_ms;
        sent.dispatch_spread = round.clock.spread();
        sent
    }

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
