//! What this execution environment has served: an instance id fixed for the life of the
//! process, the invocation count, how the environment was initialized, and which invocation
//! paid the cold start.
//!
//! One [`Environment`] exists per process ([`Environment::global`]); every layer and
//! `#[warmable]` handler of the process shares it.
//!
//! ```
//! use warm_sdk::Environment;
//!
//! let env = Environment::new();
//! let first = env.begin_invocation("request-1");
//! let second = env.begin_invocation("request-2");
//! assert_eq!((first.number, second.number), (1, 2));
//! assert!(!second.cold);
//! assert_eq!(env.instance().len(), 16);
//! ```
//!
//! # What `cold` means
//!
//! Lambda tells a process how its environment was initialized in
//! `AWS_LAMBDA_INITIALIZATION_TYPE`, "the initialization type of the function, which is
//! `on-demand`, `provisioned-concurrency`, `snap-start`, or `lambda-managed-instances`"
//! (AWS Lambda Developer Guide, "Defined runtime environment variables",
//! <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>).
//! A value outside these four is read as [`InitType::Unknown`] and treated like `on-demand`.
//! `cold` is `true` for exactly one invocation per environment, and only when that
//! invocation waited for the environment's init:
//!
//! | `init_type` | `cold` |
//! |---|---|
//! | `on-demand` (also when the variable is unset or unknown, as locally) | `true` for the environment's first invocation |
//! | `provisioned-concurrency` | never: Lambda ran the init before routing any invocation |
//! | `lambda-managed-instances` | never: the instance was initialized before it took traffic |
//! | `snap-start` | never: the init ran when the version was published; the first invocation after a restore waited for the restore, not the init (`invocations` is then 1) |
//!
//! Every invocation counts, whatever became of its event: one whose event failed to
//! deserialize before the handler ran is counted through
//! [`Environment::count_unseen_invocation`].
//!
//! # The instance id
//!
//! 64 bits from the operating system's entropy (`getrandom`), made at the environment's first
//! invocation, never during init: a SnapStart snapshot is taken after init, so every
//! environment restored from it makes its own id, and so does every forked process.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};

/// The environment variable holding, in Lambda's words, "(Lambda Managed Instances only) The
/// maximum number of concurrent invocations Lambda will send to one execution environment"
/// ("Defined runtime environment variables",
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime>).
pub const MAX_CONCURRENCY_ENV: &str = "AWS_LAMBDA_MAX_CONCURRENCY";

/// The environment variable in which Lambda names how the environment was initialized: one of
/// `on-demand`, `provisioned-concurrency`, `snap-start`, `lambda-managed-instances` (see the
/// [module docs](self#what-cold-means)).
pub const INITIALIZATION_TYPE_ENV: &str = "AWS_LAMBDA_INITIALIZATION_TYPE";

/// Stands for the first invocation when its request id could not be seen (its event failed
/// to deserialize before any handler ran); no Lambda request id is empty.
const UNSEEN_REQUEST: &str = "";

static GLOBAL: LazyLock<Environment> = LazyLock::new(Environment::new);

/// How Lambda initialized the execution environment (`AWS_LAMBDA_INITIALIZATION_TYPE`).
///
/// ```
/// use warm_sdk::environment::InitType;
///
/// assert_eq!(InitType::parse(Some("snap-start")), InitType::SnapStart);
/// assert_eq!(InitType::parse(None), InitType::OnDemand);
/// assert!(InitType::OnDemand.first_invocation_is_cold());
/// assert!(!InitType::ProvisionedConcurrency.first_invocation_is_cold());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InitType {
    /// `on-demand`, also assumed when the variable is unset (local runs).
    OnDemand,
    /// `provisioned-concurrency`: initialized ahead of traffic.
    ProvisionedConcurrency,
    /// `snap-start`: restored from a snapshot taken after init.
    SnapStart,
    /// `lambda-managed-instances`: a Lambda Managed Instances environment, initialized ahead
    /// of traffic, serving several invocations at once.
    LambdaManagedInstances,
    /// A value this crate does not know; treated like `on-demand`.
    Unknown,
}

