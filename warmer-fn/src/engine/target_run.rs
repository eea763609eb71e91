//! One target's run: the loop that asks the [`Policy`] for a round, has a [`Sender`] send it,
//! merges what came back into one [`Count`], and writes the report. The same loop for warm-ups
//! from this process and for shards through copies of the warmer.

use std::time::Duration;

use tokio::time::Instant;

use super::count::Count;
use super::guard::Decision;
use super::invoke::millis;
use super::memory::RECENT;
use super::note::Note;
use super::policy::{Hold, Measured, Next, Policy, RoundPlan};
use super::report::{TargetReport, ThrottleKind};
use super::send::{Sender, Sent, send_learnt};
use super::shard::ShardSummary;
use super::{RunOptions, scaling_budget};
use crate::rules::SCALING_ENVIRONMENTS;
use crate::target::{Delay, Mode, Target};

/// What the rounds of one target found, before it is written as a report.
#[derive(Debug, Default)]
pub(crate) struct Rounds {
    pub(crate) count: Count,
    pub(crate) notes: Vec<Note>,
    pub(crate) shards: Vec<ShardSummary>,
    pub(crate) rounds: u32,
    /// The first round's hold, dispatch spread and arrivals (from its start).
    pub(crate) first_hold_ms: u64,
    pub(crate) first_spread: Duration,
    pub(crate) first_arrivals: Option<(u64, u64)>,
    /// The round that sent the most warm-ups (the latest of equals), as the memory keeps it.
    pub(crate) largest: Option<Largest>,
}

/// One round as [`ArrivalMemory`](super::ArrivalMemory) keeps it for the next run: a run whose
/// environments are there sends all N at once, like the largest round of this one (a ramp's
/// first round sends only the budget, and its last arrival foretells a round of all N no
/// better than the remembered N scales it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Largest {
    pub(crate) sent: u32,
    pub(crate) last_arrival_ms: u64,
    pub(crate) hold_ms: u64,
    /// Its warm-ups all overlapped: as many environments as warm-ups.
    pub(crate) reached_all: bool,
}

/// Warms `target` with the N the guard decided, through `sender`, and reports.
pub(crate) async fn warm_target<S: Sender>(
    sender: &S,
    target: &Target,
    decision: Decision,
    options: &RunOptions,
) -> TargetReport {
    let started = Instant::now();
    let name = target.display_name();
    let n = decision.n;
    let guard_unreadable = decision.notes.iter().any(|note| note.is_unread());
    let mut notes: Vec<Note> = decision.notes.into_iter().map(Note::Guard).collect();
    let memory = options.memory.as_deref();
    let known = memory
        .and_then(|m| m.recent_reached(&name, RECENT))
        .unwrap_or(0);
    let share = target.max_share.unwrap_or(options.max_share);
    let mut policy = Policy::new(
        n,
        target.mode,
        target.delay,
        options.auto_delay,
        ramp_budget(n, share),
        known,
    );
    if !options.top_up {
        policy = policy.without_top_up();
    }
    let remembered = memory.and_then(|m| m.hold_ms(&name, n, &options.auto_delay));
    if let Some(hold_ms) = remembered.filter(|_| target.delay == Delay::Auto) {
        notes.push(Note::Remembered { hold_ms });
    }
    if known.min(n) > 0 {
        notes.push(Note::Known {
            reached: known.min(n),
        });
    }
    let auto_hold = remembered.unwrap_or_else(|| sender.prior_hold_ms(n, &options.auto_delay));
    // Nothing remembered of this target: the first round learns its hold from a probe round.
    let learn = options.auto_delay.learn && remembered.is_none() && target.mode == Mode::Verify;
    let mut rounds = Rounds::default();
    if n > 0 {
        rounds = send_rounds(sender, &mut policy, auto_hold, learn, options).await;
    }
    if policy.ramps() && rounds.rounds > 0 {
        notes.push(Note::Ramp {
            budget: policy.budget(),
            share,
        });
    }
    notes.append(&mut rounds.notes);
    rounds.notes = notes;
    if let Some(memory) = memory.filter(|_| rounds.rounds > 0) {
        if let (Some(round), Delay::Auto) = (rounds.largest, target.delay) {
            memory.record(
                &name,
                round.sent,
                round.last_arrival_ms,
                round.hold_ms,
                round.reached_all,
            );
        }
        memory.record_reached(&name, rounds.count.reached());
    }
    let mut report = TargetReport::new(name, target.mode, target.concurrency);
    report.capped = decision.cap;
    report.guard_unreadable = guard_unreadable;
    write_report(&mut report, rounds, n);
    report.elapsed_ms = millis(started.elapsed());
    report.finish();
    report
}

