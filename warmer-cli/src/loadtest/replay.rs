//! User traffic from a [`Trace`] on a compressed clock, optionally with a warmer running
//! beside it: what a warming strategy does to the requests it is meant to protect.
//!
//! The trace's time axis is compressed by `speed` (at 288, a day of trace takes 5 minutes)
//! while its rates stay requests per real second, so that concurrency (rate × duration) is
//! the trace's own. The warmer beside it runs every `every_minutes` of trace time. Each user
//! request is a synchronous invoke whose answer says cold or warm ([`Classification`]); a 429
//! from Lambda counts as throttled. Warm-ups are counted apart from user requests, with the
//! environment-seconds they asked to hold.
//!
//! Compressing the clock does not compress a warm-up's hold or a request's duration: a
//! warm-up that holds 100 ms every 5 trace-minutes holds for `speed` times more of the real
//! time than it would on the trace's own clock, so the cost of holding measured here is an
//! upper bound.
//!
//! ```no_run
//! # async fn demo(client: aws_sdk_lambda::Client) -> anyhow::Result<()> {
//! use std::time::Duration;
//! use warmer_cli::loadtest::replay::{Replay, Warming};
//! use warmer_cli::loadtest::trace::Trace;
//!
//! let replay = Replay {
//!     client,
//!     function: "orders".into(),
//!     trace: Trace::load("bursty")?,
//!     speed: 288.0,
//!     body: bytes::Bytes::from_static(b"{}"),
//!     threshold: Duration::from_millis(500),
//!     timeout: Duration::from_secs(30),
//!     warming: Warming::Fixed { n: 10, every_minutes: 5 },
//!     run_options: warmer_fn::engine::RunOptions::default(),
//! };
//! let report = replay.run().await;
//! println!("{report}");
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use bytes::Bytes;
use serde::Serialize;
use tokio::task::JoinSet;
use warmer_fn::engine::{RunOptions, warm};
use warmer_fn::target::Target;

use super::classify::{Classification, Start};
use super::report::Percentiles;
use super::runner::{InvokeFailure, invoke_classified};
use super::trace::Trace;
use crate::config::Warmer;

/// The first instant of trace time, for windows of a warmer's profiles: a Monday, 00:00 UTC.
pub const TRACE_EPOCH: &str = "2026-11-30T00:00:00Z";

/// What warms the function beside the traffic.
#[derive(Debug, Clone)]
pub enum Warming {
    /// Nothing.
    None,
    /// The classic scheme of other warmers: `n - 1` asynchronous (`Event`) invokes and one
    /// synchronous, each asking the function to hold a fixed `delay_ms`, sent as
    /// lambda-warmer's fan-out children (which warm-sdk reads).
    Classic {
        /// Environments asked for.
        n: u32,
        /// Trace minutes between runs.
        every_minutes: u32,
        /// The fixed hold (lambda-warmer's default: 75 ms).
        delay_ms: u64,
    },
    /// The engine with the same N at every run, every other setting its default.
    Fixed {
        /// Environments asked for.
        n: u32,
        /// Trace minutes between runs.
        every_minutes: u32,
    },
    /// Autopilot: at each run the N that [`warmer_fn::autopilot::choose`] gives for the
    /// function's concurrency over the rule's window before the run, read from `history` (one
    /// sample per trace minute, the `ConcurrentExecutions` the trace makes, warm-ups not in
    /// it: what autopilot reads once it has left its own runs out).
    Autopilot {
        /// The rule.
        rule: warmer_fn::autopilot::AutoRule,
        /// Concurrency per trace minute (index = minute of the trace, wrapping).
        history: Vec<f64>,
        /// Trace minutes between runs.
        every_minutes: u32,
    },
    /// The engine with the N a warmer's schedule (its profiles) gives at each run's trace time
    /// (trace time 0 is [`TRACE_EPOCH`]); the warmer's first target is the one warmed.
    Schedule {
        /// The warmer (its targets name the function).
        warmer: Box<Warmer>,
        /// Trace minutes between runs.
        every_minutes: u32,
    },
}

