//! Answering a warm-up: hold for the capped delay, log one event, build the response.
//!
//! [`answer`] is what [`WarmLayer`](crate::WarmLayer) and `#[warmable]` handlers call once
//! [`detect`](crate::detect()) has recognised a warm-up:
//!
//! ```
//! use std::time::{Duration, SystemTime, UNIX_EPOCH};
//! use warm_sdk::{answer, detect, Environment, WarmConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let config = WarmConfig::default();
//! let warmup = detect(br#"{"warmer": true, "delay": 5, "index": 1}"#, &config).unwrap();
//! let mut context = lambda_runtime::Context::default();
//! context.request_id = "request-1".into();
//! // Three seconds left before the invocation's deadline.
//! let deadline = SystemTime::now() + Duration::from_secs(3);
//! context.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
//!
//! let invocation = Environment::global().begin_invocation(&context.request_id);
//! let response = answer(&warmup, invocation, &context, &config).await;
//! assert!(response.warmed);
//! assert!(response.delay_ms >= 5);
//! assert_eq!(response.index, Some(1));
//! assert_eq!(response.instance, Environment::global().instance());
//! # }
//! ```
//!
//! The effective delay is the smallest of the requested delay, the configured maximum and the
//! time left before the invocation's deadline minus the configured margin, so a crafted
//! payload cannot hold an environment for long. A warm-up that names an instant to hold until
//! (`hold_until_ms`) holds until then, within the same bounds ([`hold_for`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::Context;

use crate::config::WarmConfig;
use crate::detect::Warmup;
use crate::environment::{Environment, Invocation};
use crate::protocol::WarmupResponse;

/// The message of the one INFO event logged per warm-up (see the
/// [protocol docs](crate::protocol) for the Logs Insights query that counts them).
pub const WARMUP_LOG_MESSAGE: &str = "warm-up answered";

/// Holds for the effective delay (until `hold_until_ms` when the warm-up names one, see
/// [`hold_for`]), logs the warm-up and returns the response to send, with `received_at_ms`.
///
/// Logs exactly one INFO event (message [`WARMUP_LOG_MESSAGE`]) with the fields
/// `request_id`, `function`, `version`, `log_stream`, `instance`, `init_type`, `cold`,
/// `invocations`, `delay_ms`, `requested_delay_ms`, `dialect`, and `max_concurrency` /
/// `concurrent_warm_ups` (Lambda Managed Instances) / `correlation_id` / `index` /
/// `fan_out_requested` when given; plus one WARN event per
/// [`WarmupWarning`](crate::WarmupWarning). See the [module docs](self).
pub async fn answer(
    warmup: &Warmup,
    invocation: Invocation,
    context: &Context,
    config: &WarmConfig,
) -> WarmupResponse {
    let environment = Environment::global();
    // Held until the answer is built: warm-ups that overlap on this environment count each
    // other (several at once only where one environment serves several invocations).
    let held = environment.hold_warm_up();
    let concurrent_warm_ups = (held.held > 1).then_some(held.held);
    let now = SystemTime::now();
    let received_at_ms = now
        .duration_since(UNIX_EPOCH)
        .map(millis)
        .unwrap_or_default();
    let delay = hold_for(warmup, config, context.deadline(), now);
    let env_config = &context.env_config;
    for warning in &warmup.warnings {
        tracing::warn!(
            request_id = %context.request_id,
            instance = environment.instance(),
            "{warning}"
        );
    }
    if let Some(requested) = warmup.fan_out {
        // The warning itself (pushed by detection) says what to do; this names the run.
        tracing::debug!(request_id = %context.request_id, requested, "fan-out not done");
    }
    let logs = config
        .get_warmup_log()
        .logs(WARM_UPS_ANSWERED.fetch_add(1, Ordering::Relaxed));
    let logged = Logged {
        invocation,
        delay,
        concurrent_warm_ups,
        info: logs,
    };
    log_warmup(warmup, context, environment, logged);
    let started = tokio::time::Instant::now();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let held_ms = millis(started.elapsed());
    if let Some(namespace) = config.get_metrics_namespace() {
        crate::metrics::emit(&crate::metrics::warm_up_line(
            namespace,
            &env_config.function_name,
            &context.request_id,
            &env_config.version,
            invocation.cold,
            held_ms,
            crate::metrics::now_ms(),
        ));
    }
    let response = WarmupResponse {
        warmed: true,
        function: env_config.function_name.clone(),
        version: env_config.version.clone(),
        log_stream: env_config.log_stream.clone(),
        instance: environment.instance().to_owned(),
        cold: invocation.cold,
        invocations: invocation.number,
        delay_ms: held_ms,
        correlation_id: warmup.correlation_id.clone(),
        index: warmup.index,
        max_concurrency: environment.max_concurrency(),
        concurrent_warm_ups,
        init_type: Some(environment.init_type().as_str().to_owned()),
        fan_out_requested: warmup.fan_out,
        received_at_ms: Some(received_at_ms),
    };
    drop(held);
    response
}

