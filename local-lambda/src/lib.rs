//! A local AWS Lambda service: the Invoke API in front, a worker manager that keeps a pool of
//! sandboxes per function, and sandboxes that run the real function executable speaking the
//! real Runtime API. Any function in any language runs on it; the AWS SDKs and CLI talk to it
//! with an endpoint URL.
//!
//! How it is built, one module per part:
//! - `frontend`: the Invoke API (`RequestResponse`, `Event`, `DryRun`) and
//!   `/_local/stats`;
//! - `control`: the control plane (`GetFunction[Configuration]`, `GetAccountSettings`,
//!   `Get`/`Put`/`DeleteFunctionConcurrency`);
//! - `pool`: the worker manager (idle sandbox or a new one, concurrency limits, idle reclaim);
//! - `sandbox` and `runtime_api`: one child process and its own Runtime API on 127.0.0.1;
//! - `invoke`: one invocation on a sandbox, with cold start, timeout and log lines;
//! - `events`: the queue of asynchronous invocations;
//! - `logs`: one log stream file per sandbox with `START`/`END`/`REPORT` lines, and `tail`:
//!   the last 4 KB of an invocation's log for `LogType: Tail`;
//! - `body`: request bodies read no further than Lambda's limits;
//! - `errors`: Lambda's errors on the wire and its payload limits.
//!
//! ```no_run
//! use std::time::Duration;
//! use local_lambda::{FunctionConfig, LocalLambda};
//!
//! # async fn run() -> Result<(), local_lambda::Error> {
//! let lambda = LocalLambda::builder()
//!     .function(
//!         FunctionConfig::new("orders", "target/debug/orders")
//!             .timeout(Duration::from_secs(3))
//!             .reserved_concurrency(20),
//!     )
//!     .start()
//!     .await?;
//! println!("aws lambda invoke --endpoint-url {} --function-name orders out.json", lambda.endpoint_url());
//! // ... invoke with aws-sdk-lambda, then:
//! let stats = lambda.function_stats("orders").unwrap();
//! println!("{} cold starts", stats.cold_starts);
//! let report = lambda.shutdown().await;
//! assert!(report.unexecuted_events.is_empty());
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use serde::Serialize;
use tokio::sync::watch;

mod body;
pub mod config;
mod control;
mod errors;
mod events;
mod faults;
mod frontend;
mod invoke;
mod logs;
mod pool;
mod reaper;
mod runtime_api;
mod sandbox;
mod service;
pub mod stats;
mod tail;

pub use config::{ConfigFile, FunctionConfig, FunctionFile, ScalingRate};
pub use events::{AsyncSettings, UnexecutedEvent};
pub use faults::Faults;
pub use stats::{FunctionStats, ServiceStats};

use config::{DEFAULT_ACCOUNT_CONCURRENCY, DEFAULT_IDLE_TIMEOUT};
use pool::Manager;
use sandbox::Placement;
use service::Service;