impl InitType {
    /// Reads the variable's value; `None` (unset) is `on-demand`.
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            None | Some("on-demand") => Self::OnDemand,
            Some("provisioned-concurrency") => Self::ProvisionedConcurrency,
            Some("snap-start") => Self::SnapStart,
            Some("lambda-managed-instances") => Self::LambdaManagedInstances,
            Some(_) => Self::Unknown,
        }
    }

    /// The name Lambda uses (`unknown` for [`InitType::Unknown`]).
    ///
    /// ```
    /// assert_eq!(warm_sdk::environment::InitType::LambdaManagedInstances.as_str(), "lambda-managed-instances");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "on-demand",
            Self::ProvisionedConcurrency => "provisioned-concurrency",
            Self::SnapStart => "snap-start",
            Self::LambdaManagedInstances => "lambda-managed-instances",
            Self::Unknown => "unknown",
        }
    }

    /// Whether the environment's first invocation waited for its init (see the
    /// [module docs](self) for each type).
    pub const fn first_invocation_is_cold(self) -> bool {
        matches!(self, Self::OnDemand | Self::Unknown)
    }
}

impl fmt::Display for InitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of one execution environment. See the [module docs](self).
#[derive(Debug)]
pub struct Environment {
    instance: OnceLock<String>,
    invocations: AtomicU64,
    warm_ups_held: AtomicU32,
    first_request: OnceLock<String>,
    max_concurrency: Option<u32>,
    init_type: InitType,
}

/// One invocation as the environment counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invocation {
    /// How many invocations the environment has begun, this one included (1 for the first).
    pub number: u64,
    /// `true` when this is the first invocation the environment served and it waited for the
    /// environment's init (see [what `cold` means](self#what-cold-means)).
    pub cold: bool,
}

