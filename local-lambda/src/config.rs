//! Function and service settings: the builder methods and the TOML file `local-lambda serve
//! --config` reads.
//!
//! ```
//! use std::time::Duration;
//! use local_lambda::FunctionConfig;
//!
//! let orders = FunctionConfig::new("orders", "/opt/orders/bootstrap")
//!     .env("TABLE", "orders")
//!     .timeout(Duration::from_secs(3))
//!     .memory_mb(256)
//!     .reserved_concurrency(20);
//! assert_eq!(orders.name(), "orders");
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::Error;
use crate::faults::Faults;

/// Lambda's limit on the time from process start to the first `/next`.
pub(crate) const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// The version an unqualified invoke runs.
pub(crate) const LATEST: &str = "$LATEST";
/// Lambda's default function timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// Lambda's quota on file descriptors in an execution environment: 1,024
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>, "File
/// descriptors: 1,024").
pub(crate) const LAMBDA_OPEN_FILES: u64 = 1024;
/// Lambda's default memory size.
pub(crate) const DEFAULT_MEMORY_MB: u32 = 128;
/// Lambda's default unreserved account concurrency.
pub(crate) const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1000;
/// How long an idle sandbox stays before it is reclaimed, unless configured.
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Lambda's concurrency scaling rate: each function adds at most `environments` new execution
/// environments every `per`, on top of the account and reserved limits. Lambda's is 1,000
/// every 10 seconds, per function ("In each AWS Region, and for each function, your
/// concurrency scaling rate is 1,000 execution environment instances every 10 seconds",
/// <https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>). An invoke that
/// needs a new sandbox past it is throttled with `TooManyRequestsException` (429), as the
/// same page says Lambda answers requests that come in faster than the function can scale.
///
/// ```
/// use std::time::Duration;
/// let rate = local_lambda::ScalingRate::LAMBDA;
/// assert_eq!(rate.environments, 1000);
/// assert_eq!(rate.per, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScalingRate {
    /// New execution environments a function may add per `per` (and at once).
    pub environments: u32,
    /// The period over which `environments` is refilled, continuously.
    pub per: Duration,
}

impl ScalingRate {
    /// Lambda's rule: 1,000 new execution environments every 10 seconds, per function.
    pub const LAMBDA: Self = Self {
        environments: 1000,
        per: Duration::from_secs(10),
    };
}

/// One function: its name, the executable that is its bootstrap, and Lambda's per-function
/// settings. Build it with [`FunctionConfig::new`] and the chained setters.
///
/// The executable may be any program that speaks the Lambda Runtime API (a `lambda_runtime`
/// binary, a script with a shebang line, ...). See the [module docs](crate::config).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionConfig {
    pub(crate) name: String,
    pub(crate) executable: PathBuf,
    pub(crate) args: Vec<String>,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) timeout: Duration,
    pub(crate) init_timeout: Duration,
    pub(crate) memory_mb: u32,
    pub(crate) reserved_concurrency: Option<u32>,
    pub(crate) extra_cold_start: Duration,
    /// Alias name to the published version it points at.
    pub(crate) aliases: BTreeMap<String, String>,
    pub(crate) faults: Faults,
    /// The sandbox's open-file limit (soft and hard); `None` inherits local-lambda's.
    pub(crate) open_files: Option<u64>,
}