/// Warm-ups this process has answered: numbers them for [`WarmupLog`](crate::config::WarmupLog).
static WARM_UPS_ANSWERED: AtomicU64 = AtomicU64::new(0);

/// What a warm-up's log lines say beyond the warm-up and its context.
#[derive(Clone, Copy)]
struct Logged {
    invocation: Invocation,
    delay: Duration,
    concurrent_warm_ups: Option<u32>,
    /// Whether this warm-up writes its INFO line ([`WarmupLog`](crate::config::WarmupLog)).
    info: bool,
}

/// The INFO event of one warm-up when `logged.info`, through `tracing` or, without a
/// subscriber, on stderr (with the WARN lines, which the fallback writes always).
fn log_warmup(warmup: &Warmup, context: &Context, environment: &Environment, logged: Logged) {
    if crate::fallback_log::no_subscriber() {
        fallback_lines(warmup, context, environment, logged);
        return;
    }
    if !logged.info {
        return;
    }
    let (invocation, delay) = (logged.invocation, logged.delay);
    let concurrent_warm_ups = logged.concurrent_warm_ups;
    let env_config = &context.env_config;
    tracing::info!(
        request_id = %context.request_id,
        function = %env_config.function_name,
        version = %env_config.version,
        log_stream = %env_config.log_stream,
        instance = environment.instance(),
        init_type = environment.init_type().as_str(),
        cold = invocation.cold,
        invocations = invocation.number,
        delay_ms = millis(delay),
        requested_delay_ms = millis(warmup.delay),
        dialect = warmup.dialect.as_str(),
        max_concurrency = environment.max_concurrency(),
        concurrent_warm_ups,
        correlation_id = warmup.correlation_id.as_deref(),
        index = warmup.index,
        fan_out_requested = warmup.fan_out,
        "{WARMUP_LOG_MESSAGE}"
    );
}