impl Environment {
    /// The environment of this process, created on first use.
    ///
    /// ```
    /// let a = warm_sdk::Environment::global().instance();
    /// let b = warm_sdk::Environment::global().instance();
    /// assert_eq!(a, b);
    /// ```
    pub fn global() -> &'static Environment {
        &GLOBAL
    }

    /// A fresh environment reading `AWS_LAMBDA_MAX_CONCURRENCY` and
    /// `AWS_LAMBDA_INITIALIZATION_TYPE`; its instance id is made when first asked for. Use
    /// [`Environment::global`] outside tests.
    pub fn new() -> Self {
        let max_concurrency = std::env::var(MAX_CONCURRENCY_ENV)
            .ok()
            .and_then(|raw| parse_max_concurrency(&raw));
        let init_type = InitType::parse(std::env::var(INITIALIZATION_TYPE_ENV).ok().as_deref());
        Self::with_init_type(init_type, max_concurrency)
    }

    /// A fresh environment with the given init type and concurrency, for tests.
    ///
    /// ```
    /// use warm_sdk::environment::{Environment, InitType};
    ///
    /// let env = Environment::with_init_type(InitType::ProvisionedConcurrency, None);
    /// let first = env.begin_invocation("request-1");
    /// assert_eq!(first.number, 1);
    /// assert!(!first.cold, "provisioned concurrency ran the init before any invocation");
    /// ```
    pub fn with_init_type(init_type: InitType, max_concurrency: Option<u32>) -> Self {
        Self {
            instance: OnceLock::new(),
            invocations: AtomicU64::new(0),
            warm_ups_held: AtomicU32::new(0),
            first_request: OnceLock::new(),
            max_concurrency: max_concurrency.filter(|&n| n > 1),
            init_type,
        }
    }

    /// The instance id: 16 hex digits from the operating system's entropy, made at the first
    /// call (the first invocation: [`Environment::begin_invocation`] asks for it), fixed for
    /// the life of the process.
    pub fn instance(&self) -> &str {
        self.instance.get_or_init(random_instance_id)
    }

    /// Whether the instance id has been made yet (it is not during init).
    ///
    /// ```
    /// let env = warm_sdk::Environment::new();
    /// assert!(!env.has_instance());
    /// env.begin_invocation("request-1");
    /// assert!(env.has_instance());
    /// ```
    pub fn has_instance(&self) -> bool {
        self.instance.get().is_some()
    }

    /// How Lambda initialized this environment.
    pub fn init_type(&self) -> InitType {
        self.init_type
    }

    /// Counts an invocation and tells whether it is the environment's first.
    ///
    /// Call it once per invocation, before anything else looks at the request. Several
    /// invocations may begin at once (Lambda Managed Instances, `run_concurrent`): at most one
    /// of them is cold, and none is when the init type says the init ran before any
    /// invocation (see [what `cold` means](self#what-cold-means)).
    pub fn begin_invocation(&self, request_id: &str) -> Invocation {
        // The id is made here, at the first invocation, never while layers are built.
        self.instance();
        let number = self.invocations.fetch_add(1, Ordering::Relaxed) + 1;
        Invocation {
            number,
            cold: self.is_cold(request_id),
        }
    }

    /// Counts an invocation whose request id no handler saw: its event failed to
    /// deserialize before any handler ran. It still took the environment's first turn, so
    /// a later warm-up is not `cold`.
    ///
    /// ```
    /// let env = warm_sdk::Environment::new();
    /// env.count_unseen_invocation();
    /// let next = env.begin_invocation("request-2");
    /// assert_eq!(next.number, 2);
    /// assert!(!next.cold);
    /// ```
    pub fn count_unseen_invocation(&self) {
        self.instance();
        self.invocations.fetch_add(1, Ordering::Relaxed);
        self.first_request.get_or_init(|| UNSEEN_REQUEST.to_owned());
    }

    /// Whether `request_id` is the environment's first invocation and waited for its init
    /// (see [what `cold` means](self#what-cold-means)).
    ///
    /// The first request id asked about (by [`Environment::begin_invocation`] or by this
    /// method) becomes the first one, so the answer is right with or without
    /// [`WarmLayer`](crate::WarmLayer) in front.
    pub fn is_cold(&self, request_id: &str) -> bool {
        let first = self.first_request.get_or_init(|| request_id.to_owned()) == request_id;
        first && !request_id.is_empty() && self.init_type.first_invocation_is_cold()
    }

    /// Counts a warm-up as held by this environment until the returned guard is dropped.
    pub(crate) fn hold_warm_up(&self) -> HeldWarmUp<'_> {
        let held = self.warm_ups_held.fetch_add(1, Ordering::Relaxed) + 1;
        HeldWarmUp {
            environment: self,
            held,
        }
    }

    /// How many invocations have begun so far.
    pub fn invocations(&self) -> u64 {
        self.invocations.load(Ordering::Relaxed)
    }

    /// `AWS_LAMBDA_MAX_CONCURRENCY` when it is above 1: one environment then serves that many
    /// requests at once, so N concurrent warm-ups may reach fewer than N environments.
    pub fn max_concurrency(&self) -> Option<u32> {
        self.max_concurrency
    }
}

/// A warm-up being held (see [`Environment::hold_warm_up`]).
#[derive(Debug)]
pub(crate) struct HeldWarmUp<'a> {
    environment: &'a Environment,
    /// How many warm-ups the environment held when this one began, this one included.
    pub(crate) held: u32,
}

