//! The checks behind `warmer config check`: every problem, with its field path and fix.

use std::collections::BTreeMap;
use std::fmt;

use super::schedule::{DaySet, ExprError, HourRange, WeekGrid};
use super::{Config, Warmer};
use warm_sdk::protocol::DEFAULT_MAX_DELAY_MS;
use warmer_fn::rules;
use warmer_fn::target::{Delay, Strategy, Target};

/// Scheduler's limit on a schedule's input, in characters.
const MAX_INPUT_CHARS: usize = 8192;
/// Idle environments are commonly reclaimed after 5 to 15 minutes; a slower schedule lets them go.
const SLOWEST_USEFUL_RATE_MINUTES: u64 = 15;

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The config cannot be deployed as it is.
    Error,
    /// Deployable, but probably not what was meant.
    Warning,
}

/// One problem in a config.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Field path, e.g. `warmers[0].profiles[1].concurrency`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{label}: {}: {}\n  fix: {}",
            self.path, self.message, self.fix
        )
    }
}

/// All problems found in a config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// The diagnostic at exactly `path`, if any.
    pub fn at(&self, path: &str) -> Option<&Diagnostic> {
        self.0.iter().find(|d| d.path == path)
    }

    fn error(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.push(Severity::Error, path.into(), message.into(), fix.into());
    }

    fn warning(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.push(Severity::Warning, path.into(), message.into(), fix.into());
    }

    fn expr(&mut self, path: impl Into<String>, e: ExprError) {
        self.push(Severity::Error, path.into(), e.message, e.fix);
    }

    fn push(&mut self, severity: Severity, path: String, message: String, fix: String) {
        self.0.push(Diagnostic {
            severity,
            path,
            message,
            fix,
        });
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

pub(super) fn validate(config: &Config) -> Diagnostics {
    let mut d = Diagnostics::default();
    let limit = config.account_concurrency_limit;
    if limit == 0 {
        d.error(
            "account_concurrency_limit",
            "the account concurrency limit is 0",
            "set it to your account's ConcurrentExecutions quota (1000 by default), or remove it",
        );
    }
    check_function(config, &mut d);
    check_metrics(config, &mut d);
    check_cost(config, &mut d);
    if config.warmers.is_empty() {
        d.error(
            "warmers",
            "no warmer is configured",
            "add a [[warmers]] table with a name and at least one [[warmers.targets]]",
        );
    }
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut seen_targets: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for (w, warmer) in config.warmers.iter().enumerate() {
        let at = format!("warmers[{w}]");
        if let Some(first) = names.insert(&warmer.name, w) {
            d.error(
                format!("{at}.name"),
                format!(
                    "warmer name `{}` is also used by warmers[{first}]",
                    warmer.name
                ),
                "give every warmer its own name",
            );
        }
        check_warmer(config, warmer, &at, &mut d);
        for (t, target) in warmer.targets.iter().enumerate() {
            let key = (target.function.clone(), target.qualifier.clone());
            if let Some(other) = seen_targets.insert(key, w)
                && other != w
            {
                d.warning(
                    format!("{at}.targets[{t}]"),
                    format!("`{}` is also warmed by warmers[{other}]", target.display_name()),
                    "warm each function from one warmer, or the two runs overlap and count each other's environments",
                );
            }
        }
    }
    check_watchability(config, &mut d);
    d
}

/// What the warmer function's own stack needs of the whole config: a brief that fits
/// Lambda's environment, and runs close enough together for a heartbeat alarm.
fn check_watchability(config: &Config, d: &mut Diagnostics) {
    let bytes = config.function_environment_bytes();
    if bytes > super::MAX_ENVIRONMENT_BYTES {
        let brief = serde_json::to_string(&config.brief()).map_or(0, |b| b.len());
        d.error(
            "warmers",
            format!(
                "the warmer function's environment is {bytes} bytes as Lambda measures it, above its {} byte limit: WARMER_CONFIG, the brief of every warmed target at its largest N, is {brief} characters",
                super::MAX_ENVIRONMENT_BYTES
            ),
            "shrink the targets' `payload` extras, name functions instead of full ARNs, or split the warmers into two configs, each rendered as its own stack",
        );
    }
    if let Err(why) = super::heartbeat_period(config)
        && why != super::NoHeartbeat::NothingRuns
    {
        d.warning(
            "warmers",
            format!("no heartbeat alarm can watch the warmer function: {why}"),
            "let one warmer run at least every few days in a weekly pattern (e.g. rate(5 minutes) or cron(0/5 8-19 ? * MON-FRI *)); until then, watch its Errors and Scheduler alarms",
        );
    }
}

fn check_function(config: &Config, d: &mut Diagnostics) {
    for problem in config.function.problems() {
        d.error(problem.field, problem.message, problem.fix);
    }
}

fn check_metrics(config: &Config, d: &mut Diagnostics) {
    let ns = &config.metrics.namespace;
    if ns.is_empty() || ns.len() > 255 || ns.starts_with("AWS/") || ns.contains(':') {
        d.error(
            "metrics.namespace",
            format!("`{ns}` is not a usable CloudWatch namespace"),
            "use 1-255 characters, no `:`, not starting with `AWS/` (default \"Warmer\")",
        );
    }
}

fn check_cost(config: &Config, d: &mut Diagnostics) {
    let c = &config.cost;
    let memory_fix = "use the function's memory size in MB, 128-10240";
    if !(128..=10240).contains(&c.memory_mb) {
        d.error(
            "cost.memory_mb",
            format!("{} MB is not a Lambda memory size", c.memory_mb),
            memory_fix,
        );
    }
    for (function, mb) in &c.function_memory_mb {
        if !(128..=10240).contains(mb) {
            d.error(
                format!("cost.function_memory_mb.{function}"),
                format!("{mb} MB is not a Lambda memory size"),
                memory_fix,
            );
        }
    }
    if let Some(ms) = c.auto_delay_ms.filter(|ms| *ms > DEFAULT_MAX_DELAY_MS) {
        d.error(
            "cost.auto_delay_ms",
            format!("{ms} ms is above the {DEFAULT_MAX_DELAY_MS} ms delay cap"),
            format!("set it to at most {DEFAULT_MAX_DELAY_MS}"),
        );
    }
}

fn check_warmer(config: &Config, warmer: &Warmer, at: &str, d: &mut Diagnostics) {
    if let Some(share) = warmer.max_share {
        for problem in rules::check_share(share, &format!("{at}.max_share")) {
            d.error(problem.field, problem.message, problem.fix);
        }
    }
    if let Some(size) = warmer.shard_size {
        // The same rule, in the same words, as the warmer Lambda's event.
        for problem in rules::check_shard_size(size, &format!("{at}.shard_size")) {
            d.error(problem.field, problem.message, problem.fix);
        }
    }
    let name_ok = !warmer.name.is_empty()
        && warmer.name.len() <= 40
        && warmer
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        d.error(
            format!("{at}.name"),
            format!(
                "warmer name `{}` is not 1-40 letters, digits, `-` or `_`",
                warmer.name
            ),
            "rename it, e.g. \"api-prod\"",
        );
    }
    if warmer.timezone.parse::<chrono_tz::Tz>().is_err() {
        d.error(
            format!("{at}.timezone"),
            format!("`{}` is not an IANA time zone", warmer.timezone),
            "use a name like \"UTC\", \"Europe/Berlin\" or \"America/New_York\"",
        );
    }
    match warmer.parsed_schedule() {
        Err(e) => d.expr(format!("{at}.schedule"), e),
        Ok(schedule) => {
            if let Some(minutes) = schedule.rate_minutes()
                && minutes > SLOWEST_USEFUL_RATE_MINUTES
            {
                d.warning(
                    format!("{at}.schedule"),
                    format!(
                        "{schedule} leaves environments idle longer than Lambda commonly keeps them"
                    ),
                    "warm at least every 15 minutes; rate(5 minutes) is usual",
                );
            }
            if !warmer.profiles.is_empty()
                && let Err(e) = schedule.minute_field()
            {
                d.expr(format!("{at}.schedule"), e);
            }
        }
    }
    if warmer.targets.is_empty() {
        d.error(
            format!("{at}.targets"),
            "the warmer has no targets",
            "add a [[warmers.targets]] table with `function` and `concurrency`",
        );
    }
    let limit = config.account_concurrency_limit;
    let mut keys: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for (t, target) in warmer.targets.iter().enumerate() {
        let tat = format!("{at}.targets[{t}]");
        check_target(target, &tat, limit, d);
        let key = (target.function.clone(), target.qualifier.clone());
        if let Some(first) = keys.insert(key, t) {
            d.error(
                format!("{tat}.function"),
                format!(
                    "`{}` is already a target at {at}.targets[{first}]",
                    target.display_name()
                ),
                "list each function and qualifier once per warmer",
            );
        }
        if target.auto.is_some() && !warmer.profiles.is_empty() {
            d.error(
                format!("{tat}.concurrency"),
                "is \"auto\": autopilot sizes N at every run, so the warmer's profiles have no N to set for it",
                "remove the warmer's [[warmers.profiles]], or give this target a number",
            );
        }
        if target.auto.is_some() && target.strategy == Strategy::Provision {
            d.error(
                format!("{tat}.concurrency"),
                "is \"auto\": Provisioned Concurrency needs a fixed N per window",
                "give the provisioned target a number, or set strategy = \"warm\"",
            );
        } else if target.strategy == Strategy::Provision {
            check_provisioned(warmer, target, &tat, d);
        }
        let max_delay = match target.delay {
            Delay::Fixed(ms) => ms,
            Delay::Auto => 0,
        };
        if u64::from(config.function.timeout_seconds) * 1000 < max_delay + 1000 {
            d.error(
                format!("{tat}.delay"),
                format!(
                    "a {max_delay} ms delay does not fit the warmer's {} s timeout",
                    config.function.timeout_seconds
                ),
                "raise function.timeout_seconds or lower the delay",
            );
        }
    }
    check_profiles(warmer, at, limit, d);
    if let Some(alarm) = &warmer.alarm {
        check_alarm(alarm, &format!("{at}.alarm"), d);
    }
    if let Ok(schedules) = warmer.schedules() {
        for s in &schedules {
            let warmed = s.warmed_targets();
            for problem in rules::check_run_size(&warmed, &format!("{at}.targets")) {
                d.error(
                    problem.field,
                    format!("in window `{}`: {}", s.window, problem.message),
                    problem.fix,
                );
            }
            let total: u64 = s.targets.iter().map(|t| u64::from(t.concurrency)).sum();
            if s.targets.len() > 1 && total > u64::from(limit) {
                // Warmed or provisioned, the environments count against the same limit.
                d.error(
                    format!("{at}.targets"),
                    format!("in window `{}` the targets together ask for {total} environments, above the account limit {limit}", s.window),
                    "lower the concurrency, split the targets over time, or raise account_concurrency_limit after raising the quota",
                );
            }
            let len = s.input().len();
            if len > MAX_INPUT_CHARS {
                d.error(
                    format!("{at}.targets"),
                    format!("the schedule input for window `{}` is {len} characters, above Scheduler's {MAX_INPUT_CHARS}", s.window),
                    "move targets to another warmer or shrink their payload extras",
                );
            }
        }
    }
}

