//! Peak memory of the local-lambda service while misbehaving functions flood it, all three at
//! once, in `BENCH_ROUNDS` rounds (default 2): one posts a 300 MB response (chunked), one a
//! 300 MB error body (with its `Content-Length`), one writes to stdout without end until its
//! timeout (`LOGS_SECS`, default 2) while invoked with `LogType: Tail`. The functions are
//! `examples/flood_function.rs`; the service is the `local-lambda serve` binary, run as its
//! own process so that its peak resident memory (`VmHWM`) is its alone. Prints one row per
//! binary: resident memory once started, peak, growth, and what each invoker got.
//!
//! `cargo bench -p local-lambda --bench memory --profile dev` (env `BASELINE_BIN` adds a row
//! for another local-lambda binary, e.g. one built before a change; `FLOOD_BYTES` sets the
//! flood size, default 300000000; `FLOODS` picks some of `response,error,logs`, default all
//! three).

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Http = Client<HttpConnector, Full<Bytes>>;

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one invoker got: the function error type (or `-`), the body's bytes, the time.
struct Answer {
    function: &'static str,
    error_type: String,
    bytes: u64,
    took: Duration,
}

struct Measure {
    label: String,
    start_kb: u64,
    peak_kb: u64,
    answers: Vec<Answer>,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut subjects = vec![(
        "this build".to_owned(),
        PathBuf::from(env!("CARGO_BIN_EXE_local-lambda")),
    )];
    if let Ok(baseline) = std::env::var("BASELINE_BIN") {
        subjects.insert(0, ("baseline".to_owned(), PathBuf::from(baseline)));
    }
    let flood = common::flood();
    let mut rows = Vec::new();
    for (label, binary) in subjects {
        rows.push(measure(label, &binary, &flood).await);
    }
    println!(
        "\n| service | RSS started | peak RSS (VmHWM) | growth | invokers got (error type, body bytes, time) |"
    );
    println!("|---|---|---|---|---|");
    for row in &rows {
        let answers: Vec<String> = row
            .answers
            .iter()
            .map(|a| {
                format!(
                    "{}: {} {} B {:.1} s",
                    a.function,
                    a.error_type,
                    a.bytes,
                    a.took.as_secs_f64()
                )
            })
            .collect();
        println!(
            "| {} | {:.1} MB | {:.1} MB | **{:+.1} MB** | {} |",
            row.label,
            row.start_kb as f64 / 1024.0,
            row.peak_kb as f64 / 1024.0,
            (row.peak_kb as f64 - row.start_kb as f64) / 1024.0,
            answers.join("; ")
        );
    }
}

async fn measure(label: String, binary: &Path, flood: &Path) -> Measure {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("flood.toml");
    std::fs::write(&config, config_file(port, flood)).unwrap();
    let mut service = Command::new(binary)
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the local-lambda binary starts");
    let endpoint = format!("http://127.0.0.1:{port}");
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    wait_healthy(&http, &endpoint).await;
    let start_kb = status_kb(service.id(), "VmRSS:");
    let mut answers = Vec::new();
    for _ in 0..env_u64("BENCH_ROUNDS", 2) {
        let round = floods().into_iter().map(|f| invoke(&http, &endpoint, f));
        answers = futures_util::future::join_all(round).await;
    }
    let peak_kb = status_kb(service.id(), "VmHWM:");
    stop(&mut service);
    Measure {
        label,
        start_kb,
        peak_kb,
        answers,
    }
}

/// The functions `FLOODS` names (default all three).
fn floods() -> Vec<&'static str> {
    let chosen = std::env::var("FLOODS").unwrap_or_default();
    ["response", "error", "logs"]
        .into_iter()
        .filter(|f| chosen.is_empty() || chosen.split(',').any(|c| c == *f))
        .collect()
}

/// The same settings for every binary measured, in the config file all of them read.
fn config_file(port: u16, flood: &Path) -> String {
    let bytes = env_u64("FLOOD_BYTES", 300_000_000);
    let logs_secs = env_u64("LOGS_SECS", 2);
    let exe = flood.display();
    format!(
        r#"port = {port}
[functions.response]
executable = "{exe}"
timeout_secs = 60
env = {{ FLOOD = "response", FLOOD_BYTES = "{bytes}" }}
[functions.error]
executable = "{exe}"
timeout_secs = 60
env = {{ FLOOD = "error", FLOOD_BYTES = "{bytes}" }}
[functions.logs]
executable = "{exe}"
timeout_secs = {logs_secs}
env = {{ FLOOD = "logs" }}
"#
    )
}

async fn wait_healthy(http: &Http, endpoint: &str) {
    for _ in 0..500 {
        let request = hyper::Request::get(format!("{endpoint}/_local/health"))
            .body(Full::default())
            .unwrap();
        if let Ok(response) = http.request(request).await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("local-lambda did not answer on {endpoint}");
}

/// Invokes `function` (with `LogType: Tail`) and reads the answer without keeping it.
async fn invoke(http: &Http, endpoint: &str, function: &'static str) -> Answer {
    let request = hyper::Request::post(format!(
        "{endpoint}/2015-03-31/functions/{function}/invocations"
    ))
    .header("X-Amz-Log-Type", "Tail")
    .body(Full::new(Bytes::from_static(b"{}")))
    .unwrap();
    let started = Instant::now();
    let response = http.request(request).await.expect("invoke");
    let failed = response.headers().contains_key("X-Amz-Function-Error");
    let mut body = response.into_body();
    let (mut bytes, mut head) = (0u64, Vec::new());
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("answer body").into_data() {
            bytes += data.len() as u64;
            head.extend_from_slice(&data[..data.len().min(200usize.saturating_sub(head.len()))]);
        }
    }
    Answer {
        function,
        error_type: if failed {
            error_type(&head)
        } else {
            "-".to_owned()
        },
        bytes,
        took: started.elapsed(),
    }
}

/// The `errorType` at the start of a function error body.
fn error_type(head: &[u8]) -> String {
    let head = String::from_utf8_lossy(head);
    head.split_once(r#""errorType":""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("?".to_owned(), |(t, _)| t.to_owned())
}

/// A `kB` figure of `/proc/PID/status`.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

/// SIGTERM, so that the service ends its sandboxes, then waits for it.
fn stop(service: &mut Child) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(service.id().to_string())
        .status();
    let _ = service.wait();
}
