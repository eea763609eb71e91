//! The worker manager: per function, a pool of idle sandboxes (each runs one version of the
//! function, and an invoke only takes one of its own version). An invoke leases an idle
//! sandbox or, within the account and reserved concurrency limits, places a new one; idle
//! sandboxes are reclaimed after the idle timeout.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use crate::Error;
use crate::config::FunctionConfig;
use crate::errors::ThrottleReason;
use crate::runtime_api::Failure;
use crate::sandbox::{Placement, Sandbox};
use crate::stats::FunctionStats;

/// The sandboxes and counters of one function.
#[derive(Debug)]
pub(crate) struct Pool {
    pub(crate) config: Arc<FunctionConfig>,
    idle: Mutex<Vec<Arc<Sandbox>>>,
    /// Live sandboxes by id, with their version and log stream name.
    live: Mutex<HashMap<u64, (String, String)>>,
    reserved: Option<Arc<Semaphore>>,
    busy: AtomicUsize,
    peak: AtomicUsize,
    cold_starts: AtomicU64,
    invocations: AtomicU64,
    function_errors: AtomicU64,
    throttles: AtomicU64,
}

impl Pool {
    fn new(config: FunctionConfig) -> Self {
        let reserved = config
            .reserved_concurrency
            .map(|n| Arc::new(Semaphore::new(n as usize)));
        Self {
            config: Arc::new(config),
            idle: Mutex::default(),
            live: Mutex::default(),
            reserved,
            busy: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            cold_starts: AtomicU64::new(0),
            invocations: AtomicU64::new(0),
            function_errors: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
        }
    }

    /// The function's figures now.
    pub(crate) fn stats(&self) -> FunctionStats {
        let idle = lock(&self.idle).iter().filter(|s| s.is_alive()).count();
        let mut log_streams = Vec::new();
        let mut live_by_version = BTreeMap::new();
        for (version, log) in lock(&self.live).values() {
            log_streams.push(log.clone());
            *live_by_version.entry(version.clone()).or_insert(0) += 1;
        }
        log_streams.sort();
        FunctionStats {
            name: self.config.name.clone(),
            live: log_streams.len(),
            idle,
            busy: self.busy.load(Ordering::Relaxed),
            cold_starts: self.cold_starts.load(Ordering::Relaxed),
            invocations: self.invocations.load(Ordering::Relaxed),
            function_errors: self.function_errors.load(Ordering::Relaxed),
            throttles: self.throttles.load(Ordering::Relaxed),
            peak_concurrency: self.peak.load(Ordering::Relaxed),
            reserved_concurrency: self.config.reserved_concurrency,
            log_streams,
            live_by_version,
        }
    }

