//! How warm-ups are recognised and how long they may hold: the flag key, the default and
//! maximum delay, and the safety margin kept before the invocation's deadline.
//!
//! ```
//! use std::time::Duration;
//! use warm_sdk::WarmConfig;
//!
//! let config = WarmConfig::new()
//!     .flag_key("keep_warm")
//!     .default_delay(Duration::from_millis(100))
//!     .max_delay(Duration::from_secs(2));
//! assert_eq!(config.get_flag_key(), "keep_warm");
//! assert_eq!(config.get_max_delay(), Duration::from_secs(2));
//! ```
//!
//! What a warm-up writes is set here too: the INFO line of each warm-up
//! ([`WarmConfig::warmup_log`], every one by default) and the optional EMF metrics
//! ([`WarmConfig::metrics_namespace`], off by default; see [`metrics`](crate::metrics)).

use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

use memchr::memmem::Finder;

use crate::protocol::{DEFAULT_DELAY_MS, DEFAULT_FLAG_KEY, DEFAULT_MAX_DELAY_MS};

/// The time a warm-up keeps free before its invocation's deadline, unless configured
/// otherwise, in milliseconds: enough to post the answer to the Runtime API.
pub const DEFAULT_DEADLINE_MARGIN_MS: u64 = 200;

/// Settings for recognising and answering warm-ups.
///
/// [`WarmConfig::default`] recognises `{"warmer": true}`, holds
/// [`DEFAULT_DELAY_MS`] when the payload names no delay, never more than
/// [`DEFAULT_MAX_DELAY_MS`], and always answers [`DEFAULT_DEADLINE_MARGIN_MS`] before the
/// invocation's deadline. See the [module docs](self) for an example.
#[derive(Clone)]
pub struct WarmConfig {
    flag_key: String,
    // The flag key as JSON writes it (quotes included), searched in the raw payload.
    flag_finder: Finder<'static>,
    default_delay: Duration,
    max_delay: Duration,
    deadline_margin: Duration,
    warmup_log: WarmupLog,
    metrics_namespace: Option<String>,
}

/// Which warm-ups write the INFO line
/// [`WARMUP_LOG_MESSAGE`](crate::answer::WARMUP_LOG_MESSAGE). WARN lines (a warm-up that asked
/// for something it did not get) are written whatever this says.
///
/// ```
/// use std::num::NonZeroU32;
/// use warm_sdk::config::WarmupLog;
///
/// let sampled = WarmupLog::OneIn(NonZeroU32::new(10).unwrap());
/// // The first warm-up of an environment, then every tenth.
/// assert!(sampled.logs(0) && !sampled.logs(1) && sampled.logs(10));
/// assert!(WarmupLog::default().logs(7));
/// assert!(!WarmupLog::Off.logs(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WarmupLog {
    /// Every warm-up (the default).
    #[default]
    Every,
    /// The first warm-up of each environment, then one in `n`.
    OneIn(NonZeroU32),
    /// None.
    Off,
}

impl WarmupLog {
    /// Whether the warm-up numbered `nth` in this environment (0 for its first) writes the line.
    pub fn logs(self, nth: u64) -> bool {
        match self {
            WarmupLog::Every => true,
            WarmupLog::OneIn(n) => nth.is_multiple_of(u64::from(n.get())),
            WarmupLog::Off => false,
        }
    }
}

impl WarmConfig {
    /// The default settings (same as [`WarmConfig::default`]).
    ///
    /// ```
    /// let config = warm_sdk::WarmConfig::new();
    /// assert_eq!(config.get_flag_key(), "warmer");
    /// assert_eq!(config.get_default_delay().as_millis(), 75);
    /// ```
    pub fn new() -> Self {
        Self {
            flag_key: DEFAULT_FLAG_KEY.to_owned(),
            flag_finder: quoted_finder(DEFAULT_FLAG_KEY),
            default_delay: Duration::from_millis(DEFAULT_DELAY_MS),
            max_delay: Duration::from_millis(DEFAULT_MAX_DELAY_MS),
            deadline_margin: Duration::from_millis(DEFAULT_DEADLINE_MARGIN_MS),
            warmup_log: WarmupLog::Every,
            metrics_namespace: None,
        }
    }

    /// Sets the top-level key whose value `true` marks a warm-up (default `warmer`).
    ///
    /// The key is found in the raw payload as JSON writes it (`"keep_warm"`); a payload that
    /// spells it with escape sequences is not a warm-up.
    ///
    /// ```
    /// use warm_sdk::{WarmConfig, detect};
    ///
    /// let config = WarmConfig::new().flag_key("keep_warm");
    /// assert!(detect(br#"{"keep_warm": true}"#, &config).is_some());
    /// assert!(detect(br#"{"warmer": true}"#, &config).is_none());
    /// ```
    pub fn flag_key(mut self, key: impl Into<String>) -> Self {
        self.flag_key = key.into();
        self.flag_finder = quoted_finder(&self.flag_key);
        self
    }

    /// Sets the delay held when a warm-up names none or names an invalid one.
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = warm_sdk::WarmConfig::new().default_delay(Duration::from_millis(10));
    /// assert_eq!(config.get_default_delay(), Duration::from_millis(10));
    /// ```
    pub fn default_delay(mut self, delay: Duration) -> Self {
        self.default_delay = delay;
        self
    }