impl Warming {
    /// A short name for tables.
    pub fn label(&self) -> String {
        match self {
            Warming::None => "no warmer".into(),
            Warming::Classic { n, delay_ms, .. } => {
                format!("classic (N-1 Event + 1 sync, {delay_ms} ms), N {n}")
            }
            Warming::Fixed { n, .. } => format!("warmer, defaults, N {n}"),
            Warming::Autopilot { rule, .. } => format!(
                "warmer, autopilot (min {}, max {}, headroom {:.0} %, window {} min)",
                rule.min,
                rule.max,
                rule.headroom * 100.0,
                rule.window_minutes
            ),
            Warming::Schedule { warmer, .. } => format!(
                "warmer, planned: N {} outside {} windows{}",
                warmer.targets.first().map_or(0, |t| t.concurrency),
                warmer.profiles.len(),
                warmer
                    .profiles
                    .iter()
                    .map(|p| format!(", {} {} N {}", p.days, p.hours, p.concurrency))
                    .collect::<String>()
            ),
        }
    }

    fn every_minutes(&self) -> Option<u32> {
        match self {
            Warming::None => None,
            Warming::Classic { every_minutes, .. }
            | Warming::Fixed { every_minutes, .. }
            | Warming::Autopilot { every_minutes, .. }
            | Warming::Schedule { every_minutes, .. } => Some((*every_minutes).max(1)),
        }
    }
}

/// The N autopilot chooses at `trace_second` from `history` (concurrency per trace minute):
/// the peak of the rule's window of whole minutes before the run, through
/// [`warmer_fn::autopilot::choose`], as the warmer Lambda does with what it reads.
///
/// ```
/// use warmer_fn::autopilot::AutoRule;
/// let history = vec![1.0, 1.0, 10.0, 1.0, 1.0, 1.0];
/// let rule = AutoRule { window_minutes: 3, ..AutoRule::default() };
/// // At minute 4 the window is minutes 1-3: peak 10, 12 with 20 % headroom.
/// assert_eq!(warmer_cli::loadtest::replay::autopilot_n(&rule, &history, 4.0 * 60.0), 12);
/// // At minute 6 it is minutes 3-5: peak 1, 2 (1.2 rounded up).
/// assert_eq!(warmer_cli::loadtest::replay::autopilot_n(&rule, &history, 6.0 * 60.0), 2);
/// ```
pub fn autopilot_n(
    rule: &warmer_fn::autopilot::AutoRule,
    history: &[f64],
    trace_second: f64,
) -> u32 {
    use warmer_fn::autopilot::{Demand, NoData, choose};
    let minute = (trace_second / 60.0).floor() as i64;
    let len = history.len() as i64;
    let window = i64::from(rule.window_minutes);
    let demand = if len == 0 {
        Demand::NoData(NoData::NoDataPoints)
    } else {
        let peak = (minute - window..minute)
            .map(|m| history[m.rem_euclid(len) as usize])
            .fold(0.0, f64::max);
        Demand::Seen {
            peak,
            minutes: window as usize,
            own_runs_left_out: 0,
        }
    };
    choose(rule, &demand).n
}

/// A replay of a trace against one function.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The Lambda client (its endpoint may be a local Lambda service).
    pub client: aws_sdk_lambda::Client,
    /// The function the traffic and the warm-ups go to.
    pub function: String,
    /// The traffic.
    pub trace: Trace,
    /// How many times faster than the trace's own clock (1 replays it in real time).
    pub speed: f64,
    /// The user requests' payload.
    pub body: Bytes,
    /// Latency at or above which an answer without an exact cold/warm signal counts as cold.
    pub threshold: Duration,
    /// How long one user request may take before it counts as an error.
    pub timeout: Duration,
    /// The warmer beside the traffic.
    pub warming: Warming,
    /// The engine's options (its deadline is set per run).
    pub run_options: RunOptions,
}

