//! Warm N AWS Lambda environments and prove it: the fan-out engine, the warmer Lambda and the
//! `warmer` command share this library.

pub mod cli;
pub mod demo;
pub mod loadtest;
pub mod target;
