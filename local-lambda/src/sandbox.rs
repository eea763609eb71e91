//! A sandbox: one child process of the function's executable, with the environment Lambda
//! gives and its own Runtime API on 127.0.0.1. It runs one invocation at a time; a crash, an
//! init error or a timeout ends it, and the process is killed whenever the sandbox is dropped
//! or the service shuts down.

use std::collections::HashSet;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use crate::config::FunctionConfig;
use crate::logs::{self, LogStream};
use crate::reaper;
use crate::runtime_api::{Failure, Invocation, Outcome, Phase, RuntimeApi};

/// What a sandbox needs from the service to start.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub(crate) region: String,
    pub(crate) logs_dir: Option<PathBuf>,
    /// Becomes true when the service shuts down: every sandbox kills its process.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// The log stream of every sandbox started, by which a process that escaped its
    /// sandbox is recognised at shutdown (see `reaper`).
    pub(crate) streams: Arc<Mutex<HashSet<String>>>,
}

/// The result of one invocation on a sandbox.
#[derive(Debug)]
pub(crate) enum InvokeResult {
    /// `/response` came.
    Response(Bytes),
    /// `/error` came; the sandbox lives on.
    FunctionError(Bytes),
    /// `/response` or `/error` came with a body over Lambda's limit, of this size.
    TooLarge(u64),
    /// The sandbox ended (crash, timeout).
    Failed(Failure),
}

/// One running function process and its Runtime API.
#[derive(Debug)]
pub(crate) struct Sandbox {
    pub(crate) log: Arc<LogStream>,
    invocations: mpsc::Sender<Invocation>,
    phase: watch::Receiver<Phase>,
    kill: Arc<Notify>,
    pid: Option<u32>,
    spawned_at: Instant,
    last_used: Mutex<Instant>,
    tasks: Vec<AbortHandle>,
}

impl Sandbox {
    /// Starts the process; `on_exit` runs once it has exited. Does not wait for init.
    pub(crate) async fn spawn(
        config: &FunctionConfig,
        version: &str,
        placement: &Placement,
        on_exit: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let runtime_api = listener.local_addr()?;
        let (tx, rx) = mpsc::channel(1);
        let (phase_tx, phase) = watch::channel(Phase::Initializing);
        let api = Arc::new(RuntimeApi::new(rx, phase_tx.clone()));

        let (out_tx, out_rx) = tokio::net::unix::pipe::pipe()?;
        let out = out_tx.into_blocking_fd()?;
        let err = out.try_clone()?;
        let log = Arc::new(LogStream::open(
            &config.name,
            version,
            placement.logs_dir.as_deref(),
            out_rx,
        )?);

        // The sandbox starts in the executable's folder (as Lambda starts in /var/task), and a
        // relative program path would then be resolved from there: resolve it from the
        // directory the service was started in, as the user wrote it.
        let executable =
            std::path::absolute(&config.executable).unwrap_or_else(|_| config.executable.clone());
        let mut command = Command::new(&executable);
        command
            .args(&config.args)
            .env_clear()
            .envs(&config.env)
            .envs(lambda_env(
                config,
                version,
                placement,
                &runtime_api.to_string(),
                log.name(),
            ))
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .process_group(0);
        if let Some(dir) = executable.parent().filter(|d| d.is_dir()) {
            command.current_dir(dir);
        }
        let spawned_at = Instant::now();
        // fork/exec blocks for a while under a burst of cold starts: keep it off the workers
        // that accept invokes. Dropping the Command closes the parent's copies of the pipe's
        // write end, so the log pump sees end of file when the process exits.
        let mut child = tokio::task::spawn_blocking(move || command.spawn())
            .await
            .map_err(std::io::Error::other)??;
        let pid = child.id();
        if let (Some(limit), Some(id)) = (config.open_files, pid) {
            // A sandbox without Lambda's limit would be kinder than Lambda: not started.
            if let Err(error) = limit_open_files(id, limit) {
                let _ = child.start_kill();
                return Err(std::io::Error::other(format!(
                    "could not set the sandbox's open-file limit to {limit}: {error}"
                )));
            }
        }
        placement
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(log.name().to_owned());
        let stream = log.name().to_owned();

        let server = tokio::spawn(async move {
            let _ = axum::serve(listener.tap_io(no_delay), api.router()).await;
        });
        let pump = tokio::spawn({
            let log = log.clone();
            async move { log.pump().await }
        });
        let kill = Arc::new(Notify::new());
        let mut shutdown = placement.shutdown.clone();
        tokio::spawn({
            let kill = kill.clone();
            async move {
                // Ok(true) when the whole service stops: its final sweep finds the helpers
                // re-parented to it, once for all sandboxes.
                let killed = tokio::select! {
                    status = child.wait() => Err(status.ok()),
                    _ = kill.notified() => Ok(false),
                    _ = async { let _ = shutdown.wait_for(|down| *down).await; } => Ok(true),
                };
                let status = match killed {
                    Err(status) => {
                        // The function ended by itself: what it forked ends with the sandbox.
                        end_off_runtime(pid, stream, true).await;
                        status
                    }
                    Ok(service_stops) => {
                        end_off_runtime(pid, stream, !service_stops).await;
                        let _ = child.start_kill();
                        child.wait().await.ok()
                    }
                };
                let reason = status.map_or_else(|| "signal: killed".to_owned(), exit_wording);
                phase_tx.send_if_modified(|phase| {
                    if matches!(phase, Phase::Failed(_)) {
                        false
                    } else {
                        *phase = Phase::Failed(Failure::Exited(reason));
                        true
                    }
                });
                on_exit();
            }
        });
        Ok(Self {
            log,
            invocations: tx,
            phase,
            kill,
            pid,
            spawned_at,
            last_used: Mutex::new(spawned_at),
            tasks: vec![server.abort_handle(), pump.abort_handle()],
        })
    }

