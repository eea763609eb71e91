//! The warmer Lambda: a scheduled function that warms its targets and returns the report.
//!
//! It accepts three event shapes:
//!
//! - the classic warmer's `{"functionName": "orders", "concurrency": 50, "delay": 300}`
//!   (`delay` and `qualifier` optional; `delay` defaults to `auto`);
//! - `{"targets": [...]}` with the full [`Target`](crate::target::Target) shape;
//! - an empty event (`{}`, `null`, or an EventBridge `Scheduled Event` with no input): the
//!   targets come from the `WARMER_CONFIG` environment variable, a JSON array of targets or
//!   `{"targets": [...]}`.
//!
//! `{"targets": [...]}` (and `WARMER_CONFIG` in that shape) may carry `max_share`, the run's
//! share for the concurrency guard ([`crate::engine::guard`]); the classic event spells it
//! `maxShare` ([`crate::event`]). Every shape is checked by [`crate::rules::check_targets`],
//! the rules every entry path uses.
//!
//! `WARMER_CONFIG` is also the warmer's brief ([`crate::brief`]): an event, or a shard event,
//! may ask for no more than it allows, and a copy of the warmer re-reads the guard's limits
//! before it sends its shard. Anything else is refused with an error naming the field, and the
//! refusal is logged too (asynchronous invokes discard the return value) and counted in the
//! heartbeat line ([`crate::heartbeat`]: `Runs`, `GuardUnreadable`, `Refused`). The run is bounded by the invocation's own
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

use crate::engine::{ShardRequest, guard};
pub use crate::event::{
    CONFIG_ENV, ClassicEvent, EventError, Invocation, WarmRequest, brief_from_config,
    invocation_from_event, request_from_event, targets_from_event,
};
use crate::heartbeat::{self, Beat};
use crate::rules;

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

/// The warmer Lambda's state for the life of its execution environment.
#[derive(Debug, Clone)]
struct Warmer {
    client: aws_sdk_lambda::Client,
    namespace: String,
    config: Option<String>,
    /// `WARMER_CONFIG` as the brief, or why it cannot be one (then every event is refused).
    brief: Result<Option<WarmRequest>, String>,
    /// Kept between runs: the next scheduled run of a target holds at least as long as the
    /// last one's arrivals took.
    memory: Arc<ArrivalMemory>,
    /// Autopilot's CloudWatch client, made on the first run with an `auto` target.
    cloudwatch: Arc<tokio::sync::OnceCell<aws_sdk_cloudwatch::Client>>,
}

/// Runs the warmer Lambda: reads the environment, builds one client, and serves invocations.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crate::logging::init();
    let client = client(&ClientOptions {
        endpoint_url: std::env::var(ENDPOINT_ENV).ok().filter(|u| !u.is_empty()),
        region: None,
    })
    .await;
    let config = std::env::var(CONFIG_ENV).ok();
    let warmer = Warmer {
        client,
        namespace: std::env::var(NAMESPACE_ENV)
            .unwrap_or_else(|_| DEFAULT_METRICS_NAMESPACE.to_owned()),
        brief: brief_from_config(config.as_deref()).map_err(|e| e.to_string()),
        config,
        memory: Arc::new(ArrivalMemory::default()),
        cloudwatch: Arc::default(),
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let warmer = warmer.clone();
        async move { warmer.handle(event).await }
    }))
    .await
}

impl Warmer {
    /// One invocation: a run or a shard, held to the brief; a refusal is logged (asynchronous
    /// invokes discard the return value) and counted in the heartbeat.
    async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, EventError> {
        let name = event.context.env_config.function_name.clone();
        let answer = self.answer(event).await;
        if let Err(error) = &answer {
            match error {
                EventError::Brief(_) => tracing::warn!(error = %error, "warmer event refused"),
                _ => tracing::error!(error = %error, "warmer event refused"),
            }
            println!("{}", heartbeat::line(&self.namespace, &name, Beat::Refused));
        }
        answer
    }