    /// Counts a finished invocation.
    pub(crate) fn count_invocation(&self, cold: bool, function_error: bool) {
        self.invocations.fetch_add(1, Ordering::Relaxed);
        if cold {
            self.cold_starts.fetch_add(1, Ordering::Relaxed);
        }
        if function_error {
            self.function_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn kill_idle(&self, older_than: Option<Duration>) -> usize {
        let mut idle = lock(&self.idle);
        let before = idle.len();
        idle.retain(|sandbox| {
            let keep = sandbox.is_alive()
                && older_than.is_some_and(|max| sandbox.last_used().elapsed() < max);
            if !keep {
                sandbox.kill();
            }
            keep
        });
        before - idle.len()
    }
}

/// The worker manager of the whole service.
#[derive(Debug)]
pub(crate) struct Manager {
    functions: RwLock<HashMap<String, Arc<Pool>>>,
    /// The unreserved part of the account's concurrency.
    account: Arc<Semaphore>,
    account_limit: u32,
    placement: Placement,
    idle_timeout: Duration,
    next_id: AtomicU64,
    /// Signalled whenever a lease ends, so that queued events can be placed.
    pub(crate) released: Notify,
}

impl Manager {
    pub(crate) fn new(account_limit: u32, idle_timeout: Duration, placement: Placement) -> Self {
        Self {
            functions: RwLock::default(),
            account: Arc::new(Semaphore::new(account_limit as usize)),
            account_limit,
            placement,
            idle_timeout,
            next_id: AtomicU64::new(1),
            released: Notify::new(),
        }
    }

    /// Adds or replaces a function. A replaced function's idle sandboxes are ended; its busy
    /// ones finish their invocation and end.
    pub(crate) fn register(&self, config: FunctionConfig) -> Result<(), Error> {
        config.validate()?;
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        let reserved_of = |pool: &Pool| pool.config.reserved_concurrency.unwrap_or(0);
        let old_reserved = functions.get(&config.name).map_or(0, |p| reserved_of(p));
        let reserved_total: u32 = functions.values().map(|p| reserved_of(p)).sum::<u32>()
            - old_reserved
            + config.reserved_concurrency.unwrap_or(0);
        if reserved_total > self.account_limit {
            return Err(Error::InvalidConfig {
                function: config.name.clone(),
                field: "reserved_concurrency".to_owned(),
                reason: format!(
                    "the functions' reserved concurrency ({reserved_total}) exceeds the account concurrency ({}); lower it or raise account_concurrency",
                    self.account_limit
                ),
            });
        }
        let new_reserved = config.reserved_concurrency.unwrap_or(0);
        if new_reserved > old_reserved {
            // Permits in use come back later; take what is free now, as Lambda applies a
            // new reservation to later invokes.
            let take = (new_reserved - old_reserved) as usize;
            let forgotten = self.account.forget_permits(take);
            if forgotten < take {
                tracing::warn!(
                    function = %config.name,
                    "reserved concurrency taken while the account pool is in use: {} of {take} permits applied now",
                    forgotten
                );
            }
        } else {
            self.account
                .add_permits((old_reserved - new_reserved) as usize);
        }
        let name = config.name.clone();
        if let Some(old) = functions.insert(name, Arc::new(Pool::new(config))) {
            old.kill_idle(None);
        }
        Ok(())
    }

    /// The pool of a function.
    pub(crate) fn pool(&self, name: &str) -> Option<Arc<Pool>> {
        self.functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// All pools, in name order.
    pub(crate) fn pools(&self) -> Vec<Arc<Pool>> {
        let mut pools: Vec<_> = self
            .functions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        pools.sort_by(|a, b| a.config.name.cmp(&b.config.name));
        pools
    }

    /// Number of invocations running now, over all functions.
    pub(crate) fn concurrent_executions(&self) -> usize {
        self.pools()
            .iter()
            .map(|p| p.busy.load(Ordering::Relaxed))
            .sum()
    }

    /// The account concurrency limit.
    pub(crate) fn account_limit(&self) -> u32 {
        self.account_limit
    }

    /// Takes a concurrency slot for one invocation of `version` and an idle sandbox of that
    /// version if there is one; else the lease has no sandbox and [`Lease::place`] starts one.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        pool: &Arc<Pool>,
        version: &str,
    ) -> Result<Lease, ThrottleReason> {
        let permit = match &pool.reserved {
            Some(reserved) => reserved
                .clone()
                .try_acquire_owned()
                .map_err(|_| ThrottleReason::Reserved),
            None => self
                .account
                .clone()
                .try_acquire_owned()
                .map_err(|_| ThrottleReason::Account),
        };
        let permit = match permit {
            Ok(permit) => permit,
            Err(reason) => {
                pool.throttles.fetch_add(1, Ordering::Relaxed);
                return Err(reason);
            }
        };
        let busy = pool.busy.fetch_add(1, Ordering::Relaxed) + 1;
        pool.peak.fetch_max(busy, Ordering::Relaxed);
        let sandbox = take_idle(&mut lock(&pool.idle), version);
        Ok(Lease {
            manager: self.clone(),
            pool: pool.clone(),
            version: version.to_owned(),
            sandbox,
            permit: Some(permit),
            keep: false,
        })
    }

    /// Starts a sandbox of `version` for `pool` (without waiting for its init).
    async fn spawn(&self, pool: &Arc<Pool>, version: &str) -> std::io::Result<Arc<Sandbox>> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let weak: Weak<Pool> = Arc::downgrade(pool);
        let sandbox = Sandbox::spawn(&pool.config, version, &self.placement, move || {
            if let Some(pool) = weak.upgrade() {
                lock(&pool.live).remove(&id);
            }
        })
        .await?;
        lock(&pool.live).insert(id, (version.to_owned(), sandbox.log.name().to_owned()));
        Ok(Arc::new(sandbox))
    }

    /// Ends idle sandboxes unused for longer than the idle timeout; runs until the service
    /// shuts down.
    pub(crate) async fn reclaim_idle(self: Arc<Self>) {
        let tick = (self.idle_timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let mut shutdown = self.placement.shutdown.clone();
        loop {
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = shutdown.wait_for(|down| *down) => return,
            }
            for pool in self.pools() {
                pool.kill_idle(Some(self.idle_timeout));
            }
        }
    }

    /// Number of live sandboxes over all functions.
    pub(crate) fn live_sandboxes(&self) -> usize {
        self.pools().iter().map(|p| lock(&p.live).len()).sum()
    }
}

/// One invocation's hold on a concurrency slot and (once placed) a sandbox. Dropping it
/// returns the sandbox to the idle pool if [`Lease::keep`] was called, else ends it.
#[derive(Debug)]
pub(crate) struct Lease {
    manager: Arc<Manager>,
    pub(crate) pool: Arc<Pool>,
    /// The function version this invocation runs.
    pub(crate) version: String,
    sandbox: Option<Arc<Sandbox>>,
    permit: Option<OwnedSemaphorePermit>,
    keep: bool,
}

impl Lease {
    /// The sandbox, if the lease found a warm one or [`Lease::place`] placed one.
    pub(crate) fn sandbox(&self) -> Option<&Arc<Sandbox>> {
        self.sandbox.as_ref()
    }