    /// Sets the most a warm-up may hold, whatever its payload asks (default 10 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = warm_sdk::WarmConfig::new().max_delay(Duration::from_secs(1));
    /// assert_eq!(config.get_max_delay(), Duration::from_secs(1));
    /// ```
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets how long before the invocation's deadline a warm-up answers at the latest
    /// (default [`DEFAULT_DEADLINE_MARGIN_MS`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = warm_sdk::WarmConfig::new().deadline_margin(Duration::from_millis(500));
    /// assert_eq!(config.get_deadline_margin(), Duration::from_millis(500));
    /// ```
    pub fn deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = margin;
        self
    }

    /// Sets which warm-ups write their INFO line (default [`WarmupLog::Every`]).
    ///
    /// ```
    /// use warm_sdk::{config::WarmupLog, WarmConfig};
    /// let config = WarmConfig::new().warmup_log(WarmupLog::Off);
    /// assert_eq!(config.get_warmup_log(), WarmupLog::Off);
    /// ```
    pub fn warmup_log(mut self, log: WarmupLog) -> Self {
        self.warmup_log = log;
        self
    }

    /// Turns on the EMF metrics of warm-ups and cold starts in CloudWatch namespace
    /// `namespace` (see [`metrics`](crate::metrics)); off by default.
    ///
    /// ```
    /// let config = warm_sdk::WarmConfig::new().metrics_namespace("MyApp/Warm");
    /// assert_eq!(config.get_metrics_namespace(), Some("MyApp/Warm"));
    /// assert_eq!(warm_sdk::WarmConfig::new().get_metrics_namespace(), None);
    /// ```
    pub fn metrics_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.metrics_namespace = Some(namespace.into());
        self
    }

    /// Which warm-ups write their INFO line.
    pub fn get_warmup_log(&self) -> WarmupLog {
        self.warmup_log
    }

    /// The EMF namespace, when the metrics are on.
    pub fn get_metrics_namespace(&self) -> Option<&str> {
        self.metrics_namespace.as_deref()
    }

    /// The flag key.
    pub fn get_flag_key(&self) -> &str {
        &self.flag_key
    }

    /// The delay held when a warm-up names none or an invalid one.
    pub fn get_default_delay(&self) -> Duration {
        self.default_delay
    }

    /// The most a warm-up may hold.
    pub fn get_max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The time kept free before the invocation's deadline.
    pub fn get_deadline_margin(&self) -> Duration {
        self.deadline_margin
    }

    pub(crate) fn flag_finder(&self) -> &Finder<'static> {
        &self.flag_finder
    }
}

/// A finder for `key` as JSON writes it, quotes included: `"warmer"`.
pub(crate) fn quoted_finder(key: &str) -> Finder<'static> {
    // serde_json escapes exactly what a JSON writer must, so the needle matches the usual form.
    let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    Finder::new(quoted.as_bytes()).into_owned()
}

impl Default for WarmConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for WarmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WarmConfig")
            .field("flag_key", &self.flag_key)
            .field("default_delay", &self.default_delay)
            .field("max_delay", &self.max_delay)
            .field("deadline_margin", &self.deadline_margin)
            .field("warmup_log", &self.warmup_log)
            .field("metrics_namespace", &self.metrics_namespace)
            .finish()
    }
}

impl PartialEq for WarmConfig {
    fn eq(&self, other: &Self) -> bool {
        self.flag_key == other.flag_key
            && self.default_delay == other.default_delay
            && self.max_delay == other.max_delay
            && self.deadline_margin == other.deadline_margin
            && self.warmup_log == other.warmup_log
            && self.metrics_namespace == other.metrics_namespace
    }
}

impl Eq for WarmConfig {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_protocol_constants() {
        let config = WarmConfig::default();
        assert_eq!(config.get_flag_key(), DEFAULT_FLAG_KEY);
        assert_eq!(
            config.get_default_delay(),
            Duration::from_millis(DEFAULT_DELAY_MS)
        );
        assert_eq!(
            config.get_max_delay(),
            Duration::from_millis(DEFAULT_MAX_DELAY_MS)
        );
        assert_eq!(
            config.get_deadline_margin(),
            Duration::from_millis(DEFAULT_DEADLINE_MARGIN_MS)
        );
        // Every warm-up logs and no metrics are written, as before these settings existed.
        assert_eq!(config.get_warmup_log(), WarmupLog::Every);
        assert_eq!(config.get_metrics_namespace(), None);
    }

    #[test]
    fn flag_key_needle_is_quoted_json() {
        let config = WarmConfig::new().flag_key("a\"b");
        assert_eq!(config.flag_finder().needle(), br#""a\"b""#);
        assert_eq!(WarmConfig::new().flag_finder().needle(), br#""warmer""#);
    }

    #[test]
    fn configs_compare_by_settings() {
        assert_eq!(WarmConfig::new(), WarmConfig::default());
        assert_ne!(WarmConfig::new(), WarmConfig::new().flag_key("other"));
        assert!(format!("{:?}", WarmConfig::new()).contains("warmer"));
    }
}
