//! Sending one target's warm-ups: the probe, the rest of the round, the optional top-up.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_lambda::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_lambda::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use warm_sdk::protocol::WarmupRequest;

use super::RunOptions;
use super::guard::Decision;
use super::outcome::{self, Outcome, Tally};
use super::reason::CallSite;
use super::report::TargetReport;
use crate::target::{Delay, Mode, Target};

/// How long to wait for the probe to reach the wire before going on regardless.
const PROBE_WAIT: Duration = Duration::from_secs(5);
/// The wait before retrying a rate-limit throttle when Lambda names no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// When each invoke of a round was handed to the HTTP connection.
#[derive(Debug)]
pub(crate) struct DispatchClock {
    stamps: Mutex<Vec<Instant>>,
    count: watch::Sender<usize>,
}

impl DispatchClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            stamps: Mutex::new(Vec::new()),
            count: watch::Sender::new(0),
        })
    }

    fn stamp(&self) {
        let now = Instant::now();
        self.stamps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(now);
        self.count.send_modify(|c| *c += 1);
    }

    /// Time between the first and the last stamp.
    fn spread(&self) -> Duration {
        let stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
        match (stamps.iter().min(), stamps.iter().max()) {
            (Some(first), Some(last)) => *last - *first,
            _ => Duration::ZERO,
        }
    }

    /// The mean gap between consecutive stamps, once there are two.
    fn mean_gap(&self) -> Option<Duration> {
        let stamps = self.stamps.lock().unwrap_or_else(|e| e.into_inner());
        let gaps = u32::try_from(stamps.len().checked_sub(1)?)
            .ok()
            .filter(|g| *g > 0)?;
        let (first, last) = (stamps.iter().min()?, stamps.iter().max()?);
        Some((*last - *first) / gaps)
    }
}

tokio::task_local! {
    /// The clock of the round whose first invoke is being sent from this task.
    static ROUND_CLOCK: Arc<DispatchClock>;
}

/// Stamps the round's [`DispatchClock`] when the SDK hands the signed request to the
/// connection.
///
/// Registered once on the run's client rather than on each operation: a per-operation
/// interceptor makes the SDK build a config override for every invoke, about 8 KB each, which
/// at N = 1,000 was an eighth of the warmer's memory. The clock is found through the task-local
/// [`ROUND_CLOCK`], set only around a warm-up's first invoke, so retries and other operations
/// on the client stamp nothing.
#[derive(Debug)]
struct StampTransmit;

impl Intercept for StampTransmit {
    fn name(&self) -> &'static str {
        "StampTransmit"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        // Outside a warm-up's first invoke there is no clock to stamp.
        let _ = ROUND_CLOCK.try_with(|clock| clock.stamp());
        Ok(())
    }
}

/// The run's client: `client` with [`StampTransmit`] registered, built once per run and
/// shared by every target's warm-ups.
pub(crate) fn stamping_client(client: &aws_sdk_lambda::Client) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::from_conf(
        client
            .config()
            .to_builder()
            .interceptor(StampTransmit)
            .build(),
    )
}

/// How long the warm-ups of a round hold.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hold {
    /// Each for this many milliseconds from when its environment receives it (a fixed delay).
    For(u64),
    /// All until this instant (`hold_until_ms`); each also carries the time left at sending as
    /// its `delay`, which is what a function that does not know `hold_until_ms` holds for.
    Until(SystemTime),
}