    /// Cold start: waits the function's extra cold-start latency, starts a sandbox and
    /// waits for its init. Returns the init duration, or the failure (with the failed
    /// sandbox kept in the lease for its log stream, if it was started).
    pub(crate) async fn place(&mut self) -> Result<Duration, Failure> {
        let config = self.pool.config.clone();
        if !config.extra_cold_start.is_zero() {
            tokio::time::sleep(config.extra_cold_start).await;
        }
        let sandbox = self
            .manager
            .spawn(&self.pool, &self.version)
            .await
            .map_err(|e| Failure::Spawn(format!("{}: {e}", config.executable.display())))?;
        self.sandbox = Some(sandbox.clone());
        sandbox.wait_ready(config.init_timeout).await
    }

    /// Returns the sandbox to the idle pool when the lease ends.
    pub(crate) fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            let current = self
                .manager
                .pool(&self.pool.config.name)
                .is_some_and(|p| Arc::ptr_eq(&p, &self.pool));
            if self.keep && current && sandbox.is_alive() {
                lock(&self.pool.idle).push(sandbox);
            } else {
                sandbox.kill();
            }
        }
        self.pool.busy.fetch_sub(1, Ordering::Relaxed);
        drop(self.permit.take());
        self.manager.released.notify_waiters();
    }
}

/// Takes the most recently used live sandbox of `version` from `idle`, dropping the dead
/// ones met on the way. With one version in use this is a pop from the end.
fn take_idle(idle: &mut Vec<Arc<Sandbox>>, version: &str) -> Option<Arc<Sandbox>> {
    let mut i = idle.len();
    while i > 0 {
        i -= 1;
        if !idle[i].is_alive() {
            idle.remove(i);
        } else if idle[i].version() == version {
            return Some(idle.remove(i));
        }
    }
    None
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