fn check_target(target: &Target, at: &str, limit: u32, d: &mut Diagnostics) {
    // The rules every entry path shares (name or ARN, qualifier, N, share, delay cap, payload).
    for problem in rules::check_target(target, at) {
        d.error(problem.field, problem.message, problem.fix);
    }
    // What only a config knows: its account limit, and a delay that defeats the warm-up.
    if target.concurrency > limit && target.concurrency <= rules::MAX_CONCURRENCY {
        check_concurrency(target.concurrency, &format!("{at}.concurrency"), limit, d);
    }
    if target.delay == Delay::Fixed(0) {
        d.warning(
            format!("{at}.delay"),
            "a 0 ms delay lets one environment answer several warm-ups, so fewer than N are warmed",
            "use \"auto\"",
        );
    }
}

/// A `strategy = "provision"` target: Provisioned Concurrency goes on an alias or a version,
/// never on `$LATEST`
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_PutProvisionedConcurrencyConfig.html>),
/// and follows the warmer's windows, so a warmer without profiles must run all week.
fn check_provisioned(warmer: &Warmer, target: &Target, at: &str, d: &mut Diagnostics) {
    match crate::render::qualified_name(target) {
        Some((_, qualifier)) if qualifier != "$LATEST" => {}
        _ => d.error(
            format!("{at}.qualifier"),
            format!(
                "`{}` is provisioned but names no alias or version: Provisioned Concurrency cannot be set on $LATEST",
                target.display_name()
            ),
            "add qualifier = \"live\" (the alias your callers invoke), or use strategy = \"warm\"",
        ),
    }
    if warmer.profiles.is_empty()
        && let Ok(schedule) = warmer.parsed_schedule()
        && schedule.coverage().0 != WeekGrid::full()
    {
        d.error(
            format!("{at}.strategy"),
            format!(
                "`provision` follows the warmer's profiles, and warmer `{}` has none while its schedule `{}` runs only some hours of the week",
                warmer.name, warmer.schedule
            ),
            "add [[warmers.profiles]] for the hours that need more (the rest of the week uses the target's concurrency), or use a rate schedule",
        );
    }
}

