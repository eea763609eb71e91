//! The figures users otherwise dig out of CloudWatch, per function: live, idle and busy
//! sandboxes, cold starts, invocations and peak concurrency. Served by
//! [`LocalLambda::stats`](crate::LocalLambda::stats), `GET /_local/stats` and
//! `local-lambda stats`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One function's state and counters since it was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionStats {
    /// The function name.
    pub name: String,
    /// Sandboxes whose process is running (idle, busy or starting).
    pub live: usize,
    /// Sandboxes waiting for an invocation.
    pub idle: usize,
    /// Invocations in progress (including those whose sandbox is still starting).
    pub busy: usize,
    /// Invocations that started a new sandbox.
    pub cold_starts: u64,
    /// Invocations finished (answered, failed or timed out); throttled ones are not counted.
    pub invocations: u64,
    /// Invocations that ended in a function error (`X-Amz-Function-Error`).
    pub function_errors: u64,
    /// Invokes refused with `TooManyRequestsException`.
    pub throttles: u64,
    /// The most invocations in progress at once.
    pub peak_concurrency: usize,
    /// The reserved concurrency, if set.
    pub reserved_concurrency: Option<u32>,
    /// Log stream names of the live sandboxes, sorted; each names its version
    /// (`YYYY/MM/DD/[$LATEST]...`, `YYYY/MM/DD/[3]...`).
    pub log_streams: Vec<String>,
    /// Live sandboxes per version (`$LATEST`, `3`): each version of a function has its own.
    #[serde(default)]
    pub live_by_version: BTreeMap<String, usize>,
}

/// The whole service: every function and the account-wide figures (`GET /_local/stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStats {
    /// Functions in name order.
    pub functions: Vec<FunctionStats>,
    /// Invocations in progress over all functions.
    pub concurrent_executions: usize,
    /// The account concurrency limit.
    pub account_concurrency: u32,
    /// `Event` invocations waiting for a sandbox or for a retry.
    pub queued_events: usize,
    /// `Event` invocations dropped because they were older than the maximum event age.
    #[serde(default)]
    pub expired_events: u64,
}