/// What can go wrong starting or configuring the service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A function setting is out of Lambda's range or unusable.
    #[error("function `{function}`: invalid `{field}`: {reason}")]
    InvalidConfig {
        /// The function.
        function: String,
        /// The setting.
        field: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The config file cannot be read or parsed.
    #[error("config file {}: {reason}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The listening socket cannot be bound.
    #[error("cannot listen on {addr}: {source} (choose another --port, or 0 for any free port)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// No function of that name is registered.
    #[error("function `{function}` is not registered; register it first or check the name")]
    UnknownFunction {
        /// The name asked for.
        function: String,
    },
    /// The logs directory cannot be created.
    #[error("cannot create the logs directory {}: {source}", path.display())]
    LogsDir {
        /// The directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Settings for [`LocalLambda`]; made by [`LocalLambda::builder`].
#[derive(Debug, Clone)]
pub struct LocalLambdaBuilder {
    addr: SocketAddr,
    logs_dir: Option<PathBuf>,
    account_concurrency: u32,
    idle_timeout: Duration,
    region: String,
    shutdown_grace: Duration,
    scaling: Option<ScalingRate>,
    async_settings: AsyncSettings,
    functions: Vec<FunctionConfig>,
}

impl LocalLambdaBuilder {
    /// Listen on this port of 127.0.0.1 (default 0: an ephemeral port).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Listen on this address (e.g. `0.0.0.0:9001` to serve other machines).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Write each log stream to `DIR/FUNCTION/YYYY/MM/DD/[VERSION]<hex>.log` (default: no
    /// files; `Tail` logs work either way).
    pub fn logs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.logs_dir = Some(dir.into());
        self
    }

    /// The account concurrency limit (default 1000), shared by the functions without
    /// reserved concurrency.
    pub fn account_concurrency(mut self, limit: u32) -> Self {
        self.account_concurrency = limit;
        self
    }

    /// How long an idle sandbox is kept before it is reclaimed (default 10 minutes).
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle_timeout = idle;
        self
    }

    /// The region in ARNs and `AWS_REGION` (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// How long [`LocalLambda::shutdown`] waits for running `Event` invocations before it
    /// kills their sandboxes (default 5 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// Lambda's scaling rate per function (default [`ScalingRate::LAMBDA`], 1,000 new
    /// sandboxes every 10 s); `None` turns it off, for a test that starts more sandboxes
    /// at once than Lambda would.
    pub fn scaling_rate(mut self, rate: Option<ScalingRate>) -> Self {
        self.scaling = rate;
        self
    }

    /// The delays before each retry of an `Event` invocation that ended in a function error:
    /// Lambda's are one minute, then two (the default); at most two retries, as Lambda's
    /// `MaximumRetryAttempts`. An empty list turns retries off, for a test that counts runs.
    pub fn async_retries(mut self, delays: Vec<Duration>) -> Self {
        self.async_settings.retry_delays = delays;
        self
    }

    /// `Event` invocations older than this are dropped instead of run (default 6 hours, as
    /// Lambda's `MaximumEventAgeInSeconds`).
    pub fn max_event_age(mut self, age: Duration) -> Self {
        self.async_settings.max_event_age = age;
        self
    }

    /// The most `Event` invocations waiting at once (default 100,000); more are refused with
    /// 429 `TooManyRequestsException`.
    pub fn event_queue_limit(mut self, limit: usize) -> Self {
        self.async_settings.queue_limit = limit;
        self
    }

    /// The most payload bytes of `Event` invocations waiting at once (default 256 MiB); an
    /// event that would pass it is refused with 429 `TooManyRequestsException`. At least
    /// 1 MiB, Lambda's largest `Event` payload, so that any event fits an empty queue.
    pub fn event_queue_bytes(mut self, limit: usize) -> Self {
        self.async_settings.queue_bytes = limit;
        self
    }

    /// Registers a function.
    pub fn function(mut self, config: FunctionConfig) -> Self {
        self.functions.push(config);
        self
    }

    /// Binds the port, registers the functions and starts serving.
    pub async fn start(self) -> Result<LocalLambda, Error> {
        if self.account_concurrency == 0 {
            return Err(Error::InvalidConfig {
                function: "(account)".to_owned(),
                field: "account_concurrency".to_owned(),
                reason: "0 would throttle every invoke; use 1 or more (Lambda's default is 1000)"
                    .to_owned(),
            });
        }
        if let Some(rate) = self.scaling
            && (rate.environments == 0 || rate.per.is_zero())
        {
            return Err(Error::InvalidConfig {
                function: "(account)".to_owned(),
                field: "scaling_rate".to_owned(),
                reason: "environments and per must be above zero (Lambda's is 1000 every 10 s); pass None to turn the limit off".to_owned(),
            });
        }
        let invalid_async = |field: &str, reason: &str| {
            Err(Error::InvalidConfig {
                function: "(account)".to_owned(),
                field: field.to_owned(),
                reason: reason.to_owned(),
            })
        };
        if self.async_settings.retry_delays.len() > 2 {
            return invalid_async(
                "async_retries",
                "Lambda retries an event at most twice (MaximumRetryAttempts 0 to 2); give at most two delays",
            );
        }
        if self.async_settings.max_event_age.is_zero() {
            return invalid_async(
                "max_event_age",
                "must be above zero (Lambda's default is 6 hours)",
            );
        }
        if self.async_settings.queue_limit == 0 {
            return invalid_async(
                "event_queue_limit",
                "0 would refuse every Event invoke; use 1 or more",
            );
        }
        if self.async_settings.queue_bytes < errors::MAX_ASYNC_PAYLOAD {
            return invalid_async(
                "event_queue_bytes",
                "must be at least 1048576 (1 MiB, Lambda's largest Event payload), so that any event fits an empty queue",
            );
        }
        if let Some(dir) = &self.logs_dir {
            std::fs::create_dir_all(dir).map_err(|source| Error::LogsDir {
                path: dir.clone(),
                source,
            })?;
        }
        // `stop` ends the front end and the event dispatcher; `kill` then ends the sandboxes.
        let (stop_tx, stop) = watch::channel(false);
        let (kill_tx, kill) = watch::channel(false);
        // Orphaned helpers of sandboxes are re-parented here rather than to init, so that
        // they can be found and ended with their sandbox (see `reaper`).
        reaper::become_subreaper();
        let streams = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
        let placement = Placement {
            region: self.region.clone(),
            logs_dir: self.logs_dir.clone(),
            shutdown: kill,
            streams: streams.clone(),
        };
        let manager = Arc::new(Manager::new(
            self.account_concurrency,
            self.scaling,
            self.idle_timeout,
            placement,
        ));
        for function in self.functions {
            manager.register(function)?;
        }
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.addr,
            source,
        })?;
        let service = Arc::new(Service {
            manager: manager.clone(),
            events: Arc::new(events::EventQueue::new(self.async_settings)),
            region: self.region,
        });
        tokio::spawn(manager.clone().reclaim_idle());
        tokio::spawn(
            service
                .events
                .clone()
                .dispatch(manager.clone(), stop.clone()),
        );
        let router = frontend::router(service.clone());
        let mut server_shutdown = stop;
        let server = tokio::spawn(async move {
            let stop = async move {
                let _ = server_shutdown.wait_for(|down| *down).await;
            };
            if let Err(e) = axum::serve(listener.tap_io(sandbox::no_delay), router)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("local-lambda front end stopped: {e}");
            }
        });
        Ok(LocalLambda {
            service,
            addr,
            stop: stop_tx,
            kill: kill_tx,
            shutdown_grace: self.shutdown_grace,
            server: Some(server),
            streams,
        })
    }
}

