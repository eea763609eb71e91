//! The queue of `Event` (asynchronous) invocations: accepted with 202 at once, then run on a
//! sandbox as soon as the function's concurrency allows (throttled events wait, as Lambda's
//! internal queue retries them). As Lambda does
//! (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html>), an
//! event whose run ends in a function error (including a timeout) runs again, by default
//! twice more, one minute and then two minutes later, with the same request id; an event
//! older than the maximum event age (default 6 hours) is dropped instead of run. The queue
//! is bounded in events and in payload bytes: when either is reached, `Event` invokes are
//! refused with 429 `TooManyRequestsException`, the Invoke API's error when "the request
//! throughput limit was exceeded" (the service model's words), as Lambda throttles `Event`
//! invokes over its asynchronous invocation quota. Retries of events that ran go back in
//! whatever the bounds (Lambda does not drop them), so the queue can pass its bounds by the
//! events running at once. At shutdown the events not run are reported.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;

use crate::invoke::{self, Request};
use crate::pool::Manager;

/// An accepted `Event` invocation that did not run to its end before shutdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnexecutedEvent {
    /// The function it was for.
    pub function: String,
    /// The request id returned to the invoker.
    pub request_id: String,
    /// The event payload (JSON).
    pub payload: String,
}

/// How `Event` invocations are retried, aged out and queued; Lambda's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncSettings {
    /// Delays before each retry after a function error; its length is the number of retries
    /// (Lambda: 2, one minute then two minutes; at most 2, as `MaximumRetryAttempts`).
    pub retry_delays: Vec<Duration>,
    /// Events older than this are dropped instead of run (Lambda: 6 hours,
    /// `MaximumEventAgeInSeconds` 60 to 21,600).
    pub max_event_age: Duration,
    /// The most events waiting at once; more are refused with 429.
    pub queue_limit: usize,
    /// The most payload bytes waiting at once; an event that would pass it is refused with
    /// 429.
    pub queue_bytes: usize,
}

impl Default for AsyncSettings {
    fn default() -> Self {
        Self {
            retry_delays: vec![Duration::from_secs(60), Duration::from_secs(120)],
            max_event_age: Duration::from_secs(6 * 3600),
            queue_limit: DEFAULT_QUEUE_LIMIT,
            queue_bytes: DEFAULT_QUEUE_BYTES,
        }
    }
}

/// Lambda documents no bound for its internal queue; these keep memory in check: 100,000
/// events, and 256 MiB of payloads (256 events of Lambda's largest, 1 MB; 100,000 of those
/// would be 100 GB).
pub(crate) const DEFAULT_QUEUE_LIMIT: usize = 100_000;
/// See [`DEFAULT_QUEUE_LIMIT`].
pub(crate) const DEFAULT_QUEUE_BYTES: usize = 256 * 1024 * 1024;

#[derive(Debug)]
struct QueuedEvent {
    function: String,
    /// The version its qualifier resolved to when it was accepted.
    version: String,
    request: Request,
    accepted_at: Instant,
    /// Runs so far that ended in a function error.
    failures: usize,
    /// A retry waits until then.
    not_before: Instant,
}

impl QueuedEvent {
    fn report(&self) -> UnexecutedEvent {
        UnexecutedEvent {
            function: self.function.clone(),
            request_id: self.request.request_id.clone(),
            payload: String::from_utf8_lossy(&self.request.payload).into_owned(),
        }
    }
}

/// What the queue held at shutdown.
#[derive(Debug)]
pub(crate) struct Drained {
    pub(crate) unexecuted: Vec<UnexecutedEvent>,
    pub(crate) interrupted: Vec<UnexecutedEvent>,
    pub(crate) pending_retries: Vec<UnexecutedEvent>,
}

/// The queue is full: the event is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueFull;

/// The events waiting, and the bytes of their payloads.
#[derive(Debug, Default)]
struct Waiting {
    events: VecDeque<QueuedEvent>,
    bytes: usize,
}

impl Waiting {
    fn push_back(&mut self, event: QueuedEvent) {
        self.bytes += event.request.payload.len();
        self.events.push_back(event);
    }

    fn pop_front(&mut self) -> Option<QueuedEvent> {
        let event = self.events.pop_front()?;
        self.bytes -= event.request.payload.len();
        Some(event)
    }

    fn len(&self) -> usize {
        self.events.len()
    }
}

/// The queue and its dispatcher's bookkeeping.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    settings: AsyncSettings,
    queued: Mutex<Waiting>,
    /// Events dropped for their age, and retries dropped at shutdown.
    expired: std::sync::atomic::AtomicU64,
    running: Mutex<HashMap<String, UnexecutedEvent>>,
    arrived: Notify,
    idle: Notify,
}

