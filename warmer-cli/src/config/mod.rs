//! `warmer.toml`: which functions to keep warm, on which schedule, how warm at which hours.
//!
//! A file holds one or more `[[warmers]]`; each has targets (the engine's
//! [`Target`] shape: its `concurrency` is the default N), a Scheduler
//! `schedule` with a `timezone`, and optional concurrency `profiles` by time window. Each window
//! becomes one Scheduler schedule (see [`Warmer::schedules`]).
//!
//! ```
//! use warmer_cli::config::Config;
//!
//! let config = Config::from_toml_str(r#"
//!     [[warmers]]
//!     name = "api"
//!     schedule = "rate(5 minutes)"
//!     timezone = "Europe/Berlin"
//!
//!     [[warmers.targets]]
//!     function = "orders"
//!     qualifier = "live"
//!     concurrency = 10
//!
//!     [[warmers.profiles]]
//!     days = "MON-FRI"
//!     hours = "08:00-20:00"
//!     concurrency = 100
//! "#).unwrap();
//! assert!(config.check().is_ok());
//! let schedules = config.warmers[0].schedules().unwrap();
//! assert_eq!(schedules[0].expression, "cron(0/5 8-19 ? * MON-FRI *)");
//! assert_eq!(schedules[0].targets[0].concurrency, 100);
//! ```

pub mod brief;
pub mod builder;
pub mod function;
pub mod heartbeat;
pub mod schedule;
mod validate;

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use brief::{Brief, MAX_ENVIRONMENT_BYTES};
pub use builder::{ConfigBuilder, WarmerBuilder};
pub use function::FunctionSettings;
pub use heartbeat::{NoHeartbeat, heartbeat_period};
pub use validate::{Diagnostic, Diagnostics, Severity};
use warmer_fn::rules;
use warmer_fn::target::Target;

use schedule::{DaySet, HourRange, Schedule, WeekGrid, hours_field, hours_label};

/// Default account concurrency limit (Lambda's default quota per Region).
pub const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1000;

/// The whole `warmer.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The account's concurrent executions limit in the Region; no window may ask for more.
    #[serde(default = "default_account_limit")]
    pub account_concurrency_limit: u32,
    /// The deployed warmer function.
    #[serde(default)]
    pub function: FunctionSettings,
    /// Where the engine's metrics go.
    #[serde(default)]
    pub metrics: MetricsSettings,
    /// Inputs of `warmer cost` that the targets do not say (their memory size).
    #[serde(default)]
    pub cost: CostSettings,
    /// The warmers.
    #[serde(default)]
    pub warmers: Vec<Warmer>,
}

fn default_account_limit() -> u32 {
    DEFAULT_ACCOUNT_CONCURRENCY
}

/// The engine's Embedded Metric Format output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// CloudWatch namespace of the metrics (`Warmer`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "Warmer".into()
}

impl Default for MetricsSettings {
    fn default() -> Self {
        Self {
            namespace: default_namespace(),
        }
    }
}

/// What `warmer cost` needs beyond the targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSettings {
    /// Memory of the target functions in MB, unless listed in `function_memory_mb`.
    #[serde(default = "default_target_memory")]
    pub memory_mb: u32,
    /// Memory per target function (key: the target's `function` as written).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub function_memory_mb: std::collections::BTreeMap<String, u32>,
    /// The hold priced for targets whose delay is `auto`, in ms; unset (the default), the
    /// engine's prior for a round of N
    /// ([`warmer_fn::engine::AutoDelay::probe_delay_ms`]: 100 ms + 6 ms per warm-up, at most
    /// 10 s), the hold of a run that neither remembers nor learns it; a learnt or remembered
    /// hold is about 1.5 times the last arrival, shorter (BENCHMARKS.md, "Coverage in one
    /// round"), so set this from `held_env_seconds` / N of your own runs for a closer price.
    /// See [`CostSettings::auto_hold_ms`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_delay_ms: Option<u64>,
    /// How long the warmer runs beyond the longest delay, in ms.
    #[serde(default = "default_overhead")]
    pub warmer_overhead_ms: u64,
}

fn default_target_memory() -> u32 {
    1024
}
fn default_overhead() -> u64 {
    300
}

impl Default for CostSettings {
    fn default() -> Self {
        Self {
            memory_mb: default_target_memory(),
            function_memory_mb: Default::default(),
            auto_delay_ms: None,
            warmer_overhead_ms: default_overhead(),
        }
    }
}

