#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod answer;
#[cfg(feature = "http")]
pub mod cold_start;
pub mod config;
pub mod detect;
pub mod environment;
pub mod fallback_log;
pub mod layer;
pub mod metrics;
pub mod protocol;
pub mod warmable;

pub use answer::answer;
#[cfg(feature = "http")]
pub use cold_start::{COLD_START_HEADER, ColdStartHeader, ColdStartHeaderLayer};
pub use config::WarmConfig;
pub use detect::{Dialect, Warmup, WarmupWarning, detect};
pub use environment::{Environment, InitType, Invocation};
pub use layer::{Warm, WarmLayer};
pub use warm_macros::warmable;
