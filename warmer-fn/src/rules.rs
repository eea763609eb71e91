//! The one set of rules every way in (the CLI, `warmer.toml`, the warmer Lambda's event and
//! `WARMER_CONFIG`) checks targets with, so that a bad value is refused the same way, in the
//! same words, wherever it comes from.
//!
//! [`check_targets`] returns every [`Problem`] at once; each names the field (as the entry path
//! spells it, through a prefix), says what is wrong and how to fix it.
//!
//! ```
//! use warmer_fn::rules::{check_targets, MAX_CONCURRENCY};
//! use warmer_fn::target::Target;
//!
//! let problems = check_targets(&[Target::new("orders", 100_000_000)], "targets").unwrap_err();
//! assert_eq!(problems[0].field, "targets[0].concurrency");
//! assert!(problems[0].fix.contains(&MAX_CONCURRENCY.to_string()));
//! assert!(check_targets(&[Target::new("orders", 50)], "targets").is_ok());
//! ```

use std::fmt;

use serde::Serialize;

use warm_sdk::protocol::RESERVED_KEYS;

use crate::target::Target;

/// The largest N one target may ask for.
///
/// A project limit, not an AWS one: Lambda's default account concurrency is 1,000 and raised
/// quotas stay in the tens of thousands
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>), and one process
/// holds at most [`DEFAULT_MAX_IN_FLIGHT`] warm-ups at once by default. A larger N is a typo,
/// not a plan.
pub const MAX_CONCURRENCY: u32 = 10_000;

/// The most bytes a target's extra warm-up fields (`payload`) may take as JSON: they ride on
/// every one of its N warm-ups (N up to [`MAX_CONCURRENCY`]), so a few KB is the most a
/// warm-up needs and a larger one is refused before anything is sent.
pub const MAX_PAYLOAD_BYTES: usize = 4 * 1024;

/// The most targets one run may warm.
pub const MAX_TARGETS: usize = 100;

/// The largest sum of N over the targets of one run.
pub const MAX_TOTAL_CONCURRENCY: u64 = 20_000;

/// How many warm-ups one process keeps in flight by default, shared by all targets of a run.
///
/// Each synchronous invoke in flight holds one TCP connection, so one file descriptor. A Lambda
/// execution environment allows 1,024 file descriptors ("File descriptors: 1,024" in
/// <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>); 900 leaves room
/// for the runtime's own connection, the guard's reads, logging and the TLS stack.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 900;

/// The share of a function's available concurrency a warm-up may hold, by default.
pub const DEFAULT_MAX_SHARE: f64 = 0.8;

/// The most warm-ups one copy of the warmer Lambda sends for a target, by default: a larger N
/// is split into shards of at most this many, each warmed by a copy of the warmer invoked by
/// the run's coordinator (see [`crate::engine`]).
///
/// A little under [`DEFAULT_MAX_IN_FLIGHT`], so that a shard's warm-ups fit one environment's
/// file descriptors with room to spare.
pub const DEFAULT_SHARD_SIZE: u32 = 800;

/// Lambda's concurrency scaling rate: each function adds at most this many new execution
/// environments every [`SCALING_PERIOD_SECS`] seconds ("In each AWS Region, and for each
/// function, your concurrency scaling rate is 1,000 execution environment instances every 10
/// seconds", <https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>). A sharded
/// first run ramps at this pace, times the run's `max_share`.
pub const SCALING_ENVIRONMENTS: u32 = 1_000;

/// The period of [`SCALING_ENVIRONMENTS`], in seconds.
pub const SCALING_PERIOD_SECS: u64 = 10;

/// How many shards (copies of the warmer) a target of `n` warm-ups needs with shards of
/// `shard_size`: 0 when one process sends them all (`n <= shard_size`).
///
/// ```
/// use warmer_fn::rules::shards_needed;
/// assert_eq!(shards_needed(800, 800), 0);
/// assert_eq!(shards_needed(801, 800), 2);
/// assert_eq!(shards_needed(2_000, 500), 4);
/// assert_eq!(shards_needed(5, 0), 0);
/// ```
pub fn shards_needed(n: u32, shard_size: u32) -> u32 {
    if shard_size == 0 || n <= shard_size {
        0
    } else {
        n.div_ceil(shard_size)
    }
}