fn check_concurrency(n: u32, at: &str, limit: u32, d: &mut Diagnostics) {
    if n == 0 {
        d.error(
            at,
            "concurrency 0 warms nothing",
            format!("set 1 to {limit}, or remove the target or window"),
        );
    } else if n > limit {
        d.error(
            at,
            format!("concurrency {n} is above the account limit of {limit}"),
            format!("lower it to {limit} or less, or raise account_concurrency_limit after raising the quota"),
        );
    }
}

fn check_profiles(warmer: &Warmer, at: &str, limit: u32, d: &mut Diagnostics) {
    let mut parsed: Vec<Option<(DaySet, HourRange)>> = Vec::new();
    for (p, profile) in warmer.profiles.iter().enumerate() {
        let pat = format!("{at}.profiles[{p}]");
        let days = profile
            .days
            .parse::<DaySet>()
            .map_err(|e| d.expr(format!("{pat}.days"), e))
            .ok();
        let hours = profile
            .hours
            .parse::<HourRange>()
            .map_err(|e| d.expr(format!("{pat}.hours"), e))
            .ok();
        check_concurrency(profile.concurrency, &format!("{pat}.concurrency"), limit, d);
        parsed.push(days.zip(hours));
    }
    let mut covered = WeekGrid::empty();
    for (j, window) in parsed.iter().enumerate() {
        let Some((days, hours)) = window else {
            continue;
        };
        let grid = WeekGrid::window(*days, *hours);
        for (i, earlier) in parsed[..j].iter().enumerate() {
            let Some((odays, ohours)) = earlier else {
                continue;
            };
            let overlap = grid.intersect(&WeekGrid::window(*odays, *ohours));
            if let Some((day, hour)) = overlap.first() {
                let day_name = DaySet::default_with(day);
                d.error(
                    format!("{at}.profiles[{j}]"),
                    format!(
                        "window {days} {hours} overlaps {at}.profiles[{i}] ({odays} {ohours}) for {} hour{}, first on {day_name} at {hour:02}:00",
                        overlap.count(),
                        if overlap.count() == 1 { "" } else { "s" }
                    ),
                    "make the windows disjoint: change `days` or `hours` so no hour is in both",
                );
            }
        }
        covered = covered.union(&grid);
    }
    if !warmer.profiles.is_empty() && covered == WeekGrid::full() {
        d.warning(
            format!("{at}.profiles"),
            "the profiles cover the whole week, so the targets' own concurrency is never used",
            "that is fine if meant; otherwise shrink a window",
        );
    }
}

