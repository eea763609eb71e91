//! A first `auto` round whose hold is learnt within the run ([`crate::engine::learn`]), sent
//! the same way from this process and through copies of the warmer: a probe part of half the
//! N holding the sender's probe hold, then all N holding what the probe's arrivals ask for.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::{Part, Sender, Sent};
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::epoch_ms;
use crate::engine::learn::{Probed, learnt_hold};
use crate::engine::note::Note;
use crate::engine::policy::{RoundPlan, fit};

/// Sends round `plan` (the first, `auto`) through `sender` with its hold learnt: a probe part
/// of [`AutoDelay::learn_probe_size`] warm-ups holding [`Sender::probe_hold_ms`], then all N
/// holding [`learnt_hold`] (never longer than the plan's prior; the prior when the answers
/// carry no arrival; the margin for a single warm-up).
///
/// After a probe that met failures, throttles, function errors or answers that were not
/// warm-ups, the rest of the N hold the prior, each warm-up sent once (after a missing
/// function, nothing more is sent), and the policy reads the round as any other.
pub(crate) async fn send_learnt<S: Sender>(
    sender: &S,
    plan: &RoundPlan,
    auto: &AutoDelay,
    deadline: Option<Instant>,
) -> Sent {
    let k = auto.learn_probe_size(plan.send);
    let mut sent = Sent::default();
    let mut learnt = None;
    if k > 0 {
        let probe = probe(sender, plan, k, auto).await;
        sent.absorb(probe.sent);
        if !probe.clean {
            return rest_once(sender, plan, k, probe.start, probe.not_found, sent).await;
        }
        // Answers without `received_at_ms` (an older warm-sdk) teach nothing: the prior.
        learnt = Some(
            probe
                .measured
                .map(|m| (m, learnt_hold(plan.send, &m, auto, plan.hold_ms))),
        );
    }
    let wanted = match learnt {
        None => sender.probe_hold_ms(plan, 0, auto),
        Some(None) => plan.hold_ms,
        Some(Some((_, learnt))) => learnt.hold_ms,
    };
    let time_left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let hold_ms = fit(wanted, time_left);
    if let Some(Some((probed, learnt))) = learnt {
        sent.notes.push(Note::Learnt {
            probed,
            expected_ms: learnt.expected_ms,
            hold_ms,
        });
    }
    let started_at = SystemTime::now();
    let round = Part {
        offset: 0,
        count: plan.send,
        until: started_at + Duration::from_millis(hold_ms),
        probe: false,
    };
    let round = sender.send_part(plan, round).await;
    // The round's arrivals and spread, from its own start (the probe's are in the note).
    let (arrivals, spread) = (round.count.arrivals, round.dispatch_spread);
    sent.absorb(round);
    sent.count.arrivals = arrivals;
    sent.dispatch_spread = spread;
    sent.started_at = Some(started_at);
    sent.hold_ms = hold_ms;
    sent
}

/// What the probe part of a learnt round found.
struct Probe {
    sent: Sent,
    start: SystemTime,
    /// What [`learnt_hold`] reads; `None` when no answer said when it arrived.
    measured: Option<Probed>,
    /// No failure, throttle, function error, foreign answer or missing function.
    clean: bool,
    not_found: bool,
}

/// Sends the probe part: the first `k` of the round's warm-ups, holding
/// [`Sender::probe_hold_ms`] (never longer than the round's prior).
async fn probe<S: Sender>(sender: &S, plan: &RoundPlan, k: u32, auto: &AutoDelay) -> Probe {
    let start = SystemTime::now();
    let probe_ms = sender.probe_hold_ms(plan, k, auto).min(plan.hold_ms);
    let part = Part {
        offset: 0,
        count: k,
        until: start + Duration::from_millis(probe_ms),
        probe: true,
    };
    let sent = sender.send_part(plan, part).await;
    let count = &sent.count;
    let measured = count.arrivals.map(|(_, last)| Probed {
        k,
        reached: count.reached(),
        started: count.started(),
        last_arrival_ms: last.saturating_sub(epoch_ms(start)),
    });
    let not_found = count.not_found.is_some();
    let clean = count.failed() == 0
        && count.throttled() == 0
        && count.function_errors == 0
        && count.unknown == 0
        && !not_found;
    Probe {
        sent,
        start,
        measured,
        clean,
        not_found,
    }
}

/// After a probe with nothing to learn from: the rest of the round's warm-ups, each sent once,
/// holding the prior from the probe's start (none when the function is missing); the policy
/// reads the round as any other.
async fn rest_once<S: Sender>(
    sender: &S,
    plan: &RoundPlan,
    k: u32,
    probe_start: SystemTime,
    not_found: bool,
    mut sent: Sent,
) -> Sent {
    if !not_found {
        let rest = Part {
            offset: k,
            count: plan.send - k,
            until: probe_start + Duration::from_millis(plan.hold_ms),
            probe: false,
        };
        sent.absorb(sender.send_part(plan, rest).await);
    }
    sent.started_at = Some(probe_start);
    sent.hold_ms = plan.hold_ms;
    sent
}
