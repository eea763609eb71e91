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

use crate::target::Target;

/// The largest N one target may ask for.
///
/// A project limit, not an AWS one: Lambda's default account concurrency is 1,000 and raised
/// quotas stay in the tens of thousands
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>), and one process
/// holds at most [`DEFAULT_MAX_IN_FLIGHT`] warm-ups at once by default. A larger N is a typo,
/// not a plan.
pub const MAX_CONCURRENCY: u32 = 10_000;

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

/// Payload keys the warmer sets itself; a target's `payload` may not use them.
///
/// To be replaced by `warm_sdk::protocol::RESERVED_KEYS` once that list is merged (it names
/// these and the keys of the new wire form).
pub const RESERVED_PAYLOAD_KEYS: [&str; 5] =
    ["warmer", "delay", "correlation_id", "index", "concurrency"];

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
    }
    if target
        .qualifier
        .as_deref()
        .is_some_and(|q| q.trim().is_empty())
    {
        problems.push(Problem::new(
            field("qualifier"),
            "is empty",
            "give an alias or version, or leave it out to invoke $LATEST",
        ));
    }
    if target.concurrency == 0 {
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
        .find(|k| RESERVED_PAYLOAD_KEYS.contains(&k.as_str()))
    {
        problems.push(Problem::new(
            field(&format!("payload.{key}")),
            "would overwrite a warm-up field the warmer sets",
            "remove it (use `delay`/`concurrency` on the target instead)",
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
    if targets.len() > MAX_TARGETS {
        problems.push(Problem::new(
            list,
            format!("has {} targets", targets.len()),
            format!("give at most {MAX_TARGETS} per run (split them across warmers)"),
        ));
    }
    for (i, target) in targets.iter().enumerate() {
        problems.extend(check_target(target, &format!("{list}[{i}]")));
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_million_environments_is_refused_with_the_limit() {
        let problems = check_targets(&[Target::new("orders", 100_000_000)], "targets").unwrap_err();
        assert_eq!(problems.len(), 1, "one fix, one message: {problems:?}");
        assert_eq!(problems[0].field, "targets[0].concurrency");
        assert!(problems[0].message.contains("100000000"), "{problems:?}");
    }

    #[test]
    fn too_many_targets_and_too_large_a_sum_are_refused() {
        let many: Vec<Target> = (0..101).map(|i| Target::new(format!("f{i}"), 1)).collect();
        let problems = check_targets(&many, "targets").unwrap_err();
        assert!(problems[0].message.contains("101 targets"), "{problems:?}");
        let big: Vec<Target> = (0..3)
            .map(|i| Target::new(format!("f{i}"), 9_000))
            .collect();
        let problems = check_targets(&big, "targets").unwrap_err();
        assert!(problems[0].message.contains("27000"), "{problems:?}");
    }

    #[test]
    fn a_share_outside_zero_to_one_is_refused() {
        for share in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            let mut target = Target::new("orders", 5);
            target.max_share = Some(share);
            let problems = check_target(&target, "targets[0]");
            assert_eq!(problems[0].field, "targets[0].max_share", "{share}");
        }
    }

    #[test]
    fn a_reserved_payload_key_names_the_key() {
        let mut target = Target::new("orders", 5);
        target.payload.insert("correlation_id".into(), "x".into());
        let problems = check_target(&target, "");
        assert_eq!(problems[0].field, "payload.correlation_id");
    }
}