/// Where no `tracing` subscriber is set, the same events written straight to standard error
/// (see [`fallback_log`](crate::fallback_log)).
fn fallback_lines(warmup: &Warmup, context: &Context, environment: &Environment, logged: Logged) {
    use serde_json::Value;
    let Logged {
        invocation,
        delay,
        concurrent_warm_ups,
        info,
    } = logged;
    let json = crate::fallback_log::json_format();
    let now = SystemTime::now();
    for warning in &warmup.warnings {
        crate::fallback_log::write_line(
            "WARN",
            &warning.to_string(),
            &[
                ("request_id", Value::from(context.request_id.as_str())),
                ("instance", Value::from(environment.instance())),
            ],
            json,
            now,
        );
    }
    if !info {
        return;
    }
    let env_config = &context.env_config;
    crate::fallback_log::write_line(
        "INFO",
        WARMUP_LOG_MESSAGE,
        &[
            ("request_id", Value::from(context.request_id.as_str())),
            ("function", Value::from(env_config.function_name.as_str())),
            ("version", Value::from(env_config.version.as_str())),
            ("log_stream", Value::from(env_config.log_stream.as_str())),
            ("instance", Value::from(environment.instance())),
            ("init_type", Value::from(environment.init_type().as_str())),
            ("cold", Value::from(invocation.cold)),
            ("invocations", Value::from(invocation.number)),
            ("delay_ms", Value::from(millis(delay))),
            ("requested_delay_ms", Value::from(millis(warmup.delay))),
            ("dialect", Value::from(warmup.dialect.as_str())),
            (
                "max_concurrency",
                Value::from(environment.max_concurrency()),
            ),
            ("concurrent_warm_ups", Value::from(concurrent_warm_ups)),
            ("correlation_id", Value::from(warmup.correlation_id.clone())),
            ("index", Value::from(warmup.index)),
            ("fan_out_requested", Value::from(warmup.fan_out)),
        ],
        json,
        now,
    );
}

/// The delay a warm-up actually holds: the requested delay, capped by the configured maximum
/// and by the time left before `deadline` minus the configured margin (zero when that time
/// has already run out).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use warm_sdk::{answer::effective_delay, WarmConfig};
///
/// let now = SystemTime::now();
/// let config = WarmConfig::default(); // max 10 s, margin 200 ms
/// let far = now + Duration::from_secs(60);
/// assert_eq!(effective_delay(Duration::from_millis(300), &config, far, now), Duration::from_millis(300));
/// assert_eq!(effective_delay(Duration::from_secs(600), &config, far, now), Duration::from_secs(10));
/// let near = now + Duration::from_millis(700);
/// assert_eq!(effective_delay(Duration::from_secs(5), &config, near, now), Duration::from_millis(500));
/// ```
pub fn effective_delay(
    requested: Duration,
    config: &WarmConfig,
    deadline: SystemTime,
    now: SystemTime,
) -> Duration {
    let left = deadline
        .duration_since(now)
        .unwrap_or_default()
        .saturating_sub(config.get_deadline_margin());
    requested.min(config.get_max_delay()).min(left)
}