    async fn answer(&self, event: LambdaEvent<Value>) -> Result<Value, EventError> {
        let brief = self.brief.clone().map_err(EventError::BadConfig)?;
        let invocation = invocation_from_event(&event.payload, self.config.as_deref())?;
        let deadline = run_deadline(event.context.deadline(), Instant::now());
        match invocation {
            Invocation::Shard(mut shard) => {
                if let Some(brief) = &brief {
                    refuse(crate::brief::check_shard(&shard, brief))?;
                }
                let share = brief.as_ref().and_then(|b| b.max_share);
                self.reguard(&mut shard, share, deadline).await;
                let grace = RunOptions::default().invoke_grace;
                let answer = warm_shard(&self.client, &shard, Some(deadline), grace).await;
                crate::logging::log_shard(&shard, &answer);
                Ok(serde_json::to_value(answer).unwrap_or_default())
            }
            Invocation::Run(mut request) => {
                match &brief {
                    Some(brief) => {
                        refuse(crate::brief::check(&request, brief))?;
                        crate::brief::fill(&mut request, brief);
                    }
                    None => tracing::warn!(
                        "no {CONFIG_ENV}: this warmer has no brief and does what any invoker asks (within IAM); `warmer render` sets one"
                    ),
                }
                let name = event.context.env_config.function_name.clone();
                let version = event.context.env_config.version.clone();
                let report = self.run(request, &name, version, deadline).await;
                Ok(serde_json::to_value(report).unwrap_or_default())
            }
        }
    }

    /// A coordinator's run over `request`, its logs, EMF lines and heartbeat.
    async fn run(
        &self,
        request: WarmRequest,
        name: &str,
        version: String,
        deadline: Instant,
    ) -> crate::engine::RunReport {
        // Copies of this very function (its name and the version it runs) warm the shards of
        // a large target.
        let mut via = ShardVia::new(name, Some(version));
        if let Some(size) = request.shard_size {
            via.shard_size = size;
        }
        let cloudwatch = match request.targets.iter().any(|t| t.auto.is_some()) {
            true => Some(self.cloudwatch().await),
            false => None,
        };
        let defaults = RunOptions::default();
        let options = RunOptions {
            cloudwatch,
            deadline: Some(deadline),
            metrics_namespace: self.namespace.clone(),
            max_share: request.max_share.unwrap_or(defaults.max_share),
            memory: Some(self.memory.clone()),
            shards: (!name.is_empty()).then_some(via),
            ..defaults
        };
        let report = warm(&self.client, &request.targets, &options).await;
        crate::logging::log_report(&report);
        for line in report.emf_lines(&self.namespace) {
            println!("{line}");
        }
        let guard_unreadable = report.targets.iter().filter(|t| t.guard_unreadable).count();
        let beat = Beat::Ran {
            guard_unreadable: u32::try_from(guard_unreadable).unwrap_or(u32::MAX),
        };
        println!("{}", heartbeat::line(&self.namespace, name, beat));
        report
    }

    /// Autopilot's CloudWatch client (the standard chain: the function's role, its region).
    async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        let client = self
            .cloudwatch
            .get_or_init(|| crate::autopilot::cloudwatch_client(None, None));
        client.await.clone()
    }

    /// The copy's own guard: reads the target's limits and holds at most the share of them,
    /// whatever the coordinator asked.
    async fn reguard(&self, shard: &mut ShardRequest, share: Option<f64>, deadline: Instant) {
        let target = std::slice::from_ref(&shard.target);
        let limits = guard::read(&self.client, target, Some(deadline)).await;
        let share = shard
            .target
            .max_share
            .or(share)
            .unwrap_or(rules::DEFAULT_MAX_SHARE);
        if let Some(decision) = guard::plan(target, &limits, share).pop()
            && decision.n < shard.target.concurrency
        {
            tracing::warn!(
                asked = shard.target.concurrency,
                allowed = decision.n,
                "shard capped by this copy's own guard"
            );
            shard.target.concurrency = decision.n.max(1);
        }
    }
}

/// Refuses an event that breaks the brief.
fn refuse(problems: Vec<rules::Problem>) -> Result<(), EventError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EventError::Brief(problems))
    }
}