/// What a replay measured.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// The trace's name.
    pub trace: String,
    /// The strategy ([`Warming::label`]).
    pub strategy: String,
    /// Clock compression.
    pub speed: f64,
    /// User requests sent.
    pub requests: u32,
    /// Answered by an environment that started for it.
    pub cold: u32,
    /// Answered by a warm environment.
    pub warm: u32,
    /// Refused by Lambda with 429 (`TooManyRequestsException`).
    pub throttled: u32,
    /// Failed otherwise (function error, timeout, transport).
    pub errors: u32,
    /// Latency of answered user requests, in ms.
    pub latency: Option<Percentiles>,
    /// Warm-up invocations sent.
    pub warmup_invocations: u32,
    /// Warmer runs.
    pub warmer_runs: u32,
    /// Environment-seconds held by warm-ups: for the engine, its report's `held_env_seconds`
    /// (the hold each answer reports); for the classic warmer, whose `Event` invokes do not
    /// answer, the fixed hold of every accepted warm-up.
    pub env_seconds_held: f64,
    /// Wall-clock length of the replay, in seconds.
    pub elapsed_s: f64,
}

impl fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (p50, p99) = self
            .latency
            .as_ref()
            .map_or((f64::NAN, f64::NAN), |p| (p.p50, p.p99));
        writeln!(
            f,
            "{} with {} at {}x: {} user requests, {} cold, {} warm, {} throttled, {} errors; \
             p50 {p50:.1} ms, p99 {p99:.1} ms",
            self.trace,
            self.strategy,
            self.speed,
            self.requests,
            self.cold,
            self.warm,
            self.throttled,
            self.errors
        )?;
        writeln!(
            f,
            "warmer: {} runs, {} warm-up invocations, {:.1} environment-seconds held; {:.1} s",
            self.warmer_runs, self.warmup_invocations, self.env_seconds_held, self.elapsed_s
        )
    }
}

/// One user request's outcome.
enum User {
    Answered(Classification),
    Throttled,
    Failed,
}

/// One warmer run: (invocations sent, environment-seconds held).
type RunCost = (u32, f64);

impl Replay {
    /// Replays the whole trace with the warmer beside it and returns what happened.
    pub async fn run(&self) -> ReplayReport {
        let speed = self.speed.max(f64::MIN_POSITIVE);
        let started = Instant::now();
        let shared = Arc::new(self.clone());
        let mut users: JoinSet<(Duration, User)> = JoinSet::new();
        let mut warmers: JoinSet<RunCost> = JoinSet::new();

        let arrivals = self.trace.arrivals(speed);
        let trace_seconds = self.trace.minutes() as f64 * 60.0;
        let runs: Vec<f64> = match self.warming.every_minutes() {
            None => Vec::new(),
            Some(every) => {
                let step = f64::from(every) * 60.0;
                (0..)
                    .map(|k| f64::from(k) * step)
                    .take_while(|t| *t < trace_seconds)
                    .collect()
            }
        };
        // Merge both timelines (real seconds; runs are kept in trace seconds for their
        // windows), warmer runs first at the same instant.
        let mut next_user = arrivals.iter().peekable();
        let mut next_run = runs.iter().peekable();
        loop {
            let (real, at, is_run) = match (next_run.peek(), next_user.peek()) {
                (Some(r), Some(u)) if **r / speed <= **u => (**r / speed, **r, true),
                (Some(r), None) => (**r / speed, **r, true),
                (_, Some(u)) => (**u, **u * speed, false),
                (None, None) => break,
            };
            if is_run {
                next_run.next();
            } else {
                next_user.next();
            }
            let due = started + Duration::from_secs_f64(real);
            tokio::time::sleep_until(due.into()).await;
            let replay = Arc::clone(&shared);
            if is_run {
                warmers.spawn(async move { replay.warm_once(at).await });
            } else {
                users.spawn(async move {
                    let sent = Instant::now();
                    let outcome = replay.user_request().await;
                    (sent.elapsed(), outcome)
                });
            }
        }

        let mut report = ReplayReport {
            trace: self.trace.name().to_owned(),
            strategy: self.warming.label(),
            speed: self.speed,
            requests: 0,
            cold: 0,
            warm: 0,
            throttled: 0,
            errors: 0,
            latency: None,
            warmup_invocations: 0,
            warmer_runs: runs.len() as u32,
            env_seconds_held: 0.0,
            elapsed_s: 0.0,
        };
        let mut latencies = Vec::new();
        while let Some(joined) = users.join_next().await {
            let (latency, outcome) =
                joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            report.requests += 1;
            match outcome {
                User::Answered(classification) => {
                    latencies.push(latency);
                    match classification.start {
                        Start::Cold => report.cold += 1,
                        Start::Warm => report.warm += 1,
                    }
                }
                User::Throttled => report.throttled += 1,
                User::Failed => report.errors += 1,
            }
        }
        while let Some(joined) = warmers.join_next().await {
            let (sent, held) = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            report.warmup_invocations += sent;
            report.env_seconds_held += held;
        }
        report.latency = Percentiles::of(latencies);
        report.elapsed_s = started.elapsed().as_secs_f64();
        report
    }

