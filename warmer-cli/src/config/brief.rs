//! The warmer function's brief: what its schedules may ask of it, carried in its environment
//! as `WARMER_CONFIG` so that the warmer Lambda can refuse an event that asks for more.
//!
//! The brief is `{"targets": [...], "max_share": x, "shard_size": y}`: one entry per function
//! and qualifier warmed by the config's warmers (they share one function), in the schedule
//! inputs' target shape, with `concurrency` the largest N over its windows and `max_share` the
//! largest share any window gives it. `max_share` and `shard_size` at the top are the largest
//! any warmer sets (a warmer without a `shard_size` counts at the default), and are left out
//! when no warmer sets them.
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//!
//! let config = ConfigBuilder::new()
//!     .warmer(WarmerBuilder::new("api").target("orders", 5).profile("MON-FRI", "08:00-20:00", 50))
//!     .build();
//! let brief = config.brief();
//! assert_eq!(brief.targets.len(), 1);
//! assert_eq!(brief.targets[0].concurrency, 50);
//! assert_eq!(
//!     serde_json::to_string(&brief).unwrap(),
//!     r#"{"targets":[{"function":"orders","concurrency":50,"delay":"auto","mode":"verify"}]}"#
//! );
//! ```

use super::Config;
use warmer_fn::rules;
use warmer_fn::target::Target;

/// Lambda's limit on a function's environment variables together, in bytes, measured as the
/// JSON object of names and values (quotes inside a value count escaped)
/// (<https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>).
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// The brief is the warmer Lambda's own event type ([`warmer_fn::event::WarmRequest`]): the
/// warmer reads `WARMER_CONFIG` with the same type it checks events against.
pub type Brief = warmer_fn::event::WarmRequest;

impl Config {
    /// The brief of the rendered warmer function. See the [module docs](self).
    pub fn brief(&self) -> Brief {
        let mut targets: Vec<Target> = Vec::new();
        for warmer in &self.warmers {
            let windows = warmer.schedules().unwrap_or_default();
            for target in windows.iter().flat_map(|w| w.warmed_targets()) {
                // One entry per function the warmer resolves it to (name, ARN, `name:alias`).
                let same = |t: &&mut Target| t.function_id() == target.function_id();
                match targets.iter_mut().find(same) {
                    Some(entry) => {
                        entry.concurrency = entry.concurrency.max(target.concurrency);
                        entry.max_share = larger_share(entry.max_share, target.max_share);
                    }
                    None => targets.push(target),
                }
            }
        }
        let max_share = self
            .warmers
            .iter()
            .filter_map(|w| w.max_share)
            .reduce(f64::max);
        let shard_size = self
            .warmers
            .iter()
            .any(|w| w.shard_size.is_some())
            .then(|| {
                self.warmers
                    .iter()
                    .map(|w| w.shard_size.unwrap_or(rules::DEFAULT_SHARD_SIZE))
                    .max()
            })
            .flatten();
        Brief {
            targets,
            max_share,
            shard_size,
        }
    }

    /// The environment variables of the rendered warmer function, in the order written.
    pub fn function_environment(&self) -> Vec<(&'static str, String)> {
        let brief = serde_json::to_string(&self.brief()).expect("a brief serializes to JSON");
        vec![
            ("WARMER_METRICS_NAMESPACE", self.metrics.namespace.clone()),
            ("RUST_LOG", "info".into()),
            ("WARMER_CONFIG", brief),
        ]
    }

    /// The size Lambda measures of [`Config::function_environment`], in bytes: its JSON object.
    pub fn function_environment_bytes(&self) -> usize {
        let map: serde_json::Map<String, serde_json::Value> = self
            .function_environment()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into()))
            .collect();
        serde_json::to_string(&map).map_or(usize::MAX, |json| json.len())
    }
}

/// Two shares merged: the larger, a missing one standing for the engine's default.
fn larger_share(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (None, None) => None,
        (Some(x), None) | (None, Some(x)) => Some(x.max(rules::DEFAULT_MAX_SHARE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigBuilder, WarmerBuilder};

    #[test]
    fn a_function_in_two_warmers_is_briefed_once_at_its_largest_n_and_share() {
        let mut a = WarmerBuilder::new("a")
            .target("orders", 5)
            .shard_size(500)
            .build();
        a.max_share = Some(0.5);
        let mut config = ConfigBuilder::new()
            .warmer(
                WarmerBuilder::new("b")
                    .target("orders", 9)
                    .target("search", 2),
            )
            .build();
        config.warmers.insert(0, a);
        let brief = config.brief();
        assert_eq!(brief.targets.len(), 2);
        assert_eq!(brief.targets[0].concurrency, 9);
        assert_eq!(brief.targets[0].max_share, Some(rules::DEFAULT_MAX_SHARE));
        assert_eq!(brief.max_share, Some(0.5));
        // `b` has no shard size: it runs at the default, which is larger.
        assert_eq!(brief.shard_size, Some(rules::DEFAULT_SHARD_SIZE));
    }

    #[test]
    fn the_environment_is_measured_as_lambda_measures_it() {
        let config = ConfigBuilder::new()
            .warmer(WarmerBuilder::new("a").target("f", 1))
            .build();
        let expected = r#"{"WARMER_METRICS_NAMESPACE":"Warmer","RUST_LOG":"info","WARMER_CONFIG":"{\"targets\":[{\"function\":\"f\",\"concurrency\":1,\"delay\":\"auto\",\"mode\":\"verify\"}]}"}"#;
        assert_eq!(config.function_environment_bytes(), expected.len());
    }
}
