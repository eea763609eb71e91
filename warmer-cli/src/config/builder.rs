//! A typed builder for `warmer.toml`, for configs generated in code. What it builds writes
//! to TOML with [`Config::to_toml_string`] and reads back equal.
//!
//! ```
//! use warmer_cli::config::{Config, ConfigBuilder, WarmerBuilder};
//! use warmer_fn::target::{Delay, Target};
//!
//! let config = ConfigBuilder::new()
//!     .account_concurrency_limit(3000)
//!     .warmer(
//!         WarmerBuilder::new("api")
//!             .schedule("rate(5 minutes)")
//!             .timezone("Europe/Berlin")
//!             .target_with(Target { qualifier: Some("live".into()), delay: Delay::Fixed(300), ..Target::new("orders", 10) })
//!             .profile("MON-FRI", "08:00-20:00", 100)
//!             .alarm_default(),
//!     )
//!     .build();
//! assert!(config.check().is_ok());
//! let text = config.to_toml_string();
//! assert_eq!(Config::from_toml_str(&text).unwrap(), config);
//! ```

use super::{
    Alarm, Config, CostSettings, DEFAULT_ACCOUNT_CONCURRENCY, FunctionSettings, MetricsSettings,
    Profile, Warmer,
};
use warmer_fn::target::Target;

/// Builds a [`Config`].
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    config: Config,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigBuilder {
    /// An empty config with the defaults.
    pub fn new() -> Self {
        Self {
            config: Config {
                account_concurrency_limit: DEFAULT_ACCOUNT_CONCURRENCY,
                function: FunctionSettings::default(),
                metrics: MetricsSettings::default(),
                cost: CostSettings::default(),
                warmers: Vec::new(),
            },
        }
    }

    /// The account's concurrency limit.
    pub fn account_concurrency_limit(mut self, limit: u32) -> Self {
        self.config.account_concurrency_limit = limit;
        self
    }

    /// The warmer function's settings.
    pub fn function(mut self, function: FunctionSettings) -> Self {
        self.config.function = function;
        self
    }

    /// The metrics namespace.
    pub fn metrics_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.config.metrics.namespace = namespace.into();
        self
    }

    /// Cost inputs.
    pub fn cost(mut self, cost: CostSettings) -> Self {
        self.config.cost = cost;
        self
    }

    /// Adds a warmer.
    pub fn warmer(mut self, warmer: WarmerBuilder) -> Self {
        self.config.warmers.push(warmer.build());
        self
    }

    /// The config (not yet checked: call [`Config::check`]).
    pub fn build(self) -> Config {
        self.config
    }
}

/// Builds a [`Warmer`].
#[derive(Debug, Clone)]
pub struct WarmerBuilder {
    warmer: Warmer,
}

impl WarmerBuilder {
    /// A warmer named `name` on `rate(5 minutes)` in UTC, without targets.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            warmer: Warmer {
                name: name.into(),
                schedule: super::default_schedule(),
                timezone: super::default_timezone(),
                targets: Vec::new(),
                profiles: Vec::new(),
                max_share: None,
                alarm: None,
                shard_size: None,
            },
        }
    }

    /// The Scheduler expression.
    pub fn schedule(mut self, expression: impl Into<String>) -> Self {
        self.warmer.schedule = expression.into();
        self
    }

    /// The IANA time zone.
    pub fn timezone(mut self, timezone: impl Into<String>) -> Self {
        self.warmer.timezone = timezone.into();
        self
    }

    /// The shard size of the deployed warmer: a target whose N is larger is warmed by several
    /// copies of the warmer, one per shard (see [`Warmer::shard_size`]).
    pub fn shard_size(mut self, shard_size: u32) -> Self {
        self.warmer.shard_size = Some(shard_size);
        self
    }

    /// Adds a target with the defaults and `concurrency` as its default N.
    pub fn target(self, function: impl Into<String>, concurrency: u32) -> Self {
        self.target_with(Target::new(function, concurrency))
    }

    /// Adds a target as given.
    pub fn target_with(mut self, target: Target) -> Self {
        self.warmer.targets.push(target);
        self
    }

    /// Adds a window: `days` like `MON-FRI`, `hours` like `08:00-20:00`.
    pub fn profile(
        mut self,
        days: impl Into<String>,
        hours: impl Into<String>,
        concurrency: u32,
    ) -> Self {
        self.warmer.profiles.push(Profile {
            name: None,
            days: days.into(),
            hours: hours.into(),
            concurrency,
        });
        self
    }

    /// Adds a named window.
    pub fn named_profile(
        mut self,
        name: impl Into<String>,
        days: impl Into<String>,
        hours: impl Into<String>,
        concurrency: u32,
    ) -> Self {
        self.warmer.profiles.push(Profile {
            name: Some(name.into()),
            days: days.into(),
            hours: hours.into(),
            concurrency,
        });
        self
    }

    /// A Shortfall alarm with the given settings.
    pub fn alarm(mut self, alarm: Alarm) -> Self {
        self.warmer.alarm = Some(alarm);
        self
    }

    /// A Shortfall alarm with the default settings.
    pub fn alarm_default(self) -> Self {
        self.alarm(Alarm::default())
    }

    /// The warmer.
    pub fn build(self) -> Warmer {
        self.warmer
    }
}