impl CostSettings {
    /// The hold priced for one warm-up of a target of `n` whose delay is `auto`:
    /// `auto_delay_ms` when set, else the engine's prior for a round of `n` (an upper bound:
    /// runs that learn or remember the hold hold less).
    ///
    /// ```
    /// use warmer_cli::config::CostSettings;
    /// let engine = CostSettings::default();
    /// assert_eq!(engine.auto_hold_ms(10), 160);
    /// assert_eq!(engine.auto_hold_ms(1_000), 6_100);
    /// let fixed = CostSettings { auto_delay_ms: Some(500), ..CostSettings::default() };
    /// assert_eq!(fixed.auto_hold_ms(1_000), 500);
    /// ```
    pub fn auto_hold_ms(&self, n: u32) -> u64 {
        self.auto_delay_ms
            .unwrap_or_else(|| warmer_fn::engine::AutoDelay::default().probe_delay_ms(n))
    }

    /// The memory of `function` in MB.
    pub fn memory_of(&self, function: &str) -> u32 {
        self.function_memory_mb
            .get(function)
            .copied()
            .unwrap_or(self.memory_mb)
    }
}

/// One warmer: targets warmed together on one schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Warmer {
    /// Name (letters, digits, `-`, `_`); names the schedules and template resources.
    pub name: String,
    /// Scheduler expression: `rate(5 minutes)` or a 6-field `cron(...)`.
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// IANA time zone the schedule and profile hours are read in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// What to warm; each target's `concurrency` is the default N outside every profile.
    #[serde(default)]
    pub targets: Vec<Target>,
    /// Concurrency by time window; hours outside every window use the targets' own N.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<Profile>,
    /// An alarm on the engine's `Shortfall` metric, one per target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm: Option<Alarm>,
    /// The most of each target function's available concurrency a warm-up may hold, a fraction
    /// in (0, 1] (the concurrency guard; 0.8 when unset). A target's own `max_share` wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_share: Option<f64>,
    /// The most warm-ups one copy of the deployed warmer sends for a target, 1 to
    /// [`rules::DEFAULT_MAX_IN_FLIGHT`]: a target whose N is larger is split into shards, each
    /// warmed by a copy of the warmer that the run's first copy invokes. Unset, the warmer
    /// Lambda's default ([`rules::DEFAULT_SHARD_SIZE`]) applies and the schedule inputs do not
    /// carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_size: Option<u32>,
}

fn default_schedule() -> String {
    "rate(5 minutes)".into()
}
fn default_timezone() -> String {
    "UTC".into()
}

/// A time window (days x whole hours) with its own concurrency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Optional name, used in the schedule's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Days: `MON-FRI`, `SAT,SUN`, `daily`.
    pub days: String,
    /// Whole hours within a day: `08:00-20:00` (end up to `24:00`).
    pub hours: String,
    /// N for every target of the warmer during the window.
    pub concurrency: u32,
}

/// A CloudWatch alarm on `Shortfall` (requested minus reached environments).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// Alarm when the maximum shortfall in a period reaches this many environments.
    #[serde(default = "default_threshold")]
    pub threshold: u32,
    /// Period in seconds (60 or a multiple of 60).
    #[serde(default = "default_period")]
    pub period_seconds: u32,
    /// Consecutive periods before the alarm fires.
    #[serde(default = "default_periods")]
    pub evaluation_periods: u32,
    /// What a period without data means: `notBreaching`, `breaching`, `ignore`, `missing`.
    #[serde(default = "default_missing")]
    pub treat_missing_data: String,
    /// SNS topic ARN notified when the alarm fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns_topic_arn: Option<String>,
}

fn default_threshold() -> u32 {
    1
}
fn default_period() -> u32 {
    300
}
fn default_periods() -> u32 {
    2
}
fn default_missing() -> String {
    "notBreaching".into()
}

impl Default for Alarm {
    fn default() -> Self {
        Self {
            threshold: default_threshold(),
            period_seconds: default_period(),
            evaluation_periods: default_periods(),
            treat_missing_data: default_missing(),
            sns_topic_arn: None,
        }
    }
}

/// A file that could not be read as a `warmer.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Field path (`warmers[0].targets[1].concurrency`), empty at the top level.
    pub path: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}\n  fix: {}", self.message, self.fix)
    }
}

impl std::error::Error for ParseError {}

