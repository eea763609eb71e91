//! The warmer's own health, one Embedded Metric Format line per invocation of the warmer
//! Lambda, so that the rendered alarms see a warmer that stops running or misbehaves:
//! namespace `WARMER_METRICS_NAMESPACE` (default `Warmer`), one dimension `Warmer` (the warmer
//! function's name), metrics `Runs` (1 for a run that warmed its targets), `GuardUnreadable`
//! (targets whose concurrency limits could not be read, so they went unguarded) and `Refused`
//! (1 for an event refused as invalid or outside the brief). A warmer that times out, runs out
//! of memory or is never invoked writes no `Runs`, and the heartbeat alarm (missing data
//! breaching) fires.
//!
//! Format: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>.
//!
//! ```
//! use warmer_fn::heartbeat::{Beat, line};
//! let emf: serde_json::Value = serde_json::from_str(&line("Warmer", "warmer-api", Beat::Ran { guard_unreadable: 1 })).unwrap();
//! assert_eq!(emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0], "Warmer");
//! assert_eq!((emf["Warmer"].as_str(), emf["Runs"].as_u64(), emf["GuardUnreadable"].as_u64()), (Some("warmer-api"), Some(1), Some(1)));
//! ```

use serde_json::json;

use crate::engine::emf_metadata;

/// The metrics of the heartbeat line, in order.
pub const HEARTBEAT_METRICS: [&str; 3] = ["Runs", "GuardUnreadable", "Refused"];

/// What one invocation of the warmer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// It ran its targets; so many of them went unguarded.
    Ran {
        /// Targets whose concurrency limits could not be read.
        guard_unreadable: u32,
    },
    /// It refused its event.
    Refused,
}

/// The heartbeat line for `warmer` under `namespace`.
pub fn line(namespace: &str, warmer: &str, beat: Beat) -> String {
    let (runs, unreadable, refused) = match beat {
        Beat::Ran { guard_unreadable } => (1, guard_unreadable, 0),
        Beat::Refused => (0, 0, 1),
    };
    json!({
        "_aws": emf_metadata(namespace, "Warmer", HEARTBEAT_METRICS),
        "Warmer": warmer,
        "Runs": runs,
        "GuardUnreadable": unreadable,
        "Refused": refused,
    })
    .to_string()
}