impl FunctionConfig {
    /// A function `name` whose sandboxes run `executable`, with Lambda's defaults: 3 s
    /// timeout, 128 MB, no reserved concurrency, no extra cold-start latency.
    pub fn new(name: impl Into<String>, executable: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            executable: executable.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout: DEFAULT_TIMEOUT,
            init_timeout: DEFAULT_INIT_TIMEOUT,
            memory_mb: DEFAULT_MEMORY_MB,
            reserved_concurrency: None,
            extra_cold_start: Duration::ZERO,
            aliases: BTreeMap::new(),
            faults: Faults::default(),
            open_files: Some(LAMBDA_OPEN_FILES),
        }
    }

    /// Adds an alias (`live`) pointing at a published version (`"1"`), as Lambda's
    /// `CreateAlias` does. Invokes whose qualifier is the alias or the version run that
    /// version: as in Lambda, each version has its own sandboxes (warming `live` does not warm
    /// `$LATEST`), which get `AWS_LAMBDA_FUNCTION_VERSION`, the log stream's `[VERSION]`
    /// prefix and `X-Amz-Executed-Version` of the version. Every version runs the same
    /// executable and settings. Without a qualifier, invokes run `$LATEST`.
    ///
    /// ```
    /// let orders = local_lambda::FunctionConfig::new("orders", "/opt/orders/bootstrap")
    ///     .alias("live", "3");
    /// assert_eq!(orders.version_of(Some("live")), Some("3"));
    /// assert_eq!(orders.version_of(Some("3")), Some("3"));
    /// assert_eq!(orders.version_of(None), Some("$LATEST"));
    /// assert_eq!(orders.version_of(Some("2")), None);
    /// ```
    pub fn alias(mut self, alias: impl Into<String>, version: impl Into<String>) -> Self {
        self.aliases.insert(alias.into(), version.into());
        self
    }

    /// The version an invoke with `qualifier` runs: `$LATEST` without one, the version an
    /// alias points at, or a version some alias points at; `None` for any other qualifier
    /// (Lambda's `ResourceNotFoundException`).
    pub fn version_of(&self, qualifier: Option<&str>) -> Option<&str> {
        match qualifier {
            None | Some(LATEST) => Some(LATEST),
            Some(q) => self
                .aliases
                .get(q)
                .or_else(|| self.aliases.values().find(|v| *v == q))
                .map(String::as_str),
        }
    }

    /// Adds an environment variable for the function's sandboxes (on top of the ones Lambda
    /// sets; a variable Lambda sets cannot be overridden, as in Lambda).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Adds a command-line argument for the executable (e.g. the script for `python3`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// The function timeout (1 s to 900 s): an invocation running longer ends its sandbox
    /// with `Sandbox.Timedout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time allowed from process start to the first `/next` (default 10 s, as in
    /// Lambda); longer ends the sandbox with `Sandbox.Timedout`.
    pub fn init_timeout(mut self, timeout: Duration) -> Self {
        self.init_timeout = timeout;
        self
    }

    /// Memory size in MB (128 to 10240), given to the function as
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` and shown in `REPORT` lines.
    pub fn memory_mb(mut self, memory_mb: u32) -> Self {
        self.memory_mb = memory_mb;
        self
    }

    /// Reserved concurrency: at most this many sandboxes run the function at once, taken
    /// out of the account's pool. More concurrent invokes are throttled with
    /// `TooManyRequestsException` (`ReservedFunctionConcurrentInvocationLimitExceeded`).
    pub fn reserved_concurrency(mut self, limit: u32) -> Self {
        self.reserved_concurrency = Some(limit);
        self
    }

    /// Latency added to every cold start before the process is started; it stands for
    /// placement (and the VPC network interface attach of old) in Lambda.
    pub fn extra_cold_start(mut self, latency: Duration) -> Self {
        self.extra_cold_start = latency;
        self
    }

    /// Injects faults into this function's invokes (429, 500, 502, delays), deterministic
    /// by the seed; see [`Faults`]. None by default.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The sandbox's open-file limit, soft and hard (default Lambda's 1,024, capped by
    /// local-lambda's own hard limit); `None` lets the function inherit local-lambda's, for a
    /// test that needs more descriptors than Lambda gives.
    pub fn open_files_limit(mut self, limit: Option<u64>) -> Self {
        self.open_files = limit;
        self
    }

    /// The function name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The executable each sandbox runs.
    pub fn executable(&self) -> &Path {
        &self.executable
    }

    /// Checks the settings against Lambda's limits; the error names the field and the fix.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |field: &str, reason: String| {
            Err(Error::InvalidConfig {
                function: self.name.clone(),
                field: field.to_owned(),
                reason,
            })
        };
        if !is_lambda_name(&self.name, 64) {
            return invalid(
                "name",
                "use 1 to 64 letters, digits, hyphens or underscores".to_owned(),
            );
        }
        if !self.executable.is_file() {
            return invalid(
                "executable",
                format!(
                    "{} is not a file; give the path of the function's bootstrap binary",
                    self.executable.display()
                ),
            );
        }
        if !(Duration::from_secs(1)..=Duration::from_secs(900)).contains(&self.timeout) {
            return invalid(
                "timeout",
                format!(
                    "{:?} is outside Lambda's range; use 1 s to 900 s",
                    self.timeout
                ),
            );
        }
        if self.init_timeout.is_zero() {
            return invalid(
                "init_timeout",
                "must be above zero; Lambda uses 10 s".to_owned(),
            );
        }
        if !(128..=10240).contains(&self.memory_mb) {
            return invalid(
                "memory_mb",
                format!(
                    "{} is outside Lambda's range; use 128 to 10240",
                    self.memory_mb
                ),
            );
        }
        for (alias, version) in &self.aliases {
            let alias_ok = is_lambda_name(alias, 128) && !alias.bytes().all(|b| b.is_ascii_digit());
            if !alias_ok {
                return invalid(
                    "aliases",
                    format!(
                        "alias {alias:?}: use 1 to 128 letters, digits, hyphens or underscores, not digits only (those name versions)"
                    ),
                );
            }
            let version_ok = !version.is_empty()
                && version.len() <= 10
                && version.bytes().all(|b| b.is_ascii_digit())
                && !version.starts_with('0');
            if !version_ok {
                return invalid(
                    "aliases",
                    format!(
                        "alias {alias:?} points at {version:?}; point it at a published version number such as \"1\" (an alias cannot point at $LATEST)"
                    ),
                );
            }
        }
        self.faults.validate(&self.name)?;
        if self.open_files == Some(0) {
            return invalid(
                "open_files_limit",
                "0 would keep the runtime from opening its own sockets; use Lambda's 1024, or None to inherit".to_owned(),
            );
        }
        if self.reserved_concurrency == Some(0) {
            return invalid(
                "reserved_concurrency",
                "0 would throttle every invoke; use 1 or more, or leave it unset".to_owned(),
            );
        }
        Ok(())
    }
}

/// Whether `name` is 1 to `max_len` letters, digits, hyphens or underscores, as Lambda
/// requires of function names and aliases.
fn is_lambda_name(name: &str, max_len: usize) -> bool {
    (1..=max_len).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The TOML file read by `local-lambda serve --config FILE`: service settings and one table
/// per function. Every field is optional except each function's `executable`.
///
/// ```
/// let file: local_lambda::ConfigFile = toml::from_str(r#"
///     port = 9001
///     idle_timeout_secs = 600
///
///     [functions.orders]
///     executable = "/opt/orders/bootstrap"
///     timeout_secs = 3
///     memory_mb = 256
///     reserved_concurrency = 20
///     extra_cold_start_ms = 200
///     env = { TABLE = "orders" }
///     aliases = { live = "1" }
/// "#).unwrap();
/// let functions = file.function_configs();
/// assert_eq!(functions[0].name(), "orders");
/// assert_eq!(functions[0].version_of(Some("live")), Some("1"));
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Port to listen on (0 or absent: an ephemeral port).
    pub port: Option<u16>,
    /// Where per-log-stream files are written.
    pub logs_dir: Option<PathBuf>,
    /// Account concurrency limit (default 1000).
    pub account_concurrency: Option<u32>,
    /// Seconds an idle sandbox is kept (default 600).
    pub idle_timeout_secs: Option<u64>,
    /// AWS region shown in ARNs and `AWS_REGION` (default `us-east-1`).
    pub region: Option<String>,
    /// New execution environments each function may add per `scaling_window_secs` (default
    /// 1000, Lambda's scaling rate; 0 turns the limit off).
    pub scaling_environments: Option<u32>,
    /// The scaling rate's window in seconds (default 10).
    pub scaling_window_secs: Option<u64>,
    /// Seconds before each retry of a failed `Event` invocation (default `[60, 120]`,
    /// Lambda's; `[]` turns retries off; at most two).
    pub async_retry_delays_secs: Option<Vec<u64>>,
    /// Seconds after which a queued `Event` invocation is dropped (default 21600, 6 hours).
    pub max_event_age_secs: Option<u64>,
    /// The most `Event` invocations waiting at once (default 100000).
    pub event_queue_limit: Option<usize>,
    /// The most payload bytes of `Event` invocations waiting at once (default 268435456,
    /// 256 MiB; at least 1048576).
    pub event_queue_bytes: Option<usize>,
    /// Functions by name.
    #[serde(default)]
    pub functions: BTreeMap<String, FunctionFile>,
}

