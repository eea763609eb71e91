//! The worker manager: per function, a pool of idle sandboxes (each runs one version of the
//! function, and an invoke only takes one of its own version). An invoke leases an idle
//! sandbox or, within the account and reserved concurrency limits and the function's scaling
//! rate, places a new one; idle sandboxes are reclaimed after the idle timeout.
//!
//! Concurrency is admitted under one lock, so that reserved concurrency changed at run time
//! (`PutFunctionConcurrency`, `DeleteFunctionConcurrency`) applies to the very next invoke, as
//! in Lambda, and the unreserved pool is always the account limit minus every reservation.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::Error;
use crate::config::{FunctionConfig, ScalingRate};
use crate::errors::ThrottleReason;
use crate::faults::Injector;
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
    /// The reserved concurrency now: the configured one until `PutFunctionConcurrency` or
    /// `DeleteFunctionConcurrency` changes it.
    reserved: Mutex<Option<u32>>,
    /// New sandboxes this function may still start now under the scaling rate.
    scale: Mutex<ScaleBudget>,
    /// The function's fault draws, if it injects any.
    pub(crate) faults: Option<Injector>,
    busy: AtomicUsize,
    peak: AtomicUsize,
    cold_starts: AtomicU64,
    invocations: AtomicU64,
    function_errors: AtomicU64,
    throttles: AtomicU64,
}

impl Pool {
    fn new(config: FunctionConfig, scaling: Option<ScalingRate>) -> Self {
        let reserved = Mutex::new(config.reserved_concurrency);
        let faults = Injector::new(&config.faults);
        Self {
            config: Arc::new(config),
            idle: Mutex::default(),
            live: Mutex::default(),
            reserved,
            scale: Mutex::new(ScaleBudget::full(scaling)),
            faults,
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
            reserved_concurrency: self.reserved(),
            log_streams,
            live_by_version,
        }
    }

    /// The reserved concurrency now, if any.
    pub(crate) fn reserved(&self) -> Option<u32> {
        *lock(&self.reserved)
    }

    /// Counts an invoke refused with a 429 before it reached the worker manager (an injected
    /// throttle).
    pub(crate) fn count_throttle(&self) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
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
    /// Invocations running on the unreserved part of the account's concurrency. Its lock
    /// also makes each admission (check the limits, take a slot) one step.
    unreserved_busy: Mutex<usize>,
    /// The sum of every function's reserved concurrency.
    reserved_total: AtomicU32,
    account_limit: u32,
    scaling: Option<ScalingRate>,
    placement: Placement,
    idle_timeout: Duration,
    next_id: AtomicU64,
    /// Signalled whenever a lease ends, so that queued events can be placed.
    pub(crate) released: Notify,
}