/// Checks a shard size: 1 to [`DEFAULT_MAX_IN_FLIGHT`] (one shard's warm-ups are all in
/// flight in one process).
///
/// ```
/// use warmer_fn::rules::check_shard_size;
/// assert!(check_shard_size(500, "shard_size").is_empty());
/// let problems = check_shard_size(5_000, "shard_size");
/// assert_eq!(problems[0].field, "shard_size");
/// ```
pub fn check_shard_size(shard_size: u32, field: &str) -> Vec<Problem> {
    if (1..=DEFAULT_MAX_IN_FLIGHT).contains(&shard_size) {
        Vec::new()
    } else {
        vec![Problem::new(
            field,
            format!("is {shard_size}"),
            format!(
                "give 1 to {DEFAULT_MAX_IN_FLIGHT} (one copy of the warmer keeps a shard's warm-ups in flight at once, within Lambda's 1,024 file descriptors); the default is {DEFAULT_SHARD_SIZE}"
            ),
        )]
    }
}

/// One thing wrong with the input: where, what, and how to fix it.
///
/// ```
/// let problem = warmer_fn::rules::Problem::new("concurrency", "is 0", "give 1 or more");
/// assert_eq!(problem.to_string(), "`concurrency` is 0: give 1 or more");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field, as the entry path spells it (e.g. `targets[1].concurrency`).
    pub field: String,
    /// What is wrong with its value.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(
        field: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}: {}", self.field, self.message, self.fix)
    }
}