/// One function's table in a [`ConfigFile`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionFile {
    /// The bootstrap executable.
    pub executable: PathBuf,
    /// Arguments for the executable.
    #[serde(default)]
    pub args: Vec<String>,
    /// Timeout in seconds (default 3).
    pub timeout_secs: Option<u64>,
    /// Memory size in MB (default 128).
    pub memory_mb: Option<u32>,
    /// Reserved concurrency (default none).
    pub reserved_concurrency: Option<u32>,
    /// Extra cold-start latency in milliseconds (default 0).
    pub extra_cold_start_ms: Option<u64>,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Aliases and the versions they point at (`aliases = { live = "1" }`).
    #[serde(default)]
    pub aliases: BTreeMap<String, String>,
    /// Injected faults (`faults = { seed = 7, throttle = 0.1, delay = 0.2, delay_ms = 150 }`).
    pub faults: Option<Faults>,
}

impl ConfigFile {
    /// Reads and parses a config file; the error names the file and what is wrong.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| Error::ConfigFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// The scaling rate the file asks for: Lambda's unless it sets `scaling_environments`
    /// or `scaling_window_secs`; `None` when `scaling_environments = 0` turns it off.
    pub fn scaling_rate(&self) -> Result<Option<ScalingRate>, Error> {
        let environments = self
            .scaling_environments
            .unwrap_or(ScalingRate::LAMBDA.environments);
        if environments == 0 {
            return Ok(None);
        }
        let per = self
            .scaling_window_secs
            .map_or(ScalingRate::LAMBDA.per, Duration::from_secs);
        if per.is_zero() {
            return Err(Error::InvalidConfig {
                function: "(service)".to_owned(),
                field: "scaling_window_secs".to_owned(),
                reason: "must be 1 or more (Lambda's is 10); to turn the scaling limit off set scaling_environments = 0".to_owned(),
            });
        }
        Ok(Some(ScalingRate { environments, per }))
    }

