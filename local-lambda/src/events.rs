//! The queue of `Event` (asynchronous) invocations: accepted with 202 at once, then run on a
//! sandbox as soon as the function's concurrency allows (throttled events wait, as Lambda's
//! internal queue retries them). None is lost while the service runs; at shutdown the ones
//! not run are reported.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

#[derive(Debug)]
struct QueuedEvent {
    function: String,
    /// The version its qualifier resolved to when it was accepted.
    version: String,
    request: Request,
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

/// The queue and its dispatcher's bookkeeping.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    queued: Mutex<VecDeque<QueuedEvent>>,
    running: Mutex<HashMap<String, UnexecutedEvent>>,
    arrived: Notify,
    idle: Notify,
}

impl EventQueue {
    /// Queues an event for `function`'s `version`.
    pub(crate) fn push(&self, function: String, version: String, request: Request) {
        lock(&self.queued).push_back(QueuedEvent {
            function,
            version,
            request,
        });
        self.arrived.notify_one();
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
        let mut waiting = VecDeque::new();
        while let Some(event) = queued.pop_front() {
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
                        let response = invoke::execute(lease, event.request).await;
                        if response.function_error {
                            tracing::info!(function = %event.function, %request_id,
                                "event ended in a function error: {}", String::from_utf8_lossy(&response.body));
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
        let must_wait = !waiting.is_empty();
        *queued = waiting;
        must_wait
    }

    /// After the dispatcher stopped: waits up to `grace` for running events, then returns
    /// the events never started and those still running.
    pub(crate) async fn drain(
        &self,
        grace: Duration,
    ) -> (Vec<UnexecutedEvent>, Vec<UnexecutedEvent>) {
        let unexecuted: Vec<_> = lock(&self.queued).drain(..).map(|e| e.report()).collect();
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
        (unexecuted, interrupted)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