impl Hold {
    /// The `delay` to send now, in milliseconds, and the instant to hold until, if any.
    fn at_send(self) -> (u64, Option<u64>) {
        match self {
            Hold::For(ms) => (ms, None),
            Hold::Until(until) => {
                let left = until.duration_since(SystemTime::now()).unwrap_or_default();
                (millis(left), Some(epoch_ms(until)))
            }
        }
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch (0 for an instant before it).
pub(crate) fn epoch_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(millis)
        .unwrap_or_default()
}

/// What every invoke of one target shares.
#[derive(Debug, Clone)]
struct Shot {
    client: aws_sdk_lambda::Client,
    target: Arc<Target>,
    correlation_id: Arc<str>,
    deadline: Option<Instant>,
    grace: Duration,
    site: Arc<CallSite>,
    /// The target's whole N, sent as each warm-up's `concurrency` (a shard sends a share of it).
    total: u32,
}

impl Shot {
    /// What the warm-ups of `target` share; each says the target's N is `total`.
    fn new(
        client: &aws_sdk_lambda::Client,
        target: &Target,
        correlation_id: Arc<str>,
        deadline: Option<Instant>,
        grace: Duration,
        total: u32,
    ) -> Self {
        Self {
            client: client.clone(),
            target: Arc::new(target.clone()),
            correlation_id,
            deadline,
            grace,
            site: Arc::new(CallSite::new(client, "lambda:InvokeFunction")),
            total,
        }
    }

    /// The payload of one warm-up, built just before sending, and its `delay`.
    fn payload(&self, index: u32, hold: Hold) -> (Blob, u64) {
        let (delay_ms, hold_until_ms) = hold.at_send();
        let mut request = WarmupRequest::new()
            .delay_ms(delay_ms)
            .correlation_id(&*self.correlation_id)
            .index(index)
            .concurrency(self.total);
        request.hold_until_ms = hold_until_ms;
        request.extra = self.target.payload.clone();
        let blob = Blob::new(serde_json::to_vec(&request).unwrap_or_default());
        (blob, delay_ms)
    }

    /// One invoke, stamped on the clock when given, bounded by the delay plus grace and by the
    /// run's deadline.
    async fn invoke(
        &self,
        payload: Blob,
        kind: InvocationType,
        delay_ms: u64,
        clock: Option<Arc<DispatchClock>>,
    ) -> Outcome {
        let mut until = Instant::now() + Duration::from_millis(delay_ms) + self.grace;
        if let Some(deadline) = self.deadline {
            until = until.min(deadline);
        }
        let request = self
            .client
            .invoke()
            .function_name(&self.target.function)
            .set_qualifier(self.target.qualifier.clone())
            .invocation_type(kind)
            .payload(payload);
        let send = tokio::time::timeout_at(until, request.send());
        let sent = match clock {
            Some(clock) => ROUND_CLOCK.scope(clock, send).await,
            None => send.await,
        };
        match sent {
            Ok(Ok(output)) => outcome::from_output(&output),
            Ok(Err(err)) => outcome::from_error(&err, &self.site),
            Err(_) => Outcome::Failed(
                "DeadlineExceeded".into(),
                "no answer before the run's deadline".into(),
            ),
        }
    }

    /// One warm-up, with at most one retry of a rate-limit throttle after `Retry-After`.
    async fn warm_up(
        self,
        index: u32,
        hold: Hold,
        kind: InvocationType,
        clock: Arc<DispatchClock>,
    ) -> Outcome {
        let (payload, delay_ms) = self.payload(index, hold);
        let first = self
            .invoke(payload, kind.clone(), delay_ms, Some(clock))
            .await;
        if !first.is_rate_throttle() {
            return first;
        }
        let retry_after = match &first {
            Outcome::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        };
        let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
        let retry_at = Instant::now() + wait;
        let fits = self.deadline.is_none_or(|d| {
            retry_at + Duration::from_millis(delay_ms) + Duration::from_millis(100) < d
        });
        if !fits {
            return first;
        }
        tokio::time::sleep_until(retry_at).await;
        // Built again: a hold until an instant leaves less time now.
        let (payload, delay_ms) = self.payload(index, hold);
        self.invoke(payload, kind, delay_ms, None).await
    }
}

/// One round of N warm-ups in flight together.
struct Round {
    shot: Shot,
    clock: Arc<DispatchClock>,
    tasks: JoinSet<Outcome>,
    next_index: u32,
}

impl Round {
    fn new(shot: Shot) -> Self {
        Self::starting_at(shot, 1)
    }