    /// Waits for the first `/next`: returns the init duration, or why init failed (the
    /// sandbox is then killed).
    pub(crate) async fn wait_ready(&self, init_timeout: Duration) -> Result<Duration, Failure> {
        let mut phase = self.phase.clone();
        let outcome = tokio::time::timeout(
            init_timeout,
            phase.wait_for(|p| !matches!(p, Phase::Initializing)),
        )
        .await;
        let result = match outcome {
            Err(_) => Err(Failure::Timeout),
            Ok(Err(_)) => Err(Failure::Exited("signal: killed".to_owned())),
            Ok(Ok(phase)) => match &*phase {
                Phase::Ready(at) => Ok(at.duration_since(self.spawned_at)),
                Phase::Failed(failure) => Err(failure.clone()),
                Phase::Initializing => unreachable!("waited for another phase"),
            },
        };
        if result.is_err() {
            self.kill();
        }
        result
    }

    /// Runs one invocation, up to `timeout`. On a failure the sandbox is killed.
    pub(crate) async fn invoke(
        &self,
        make: impl FnOnce(oneshot::Sender<Outcome>) -> Invocation,
        timeout: Duration,
    ) -> InvokeResult {
        let (respond, answer) = oneshot::channel();
        if self.invocations.try_send(make(respond)).is_err() {
            self.kill();
            return InvokeResult::Failed(self.failure());
        }
        let mut phase = self.phase.clone();
        let result = tokio::select! {
            biased;
            answer = answer => match answer {
                Ok(Outcome::Response(body)) => InvokeResult::Response(body),
                Ok(Outcome::Error(body)) => InvokeResult::FunctionError(body),
                Ok(Outcome::TooLarge { size }) => InvokeResult::TooLarge(size),
                Err(_) => InvokeResult::Failed(self.failure()),
            },
            _ = phase.wait_for(|p| matches!(p, Phase::Failed(_))) => InvokeResult::Failed(self.failure()),
            _ = tokio::time::sleep(timeout) => InvokeResult::Failed(Failure::Timeout),
        };
        if matches!(result, InvokeResult::Failed(_)) {
            self.kill();
        } else {
            *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        }
        result
    }