/// A running local Lambda service. Dropping it (or [`LocalLambda::shutdown`]) kills every
/// sandbox process.
#[derive(Debug)]
pub struct LocalLambda {
    service: Arc<Service>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    kill: watch::Sender<bool>,
    shutdown_grace: Duration,
    server: Option<tokio::task::JoinHandle<()>>,
    /// Log streams of every sandbox started, for the final sweep.
    streams: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// What [`LocalLambda::shutdown`] found and did.
#[derive(Debug, Clone, Serialize)]
pub struct ShutdownReport {
    /// Accepted `Event` invocations that never started.
    pub unexecuted_events: Vec<UnexecutedEvent>,
    /// `Event` invocations still running when the grace period ended; their sandboxes were
    /// killed.
    pub interrupted_events: Vec<UnexecutedEvent>,
    /// `Event` invocations that ran, ended in a function error and were waiting for a retry.
    pub pending_retries: Vec<UnexecutedEvent>,
    /// Sandbox processes that were running and have been killed.
    pub sandboxes_stopped: usize,
    /// Every function's figures at shutdown.
    pub stats: Vec<FunctionStats>,
}

impl LocalLambda {
    /// A builder with the defaults: 127.0.0.1 on an ephemeral port, account concurrency
    /// 1000, Lambda's scaling rate, idle timeout 10 minutes, region `us-east-1`, no
    /// functions.
    pub fn builder() -> LocalLambdaBuilder {
        LocalLambdaBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            logs_dir: None,
            account_concurrency: DEFAULT_ACCOUNT_CONCURRENCY,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            region: "us-east-1".to_owned(),
            shutdown_grace: Duration::from_secs(5),
            scaling: Some(ScalingRate::LAMBDA),
            async_settings: AsyncSettings::default(),
            functions: Vec::new(),
        }
    }

    /// The URL to give the AWS SDKs and CLI (`http://127.0.0.1:PORT`).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the service listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ARN invokers see for a function.
    pub fn function_arn(&self, name: &str) -> String {
        self.service.function_arn(name, None)
    }

    /// One function's figures, if it is registered.
    pub fn function_stats(&self, name: &str) -> Option<FunctionStats> {
        self.service.manager.pool(name).map(|p| p.stats())
    }

