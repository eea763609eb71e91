//! A copy of the warmer's side of a shard: check the request, send the share as one round
//! holding until the coordinator's instant, answer with the share's report and count.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::request::{ShardReport, ShardRequest};
use crate::engine::delay::AutoDelay;
use crate::engine::invoke::{Shot, epoch_ms, millis, stamping_client};
use crate::engine::policy::{Hold, RoundPlan, fit};
use crate::engine::report::TargetReport;
use crate::engine::send::{Local, Sender};
use crate::engine::target_run::{Rounds, write_report};
use crate::rules::{self, DEFAULT_MAX_IN_FLIGHT};
use crate::target::Mode;

/// Warms one shard's share, as a copy of the warmer Lambda does for its coordinator. The
/// request is checked first ([`ShardRequest::problems`]); `own_deadline` (the copy's
/// invocation deadline) and the coordinator's bound the run.
pub async fn warm_shard(
    client: &aws_sdk_lambda::Client,
    request: &ShardRequest,
    own_deadline: Option<std::time::Instant>,
    invoke_grace: Duration,
) -> ShardReport {
    let share = request.target.concurrency;
    let mut report = TargetReport::new(request.target.display_name(), Mode::Verify, share);
    let problems = request.problems(DEFAULT_MAX_IN_FLIGHT);
    if !problems.is_empty() {
        report.error = Some(format!("bad shard request: {}", rules::describe(&problems)));
        report.finish();
        return ShardReport {
            report,
            count: Default::default(),
        };
    }
    let started = Instant::now();
    let coordinator = instant_of(request.deadline_ms);
    let deadline = own_deadline.map_or(coordinator, |own| Instant::from_std(own).min(coordinator));
    let client = stamping_client(client);
    let shot = Shot::new(&client, &request.target, Some(deadline), invoke_grace);
    let permits = Arc::new(Semaphore::new(DEFAULT_MAX_IN_FLIGHT as usize));
    let auto = AutoDelay::default();
    let sender = Local::new(shot, request.correlation_id.as_str().into(), permits, auto)
        .share(request.first_index, request.total);
    // The coordinator's instant, kept inside this copy's own deadline.
    let until = UNIX_EPOCH
        .checked_add(Duration::from_millis(request.hold_until_ms))
        .unwrap_or(UNIX_EPOCH);
    let left = until.duration_since(SystemTime::now()).unwrap_or_default();
    let hold_ms = fit(
        millis(left),
        Some(deadline.saturating_duration_since(Instant::now())),
    );
    let plan = RoundPlan {
        round: request.round,
        send: share,
        hold: Hold::Until(hold_ms),
        hold_ms,
        wait: Duration::ZERO,
        top_up: false,
    };
    let sent = sender.send(&plan).await;
    let count = sent.count.clone();
    let rounds = Rounds {
        first_arrivals: sent.arrivals_from_start(),
        count: sent.count,
        notes: sent.notes,
        rounds: 1,
        first_hold_ms: hold_ms,
        first_spread: sent.dispatch_spread,
        ..Rounds::default()
    };
    write_report(&mut report, rounds, share);
    report.elapsed_ms = millis(started.elapsed());
    report.finish();
    ShardReport { report, count }
}

/// The [`Instant`] of an epoch-milliseconds time (now, when it is past).
fn instant_of(epoch: u64) -> Instant {
    let now = epoch_ms(SystemTime::now());
    Instant::now() + Duration::from_millis(epoch.saturating_sub(now).min(u64::from(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;

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
    fn an_epoch_time_in_the_past_is_now_and_one_at_the_end_of_time_does_not_overflow() {
        let now = Instant::now();
        assert!(instant_of(0) <= now + Duration::from_millis(5));
        let later = instant_of(epoch_ms(SystemTime::now()) + 2_000);
        assert!(later > now + Duration::from_millis(1_500));
        let _ = instant_of(u64::MAX);
    }
}
