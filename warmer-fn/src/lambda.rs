//! The warmer Lambda: a scheduled function that warms its targets and returns the report.
//!
//! It accepts three event shapes:
//!
//! - the classic warmer's `{"functionName": "orders", "concurrency": 50, "delay": 300}`
//!   (`delay` and `qualifier` optional; `delay` defaults to `auto`);
//! - `{"targets": [...]}` with the full [`Target`] shape;
//! - an empty event (`{}`, `null`, or an EventBridge `Scheduled Event` with no input): the
//!   targets come from the `WARMER_CONFIG` environment variable, a JSON array of targets or
//!   `{"targets": [...]}`.
//!
//! `{"targets": [...]}` (and `WARMER_CONFIG` in that shape) and the classic event may carry
//! `max_share`, the run's share for the concurrency guard ([`crate::engine::guard`]). Every
//! shape is checked by [`crate::rules::check_targets`], the rules every entry path uses.
//!
//! Anything else is refused with an error naming the field, and the refusal is logged too
//! (asynchronous invokes discard the return value). The run is bounded by the invocation's own
//! deadline minus a reserve, so the report always comes back. Each run writes, per target, one
//! log line with the whole report ([`crate::logging`], following Lambda's log settings) and one
//! EMF line to stdout (namespace `WARMER_METRICS_NAMESPACE`, default `Warmer`).
//! `WARMER_ENDPOINT_URL` points the client elsewhere (e.g. a local Lambda service).
//!
//! ```
//! use warmer_fn::lambda::targets_from_event;
//!
//! let event = serde_json::json!({"functionName": "orders", "concurrency": 5, "delay": 300});
//! let targets = targets_from_event(&event, None).unwrap();
//! assert_eq!(targets[0].function, "orders");
//! assert_eq!(targets[0].concurrency, 5);
//!
//! let err = targets_from_event(&serde_json::json!({"fn": "orders"}), None).unwrap_err();
//! assert!(err.to_string().contains("`fn`"));
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

use crate::engine::{
    ArrivalMemory, ClientOptions, DEFAULT_METRICS_NAMESPACE, RunOptions, ShardVia, client, warm,
    warm_shard,
};

pub use crate::event::{
    CONFIG_ENV, ClassicEvent, EventError, Invocation, WarmRequest, invocation_from_event,
    request_from_event, targets_from_event,
};

/// The environment variable that overrides the Lambda endpoint.
pub const ENDPOINT_ENV: &str = "WARMER_ENDPOINT_URL";
/// The environment variable naming the EMF namespace.
pub const NAMESPACE_ENV: &str = "WARMER_METRICS_NAMESPACE";

/// The deadline the engine works to: the invocation's deadline minus a reserve (a tenth of the
/// time left, at least 500 ms) so the report is returned in time.
///
/// ```
/// use std::time::{Duration, Instant, SystemTime};
/// let now = Instant::now();
/// let deadline = warmer_fn::lambda::run_deadline(SystemTime::now() + Duration::from_secs(10), now);
/// let left = deadline - now;
/// assert!(left <= Duration::from_secs(9) && left > Duration::from_secs(8));
/// ```
pub fn run_deadline(invocation_deadline: SystemTime, now: Instant) -> Instant {
    let left = invocation_deadline
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let reserve = (left / 10).max(Duration::from_millis(500));
    now + left.saturating_sub(reserve)
}

/// Runs the warmer Lambda: reads the environment, builds one client, and serves invocations.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crate::logging::init();
    let client = client(&ClientOptions {
        endpoint_url: std::env::var(ENDPOINT_ENV).ok().filter(|u| !u.is_empty()),
        region: None,
    })
    .await;
    let namespace =
        std::env::var(NAMESPACE_ENV).unwrap_or_else(|_| DEFAULT_METRICS_NAMESPACE.to_owned());
    let config = std::env::var(CONFIG_ENV).ok();
    // Kept for the life of this environment: the next scheduled run of a target holds at least
    // as long as the last one's arrivals took.
    let memory = Arc::new(ArrivalMemory::default());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let client = client.clone();
        let memory = memory.clone();
        let namespace = namespace.clone();
        let config = config.clone();
        async move {
            // Asynchronous invokes (EventBridge Scheduler) discard the return value, so a
            // refused event is logged too.
            let invocation = invocation_from_event(&event.payload, config.as_deref())
                .inspect_err(|e| tracing::error!(error = %e, "warmer event refused"))?;
            let deadline = run_deadline(event.context.deadline(), Instant::now());
            let defaults = RunOptions::default();
            let request = match invocation {
                Invocation::Shard(shard) => {
                    let answer =
                        warm_shard(&client, &shard, Some(deadline), defaults.invoke_grace).await;
                    crate::logging::log_shard(&shard, &answer);
                    return Ok(serde_json::to_value(answer).unwrap_or_default());
                }
                Invocation::Run(request) => request,
            };
            // Copies of this very function (its name and the version it runs) warm the
            // shards of a large target.
            let env = &event.context.env_config;
            let mut via = ShardVia::new(env.function_name.clone(), Some(env.version.clone()));
            if let Some(size) = request.shard_size {
                via.shard_size = size;
            }
            let options = RunOptions {
                deadline: Some(deadline),
                metrics_namespace: namespace.clone(),
                max_share: request.max_share.unwrap_or(defaults.max_share),
                memory: Some(memory),
                shards: (!env.function_name.is_empty()).then_some(via),
                ..defaults
            };
            let report = warm(&client, &request.targets, &options).await;
            crate::logging::log_report(&report);
            for line in report.emf_lines(&namespace) {
                println!("{line}");
            }
            Ok::<_, EventError>(serde_json::to_value(report).unwrap_or_default())
        }
    }))
    .await
}