impl Manager {
    pub(crate) fn new(
        account_limit: u32,
        scaling: Option<ScalingRate>,
        idle_timeout: Duration,
        placement: Placement,
    ) -> Self {
        Self {
            functions: RwLock::default(),
            unreserved_busy: Mutex::new(0),
            reserved_total: AtomicU32::new(0),
            account_limit,
            scaling,
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
        let reserved_of = |pool: &Pool| pool.reserved().unwrap_or(0);
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
        // Slots in use by the replaced function's invocations come back as they end; the new
        // reservation applies to later invokes, as in Lambda.
        self.reserved_total.store(reserved_total, Ordering::Relaxed);
        let name = config.name.clone();
        if let Some(old) = functions.insert(name, Arc::new(Pool::new(config, self.scaling))) {
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
    /// A refusal counts as one throttle of the function.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        pool: &Arc<Pool>,
        version: &str,
    ) -> Result<Lease, ThrottleReason> {
        let admitted = self.admit(pool, version);
        if admitted.is_err() {
            pool.throttles.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }

    /// As [`Manager::acquire`], without counting a refusal: for queued `Event` invocations,
    /// which wait for a slot instead of being refused (each is looked at again whenever a
    /// lease ends, which must not count it again).
    pub(crate) fn try_acquire(
        self: &Arc<Self>,
        pool: &Arc<Pool>,
        version: &str,
    ) -> Result<Lease, ThrottleReason> {
        self.admit(pool, version)
    }

    fn admit(self: &Arc<Self>, pool: &Arc<Pool>, version: &str) -> Result<Lease, ThrottleReason> {
        let mut unreserved_busy = lock(&self.unreserved_busy);
        let unreserved = match pool.reserved() {
            Some(limit) => {
                if pool.busy.load(Ordering::Relaxed) >= limit as usize {
                    return Err(ThrottleReason::Reserved);
                }
                false
            }
            None => {
                let pool_size = self
                    .account_limit
                    .saturating_sub(self.reserved_total.load(Ordering::Relaxed));
                if *unreserved_busy >= pool_size as usize {
                    return Err(ThrottleReason::Account);
                }
                true
            }
        };
        let sandbox = take_idle(&mut lock(&pool.idle), version);
        if let (None, Some(rate)) = (&sandbox, self.scaling) {
            lock(&pool.scale).take(rate, Instant::now())?;
        }
        if unreserved {
            *unreserved_busy += 1;
        }
        let busy = pool.busy.fetch_add(1, Ordering::Relaxed) + 1;
        drop(unreserved_busy);
        pool.peak.fetch_max(busy, Ordering::Relaxed);
        Ok(Lease {
            manager: self.clone(),
            pool: pool.clone(),
            version: version.to_owned(),
            sandbox,
            unreserved,
            keep: false,
        })
    }

    /// Sets (or with `None` removes) a function's reserved concurrency, for the next
    /// invokes. Lambda keeps at least `min(100, account limit)` of the account's concurrency
    /// unreserved: "You can reserve up to the Unreserved account concurrency value that is
    /// shown, minus 100 for functions that don't have reserved concurrency"
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>);
    /// accounts whose limit is below 100 keep all of it unreserved (their
    /// `PutFunctionConcurrency` fails with "below its minimum value of [10]").
    pub(crate) fn set_reserved(
        &self,
        name: &str,
        reserved: Option<u32>,
    ) -> Result<(), ReserveError> {
        let functions = self.functions.read().unwrap_or_else(|e| e.into_inner());
        let pool = functions.get(name).ok_or(ReserveError::NotFound)?;
        let _admission = lock(&self.unreserved_busy);
        let others: u32 = functions
            .values()
            .filter(|p| !Arc::ptr_eq(p, pool))
            .map(|p| p.reserved().unwrap_or(0))
            .sum();
        let total = others + reserved.unwrap_or(0);
        let minimum = self.min_unreserved();
        if reserved.is_some() && self.account_limit.saturating_sub(total) < minimum
            || total > self.account_limit
        {
            return Err(ReserveError::BelowMinimum { minimum });
        }
        *lock(&pool.reserved) = reserved;
        self.reserved_total.store(total, Ordering::Relaxed);
        drop(_admission);
        // Queued events of this or other functions may fit now.
        self.released.notify_waiters();
        Ok(())
    }

    /// The least unreserved concurrency Lambda keeps: 100, or the whole account limit if it
    /// is lower.
    pub(crate) fn min_unreserved(&self) -> u32 {
        self.account_limit.min(100)
    }

    /// The account limit minus every function's reserved concurrency
    /// (`UnreservedConcurrentExecutions` of `GetAccountSettings`).
    pub(crate) fn unreserved_limit(&self) -> u32 {
        self.account_limit
            .saturating_sub(self.reserved_total.load(Ordering::Relaxed))
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
    /// The slot was taken from the unreserved pool (else from the function's reservation).
    unreserved: bool,
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
        {
            let mut unreserved_busy = lock(&self.manager.unreserved_busy);
            if self.unreserved {
                *unreserved_busy = unreserved_busy.saturating_sub(1);
            }
            self.pool.busy.fetch_sub(1, Ordering::Relaxed);
        }
        self.manager.released.notify_waiters();
    }
}

/// Why `PutFunctionConcurrency` refused a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReserveError {
    /// No such function.
    NotFound,
    /// It would leave less than the minimum unreserved.
    BelowMinimum {
        /// The minimum unreserved concurrency.
        minimum: u32,
    },
}

/// How many new sandboxes a function may start now under Lambda's scaling rate: a budget of
/// `environments` refilled continuously over `per`, as Lambda's documentation describes it
/// ("Lambda makes a best attempt to refill your concurrency scaling rate continuously over
/// time, rather than in one single refill of 1,000 units every 10 seconds" and does not
/// accrue unused units,
/// <https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>).
#[derive(Debug)]
struct ScaleBudget {
    available: f64,
    at: Instant,
}

impl ScaleBudget {
    fn full(scaling: Option<ScalingRate>) -> Self {
        Self {
            available: scaling.map_or(0.0, |rate| f64::from(rate.environments)),
            at: Instant::now(),
        }
    }

    /// Takes one new sandbox from the budget, or says when one will be available.
    fn take(&mut self, rate: ScalingRate, now: Instant) -> Result<(), ThrottleReason> {
        let capacity = f64::from(rate.environments);
        let per_second = capacity / rate.per.as_secs_f64().max(f64::MIN_POSITIVE);
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.available = (self.available + elapsed * per_second).min(capacity);
        self.at = now;
        if self.available >= 1.0 {
            self.available -= 1.0;
            Ok(())
        } else {
            Err(ThrottleReason::ScalingRate)
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_budget_allows_the_burst_then_refills_continuously() {
        let rate = ScalingRate {
            environments: 3,
            per: Duration::from_secs(3),
        };
        let start = Instant::now();
        let mut budget = ScaleBudget {
            available: 3.0,
            at: start,
        };
        for _ in 0..3 {
            assert_eq!(budget.take(rate, start), Ok(()));
        }
        assert_eq!(budget.take(rate, start), Err(ThrottleReason::ScalingRate));
        // One environment a second comes back; unused budget does not pile up past 3.
        assert_eq!(
            budget.take(rate, start + Duration::from_millis(1000)),
            Ok(())
        );
        assert_eq!(
            budget.take(rate, start + Duration::from_millis(1000)),
            Err(ThrottleReason::ScalingRate)
        );
        let later = start + Duration::from_secs(100);
        for _ in 0..3 {
            assert_eq!(budget.take(rate, later), Ok(()));
        }
        assert_eq!(budget.take(rate, later), Err(ThrottleReason::ScalingRate));
    }
}