impl Config {
    /// Parses TOML, naming the field path and line of the first problem.
    ///
    /// ```
    /// let err = warmer_cli::config::Config::from_toml_str(
    ///     "[[warmers]]\nname = \"api\"\n[[warmers.targets]]\nfunction = \"f\"\nconcurency = 5\n",
    /// ).unwrap_err();
    /// assert_eq!(err.path, "warmers[0].targets[0].concurency");
    /// assert_eq!(err.line, Some(5));
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Config, ParseError> {
        let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(text, &e))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let line = inner.span().map(|s| line_of(text, s.start));
            let message = inner.message().trim().to_string();
            field_error(path, line, message)
        })
    }

    /// Reads and parses a file.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Config::from_toml_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Writes the config as TOML; [`Config::from_toml_str`] reads it back unchanged.
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a Config always serializes to TOML")
    }

    /// Every problem in the config, errors and warnings.
    pub fn diagnostics(&self) -> Diagnostics {
        validate::validate(self)
    }

    /// `Ok` with the warnings when there is no error; `Err` with everything otherwise.
    pub fn check(&self) -> Result<Diagnostics, Diagnostics> {
        let diagnostics = self.diagnostics();
        if diagnostics.has_errors() {
            Err(diagnostics)
        } else {
            Ok(diagnostics)
        }
    }
}

fn syntax_error(text: &str, e: &toml::de::Error) -> ParseError {
    ParseError {
        path: String::new(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
        fix: "fix the TOML syntax at that line".into(),
    }
}

fn field_error(mut path: String, line: Option<usize>, message: String) -> ParseError {
    if path == "." {
        path.clear();
    }
    let fix = if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or_default();
        path = join_field(&path, field);
        let expected = rest.split_once(", expected ").map(|(_, e)| e).unwrap_or("");
        format!("remove `{field}` or correct its spelling (known keys: {expected})")
    } else if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        path = join_field(&path, field);
        format!("add `{field} = ...`")
    } else {
        "give the value the type the message names".into()
    };
    ParseError {
        path,
        line,
        message,
        fix,
    }
}

/// `path.field`, unless the path already ends in the field.
fn join_field(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else if path == field || path.ends_with(&format!(".{field}")) {
        path.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The `window` of a warmer's only schedule when it has no profiles.
const ALWAYS: &str = "always";

/// One Scheduler schedule of a warmer: a window, its expression and its input.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSchedule {
    /// Short name: the profile's name, `profile-N`, or `default` / `default-N`.
    pub name: String,
    /// What the window is, for people: `MON-FRI 08:00-20:00`.
    pub window: String,
    /// The Scheduler expression.
    pub expression: String,
    /// The IANA time zone.
    pub timezone: String,
    /// The targets with this window's concurrency: the input is `{"targets": [...]}`.
    pub targets: Vec<Target>,
    /// The warmer's `shard_size` as written: the input carries it (`"shard_size": N`) only
    /// when it is set.
    pub shard_size: Option<u32>,
    /// The hours of the week in which it fires.
    pub hours: WeekGrid,
    /// Average runs in each of those hours.
    pub runs_per_hour: f64,
}

impl WindowSchedule {
    /// The schedule's input: exactly what the warmer Lambda accepts.
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// let warmer = WarmerBuilder::new("api").target("orders", 3).build();
    /// let input = warmer.schedules().unwrap()[0].input();
    /// assert_eq!(input, r#"{"targets":[{"function":"orders","concurrency":3,"delay":"auto","mode":"verify"}]}"#);
    /// ```
    ///
    /// Only the targets with `strategy = "warm"` are in it: Provisioned Concurrency keeps the
    /// others warm. A warmer that sets `shard_size` adds it after the targets:
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// let warmer = WarmerBuilder::new("api").target("orders", 3).shard_size(500).build();
    /// let input = warmer.schedules().unwrap()[0].input();
    /// assert!(input.ends_with(r#"}],"shard_size":500}"#), "{input}");
    /// ```
    pub fn input(&self) -> String {
        let request = warmer_fn::event::WarmRequest {
            targets: self.warmed_targets(),
            max_share: None,
            shard_size: self.shard_size,
        };
        serde_json::to_string(&request).expect("targets always serialize to JSON")
    }

    /// The shard size the deployed warmer uses for this window's run: the warmer's
    /// `shard_size`, or the warmer Lambda's default ([`rules::DEFAULT_SHARD_SIZE`]).
    pub fn effective_shard_size(&self) -> u32 {
        self.shard_size.unwrap_or(rules::DEFAULT_SHARD_SIZE)
    }

    /// How many shards `target` (as this window warms it) is split into: 0 when one copy of
    /// the warmer sends all its warm-ups ([`rules::shards_needed`]).
    pub fn target_shards(&self, target: &Target) -> u32 {
        if target.strategy.is_warm() {
            rules::shards_needed(target.concurrency, self.effective_shard_size())
        } else {
            0
        }
    }

    /// How many shards this window's run uses, over all its targets: they are warmed at once,
    /// so their shards run together.
    pub fn shards(&self) -> u32 {
        self.targets.iter().map(|t| self.target_shards(t)).sum()
    }

    /// How many copies of the deployed warmer one run of this window uses at once: the one
    /// Scheduler starts (the coordinator) and one per shard it invokes; 0 when the window warms
    /// nothing (it has no schedule).
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// let warmer = WarmerBuilder::new("api")
    ///     .target("orders", 2_000)
    ///     .target("search", 900)
    ///     .shard_size(500)
    ///     .build();
    /// let run = &warmer.schedules().unwrap()[0];
    /// assert_eq!(run.shards(), 4 + 2);
    /// assert_eq!(run.warmer_copies(), 1 + 4 + 2);
    /// ```
    pub fn warmer_copies(&self) -> u32 {
        if self.warmed_targets().is_empty() {
            0
        } else {
            1 + self.shards()
        }
    }

    /// The targets this window's runs warm (`strategy = "warm"`).
    pub fn warmed_targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter(|t| t.strategy.is_warm())
            .cloned()
            .collect()
    }

    /// The hour and day fields of the window as a cron that fires at the start of each of its
    /// hours, `cron(0 HOURS ? * DAYS *)`; `None` for a schedule written as a rate or as the
    /// warmer's own cron (a warmer without profiles).
    ///
    /// ```
    /// use warmer_cli::config::{Profile, WarmerBuilder};
    /// let mut warmer = WarmerBuilder::new("api").target("orders", 5).build();
    /// warmer.profiles.push(Profile {
    ///     name: None, days: "MON-FRI".into(), hours: "08:00-20:00".into(), concurrency: 50,
    /// });
    /// let schedules = warmer.schedules().unwrap();
    /// assert_eq!(schedules[0].hourly_cron().unwrap(), "cron(0 8-19 ? * MON-FRI *)");
    /// ```
    pub fn hourly_cron(&self) -> Option<String> {
        if self.window == ALWAYS {
            return None;
        }
        let fields = self.expression.strip_prefix("cron(")?.strip_suffix(')')?;
        match fields.split_whitespace().collect::<Vec<_>>().as_slice() {
            [_, hours, "?", "*", days, "*"] => Some(format!("cron(0 {hours} ? * {days} *)")),
            _ => None,
        }
    }

    /// Average runs in a week.
    pub fn runs_per_week(&self) -> f64 {
        self.hours.count() as f64 * self.runs_per_hour
    }
}