    /// Every function's figures, in name order.
    pub fn stats(&self) -> Vec<FunctionStats> {
        self.service_stats().functions
    }

    /// Every function's figures and the account-wide ones, as `GET /_local/stats` serves them.
    pub fn service_stats(&self) -> ServiceStats {
        self.service.service_stats()
    }

    /// A function's reserved concurrency now (`GetFunctionConcurrency`): `Ok(None)` when it
    /// has none.
    pub fn function_concurrency(&self, name: &str) -> Result<Option<u32>, Error> {
        self.service
            .manager
            .pool(name)
            .map(|pool| pool.reserved())
            .ok_or_else(|| Error::UnknownFunction {
                function: name.to_owned(),
            })
    }

    /// Sets a function's reserved concurrency for its next invokes, as
    /// `PutFunctionConcurrency` does (0 throttles every invoke). As in Lambda, at least
    /// `min(100, account concurrency)` stays unreserved.
    ///
    /// ```no_run
    /// # async fn run(lambda: local_lambda::LocalLambda) -> Result<(), local_lambda::Error> {
    /// lambda.put_function_concurrency("orders", 5)?;
    /// assert_eq!(lambda.function_concurrency("orders")?, Some(5));
    /// lambda.delete_function_concurrency("orders")?;
    /// assert_eq!(lambda.function_concurrency("orders")?, None);
    /// # Ok(()) }
    /// ```
    pub fn put_function_concurrency(&self, name: &str, reserved: u32) -> Result<(), Error> {
        self.set_reserved(name, Some(reserved))
    }

    /// Removes a function's reserved concurrency (`DeleteFunctionConcurrency`): it shares
    /// the unreserved pool again from its next invoke.
    pub fn delete_function_concurrency(&self, name: &str) -> Result<(), Error> {
        self.set_reserved(name, None)
    }

    fn set_reserved(&self, name: &str, reserved: Option<u32>) -> Result<(), Error> {
        self.service
            .manager
            .set_reserved(name, reserved)
            .map_err(|e| match e {
                pool::ReserveError::NotFound => Error::UnknownFunction {
                    function: name.to_owned(),
                },
                pool::ReserveError::BelowMinimum { minimum } => Error::InvalidConfig {
                    function: name.to_owned(),
                    field: "reserved_concurrency".to_owned(),
                    reason: format!(
                        "it would leave less than {minimum} of the account's concurrency unreserved, which Lambda keeps; lower it or raise account_concurrency"
                    ),
                },
            })
    }

    /// Adds a function, or replaces one of the same name (its counters start again; its
    /// sandboxes are ended, busy ones after their invocation).
    pub fn register(&self, config: FunctionConfig) -> Result<(), Error> {
        self.service.manager.register(config)
    }

    /// Stops taking invokes, waits up to the shutdown grace for running `Event` invocations,
    /// kills every sandbox process and reports what did not run.
    pub async fn shutdown(mut self) -> ShutdownReport {
        let stats = self.stats();
        // Stop the dispatcher and the front end first, so that nothing new starts.
        let _ = self.stop.send(true);
        let drained = self.service.events.drain(self.shutdown_grace).await;
        // Counted here, not before the drain: a sandbox still being placed for an event
        // that the drain interrupted is running by now and is killed with the others.
        let live = self.service.manager.live_sandboxes();
        let _ = self.kill.send(true);
        if let Some(server) = self.server.take() {
            server.abort();
        }
        // Wait (briefly) for the processes to be gone, so none outlives the call.
        for _ in 0..200 {
            if self.service.manager.live_sandboxes() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // What escaped its sandbox's process group and outlived it (a `setsid` helper whose
        // sandbox ended earlier) ends now.
        let streams = std::mem::take(&mut *self.streams.lock().unwrap_or_else(|e| e.into_inner()));
        let _ = tokio::task::spawn_blocking(move || reaper::end_strays(&streams)).await;
        ShutdownReport {
            unexecuted_events: drained.unexecuted,
            interrupted_events: drained.interrupted,
            pending_retries: drained.pending_retries,
            sandboxes_stopped: live,
            stats,
        }
    }
}

impl Drop for LocalLambda {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        let _ = self.kill.send(true);
        let streams = self
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        reaper::end_strays(&streams);
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
