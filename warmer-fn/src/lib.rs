//! Warm N AWS Lambda environments and prove it: the fan-out engine, the warmer Lambda and the
//! `warmer` command share this library.

pub mod cli;
pub mod config;
pub mod cost;
pub mod demo;
pub mod engine;
pub mod lambda;
pub mod loadtest;
pub mod logging;
pub mod plan;
pub mod render;
pub mod rules;
pub mod target;