impl Warmer {
    /// The most copies of the deployed warmer any one run of this warmer uses at once
    /// ([`WindowSchedule::warmer_copies`], the largest over its windows): 1 for a warmer that
    /// warms without sharding, 0 for one that warms nothing (every target provisioned) or whose
    /// schedule does not parse.
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// let mut warmer = WarmerBuilder::new("api")
    ///     .target("orders", 100)
    ///     .profile("MON-FRI", "08:00-20:00", 2_000)
    ///     .shard_size(500)
    ///     .build();
    /// assert_eq!(warmer.max_warmer_copies(), 1 + 4);
    /// warmer.shard_size = None; // the default, 800: 2,000 is 3 shards
    /// assert_eq!(warmer.max_warmer_copies(), 1 + 3);
    /// ```
    pub fn max_warmer_copies(&self) -> u32 {
        self.schedules()
            .map(|schedules| {
                schedules
                    .iter()
                    .map(WindowSchedule::warmer_copies)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }

    /// The parsed schedule expression.
    pub fn parsed_schedule(&self) -> Result<Schedule, schedule::ExprError> {
        self.schedule.parse()
    }

    /// The windows of the profiles, parsed.
    pub fn windows(&self) -> Result<Vec<(DaySet, HourRange)>, schedule::ExprError> {
        self.profiles
            .iter()
            .map(|p| Ok((p.days.parse()?, p.hours.parse()?)))
            .collect()
    }

    /// The schedule in force at `at` (read in the warmer's time zone): the window whose hours
    /// hold that hour of the week, with its targets' N. `None` when no schedule of the warmer
    /// runs in that hour.
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// let mut warmer = WarmerBuilder::new("api").timezone("UTC").target("orders", 5).build();
    /// warmer.profiles.push(warmer_cli::config::Profile {
    ///     name: None, days: "MON-FRI".into(), hours: "08:00-20:00".into(), concurrency: 50,
    /// });
    /// let monday_noon = "2026-11-30T12:00:00Z".parse().unwrap();
    /// let now = warmer.schedule_at(monday_noon).unwrap().unwrap();
    /// assert_eq!(now.targets[0].concurrency, 50);
    /// let sunday = "2026-11-29T12:00:00Z".parse().unwrap();
    /// assert_eq!(warmer.schedule_at(sunday).unwrap().unwrap().targets[0].concurrency, 5);
    /// ```
    pub fn schedule_at(
        &self,
        at: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Option<WindowSchedule>> {
        use chrono::{Datelike, Timelike};
        let tz: chrono_tz::Tz = self.timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "warmer `{}`: `timezone` {:?} is not an IANA time zone",
                self.name,
                self.timezone
            )
        })?;
        let local = at.with_timezone(&tz);
        let (day, hour) = (
            local.weekday().num_days_from_sunday() as usize,
            local.hour() as usize,
        );
        Ok(self
            .schedules()?
            .into_iter()
            .find(|s| s.hours.get(day, hour)))
    }