    async fn user_request(&self) -> User {
        let sent = Instant::now();
        let invoke = invoke_classified(
            &self.client,
            &self.function,
            self.body.clone(),
            sent,
            self.threshold,
        );
        match tokio::time::timeout(self.timeout, invoke).await {
            Ok(Ok(classification)) => User::Answered(classification),
            Ok(Err(InvokeFailure::Throttled(_))) => User::Throttled,
            Ok(Err(InvokeFailure::Failed(_))) | Err(_) => User::Failed,
        }
    }

    /// One warmer run at `trace_second`: what it sent and asked to hold.
    async fn warm_once(&self, trace_second: f64) -> RunCost {
        match &self.warming {
            Warming::None => (0, 0.0),
            Warming::Classic { n, delay_ms, .. } => self.classic(*n, *delay_ms).await,
            Warming::Fixed { n, .. } => self.engine(*n).await,
            Warming::Autopilot { rule, history, .. } => {
                let n = autopilot_n(rule, history, trace_second);
                self.engine(n).await
            }
            Warming::Schedule { warmer, .. } => {
                let epoch: chrono::DateTime<chrono::Utc> =
                    TRACE_EPOCH.parse().expect("TRACE_EPOCH is a valid time");
                let at = epoch + chrono::Duration::milliseconds((trace_second * 1000.0) as i64);
                let n = warmer
                    .schedule_at(at)
                    .ok()
                    .flatten()
                    .and_then(|window| window.targets.first().map(|t| t.concurrency))
                    .unwrap_or(0);
                if n == 0 {
                    return (0, 0.0);
                }
                self.engine(n).await
            }
        }
    }

    async fn engine(&self, n: u32) -> RunCost {
        let target = Target::new(&self.function, n);
        let options = RunOptions {
            deadline: Some(Instant::now() + Duration::from_secs(20)),
            ..self.run_options.clone()
        };
        let report = warm(&self.client, std::slice::from_ref(&target), &options).await;
        report.targets.iter().fold((0, 0.0), |(sent, held), t| {
            let invocations = t.reached + t.duplicates + t.unknown + t.failed + t.throttled;
            (sent + invocations, held + t.held_env_seconds)
        })
    }

    async fn classic(&self, n: u32, delay_ms: u64) -> RunCost {
        let correlation = uuid::Uuid::new_v4().to_string();
        let mut sends = JoinSet::new();
        for invocation in 1..=n {
            let client = self.client.clone();
            let function = self.function.clone();
            let payload = serde_json::json!({
                "warmer": true,
                "delay": delay_ms,
                "__WARMER_INVOCATION__": invocation,
                "__WARMER_CONCURRENCY__": n,
                "__WARMER_CORRELATIONID__": correlation,
            });
            // lambda-warmer sends the last one synchronously and the others as Event.
            let kind = if invocation == n {
                InvocationType::RequestResponse
            } else {
                InvocationType::Event
            };
            sends.spawn(async move {
                client
                    .invoke()
                    .function_name(function)
                    .invocation_type(kind)
                    .payload(Blob::new(payload.to_string()))
                    .send()
                    .await
                    .is_ok()
            });
        }
        let mut accepted = 0;
        while let Some(joined) = sends.join_next().await {
            if joined.unwrap_or(false) {
                accepted += 1;
            }
        }
        (n, f64::from(accepted) * delay_ms as f64 / 1000.0)
    }
}
