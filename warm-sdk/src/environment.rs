//! What this execution environment has served: an instance id fixed for the life of the
//! process, the invocation count, and which invocation paid the cold start.
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
//! assert!(first.cold && !second.cold);
//! assert_eq!((first.number, second.number), (1, 2));
//! assert!(env.is_cold("request-1"));
//! assert_eq!(env.instance().len(), 16);
//! ```

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable Lambda Managed Instances set to the number of requests one
/// environment serves at once.
pub const MAX_CONCURRENCY_ENV: &str = "AWS_LAMBDA_MAX_CONCURRENCY";

static GLOBAL: LazyLock<Environment> = LazyLock::new(Environment::new);

/// The state of one execution environment. See the [module docs](self).
#[derive(Debug)]
pub struct Environment {
    instance: String,
    invocations: AtomicU64,
    first_request: OnceLock<String>,
    max_concurrency: Option<u32>,
}

/// One invocation as the environment counted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invocation {
    /// How many invocations the environment has begun, this one included (1 for the first).
    pub number: u64,
    /// `true` when this is the first invocation the environment served: it paid the cold start.
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

    /// A fresh environment with a new random instance id, reading
    /// `AWS_LAMBDA_MAX_CONCURRENCY`. Use [`Environment::global`] outside tests.
    pub fn new() -> Self {
        let max_concurrency = std::env::var(MAX_CONCURRENCY_ENV)
            .ok()
            .and_then(|raw| parse_max_concurrency(&raw));
        Self {
            instance: random_instance_id(),
            invocations: AtomicU64::new(0),
            first_request: OnceLock::new(),
            max_concurrency,
        }
    }

    /// The instance id: 16 hex digits, random, fixed for the life of the process.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Counts an invocation and tells whether it is the environment's first.
    ///
    /// Call it once per invocation, before anything else looks at the request. Under Lambda
    /// Managed Instances several invocations may begin at once; exactly one of them is cold.
    pub fn begin_invocation(&self, request_id: &str) -> Invocation {
        let number = self.invocations.fetch_add(1, Ordering::Relaxed) + 1;
        Invocation {
            number,
            cold: self.is_cold(request_id),
        }
    }

    /// Whether `request_id` is the first invocation this environment served.
    ///
    /// The first request id asked about (by [`Environment::begin_invocation`] or by this
    /// method) becomes the cold one, so the answer is right with or without
    /// [`WarmLayer`](crate::WarmLayer) in front.
    pub fn is_cold(&self, request_id: &str) -> bool {
        self.first_request.get_or_init(|| request_id.to_owned()) == request_id
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

impl Default for Environment {
    fn default() -> Self {
        Self::new()
    }
}

/// `Some(n)` for a value above 1; unset, 1, 0 or garbage mean one request at a time.
fn parse_max_concurrency(raw: &str) -> Option<u32> {
    raw.trim().parse::<u32>().ok().filter(|&n| n > 1)
}

/// 64 random bits as 16 hex digits, from std's per-process random hash keys, the clock and
/// the process id (no extra dependency for something that only has to differ between
/// environments).
fn random_instance_id() -> String {
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_invocation_is_cold_and_later_ones_are_not() {
        let env = Environment::new();
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
        let env = Environment::new();
        assert!(env.is_cold("x"));
        assert!(!env.is_cold("y"));
        assert!(env.is_cold("x"));
        assert_eq!(env.invocations(), 0);
    }

    #[test]
    fn concurrent_first_invocations_yield_exactly_one_cold() {
        let env = Environment::new();
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
    fn instance_ids_are_hex_and_differ_between_environments() {
        let a = Environment::new();
        let b = Environment::new();
        assert_eq!(a.instance().len(), 16);
        assert!(a.instance().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.instance(), b.instance());
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