    /// Whether a warmed target of this warmer has `concurrency = "auto"` (its role then reads
    /// CloudWatch metrics).
    ///
    /// ```
    /// use warmer_cli::config::WarmerBuilder;
    /// assert!(!WarmerBuilder::new("api").target("orders", 3).build().has_auto_target());
    /// ```
    pub fn has_auto_target(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.strategy.is_warm() && t.auto.is_some())
    }

    /// One Scheduler schedule per window: each profile, then the rest of the week (the
    /// default), cut into as few crons as its shape allows. Without profiles, the schedule
    /// as written.
    pub fn schedules(&self) -> Result<Vec<WindowSchedule>, schedule::ExprError> {
        let base = self.parsed_schedule()?;
        if self.profiles.is_empty() {
            let (hours, runs_per_hour) = base.coverage();
            return Ok(vec![WindowSchedule {
                name: "default".into(),
                window: ALWAYS.into(),
                expression: base.to_string(),
                timezone: self.timezone.clone(),
                targets: self.targets_with(None, base.period_minutes()),
                shard_size: self.shard_size,
                hours,
                runs_per_hour,
            }]);
        }
        let minute = base.minute_field()?;
        let (_, runs_per_hour) = base.coverage();
        let mut out = Vec::new();
        let mut covered = WeekGrid::empty();
        for (i, (profile, (days, range))) in self.profiles.iter().zip(self.windows()?).enumerate() {
            let grid = WeekGrid::window(days, range);
            covered = covered.union(&grid);
            out.push(WindowSchedule {
                name: profile
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("profile-{}", i + 1)),
                window: format!("{days} {range}"),
                expression: format!(
                    "cron({minute} {} ? * {} *)",
                    hours_field(&range.hours().collect::<Vec<_>>()),
                    days.cron_field()
                ),
                timezone: self.timezone.clone(),
                targets: self.targets_with(Some(profile.concurrency), base.period_minutes()),
                shard_size: self.shard_size,
                hours: grid,
                runs_per_hour,
            });
        }
        let rest = WeekGrid::full().minus(&covered);
        let rects = rest.rectangles();
        let several = rects.len() > 1;
        for (i, (days, hours)) in rects.into_iter().enumerate() {
            let mut grid = WeekGrid::empty();
            for d in days.iter() {
                for &h in &hours {
                    grid.set(d, h);
                }
            }
            out.push(WindowSchedule {
                name: if several {
                    format!("default-{}", i + 1)
                } else {
                    "default".into()
                },
                window: format!("{days} {}", hours_label(&hours)),
                expression: format!(
                    "cron({minute} {} ? * {} *)",
                    hours_field(&hours),
                    days.cron_field()
                ),
                timezone: self.timezone.clone(),
                targets: self.targets_with(None, base.period_minutes()),
                shard_size: self.shard_size,
                hours: grid,
                runs_per_hour,
            });
        }
        Ok(out)
    }

    /// The targets as a window's input carries them: a fixed target with the window's N, an
    /// `auto` one with the schedule's period (`every_minutes`, so that its own runs are left out
    /// of what it reads).
    fn targets_with(&self, concurrency: Option<u32>, every_minutes: u64) -> Vec<Target> {
        self.targets
            .iter()
            .cloned()
            .map(|mut t| {
                match (&mut t.auto, concurrency) {
                    (Some(rule), _) => {
                        rule.every_minutes = u32::try_from(every_minutes).unwrap_or(u32::MAX);
                    }
                    (None, Some(n)) => t.concurrency = n,
                    (None, None) => {}
                }
                // The warmer's share travels in each target of the schedule's input.
                t.max_share = t.max_share.or(self.max_share);
                t
            })
            .collect()
    }
}