/// How long a warm-up holds: with `hold_until_ms`, until that instant (never negative), and
/// never longer than [`effective_delay`] (the requested `delay`, the configured maximum, the
/// invocation's deadline minus the margin); without it, [`effective_delay`]. See the
/// [protocol docs](crate::protocol#holding-until-an-instant) for the clock assumption.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use warm_sdk::{answer::hold_for, detect, WarmConfig};
///
/// let config = WarmConfig::default();
/// let now = UNIX_EPOCH + Duration::from_millis(1_000_000);
/// let far = now + Duration::from_secs(60);
/// let payload = br#"{"warmer": true, "delay": 900, "hold_until_ms": 1000250}"#;
/// let warmup = detect(payload, &config).unwrap();
/// // 250 ms left to the instant: held 250 ms, not the 900 ms of `delay`.
/// assert_eq!(hold_for(&warmup, &config, far, now), Duration::from_millis(250));
/// // Received after the instant: no hold.
/// let late = now + Duration::from_secs(1);
/// assert_eq!(hold_for(&warmup, &config, far, late), Duration::ZERO);
/// // An instant further away than `delay` (a clock running behind): `delay` bounds it.
/// let early = now - Duration::from_secs(5);
/// assert_eq!(hold_for(&warmup, &config, far, early), Duration::from_millis(900));
/// ```
pub fn hold_for(
    warmup: &Warmup,
    config: &WarmConfig,
    deadline: SystemTime,
    now: SystemTime,
) -> Duration {
    let bound = effective_delay(warmup.delay, config, deadline, now);
    match warmup.hold_until_ms {
        // An instant beyond what the clock can hold is far in the future: the bound applies.
        Some(instant_ms) => UNIX_EPOCH
            .checked_add(Duration::from_millis(instant_ms))
            .map_or(bound, |until| {
                until.duration_since(now).unwrap_or_default().min(bound)
            }),
        None => bound,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::detect;

    fn context_with_deadline_in(left: Duration) -> Context {
        let mut context = Context::default();
        context.request_id = "req".to_owned();
        let deadline = SystemTime::now() + left;
        context.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        context
    }

    #[test]
    fn delay_is_capped_by_max_and_deadline() {
        let now = SystemTime::now();
        let config = WarmConfig::new()
            .max_delay(Duration::from_millis(400))
            .deadline_margin(Duration::from_millis(100));
        let far = now + Duration::from_secs(30);
        assert_eq!(
            effective_delay(Duration::from_millis(50), &config, far, now),
            Duration::from_millis(50)
        );
        assert_eq!(
            effective_delay(Duration::from_millis(u64::MAX), &config, far, now),
            Duration::from_millis(400)
        );
        let near = now + Duration::from_millis(250);
        assert_eq!(
            effective_delay(Duration::from_secs(1), &config, near, now),
            Duration::from_millis(150)
        );
        let inside_margin = now + Duration::from_millis(50);
        assert_eq!(
            effective_delay(Duration::from_secs(1), &config, inside_margin, now),
            Duration::ZERO
        );
        let passed = now - Duration::from_secs(1);
        assert_eq!(
            effective_delay(Duration::from_secs(1), &config, passed, now),
            Duration::ZERO
        );
    }

    /// The lines `tracing` writes while `answer` runs with `config` on a warm-up whose delay
    /// is not a number (one WARN line); it holds for no time.
    async fn lines_logged(config: WarmConfig) -> String {
        use std::sync::{Arc, Mutex};
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || SinkWriter(sink.clone()))
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let warmup = detect(br#"{"warmer": true, "delay": "soon"}"#, &config).unwrap();
        let context = context_with_deadline_in(Duration::from_secs(30));
        let invocation = Invocation {
            number: 1,
            cold: true,
        };
        answer(
            &warmup,
            invocation,
            &context,
            &config.max_delay(Duration::ZERO),
        )
        .await;
        let text = buffer.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    struct SinkWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for SinkWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_silenced_warm_up_writes_no_info_line_but_keeps_its_warnings() {
        use crate::config::WarmupLog;
        let every = lines_logged(WarmConfig::new()).await;
        assert_eq!(every.matches(WARMUP_LOG_MESSAGE).count(), 1, "{every}");
        let off = lines_logged(WarmConfig::new().warmup_log(WarmupLog::Off)).await;
        assert_eq!(off.matches(WARMUP_LOG_MESSAGE).count(), 0, "{off}");
        assert!(off.contains("WARN"), "{off}");
    }

    #[tokio::test]
    async fn answer_holds_for_the_capped_delay_and_echoes_the_caller() {
        let config = WarmConfig::new().max_delay(Duration::from_millis(40));
        let warmup = detect(
            br#"{"warmer": true, "delay": 5000, "correlation_id": "run-7", "index": 3}"#,
            &config,
        )
        .unwrap();
        let context = context_with_deadline_in(Duration::from_secs(30));
        let invocation = Invocation {
            number: 4,
            cold: false,
        };
        let started = tokio::time::Instant::now();
        let response = answer(&warmup, invocation, &context, &config).await;
        assert!(started.elapsed() >= Duration::from_millis(40));
        assert!(response.delay_ms >= 40, "{response:?}");
        assert!(response.warmed);
        assert!(!response.cold);
        assert_eq!(response.invocations, 4);
        assert_eq!(response.correlation_id.as_deref(), Some("run-7"));
        assert_eq!(response.index, Some(3));
        assert_eq!(response.instance, Environment::global().instance());
    }

    #[tokio::test]
    async fn overlapping_warm_ups_on_one_environment_count_each_other() {
        let config = WarmConfig::default();
        let warmup = detect(br#"{"warmer": true, "delay": 200}"#, &config).unwrap();
        let context = context_with_deadline_in(Duration::from_secs(30));
        let invocation = Invocation {
            number: 1,
            cold: false,
        };
        let first = answer(&warmup, invocation, &context, &config);
        let second = async {
            // Begins while the first one holds.
            tokio::time::sleep(Duration::from_millis(50)).await;
            answer(&warmup, invocation, &context, &config).await
        };
        let (_, second) = tokio::join!(first, second);
        // Other tests of this process may hold warm-ups on the same (global) environment too.
        assert!(
            second.concurrent_warm_ups.is_some_and(|n| n >= 2),
            "{second:?}"
        );
    }

    #[tokio::test]
    async fn answer_past_the_deadline_does_not_sleep() {
        let config = WarmConfig::default();
        let warmup = detect(br#"{"warmer": true, "delay": 9000}"#, &config).unwrap();
        // Context::default() has a deadline of 0: long gone.
        let response = answer(
            &warmup,
            Invocation {
                number: 1,
                cold: true,
            },
            &Context::default(),
            &config,
        )
        .await;
        assert_eq!(response.delay_ms, 0);
        assert!(response.cold);
    }

    #[tokio::test]
    async fn a_warm_up_holds_until_its_instant_and_says_when_it_received_it() {
        let config = WarmConfig::default();
        let before = SystemTime::now();
        let until = before + Duration::from_millis(60);
        let until_ms = until.duration_since(UNIX_EPOCH).unwrap().as_millis();
        let payload = format!(r#"{{"warmer": true, "delay": 5000, "hold_until_ms": {until_ms}}}"#);
        let warmup = detect(payload.as_bytes(), &config).unwrap();
        let context = context_with_deadline_in(Duration::from_secs(30));
        let invocation = Invocation {
            number: 2,
            cold: false,
        };
        let response = answer(&warmup, invocation, &context, &config).await;
        let after = SystemTime::now();
        assert!(after >= until, "released before the instant");
        assert!(
            response.delay_ms < 1_000
                && after.duration_since(until).unwrap() < Duration::from_secs(2),
            "held to the instant, not for the 5,000 ms delay: {response:?}"
        );
        let received = UNIX_EPOCH + Duration::from_millis(response.received_at_ms.unwrap());
        let before_ms = UNIX_EPOCH
            + Duration::from_millis(before.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64);
        assert!(received >= before_ms && received <= after, "{response:?}");
    }

    #[test]
    fn a_hold_is_never_negative_nor_longer_than_delay_max_or_deadline() {
        let config = WarmConfig::new()
            .max_delay(Duration::from_millis(400))
            .deadline_margin(Duration::from_millis(100));
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let far = now + Duration::from_secs(30);
        let warmup = |until_ms: u64| {
            let payload =
                format!(r#"{{"warmer": true, "delay": 300, "hold_until_ms": {until_ms}}}"#);
            detect(payload.as_bytes(), &config).unwrap()
        };
        // The instant is 200 ms away: 200 ms.
        assert_eq!(
            hold_for(&warmup(1_000_200), &config, far, now),
            Duration::from_millis(200)
        );
        // Past: 0, never negative.
        assert_eq!(
            hold_for(&warmup(999_000), &config, far, now),
            Duration::ZERO
        );
        // Beyond `delay` (300 ms), the maximum (400 ms) and u64::MAX: `delay`.
        for until in [1_000_350, 1_002_000, u64::MAX] {
            assert_eq!(
                hold_for(&warmup(until), &config, far, now),
                Duration::from_millis(300)
            );
        }
        // 250 ms before the deadline, the 100 ms margin leaves 150 ms.
        let near = now + Duration::from_millis(250);
        assert_eq!(
            hold_for(&warmup(1_000_200), &config, near, now),
            Duration::from_millis(150)
        );
    }
}