/// Joins problems into one message, one problem per line.
///
/// ```
/// use warmer_fn::rules::{Problem, describe};
/// let text = describe(&[Problem::new("a", "is bad", "fix a"), Problem::new("b", "is bad", "fix b")]);
/// assert_eq!(text.lines().count(), 2);
/// ```
pub fn describe(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks one target; `prefix` is how the entry path names it (e.g. `targets[0]`, or `` for
/// the CLI's flags, where the field names stand alone).
///
/// ```
/// let problems = warmer_fn::rules::check_target(&warmer_fn::target::Target::new("", 0), "");
/// let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
/// assert_eq!(fields, ["function", "concurrency"]);
/// ```
pub fn check_target(target: &Target, prefix: &str) -> Vec<Problem> {
    let field = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let mut problems = Vec::new();
    if target.function.trim().is_empty() {
        problems.push(Problem::new(
            field("function"),
            "is empty",
            "give a function name or ARN",
        ));
    } else if let Err((message, fix)) =
        check_function_ref(&target.function, target.qualifier.is_some())
    {
        problems.push(Problem::new(field("function"), message, fix));
    }
    match target.qualifier.as_deref() {
        Some(q) if q.trim().is_empty() => problems.push(Problem::new(
            field("qualifier"),
            "is empty",
            "give an alias or version, or leave it out to invoke $LATEST",
        )),
        // Lambda's pattern for a qualifier: `$LATEST`, a version number or an alias name
        // (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html, `Qualifier`).
        Some(q)
            if !(q.len() <= 128
                && (q == "$LATEST"
                    || q.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))) =>
        {
            problems.push(Problem::new(
                field("qualifier"),
                format!("`{q}` is not a version or alias name"),
                "use a version number, an alias (letters, digits, `-`, `_`) or $LATEST",
            ))
        }
        _ => {}
    }
    if let crate::target::Delay::Fixed(ms) = target.delay
        && ms > warm_sdk::protocol::DEFAULT_MAX_DELAY_MS
    {
        problems.push(Problem::new(
            field("delay"),
            format!(
                "is {ms} ms, above the {} ms a warm-sdk function holds at most",
                warm_sdk::protocol::DEFAULT_MAX_DELAY_MS
            ),
            format!(
                "use at most {}, or \"auto\"",
                warm_sdk::protocol::DEFAULT_MAX_DELAY_MS
            ),
        ));
    }
    if let Some(rule) = &target.auto {
        problems.extend(check_auto(rule, &field("auto")));
    } else if target.concurrency == 0 {
        problems.push(Problem::new(
            field("concurrency"),
            "is 0",
            "give how many environments to warm (1 or more)",
        ));
    } else if target.concurrency > MAX_CONCURRENCY {
        problems.push(Problem::new(
            field("concurrency"),
            format!("is {}", target.concurrency),
            format!(
                "give at most {MAX_CONCURRENCY} environments per target (split a larger fleet \
                 across targets or warmers)"
            ),
        ));
    }
    if let Some(share) = target.max_share {
        problems.extend(check_share(share, &field("max_share")));
    }
    if let Some(key) = target
        .payload
        .keys()
        .find(|k| RESERVED_KEYS.contains(&k.as_str()))
    {
        problems.push(Problem::new(
            field(&format!("payload.{key}")),
            "would overwrite a warm-up field the warmer sets",
            "remove it (use `delay`/`concurrency` on the target instead)",
        ));
    }
    let payload_bytes = serde_json::to_vec(&target.payload).map_or(usize::MAX, |b| b.len());
    if payload_bytes > MAX_PAYLOAD_BYTES {
        problems.push(Problem::new(
            field("payload"),
            format!("is {payload_bytes} bytes of JSON"),
            format!(
                "keep a target's extra warm-up fields within {MAX_PAYLOAD_BYTES} bytes: they are \
                 sent with every one of its N warm-ups"
            ),
        ));
    }
    problems
}

/// Checks autopilot's rule (see [`crate::autopilot`]): `1 <= min <= max <=`
/// [`MAX_CONCURRENCY`], a headroom from 0 to [`crate::autopilot::MAX_HEADROOM`], a window of 1
/// and a period of 0 to [`crate::autopilot::MAX_WINDOW_MINUTES`] minutes. `field` names the
/// table.
///
/// ```
/// use warmer_fn::autopilot::AutoRule;
/// assert!(warmer_fn::rules::check_auto(&AutoRule::default(), "auto").is_empty());
/// let upside_down = AutoRule { min: 20, max: 10, ..AutoRule::default() };
/// assert_eq!(warmer_fn::rules::check_auto(&upside_down, "auto")[0].field, "auto.min");
/// ```
pub fn check_auto(rule: &crate::autopilot::AutoRule, field: &str) -> Vec<Problem> {
    use crate::autopilot::{MAX_HEADROOM, MAX_WINDOW_MINUTES};
    let mut problems = Vec::new();
    if rule.min == 0 {
        problems.push(Problem::new(
            format!("{field}.min"),
            "is 0",
            "keep at least 1 environment warm (autopilot never warms 0)",
        ));
    } else if rule.min > rule.max {
        problems.push(Problem::new(
            format!("{field}.min"),
            format!("is {}, above max {}", rule.min, rule.max),
            "give a min at most max",
        ));
    }
    if rule.max > MAX_CONCURRENCY {
        problems.push(Problem::new(
            format!("{field}.max"),
            format!("is {}", rule.max),
            format!("give at most {MAX_CONCURRENCY} environments per target"),
        ));
    }
    if !(rule.headroom.is_finite() && (0.0..=MAX_HEADROOM).contains(&rule.headroom)) {
        problems.push(Problem::new(
            format!("{field}.headroom"),
            format!("is {}", rule.headroom),
            format!("give a fraction from 0 to {MAX_HEADROOM} (0.2 adds 20 % to the peak)"),
        ));
    }
    if rule.window_minutes == 0 || rule.window_minutes > MAX_WINDOW_MINUTES {
        problems.push(Problem::new(
            format!("{field}.window_minutes"),
            format!("is {}", rule.window_minutes),
            format!("give 1 to {MAX_WINDOW_MINUTES} minutes"),
        ));
    }
    if rule.every_minutes > MAX_WINDOW_MINUTES {
        problems.push(Problem::new(
            format!("{field}.every_minutes"),
            format!("is {}", rule.every_minutes),
            format!(
                "give the schedule's period, 1 to {MAX_WINDOW_MINUTES} minutes (0: no schedule)"
            ),
        ));
    }
    problems
}

/// Checks a `max_share` value: a fraction in (0, 1].
///
/// ```
/// assert!(warmer_fn::rules::check_share(0.8, "max_share").is_empty());
/// assert_eq!(warmer_fn::rules::check_share(80.0, "max_share")[0].field, "max_share");
/// ```
pub fn check_share(share: f64, field: &str) -> Vec<Problem> {
    if share.is_finite() && share > 0.0 && share <= 1.0 {
        Vec::new()
    } else {
        vec![Problem::new(
            field,
            format!("is {share}"),
            "give a fraction above 0 and at most 1 (e.g. 0.8 leaves a fifth of the function's \
             concurrency to its users)",
        )]
    }
}

/// Checks a whole run: at least one and at most [`MAX_TARGETS`] targets, each valid, and the
/// sum of N at most [`MAX_TOTAL_CONCURRENCY`]. `list` is how the entry path names the list
/// (`targets`, `warmers[0].targets`); each target is `list[i]`.
///
/// This is the function every entry path calls.
pub fn check_targets(targets: &[Target], list: &str) -> Result<(), Vec<Problem>> {
    let mut problems = Vec::new();
    if targets.is_empty() {
        problems.push(Problem::new(
            list,
            "is empty",
            "name at least one function to warm",
        ));
    }
    for (i, target) in targets.iter().enumerate() {
        problems.extend(check_target(target, &format!("{list}[{i}]")));
        if !target.strategy.is_warm() {
            problems.push(Problem::new(
                format!("{list}[{i}].strategy"),
                "is `provision`: Provisioned Concurrency keeps this target warm, not warm-ups",
                "leave the target out of the warm-up (the schedules `warmer render` writes do), \
                 or set strategy = \"warm\"",
            ));
        }
    }
    problems.extend(check_run_size(targets, list));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The limits on a run as a whole: at most [`MAX_TARGETS`] targets and a sum of N at most
/// [`MAX_TOTAL_CONCURRENCY`]. Part of [`check_targets`]; `warmer config check` also calls it
/// for each schedule's targets.
///
/// ```
/// use warmer_fn::target::Target;
/// let run = vec![Target::new("orders", 9_000), Target::new("search", 9_000), Target::new("cart", 9_000)];
/// let problems = warmer_fn::rules::check_run_size(&run, "targets");
/// assert!(problems[0].message.contains("27000"));
/// ```
pub fn check_run_size(targets: &[Target], list: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if targets.len() > MAX_TARGETS {
        problems.push(Problem::new(
            list,
            format!("has {} targets", targets.len()),
            format!("give at most {MAX_TARGETS} per run (split them across warmers)"),
        ));
    }
    // The sum is only worth a word once every N is within its own limit: one N of 100 million
    // needs that N fixed, not a second message about the total.
    let total: u64 = targets.iter().map(|t| u64::from(t.concurrency)).sum();
    let each_within = targets.iter().all(|t| t.concurrency <= MAX_CONCURRENCY);
    if each_within && total > MAX_TOTAL_CONCURRENCY {
        problems.push(Problem::new(
            list,
            format!("asks for {total} environments in all"),
            format!(
                "keep the sum of `concurrency` at or below {MAX_TOTAL_CONCURRENCY} per run \
                 (split the targets across warmers)"
            ),
        ));
    }
    problems
}

/// Checks a function name, partial ARN or full ARN.
fn check_function_ref(function: &str, has_qualifier: bool) -> Result<(), (String, String)> {
    let fix = "write a function name (letters, digits, `-`, `_`, up to 64) or an ARN like arn:aws:lambda:us-east-1:123456789012:function:orders";
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let parts: Vec<&str> = function.split(':').collect();
    let (name, qualifier) = match parts.as_slice() {
        [name] => (*name, None),
        [name, qualifier] => (*name, Some(*qualifier)),
        [account, "function", name] => {
            if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
                return Err((
                    format!("`{account}` in `{function}` is not a 12-digit account id"),
                    fix.into(),
                ));
            }
            (*name, None)
        }
        [
            "arn",
            partition,
            "lambda",
            region,
            account,
            "function",
            name,
            rest @ ..,
        ] if rest.len() <= 1 => {
            if partition.is_empty() || region.is_empty() || account.len() != 12 {
                return Err((
                    format!("`{function}` is not a complete Lambda function ARN"),
                    fix.into(),
                ));
            }
            (*name, rest.first().copied())
        }
        _ => {
            return Err((
                format!("`{function}` is neither a function name nor a Lambda function ARN"),
                fix.into(),
            ));
        }
    };
    if !name_ok(name) {
        return Err((format!("`{name}` is not a valid function name"), fix.into()));
    }
    if qualifier.is_some() && has_qualifier {
        return Err((
            format!("`{function}` already ends in a qualifier and `qualifier` is set too"),
            "keep the qualifier in one place: drop it from the ARN or remove `qualifier`".into(),
        ));
    }
    Ok(())
}
