//! `warmer loadtest`: fire N concurrent requests in waves and count how many were answered
//! by a cold environment, exactly where the function or Lambda says so.
//!
//! A [`runner::LoadTest`] sends its requests, [`classify`] decides cold or warm for each,
//! [`report::Report`] holds the counts and HDR-histogram percentiles, and [`chart`] draws them.
//! A [`replay::Replay`] sends user traffic from a [`trace::Trace`] instead, with a warmer
//! beside it.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::time::Duration;
//! use warmer_cli::loadtest::runner::{Endpoint, HttpEndpoint, LoadTest};
//!
//! let test = LoadTest {
//!     endpoint: Endpoint::Http(Box::new(HttpEndpoint::new("http://127.0.0.1:3000/")?)),
//!     concurrency: 20,
//!     waves: 2,
//!     body: bytes::Bytes::from_static(b"{}"),
//!     threshold: Duration::from_millis(500),
//!     timeout: Duration::from_secs(30),
//! };
//! let report = test.run(&indicatif::ProgressBar::hidden()).await;
//! println!("{report}");
//! # Ok(()) }
//! ```

pub mod chart;
pub mod classify;
mod png;
pub mod replay;
pub mod report;
pub mod runner;
pub mod trace;
