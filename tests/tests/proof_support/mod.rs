//! Shared by `hostile_catalogue`, `properties` and `soak`: small stand-in functions that misbehave (real processes speaking the Runtime API through
//! `curl`), and process memory read from `/proc`.

#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use local_lambda::FunctionConfig;

/// The Runtime API loop of a function that is not wrapped with warm-sdk: it answers every
/// event, warm-ups included, with `{"plain":true}`.
const PLAIN: &str = r#"api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while :; do
  id=$(curl -sS -D - -o /dev/null "$api/next" | tr -d '\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
  [ -n "$id" ] || exit 1
  curl -sS -o /dev/null -X POST -d '{"plain":true}' "$api/$id/response"
done"#;

/// A function that takes its first event and dies with exit code 3.
const CRASH: &str = r#"api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
curl -sS -o /dev/null "$api/next"
exit 3"#;

/// A function that takes its first event and never answers.
const HANG: &str = r#"api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
curl -sS -o /dev/null "$api/next"
exec sleep 3600"#;

/// A function that, like lambda-warmer 2.3.0, would fan out on a ping whose top-level
/// `concurrency` is above 1: this stand-in exits with code 3 (`Runtime.ExitError`) on any event
/// that names a `concurrency` key, so a warm-up that would make such a function fan out shows
/// as a function error. Every other event is answered with `{"plain":true}`.
const FAN_OUT_BAIT: &str = r#"api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while :; do
  headers=$(mktemp)
  body=$(curl -sS -D "$headers" "$api/next")
  id=$(tr -d '\r' < "$headers" | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
  rm -f "$headers"
  [ -n "$id" ] || exit 1
  case "$body" in *'"concurrency"'*) exit 3 ;; esac
  curl -sS -o /dev/null -X POST -d '{"plain":true}' "$api/$id/response"
done"#;

/// How a stand-in function misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stub {
    /// Answers everything with `{"plain":true}`: a function without warm-sdk.
    Plain,
    /// Exits with code 3 while handling its first event (`Runtime.ExitError`).
    Crash,
    /// Never answers its first event (`Sandbox.Timedout` at the function's timeout).
    Hang,
    /// Fails on any event with a `concurrency` key, the key lambda-warmer fans out on.
    FanOutBait,
}

/// A function named `name` run by `/bin/sh` with the stub's Runtime API loop.
pub fn stub(name: &str, stub: Stub) -> FunctionConfig {
    let script = match stub {
        Stub::Plain => PLAIN,
        Stub::Crash => CRASH,
        Stub::Hang => HANG,
        Stub::FanOutBait => FAN_OUT_BAIT,
    };
    FunctionConfig::new(name, "/bin/sh").arg("-c").arg(script)
}

/// The resident set size of process `pid`, in KiB (`VmRSS` in `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The pids of the live child processes of `parent`, read from `/proc`.
pub fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| parent_of(*pid) == Some(parent))
        .collect();
    pids.sort_unstable();
    pids
}

/// The parent pid of `pid` (field 4 of `/proc/PID/stat`, after the parenthesised name).
fn parent_of(pid: u32) -> Option<u32> {
    let stat =
        std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}