/// How many new environments one round may start: all N when Lambda's scaling rate can start
/// them in one period (N at most [`SCALING_ENVIRONMENTS`]: coverage in one round), else the
/// run's share of that rate, so that user requests keep part of it while a larger fleet ramps.
fn ramp_budget(n: u32, share: f64) -> u32 {
    if n <= SCALING_ENVIRONMENTS {
        n
    } else {
        scaling_budget(share)
    }
}

/// Asks the policy for rounds and sends them until it says stop; a first `auto` round with
/// `learn` learns its hold from a probe round ([`send_learnt`]).
async fn send_rounds<S: Sender>(
    sender: &S,
    policy: &mut Policy,
    auto_hold_ms: u64,
    learn: bool,
    options: &RunOptions,
) -> Rounds {
    let deadline = options.deadline.map(Instant::from_std);
    let time_left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let mut rounds = Rounds::default();
    let mut next = policy.first(auto_hold_ms, time_left());
    loop {
        let plan = match next {
            Next::Round(plan) => plan,
            Next::Stop(reason) => {
                let short = rounds.count.reached() < policy.n();
                if reason.is_notable() && (short || rounds.rounds > 1) {
                    rounds.notes.push(Note::Stopped(reason));
                }
                return rounds;
            }
        };
        tokio::time::sleep(plan.wait).await;
        let round_clock = Instant::now();
        let sent = if learn && plan.round == 1 && matches!(plan.hold, Hold::Until(_)) {
            send_learnt(sender, &plan, &options.auto_delay, deadline).await
        } else {
            sender.send(&plan).await
        };
        let measured = merge_round(
            &mut rounds,
            sent,
            &plan,
            sender.shards_for(plan.send),
            policy.n(),
        );
        next = policy.after(&measured, round_clock.elapsed(), time_left());
    }
}

/// Merges one round into the run's rounds and measures it for the policy.
fn merge_round(
    rounds: &mut Rounds,
    sent: Sent,
    plan: &RoundPlan,
    shard_count: u32,
    n: u32,
) -> Measured {
    let arrivals = sent.arrivals_from_start();
    let Sent {
        count,
        hold_ms,
        dispatch_spread,
        mut notes,
        mut shards,
        ..
    } = sent;
    let measured = Measured {
        sent: plan.send,
        reached: count.reached(),
        new: 0,
        total: 0,
        hold_ms,
        last_arrival_ms: arrivals.map(|(_, last)| last),
        concurrency_throttles: count.throttled_by(ThrottleKind::Concurrency),
        other_throttles: count.throttled_by(ThrottleKind::Other),
        failures: count.failed_after_sending(),
        function_errors: count.function_errors,
        unknown: count.unknown,
        not_found: count.not_found.is_some(),
    };
    let added = rounds.count.merge(count);
    rounds.rounds = plan.round;
    if plan.round == 1 {
        rounds.first_hold_ms = hold_ms;
        rounds.first_spread = dispatch_spread;
        rounds.first_arrivals = arrivals;
    }
    let larger = rounds.largest.is_none_or(|l| plan.send >= l.sent);
    if let Some((_, last)) = arrivals.filter(|_| larger) {
        rounds.largest = Some(Largest {
            sent: plan.send,
            last_arrival_ms: last,
            hold_ms,
            reached_all: measured.reached >= plan.send,
        });
    }
    let total = rounds.count.reached();
    if plan.round > 1 || shard_count > 0 {
        notes.push(Note::Round {
            round: plan.round,
            sent: plan.send,
            shards: shard_count,
            hold_ms,
            reached: measured.reached,
            new: added.new,
            total,
            n,
        });
    }
    rounds.notes.append(&mut notes);
    rounds.shards.append(&mut shards);
    Measured {
        new: added.new,
        total,
        ..measured
    }
}