impl EventQueue {
    /// A queue with these settings.
    pub(crate) fn new(settings: AsyncSettings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// Queues an event for `function`'s `version`, unless it would pass the queue's bounds.
    pub(crate) fn push(
        &self,
        function: String,
        version: String,
        request: Request,
    ) -> Result<(), QueueFull> {
        let mut queued = lock(&self.queued);
        if queued.len() >= self.settings.queue_limit
            || queued.bytes + request.payload.len() > self.settings.queue_bytes
        {
            return Err(QueueFull);
        }
        let now = Instant::now();
        queued.push_back(QueuedEvent {
            function,
            version,
            request,
            accepted_at: now,
            failures: 0,
            not_before: now,
        });
        drop(queued);
        self.arrived.notify_one();
        Ok(())
    }

    /// Events dropped because they were older than the maximum event age.
    pub(crate) fn expired(&self) -> u64 {
        self.expired.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Events waiting for a sandbox.
    pub(crate) fn queued(&self) -> usize {
        lock(&self.queued).len()
    }

    /// Places queued events until the service shuts down.
    pub(crate) async fn dispatch(
        self: Arc<Self>,
        manager: Arc<Manager>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            let released = manager.released.notified();
            let waiting = self.place_ready(&manager);
            tokio::select! {
                _ = shutdown.wait_for(|down| *down) => return,
                _ = self.arrived.notified() => {}
                _ = released, if waiting => {}
                // A throttled event also waits for its function's permits to be freed by a
                // re-registration, which signals nothing: look again now and then.
                _ = tokio::time::sleep(Duration::from_millis(50)), if waiting => {}
            }
        }
    }

    /// Starts every queued event that can be placed now; true if some must wait.
    fn place_ready(self: &Arc<Self>, manager: &Arc<Manager>) -> bool {
        let mut queued = lock(&self.queued);
        let mut waiting = Waiting::default();
        let now = Instant::now();
        while let Some(event) = queued.pop_front() {
            if now.duration_since(event.accepted_at) > self.settings.max_event_age {
                tracing::warn!(function = %event.function, request_id = %event.request.request_id,
                    "event dropped: older than the maximum event age of {:?}", self.settings.max_event_age);
                self.expired
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            if event.not_before > now {
                waiting.push_back(event);
                continue;
            }
            let Some(pool) = manager.pool(&event.function) else {
                tracing::warn!(function = %event.function, request_id = %event.request.request_id,
                    "event dropped: its function was removed");
                continue;
            };
            match manager.try_acquire(&pool, &event.version) {
                Ok(lease) => {
                    lock(&self.running).insert(event.request.request_id.clone(), event.report());
                    let queue = self.clone();
                    tokio::spawn(async move {
                        let request_id = event.request.request_id.clone();
                        let response = invoke::execute(lease, event.request.clone()).await;
                        let mut event = event;
                        if response.function_error {
                            tracing::info!(function = %event.function, %request_id,
                                "event ended in a function error: {}", String::from_utf8_lossy(&response.body));
                            // Lambda runs it again after the next delay, with the same
                            // request id.
                            if let Some(delay) = queue.settings.retry_delays.get(event.failures) {
                                event.failures += 1;
                                event.not_before = Instant::now() + *delay;
                                lock(&queue.queued).push_back(event);
                                queue.arrived.notify_one();
                            }
                        }
                        let mut running = lock(&queue.running);
                        running.remove(&request_id);
                        if running.is_empty() {
                            queue.idle.notify_waiters();
                        }
                    });
                }
                Err(_) => waiting.push_back(event),
            }
        }
        let must_wait = !waiting.events.is_empty();
        *queued = waiting;
        must_wait
    }

    /// After the dispatcher stopped: waits up to `grace` for running events, then returns
    /// the events never started, those still running, and the retries not yet due (their
    /// events did run, and failed).
    pub(crate) async fn drain(&self, grace: Duration) -> Drained {
        let queued = std::mem::take(&mut *lock(&self.queued));
        let (unexecuted, retries): (Vec<_>, Vec<_>) =
            queued.events.into_iter().partition(|e| e.failures == 0);
        let unexecuted = unexecuted.iter().map(QueuedEvent::report).collect();
        let pending_retries = retries.iter().map(QueuedEvent::report).collect();
        let _ = tokio::time::timeout(grace, async {
            loop {
                let idle = self.idle.notified();
                if lock(&self.running).is_empty() {
                    return;
                }
                idle.await;
            }
        })
        .await;
        let interrupted = lock(&self.running).drain().map(|(_, e)| e).collect();
        Drained {
            unexecuted,
            interrupted,
            pending_retries,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
