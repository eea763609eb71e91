//! Warm N AWS Lambda environments and prove it: the fan-out engine and the warmer Lambda.
//!
//! This crate is what gets deployed into an AWS account, so it holds only the engine
//! ([`engine`]), what it warms ([`target`]) and the warmer Lambda ([`lambda`], binary
//! `warmer-fn`). The `warmer` command and the `warmer.toml` helpers (config check, render,
//! cost, plan, loadtest, demo) live in the `warmer-cli` crate, on top of this one.

pub mod autopilot;
pub mod brief;
pub mod engine;
pub mod event;
pub mod heartbeat;
pub mod lambda;
pub mod logging;
pub mod rules;
pub mod target;