    /// A round whose first warm-up carries `index` (a shard's share starts past the others').
    fn starting_at(shot: Shot, index: u32) -> Self {
        Self {
            shot,
            clock: DispatchClock::new(),
            tasks: JoinSet::new(),
            next_index: index.max(1),
        }
    }

    /// Spawns the warm-ups with the next `count` indexes.
    fn spawn(&mut self, count: u32, hold: Hold) {
        let n = self.shot.target.concurrency;
        for _ in 0..count {
            let index = self.next_index;
            self.next_index += 1;
            // Event mode: the classic N-1 asynchronous invokes and the last one synchronous.
            let kind = if self.shot.target.mode == Mode::Event && index < n {
                InvocationType::Event
            } else {
                InvocationType::RequestResponse
            };
            let shot = self.shot.clone();
            let clock = self.clock.clone();
            self.tasks.spawn(shot.warm_up(index, hold, kind, clock));
        }
    }

    /// Sends the probe and waits until it is on the wire; returns the per-invoke cost.
    /// Outcomes that arrive meanwhile go into the tally.
    async fn probe(
        &mut self,
        k: u32,
        hold: Hold,
        tally: &mut Tally,
        report: &mut TargetReport,
    ) -> Duration {
        let started = Instant::now();
        self.spawn(k, hold);
        let mut count = self.clock.count.subscribe();
        let mut done = 0u32;
        let give_up = started + PROBE_WAIT;
        loop {
            tokio::select! {
                _ = count.wait_for(|c| *c >= k as usize) => break,
                joined = self.tasks.join_next() => match joined {
                    Some(result) => {
                        tally.add(report, joined_outcome(result));
                        done += 1;
                        if tally.not_found.is_some() || done >= k {
                            break;
                        }
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(give_up) => break,
            }
        }
        // The gaps between transmits, not the time to the first one: the first request of a
        // client also pays for credentials and endpoint resolution, which later ones do not.
        self.clock
            .mean_gap()
            .unwrap_or_else(|| started.elapsed() / k.max(1))
    }

    /// Waits for every warm-up of the round.
    async fn drain(&mut self, tally: &mut Tally, report: &mut TargetReport) {
        while let Some(result) = self.tasks.join_next().await {
            tally.add(report, joined_outcome(result));
        }
    }
}

fn joined_outcome(result: Result<Outcome, tokio::task::JoinError>) -> Outcome {
    result.unwrap_or_else(|e| Outcome::Failed("TaskFailed".into(), e.to_string()))
}

/// The instant `hold_ms` after `start`, brought forward so that the time left to it from now
/// is at most half the time left before the deadline ([`fit_to_deadline`]).
pub(crate) fn until(start: SystemTime, hold_ms: u64, deadline: Option<Instant>) -> SystemTime {
    let now = SystemTime::now();
    let elapsed = now.duration_since(start).unwrap_or_default();
    let left = Duration::from_millis(hold_ms).saturating_sub(elapsed);
    now + Duration::from_millis(fit_to_deadline(millis(left), deadline))
}

/// The delay allowed by the deadline: at most half the time left, so the answers still fit.
fn fit_to_deadline(delay_ms: u64, deadline: Option<Instant>) -> u64 {
    match deadline {
        Some(d) => {
            let left = d.saturating_duration_since(Instant::now()).as_millis() as u64;
            delay_ms.min(left / 2)
        }
        None => delay_ms,
    }
}

/// Warms one target with the N the guard decided and reports; `client` is the run's
/// [`stamping_client`]. The target's warm-ups are all in flight at once: it takes N of the
/// run's `permits` (one per warm-up in flight) before sending, so targets that do not fit
/// together wait for each other instead of overrunning the process's file descriptors.
pub(crate) async fn warm_target(
    client: &aws_sdk_lambda::Client,
    target: &Target,
    decision: Decision,
    permits: Arc<Semaphore>,
    correlation_id: Arc<str>,
    options: &RunOptions,
) -> TargetReport {
    let started = Instant::now();
    let mut report = TargetReport::new(target.display_name(), target.mode, target.concurrency);
    if let Err(message) = target.validate() {
        report.error = Some(message);
        report.finish();
        return report;
    }
    report.capped = decision.cap;
    report.notes.extend(decision.notes);
    let n = decision.n;
    if n == 0 {
        // Capped to nothing: any warm-up would take concurrency user requests need.
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        report.finish();
        return report;
    }
    if n > options.max_in_flight {
        report.coverage_known = false;
        report.notes.push(format!(
            "{n} warm-ups cannot all be in flight at once in this process (at most {} here, \
             `max_in_flight`; one Lambda environment has 1,024 file descriptors), so coverage \
             cannot be proven: nothing was sent; the deployed warmer Lambda shards such a \
             target across copies of itself (`warmer warm --via WARMER`, or its schedule)",
            options.max_in_flight
        ));
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        report.finish();
        return report;
    }
    let deadline = options.deadline.map(Instant::from_std);
    let acquire = permits.acquire_many_owned(n);
    let acquired = match deadline {
        Some(d) => tokio::time::timeout_at(d, acquire).await.ok(),
        None => Some(acquire.await),
    };
    let Some(Ok(_permits)) = acquired else {
        report.error = Some(format!(
            "the {n} warm-ups were not sent: the other targets of this run held the process's \
             {} in-flight warm-ups until the deadline; give this target its own warmer or a \
             longer timeout",
            options.max_in_flight
        ));
        report.finish();
        return report;
    };
    let mut sent = target.clone();
    sent.concurrency = n;
    let target = &sent;
    let shot = Shot::new(
        client,
        target,
        correlation_id,
        deadline,
        options.invoke_grace,
        target.concurrency,
    );
    let n = target.concurrency;
    let auto = options.auto_delay;
    let mut tally = Tally::default();
    let mut round = Round::new(shot.clone());

    // The round's start, by the wall clock the environments compare `hold_until_ms` with.
    let round_start = SystemTime::now();
    let delay_ms = match target.delay {
        Delay::Fixed(ms) => {
            let delay = fit_to_deadline(ms, deadline);
            round.spawn(n, Hold::For(delay));
            delay
        }
        Delay::Auto => {
            let k = auto.probe_size(n);
            let remembered = options
                .memory
                .as_ref()
                .and_then(|m| m.hold_ms(&report.function, n, &auto));
            // Before anything is measured: what this target's previous run asked for, or the
            // prior (see `AutoDelay`). The probe holds until that instant.
            let probe_ms = remembered.unwrap_or_else(|| auto.probe_delay_ms(n));
            let probe_until = until(round_start, probe_ms, deadline);
            let per_invoke = round
                .probe(k, Hold::Until(probe_until), &mut tally, &mut report)
                .await;
            // The rest holds as long, or longer when this client dispatches slower than the
            // prior assumed: the probe's environments must not be released before the rest.
            let hold_ms = auto.delay_ms(n, per_invoke).max(probe_ms);
            let rest_until = until(round_start, hold_ms, deadline);
            if tally.not_found.is_none() && n > k {
                let left = rest_until
                    .duration_since(SystemTime::now())
                    .unwrap_or_default();
                if deadline.is_some_and(|d| Instant::now() + left >= d) {
                    let skipped = n - k;
                    report.failed += skipped;
                    *report
                        .failure_types
                        .entry("NotSentBeforeDeadline".into())
                        .or_default() += skipped;
                    report.notes.push(format!(
                        "{skipped} warm-ups were not sent: the run's deadline was too close"
                    ));
                } else {
                    round.spawn(n - k, Hold::Until(rest_until));
                }
            }
            let rest_ms = millis(rest_until.duration_since(round_start).unwrap_or_default());
            if n > k {
                report.notes.push(format!(
                    "auto hold: probe of {k} measured {:.3} ms per invoke; the probe held until {} ms after the round's start, the rest until {rest_ms} ms",
                    per_invoke.as_secs_f64() * 1000.0,
                    millis(probe_until.duration_since(round_start).unwrap_or_default()),
                ));
            }
            if let Some(remembered) = remembered {
                report.notes.push(format!(
                    "auto hold: the previous run of this target asked for {remembered} ms"
                ));
            }
            rest_ms
        }
    };
    round.drain(&mut tally, &mut report).await;
    report.delay_ms = delay_ms;
    report.dispatch_spread_ms = round.clock.spread().as_secs_f64() * 1000.0;
    report.rounds = 1;
    set_arrivals(&mut report, tally.take_arrivals(), round_start);
    if let (Some(memory), Some(last), Delay::Auto) =
        (&options.memory, report.last_arrival_ms, target.delay)
    {
        memory.record(&report.function, n, last, delay_ms, report.reached >= n);
    }

    not_found(&mut report, &tally);

    // Top-up: only for `auto` delays in verify mode, and only when every answer was a valid
    // warm-up and the shortfall came from answers landing on environments already counted.
    let shortfall = n.saturating_sub(report.reached);
    // Answers that are not warm-sdk's (`unknown`) say nothing of environments: a second round
    // would only invoke the function N more times.
    // A warm-up whose connection was never made (`ConnectTimeout`) never reached Lambda: no
    // limit refused it, so it does not stop the top-up either.
    let never_sent = report
        .failure_types
        .get("ConnectTimeout")
        .copied()
        .unwrap_or(0);
    let clean = report.throttled == 0
        && report.failed == never_sent
        && report.function_errors == 0
        && report.unknown == 0;
    if options.top_up
        && target.mode == Mode::Verify
        && target.delay == Delay::Auto
        && shortfall > 0
        && clean
    {
        // The first round's arrivals, where the answers said, else its dispatch spread.
        let spread = report
            .last_arrival_ms
            .map_or(round.clock.spread(), Duration::from_millis)
            .max(round.clock.spread());
        let hold_ms = auto.top_up_delay_ms(delay_ms, spread);
        let fits = deadline.is_none_or(|d| Instant::now() + Duration::from_millis(hold_ms * 2) < d);
        if fits {
            let before = report.reached;
            let mut top_up = Round::new(shot);
            top_up.spawn(
                n,
                Hold::Until(SystemTime::now() + Duration::from_millis(hold_ms)),
            );
            top_up.drain(&mut tally, &mut report).await;
            tally.take_arrivals();
            report.rounds = 2;
            report.notes.push(format!(
                "top-up: the first round reached {before} of {n}; a second round of {n} warm-ups holding until {hold_ms} ms after its start brought it to {}",
                report.reached
            ));
        }
    }
    report.held_env_seconds = tally.held_ms as f64 / 1000.0;

    if let Some(m) = tally.max_concurrency {
        report.notes.push(format!(
            "the function runs on Lambda Managed Instances (up to {m} requests per environment): {n} warm-ups do not need {n} environments"
        ));
    }
    close(&mut report, &tally, started);
    report
}

/// The round's arrival spread and last arrival (from `round_start`) in `report`, from the
/// first and last `received_at_ms` of its answers (epoch milliseconds), when any said.
pub(crate) fn set_arrivals(
    report: &mut TargetReport,
    arrivals: Option<(u64, u64)>,
    round_start: SystemTime,
) {
    if let Some((first, last)) = arrivals {
        report.arrival_spread_ms = Some(last - first);
        report.last_arrival_ms = Some(last.saturating_sub(epoch_ms(round_start)));
    }
}

/// A target-level error when the function or qualifier does not exist.
fn not_found(report: &mut TargetReport, tally: &Tally) {
    if let Some(message) = &tally.not_found {
        report.error = Some(format!(
            "function `{}` not found (ResourceNotFoundException: {message}): check the name, the qualifier and the region",
            report.function
        ));
    }
}

/// The last notes (the first failure, the first answer that was not a warm-up answer), the
/// elapsed time, and [`TargetReport::finish`].
fn close(report: &mut TargetReport, tally: &Tally, started: Instant) {
    if let (None, Some(failure)) = (&report.error, &tally.first_failure) {
        report.notes.push(format!("first failure: {failure}"));
    }
    if let Some(answer) = &tally.first_unknown {
        report.notes.push(format!("first such answer: {answer}"));
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    report.finish();
}

/// What one share of a target found: its report, and its counts by environment (with when
/// its first and last environments received their warm-ups, [`Tally::arrivals`]).
#[derive(Debug)]
pub(crate) struct Share {
    pub(crate) report: TargetReport,
    pub(crate) tally: Tally,
}

/// Sends one share of a target (`target.concurrency` warm-ups, indexes from `first_index`, each
/// saying the target's N is `total`) as one round holding until `hold_until`: what a copy of
/// the warmer Lambda does for the run's coordinator ([`super::shard`]). No probe, no top-up and
/// no guard: the coordinator decided them for the whole target.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn warm_share(
    client: &aws_sdk_lambda::Client,
    target: &Target,
    first_index: u32,
    total: u32,
    hold_until: SystemTime,
    correlation_id: Arc<str>,
    deadline: Option<Instant>,
    grace: Duration,
) -> Share {
    let started = Instant::now();
    let n = target.concurrency;
    let mut report = TargetReport::new(target.display_name(), Mode::Verify, n);
    let mut tally = Tally::default();
    let shot = Shot::new(client, target, correlation_id, deadline, grace, total);
    let round_start = SystemTime::now();
    // The coordinator's instant, kept inside this copy's own deadline.
    let left = millis(hold_until.duration_since(round_start).unwrap_or_default());
    let hold = round_start + Duration::from_millis(fit_to_deadline(left, deadline));
    let mut round = Round::starting_at(shot, first_index);
    round.spawn(n, Hold::Until(hold));
    round.drain(&mut tally, &mut report).await;
    report.delay_ms = millis(hold.duration_since(round_start).unwrap_or_default());
    report.dispatch_spread_ms = round.clock.spread().as_secs_f64() * 1000.0;
    report.rounds = 1;
    set_arrivals(&mut report, tally.arrivals(), round_start);
    report.held_env_seconds = tally.held_ms as f64 / 1000.0;
    not_found(&mut report, &tally);
    close(&mut report, &tally, started);
    Share { report, tally }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hold_until_an_instant_sends_the_time_left_as_its_delay() {
        let until = SystemTime::now() + Duration::from_millis(800);
        let (delay, instant) = Hold::Until(until).at_send();
        assert_eq!(instant, Some(epoch_ms(until)));
        // A function that only knows `delay` holds until the same instant or a little later.
        assert!((790..=800).contains(&delay), "{delay}");
        // An instant already past: no negative delay.
        let past = SystemTime::now() - Duration::from_secs(1);
        assert_eq!(Hold::Until(past).at_send(), (0, Some(epoch_ms(past))));
        // A fixed delay carries no instant.
        assert_eq!(Hold::For(75).at_send(), (75, None));
    }

    #[test]
    fn the_instant_is_measured_from_the_round_start_and_kept_inside_the_deadline() {
        let start = SystemTime::now() - Duration::from_millis(300);
        // 1,000 ms from a start 300 ms ago: about 700 ms from now.
        let left = until(start, 1_000, None)
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        assert!(left <= Duration::from_millis(700) && left >= Duration::from_millis(650));
        // 4 s left before the deadline: at most half of it.
        let deadline = Some(Instant::now() + Duration::from_secs(4));
        let left = until(start, 10_000, deadline)
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        assert!(left <= Duration::from_secs(2), "{left:?}");
        // A hold already over: now.
        let left = until(start, 100, None)
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        assert!(left < Duration::from_millis(10), "{left:?}");
    }
}