/// Writes what the rounds found into `report` (counts, holds, arrivals, notes as sentences).
pub(crate) fn write_report(report: &mut TargetReport, rounds: Rounds, n: u32) {
    let Rounds {
        count,
        notes,
        shards,
        rounds,
        first_hold_ms,
        first_spread,
        first_arrivals,
        largest: _,
    } = rounds;
    report.set_counts(&count);
    report.rounds = rounds;
    report.delay_ms = first_hold_ms;
    report.dispatch_spread_ms = first_spread.as_secs_f64() * 1000.0;
    if let Some((first, last)) = first_arrivals {
        report.arrival_spread_ms = Some(last - first);
        report.last_arrival_ms = Some(last);
    }
    report.shards = shards;
    if let Some(message) = &count.not_found {
        report.error = Some(format!(
            "function `{}` not found (ResourceNotFoundException: {message}): check the name, the qualifier and the region",
            report.function
        ));
    }
    let mut notes = notes;
    if let Some(max) = count.max_concurrency {
        notes.push(Note::ManagedInstances { max, n });
    }
    if let (None, Some(failure)) = (&report.error, &count.first_failure) {
        notes.push(Note::FirstFailure(failure.clone()));
    }
    if let Some(answer) = &count.first_unknown {
        notes.push(Note::FirstUnknown(answer.clone()));
    }
    report.notes.extend(notes.iter().map(Note::to_string));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_one_scaling_period_can_start_is_one_round_and_a_larger_one_ramps_at_its_share() {
        assert_eq!(ramp_budget(1_000, 0.8), 1_000);
        assert_eq!(ramp_budget(50, 0.8), 50);
        assert_eq!(ramp_budget(2_000, 0.8), 800);
        assert_eq!(ramp_budget(1_001, 0.5), 500);
    }

    /// A round of `send` warm-ups held `hold_ms` whose `reached` answers came `last_ms` after
    /// its start.
    fn round(send: u32, reached: u32, last_ms: u64, hold_ms: u64) -> (RoundPlan, Sent) {
        let start = std::time::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut sent = Sent::starting(start, hold_ms);
        let at = 1_000_000 + last_ms;
        for i in 0..reached {
            sent.count
                .warmed(&format!("env-{i}"), true, hold_ms, Some(at));
        }
        let plan = RoundPlan {
            round: 1,
            send,
            hold: Hold::Until(hold_ms),
            hold_ms,
            wait: Duration::ZERO,
            top_up: false,
        };
        (plan, sent)
    }

    /// A ramped first run's first round sends only the budget: the memory keeps the largest
    /// round, whose warm-ups are as many as the next run will send at once.
    #[test]
    fn the_memory_keeps_the_largest_round_of_a_run() {
        let mut rounds = Rounds::default();
        for (i, (send, reached, last_ms, hold_ms)) in [
            (800, 800, 654, 887),
            (1_600, 1_600, 2_100, 4_099),
            (2_000, 1_990, 2_900, 4_099),
        ]
        .into_iter()
        .enumerate()
        {
            let (mut plan, sent) = round(send, reached, last_ms, hold_ms);
            plan.round = i as u32 + 1;
            merge_round(&mut rounds, sent, &plan, 4, 2_000);
        }
        assert_eq!(rounds.first_hold_ms, 887);
        assert_eq!(
            rounds.largest,
            Some(Largest {
                sent: 2_000,
                last_arrival_ms: 2_900,
                hold_ms: 4_099,
                reached_all: false,
            })
        );
        // A later round of the same size (a top-up) replaces it; a smaller one does not.
        let (mut plan, sent) = round(2_000, 2_000, 300, 8_000);
        plan.round = 4;
        merge_round(&mut rounds, sent, &plan, 4, 2_000);
        let (mut plan, sent) = round(10, 10, 5, 100);
        plan.round = 5;
        merge_round(&mut rounds, sent, &plan, 4, 2_000);
        assert_eq!(
            rounds
                .largest
                .map(|l| (l.sent, l.last_arrival_ms, l.reached_all)),
            Some((2_000, 300, true))
        );
    }
}