impl Drop for HeldWarmUp<'_> {
    fn drop(&mut self) {
        self.environment
            .warm_ups_held
            .fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for Environment {
    fn default() -> Self {
        Self::new()
    }
}

/// `Some(n)` for a value above 1; unset, 1, 0 or garbage mean one request at a time.
fn parse_max_concurrency(raw: &str) -> Option<u32> {
    raw.trim().parse::<u32>().ok().filter(|&n| n > 1)
}

/// 64 bits of the operating system's entropy as 16 hex digits.
fn random_instance_id() -> String {
    let mut bytes = [0u8; 8];
    let bits = match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        // The OS refused (never seen on Lambda's Linux): std's hash keys, which it seeds
        // from the same OS source once per thread and then perturbs, and the process id.
        Err(_) => {
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u32(std::process::id());
            hasher.finish()
        }
    };
    format!("{bits:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_invocation_is_cold_and_later_ones_are_not() {
        let env = Environment::with_init_type(InitType::OnDemand, None);
        assert_eq!(
            env.begin_invocation("a"),
            Invocation {
                number: 1,
                cold: true
            }
        );
        assert_eq!(
            env.begin_invocation("b"),
            Invocation {
                number: 2,
                cold: false
            }
        );
        assert!(env.is_cold("a"));
        assert!(!env.is_cold("b"));
        assert_eq!(env.invocations(), 2);
    }

    #[test]
    fn is_cold_without_begin_marks_the_first_request_asked_about() {
        let env = Environment::with_init_type(InitType::OnDemand, None);
        assert!(env.is_cold("x"));
        assert!(!env.is_cold("y"));
        assert!(env.is_cold("x"));
        assert_eq!(env.invocations(), 0);
    }

    #[test]
    fn concurrent_first_invocations_yield_exactly_one_cold() {
        let env = Environment::with_init_type(InitType::OnDemand, None);
        let colds: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let env = &env;
                    scope.spawn(move || env.begin_invocation(&format!("r{i}")).cold)
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(colds, 1);
        assert_eq!(env.invocations(), 8);
    }

    #[test]
    fn only_on_demand_and_unknown_init_make_the_first_invocation_cold() {
        for (init_type, cold) in [
            (InitType::OnDemand, true),
            (InitType::Unknown, true),
            (InitType::ProvisionedConcurrency, false),
            (InitType::SnapStart, false),
            (InitType::LambdaManagedInstances, false),
        ] {
            let env = Environment::with_init_type(init_type, None);
            let first = env.begin_invocation("a");
            assert_eq!((first.number, first.cold), (1, cold), "{init_type}");
            assert!(!env.begin_invocation("b").cold, "{init_type}");
        }
    }

    #[test]
    fn init_type_values_are_read_as_lambda_writes_them() {
        for init_type in [
            InitType::OnDemand,
            InitType::ProvisionedConcurrency,
            InitType::SnapStart,
            InitType::LambdaManagedInstances,
        ] {
            assert_eq!(InitType::parse(Some(init_type.as_str())), init_type);
        }
        assert_eq!(InitType::parse(Some("something-new")), InitType::Unknown);
    }

    #[test]
    fn an_invocation_whose_event_failed_takes_the_cold_turn() {
        let env = Environment::with_init_type(InitType::OnDemand, None);
        env.count_unseen_invocation();
        let next = env.begin_invocation("warm-up");
        assert_eq!(
            next,
            Invocation {
                number: 2,
                cold: false
            }
        );
    }

    #[test]
    fn the_instance_id_is_made_at_the_first_invocation_not_before() {
        let env = Environment::new();
        assert!(!env.has_instance());
        let _ = env.init_type();
        let _ = env.max_concurrency();
        assert!(!env.has_instance());
        env.begin_invocation("a");
        assert!(env.has_instance());
    }

    #[test]
    fn instance_ids_are_hex_and_differ_between_environments() {
        let a = Environment::new();
        let b = Environment::new();
        assert_eq!(a.instance().len(), 16);
        assert!(a.instance().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.instance(), b.instance());
    }

    #[test]
    fn held_warm_ups_are_counted_until_their_guard_is_dropped() {
        let env = Environment::new();
        let first = env.hold_warm_up();
        let second = env.hold_warm_up();
        assert_eq!((first.held, second.held), (1, 2));
        drop(first);
        drop(second);
        assert_eq!(env.hold_warm_up().held, 1);
    }

    #[test]
    fn max_concurrency_counts_only_above_one() {
        assert_eq!(parse_max_concurrency("8"), Some(8));
        assert_eq!(parse_max_concurrency(" 2 "), Some(2));
        assert_eq!(parse_max_concurrency("1"), None);
        assert_eq!(parse_max_concurrency("0"), None);
        assert_eq!(parse_max_concurrency("many"), None);
        assert_eq!(parse_max_concurrency("-3"), None);
    }
}