impl DaySet {
    fn default_with(day: usize) -> DaySet {
        let mut set = DaySet::default();
        set.insert(day);
        set
    }
}

fn check_alarm(alarm: &super::Alarm, at: &str, d: &mut Diagnostics) {
    if alarm.threshold == 0 {
        d.error(
            format!("{at}.threshold"),
            "a threshold of 0 is always reached",
            "use 1 or more",
        );
    }
    if alarm.period_seconds < 60 || !alarm.period_seconds.is_multiple_of(60) {
        d.error(
            format!("{at}.period_seconds"),
            format!("period {} s is not a multiple of 60", alarm.period_seconds),
            "use 60, 300 or another multiple of 60",
        );
    }
    if alarm.evaluation_periods == 0 {
        d.error(
            format!("{at}.evaluation_periods"),
            "0 evaluation periods",
            "use 1 or more",
        );
    }
    let missing = ["notBreaching", "breaching", "ignore", "missing"];
    if !missing.contains(&alarm.treat_missing_data.as_str()) {
        d.error(
            format!("{at}.treat_missing_data"),
            format!(
                "`{}` is not a TreatMissingData value",
                alarm.treat_missing_data
            ),
            format!("use one of {missing:?}"),
        );
    }
    if let Some(arn) = &alarm.sns_topic_arn {
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" {
            d.error(
                format!("{at}.sns_topic_arn"),
                format!("`{arn}` is not an SNS topic ARN"),
                "write arn:aws:sns:REGION:ACCOUNT:TOPIC",
            );
        }
    }
}
