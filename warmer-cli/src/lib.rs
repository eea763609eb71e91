//! The `warmer` command and the `warmer.toml` helpers, on top of the `warmer-fn` engine.
//!
//! - [`cli`]: the command line (`warm`, `loadtest`, `demo`, `config check`, `render`, `cost`,
//!   `plan`), one subcommand a file;
//! - [`config`]: `warmer.toml`, its schedules and its checks;
//! - [`render`]: the deployment templates; [`cost`]: the monthly price beside Provisioned
//!   Concurrency; [`plan`]: profiles from `ConcurrentExecutions` history;
//! - [`loadtest`]: concurrent requests in waves, cold and warm counted;
//! - [`demo`] (feature `demo`, on by default): cold starts shown, warmed, and shown gone, on a
//!   local Lambda service.

pub mod cli;
pub mod config;
pub mod cost;
#[cfg(feature = "demo")]
pub mod demo;
pub mod loadtest;
pub mod plan;
pub mod render;