    /// The functions of the file as [`FunctionConfig`]s, in name order.
    pub fn function_configs(&self) -> Vec<FunctionConfig> {
        self.functions
            .iter()
            .map(|(name, f)| {
                let mut config = FunctionConfig::new(name.clone(), f.executable.clone());
                config.args.clone_from(&f.args);
                config.env.clone_from(&f.env);
                config.aliases.clone_from(&f.aliases);
                if let Some(secs) = f.timeout_secs {
                    config.timeout = Duration::from_secs(secs);
                }
                if let Some(mb) = f.memory_mb {
                    config.memory_mb = mb;
                }
                config.reserved_concurrency = f.reserved_concurrency;
                if let Some(faults) = &f.faults {
                    config.faults = faults.clone();
                }
                if let Some(ms) = f.extra_cold_start_ms {
                    config.extra_cold_start = Duration::from_millis(ms);
                }
                config
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(config: FunctionConfig) -> String {
        match config.validate() {
            Err(Error::InvalidConfig { field, .. }) => field,
            other => panic!("expected an invalid config, got {other:?}"),
        }
    }

    #[test]
    fn settings_out_of_lambda_range_name_the_field() {
        let exe = std::env::current_exe().unwrap();
        let ok = FunctionConfig::new("ok", &exe);
        assert!(ok.validate().is_ok());
        assert_eq!(field_of(FunctionConfig::new("bad name!", &exe)), "name");
        assert_eq!(
            field_of(FunctionConfig::new("f", "/no/such/file")),
            "executable"
        );
        assert_eq!(
            field_of(ok.clone().timeout(Duration::from_secs(901))),
            "timeout"
        );
        assert_eq!(field_of(ok.clone().memory_mb(64)), "memory_mb");
        assert_eq!(
            field_of(ok.clone().reserved_concurrency(0)),
            "reserved_concurrency"
        );
        assert_eq!(
            field_of(ok.clone().init_timeout(Duration::ZERO)),
            "init_timeout"
        );
        assert!(ok.clone().alias("live", "12").validate().is_ok());
        for (alias, version) in [
            ("live", "$LATEST"),
            ("live", "0"),
            ("live", "01"),
            ("live", "x"),
        ] {
            assert_eq!(
                field_of(ok.clone().alias(alias, version)),
                "aliases",
                "{alias}={version}"
            );
        }
        for alias in ["12", "", "no spaces", "$LATEST"] {
            assert_eq!(field_of(ok.clone().alias(alias, "1")), "aliases", "{alias}");
        }
    }

    #[test]
    fn config_file_rejects_unknown_keys() {
        let error =
            toml::from_str::<ConfigFile>("[functions.f]\nexecutable = \"/x\"\ntimeout = 3\n")
                .unwrap_err()
                .to_string();
        assert!(error.contains("unknown field `timeout`"), "{error}");
    }
}