    /// Ends the process (at most once; later calls do nothing).
    pub(crate) fn kill(&self) {
        self.kill.notify_one();
    }

    /// The function version it runs (`$LATEST`, `3`), as its log stream names it.
    pub(crate) fn version(&self) -> &str {
        self.log.version()
    }

    /// True until the process has exited or is known to be ending.
    pub(crate) fn is_alive(&self) -> bool {
        !matches!(*self.phase.borrow(), Phase::Failed(_))
    }

    /// When the sandbox last finished an invocation (or started).
    pub(crate) fn last_used(&self) -> Instant {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Peak memory of the process in MB.
    pub(crate) fn max_memory_used_mb(&self) -> u64 {
        logs::max_memory_used_mb(self.pid)
    }

    fn failure(&self) -> Failure {
        match &*self.phase.borrow() {
            Phase::Failed(failure) => failure.clone(),
            _ => Failure::Exited("signal: killed".to_owned()),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.kill();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Sets the process `pid`'s `RLIMIT_NOFILE` to `limit` (Lambda's 1,024 unless configured), as
/// both soft and hard limit so that the function cannot raise it; capped by this process's own
/// hard limit, which an unprivileged process cannot exceed.
///
/// Set right after spawning (`prlimit(2)` on the child), not between fork and exec: a
/// `pre_exec` hook makes the standard library fork the whole service (copying, then at exec
/// tearing down, the page tables of a process that may hold a thousand connections and a test
/// harness) instead of using `posix_spawn`, and in a burst of cold starts that copying was the
/// largest single cost (`perf`: a third of all CPU time at 1,000 cold starts, BENCHMARKS.md).
/// The limit lands within microseconds of the exec, while the function's runtime is still
/// starting: a function would have to open over 1,024 files in that moment to keep more.
fn limit_open_files(pid: u32, limit: u64) -> std::io::Result<()> {
    use rustix::process::{Pid, Resource, Rlimit};
    let hard = rustix::process::getrlimit(Resource::Nofile)
        .maximum
        .unwrap_or(limit);
    let limit = limit.min(hard);
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| std::io::Error::other(format!("no such process id {pid}")))?;
    let rlimit = Rlimit {
        current: Some(limit),
        maximum: Some(limit),
    };
    rustix::process::prlimit(Some(pid), Resource::Nofile, rlimit)?;
    Ok(())
}

/// Answers go out at once instead of waiting on Nagle's algorithm.
pub(crate) fn no_delay(stream: &mut tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
}

/// Ends the sandbox's processes (see `reaper`) on a blocking thread: it reads `/proc`
/// and may wait for orphans.
async fn end_off_runtime(pid: Option<u32>, stream: String, orphans: bool) {
    let _ = tokio::task::spawn_blocking(move || reaper::end_sandbox(pid, &stream, orphans)).await;
}

/// Lambda's wording of an exit status (`exit status 1`, `signal: killed`).
fn exit_wording(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(9)) => "signal: killed".to_owned(),
        (None, Some(11)) => "signal: segmentation fault".to_owned(),
        (None, Some(6)) => "signal: aborted".to_owned(),
        (None, Some(signal)) => format!("signal: {signal}"),
        (None, None) => "unknown exit".to_owned(),
    }
}

/// The environment Lambda gives a function process (plus `PATH`, so that scripts find their
/// interpreter).
fn lambda_env(
    config: &FunctionConfig,
    version: &str,
    placement: &Placement,
    runtime_api: &str,
    log_stream: &str,
) -> Vec<(String, String)> {
    let task_root = config
        .executable
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let handler = config
        .executable
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    [
        ("PATH", path),
        ("LANG", "en_US.UTF-8".into()),
        ("TZ", ":UTC".into()),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.into()),
        ("AWS_LAMBDA_FUNCTION_NAME", config.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", version.into()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            config.memory_mb.to_string(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", config.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.into()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_REGION", placement.region.clone()),
        ("AWS_DEFAULT_REGION", placement.region.clone()),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".into()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        ),
        ("AWS_SESSION_TOKEN", "local-lambda-session-token".into()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("_HANDLER", handler),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
