//! The handler side as the READMEs show it, in running functions.
//!
//! Every Rust program of `README.md`, `warm-sdk/README.md` and `warm-macros/README.md` is built
//! as written (the `readme-functions` fixture, whose `build.rs` takes the code from the README
//! files) and runs as its own function in local-lambda: a real process speaking the Runtime API
//! on 127.0.0.1, invoked through the AWS SDK. For each, with JSON and with text logs, a warm-up writes exactly
//! one `warm-up answered` line carrying the function name, the log stream and the request id
//! local-lambda gave the invocation, written inside that invocation's request span; user
//! traffic reaches user code and writes no such line.
//!
//! The fixture's `no-subscriber` function sets up no logging at all: its warm-ups still write
//! the line, as JSON or as text, and its instance id does not exist before its first
//! invocation.
//!
//! local-lambda hands a sandbox one invocation at a time, as Lambda's default mode does; it
//! has no Lambda Managed Instances mode. The README's `run_concurrent` program is therefore also
//! run against the small Runtime API of this file, which hands one process
//! `AWS_LAMBDA_MAX_CONCURRENCY` invocations at once.

mod handler_support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_lambda::Client;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use handler_support::{Reply, apigw_v2_event, invoke_function};
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use warm_sdk::answer::WARMUP_LOG_MESSAGE;

/// The fixture package and its binary.
const PACKAGE: &str = "readme-functions";
/// The fixture's function without any `tracing` subscriber.
const NO_SUBSCRIBER: &str = "no-subscriber";
/// What `no-subscriber` writes once its layers are built, before its first invocation.
const INIT_LINE: &str = "instance id made during init:";
/// The span `lambda_runtime`'s `TracingLayer` opens around each invocation.
const REQUEST_SPAN: &str = "Lambda runtime invoke";
/// `AWS_LAMBDA_MAX_CONCURRENCY` given to the `run_concurrent` program.
const MAX_CONCURRENCY: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogFormat {
    Json,
    Text,
}

/// One README program, as `readme-functions --list` describes it.
#[derive(Debug)]
struct Program {
    name: String,
    /// Takes API Gateway events (`lambda_http`), else plain JSON events.
    http: bool,
    /// Runs with `run_concurrent` (Lambda Managed Instances).
    concurrent: bool,
}

fn binary() -> PathBuf {
    warm_tests::binary(PACKAGE, PACKAGE)
}

fn programs() -> Vec<Program> {
    let output = std::process::Command::new(binary())
        .arg("--list")
        .output()
        .expect("readme-functions --list runs");
    assert!(output.status.success(), "{output:?}");
    let programs: Vec<Program> = String::from_utf8(output.stdout)
        .expect("the list is UTF-8")
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 3, "unexpected --list line `{line}`");
            Program {
                name: fields[0].to_owned(),
                http: fields[1] == "http",
                concurrent: fields[2] == "concurrent",
            }
        })
        .collect();
    for prefix in ["readme-", "sdk-readme-", "macros-readme-"] {
        assert!(
            programs.iter().any(|p| p.name.starts_with(prefix)),
            "no program from the README of `{prefix}`: {programs:?}"
        );
    }
    programs
}

/// local-lambda serving the fixture binary as each of `functions` (name, extra environment).
async fn start(
    functions: &[(&str, Vec<(&str, String)>)],
    format: LogFormat,
    logs_dir: Option<&Path>,
) -> (LocalLambda, Client) {
    let mut builder = LocalLambda::builder();
    if let Some(dir) = logs_dir {
        builder = builder.logs_dir(dir);
    }
    for (name, env) in functions {
        let mut config = FunctionConfig::new(*name, binary()).timeout(Duration::from_secs(5));
        if format == LogFormat::Json {
            config = config.env("AWS_LAMBDA_LOG_FORMAT", "JSON");
        }
        for (key, value) in env {
            config = config.env(*key, value.clone());
        }
        builder = builder.function(config);
    }
    let lambda = builder.start().await.expect("local-lambda starts");
    let client = warm_tests::lambda_client(&lambda.endpoint_url());
    (lambda, client)
}

fn warm_up(delay_ms: u64) -> Vec<u8> {
    serde_json::to_vec(&json!({"warmer": true, "delay": delay_ms, "correlation_id": "readme"}))
        .unwrap()
}

/// `text` without its ANSI escape sequences (the default text subscriber colours its output).
fn strip_ansi(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Whether the JSON event was written inside the request span of `request_id`.
fn in_request_span(event: &Value, request_id: &str) -> bool {
    event["spans"].as_array().is_some_and(|spans| {
        spans
            .iter()
            .any(|span| span["name"] == REQUEST_SPAN && span["requestId"] == request_id)
    })
}

/// Checks that `reply` is a warm-up answered by `function` that logged exactly one
/// `warm-up answered` line with the function name, log stream, instance, request id and
/// `max_concurrency`, inside the request span when `in_span`; returns the answer.
fn check_warm_up(
    reply: &Reply,
    function: &str,
    format: LogFormat,
    in_span: bool,
    max_concurrency: Option<u32>,
) -> Value {
    let answer = reply
        .warm_up()
        .unwrap_or_else(|| panic!("{function}: not answered as a warm-up: {reply:?}"));
    let request_id = reply.request_id().expect("the log tail has a START line");
    let log_stream = answer["log_stream"].as_str().unwrap();
    let instance = answer["instance"].as_str().unwrap();
    assert!(!log_stream.is_empty(), "{answer}");
    assert_eq!(answer["function"], function);
    assert_eq!(
        answer["max_concurrency"].as_u64(),
        max_concurrency.map(u64::from),
        "{function}: {answer}"
    );
    // local-lambda gives each sandbox one invocation at a time: no warm-up ever overlaps another.
    assert!(
        answer.get("concurrent_warm_ups").is_none(),
        "{function}: {answer}"
    );
    let lines = reply.lines_with(WARMUP_LOG_MESSAGE);
    assert_eq!(
        lines.len(),
        1,
        "{function}: one line per warm-up\n{}",
        reply.logs
    );
    let line = lines[0];
    match format {
        LogFormat::Json => {
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{function}: the line is not JSON ({e}): {line}"));
            let fields = &event["fields"];
            assert_eq!(event["level"], "INFO", "{line}");
            assert_eq!(fields["message"], WARMUP_LOG_MESSAGE, "{line}");
            assert_eq!(fields["request_id"], request_id, "{line}");
            assert_eq!(fields["function"], function, "{line}");
            assert_eq!(fields["log_stream"], log_stream, "{line}");
            assert_eq!(fields["instance"], instance, "{line}");
            assert_eq!(
                fields["max_concurrency"].as_u64(),
                max_concurrency.map(u64::from),
                "{line}"
            );
            assert_eq!(
                in_request_span(&event, request_id),
                in_span,
                "{function}: request span of {request_id}: {line}"
            );
        }
        LogFormat::Text => {
            let plain = strip_ansi(line);
            let words: Vec<&str> = plain.split_whitespace().collect();
            assert!(words.contains(&"INFO"), "{plain}");
            for expected in [
                format!("request_id={request_id}"),
                format!("function={function}"),
                format!("log_stream={log_stream}"),
            ] {
                assert!(words.contains(&expected.as_str()), "{expected} in {plain}");
            }
            // A `&str` field: quoted by the `tracing` text format, bare in warm-sdk's own line.
            let (bare, quoted) = (
                format!("instance={instance}"),
                format!("instance=\"{instance}\""),
            );
            assert!(
                words.contains(&bare.as_str()) || words.contains(&quoted.as_str()),
                "{bare} in {plain}"
            );
            if let Some(n) = max_concurrency {
                let expected = format!("max_concurrency={n}");
                assert!(words.contains(&expected.as_str()), "{expected} in {plain}");
            }
            let span = format!("{REQUEST_SPAN}{{requestId=\"{request_id}\"");
            assert_eq!(
                plain.contains(&span),
                in_span,
                "{function}: {span} in {plain}"
            );
        }
    }
    answer
}

/// Checks that user traffic reached user code and wrote no warm-up line.
fn check_user_traffic(reply: &Reply, function: &str) {
    assert_eq!(reply.function_error, None, "{function}: {reply:?}");
    assert!(reply.warm_up().is_none(), "{function}: {reply:?}");
    assert!(
        reply.lines_with(WARMUP_LOG_MESSAGE).is_empty(),
        "{function}: user traffic logged a warm-up line\n{}",
        reply.logs
    );
}

#[tokio::test]
async fn every_readme_program_logs_one_line_per_warm_up_in_its_request_span_and_none_for_users() {
    let programs = programs();
    assert!(
        programs.iter().any(|p| p.concurrent),
        "warm-sdk/README.md shows no run_concurrent program: {programs:?}"
    );
    for format in [LogFormat::Json, LogFormat::Text] {
        let functions: Vec<(&str, Vec<(&str, String)>)> = programs
            .iter()
            .map(|p| {
                let env = if p.concurrent {
                    vec![("AWS_LAMBDA_MAX_CONCURRENCY", MAX_CONCURRENCY.to_string())]
                } else {
                    Vec::new()
                };
                (p.name.as_str(), env)
            })
            .collect();
        let (lambda, client) = start(&functions, format, None).await;
        for program in &programs {
            let name = program.name.as_str();
            let reply = invoke_function(&client, name, warm_up(0)).await;
            let max_concurrency = program.concurrent.then_some(MAX_CONCURRENCY);
            let answer = check_warm_up(&reply, name, format, true, max_concurrency);
            assert_eq!(answer["correlation_id"], "readme");

            let user = if program.http {
                apigw_v2_event("GET", "/orders", "")
            } else {
                json!({"order_id": "o-1"})
            };
            let reply = invoke_function(&client, name, serde_json::to_vec(&user).unwrap()).await;
            check_user_traffic(&reply, name);
            let answer = reply.json();
            if program.http {
                assert_eq!(answer["statusCode"], 200, "{name}: {answer}");
            } else {
                // Every plain-event program of the READMEs echoes the order or answers for it.
                assert_eq!(answer["order_id"], "o-1", "{name}: {answer}");
            }
        }
        lambda.shutdown().await;
    }
}

#[tokio::test]
async fn without_a_subscriber_a_warm_up_still_writes_its_line_as_json_or_text() {
    for format in [LogFormat::Json, LogFormat::Text] {
        let (lambda, client) = start(&[(NO_SUBSCRIBER, Vec::new())], format, None).await;
        let reply = invoke_function(&client, NO_SUBSCRIBER, warm_up(0)).await;
        check_warm_up(&reply, NO_SUBSCRIBER, format, false, None);
        // Written by warm-sdk itself: a timestamp, then the level, then the message.
        let line = strip_ansi(reply.lines_with(WARMUP_LOG_MESSAGE)[0]);
        match format {
            LogFormat::Json => {
                let event: Value = serde_json::from_str(&line).unwrap();
                let timestamp = event["timestamp"].as_str().unwrap_or_default();
                assert!(timestamp.ends_with('Z') && timestamp.len() == 24, "{line}");
            }
            LogFormat::Text => {
                let rest = line.split_once(' ').map(|(_, rest)| rest);
                assert_eq!(
                    rest.map(|rest| rest.starts_with(&format!("INFO {WARMUP_LOG_MESSAGE} "))),
                    Some(true),
                    "{line}"
                );
            }
        }
        let user = json!({"order_id": "o-1"});
        let reply =
            invoke_function(&client, NO_SUBSCRIBER, serde_json::to_vec(&user).unwrap()).await;
        check_user_traffic(&reply, NO_SUBSCRIBER);
        assert_eq!(reply.json()["handled"], true, "{reply:?}");
        lambda.shutdown().await;
    }
}

#[tokio::test]
async fn each_process_makes_its_own_instance_id_at_its_first_invocation_never_during_init() {
    let logs = tempfile::tempdir().unwrap();
    let (lambda, client) = start(
        &[(NO_SUBSCRIBER, Vec::new())],
        LogFormat::Json,
        Some(logs.path()),
    )
    .await;
    // Two warm-ups at once, each holding 500 ms: two sandboxes, two processes.
    let (first, second) = tokio::join!(
        invoke_function(&client, NO_SUBSCRIBER, warm_up(500)),
        invoke_function(&client, NO_SUBSCRIBER, warm_up(500)),
    );
    let answers = [first, second]
        .map(|reply| check_warm_up(&reply, NO_SUBSCRIBER, LogFormat::Json, false, None));
    lambda.shutdown().await;
    assert_ne!(
        answers[0]["log_stream"], answers[1]["log_stream"],
        "two sandboxes"
    );
    assert_ne!(
        answers[0]["instance"], answers[1]["instance"],
        "two processes made the same instance id"
    );
    for answer in &answers {
        assert_eq!(answer["invocations"], 1, "{answer}");
        let stream = answer["log_stream"].as_str().unwrap();
        let path = logs
            .path()
            .join(NO_SUBSCRIBER)
            .join(format!("{stream}.log"));
        let log = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        // Built its layers, then said the id did not exist yet, then made it for the warm-up.
        let init = log
            .find(&format!("{INIT_LINE} false"))
            .unwrap_or_else(|| panic!("no `{INIT_LINE} false` before serving:\n{log}"));
        let (warm_up_at, warm_up_line) = log
            .lines()
            .scan(0, |at, line| {
                let start = *at;
                *at += line.len() + 1;
                Some((start, line))
            })
            .find(|(_, line)| line.contains(WARMUP_LOG_MESSAGE))
            .expect("the warm-up line");
        assert!(init < warm_up_at, "{log}");
        assert!(
            warm_up_line.contains(answer["instance"].as_str().unwrap()),
            "{log}"
        );
    }
}

/// A Runtime API (2018-06-01) for one function process on 127.0.0.1, as Lambda Managed
/// Instances serve it: it hands out its invocations only once `workers` `/next` requests wait
/// at the same time, one to each, and records every answer. Later `/next` requests wait for
/// ever, as they do on an idle environment.
#[derive(Clone)]
struct ConcurrentRuntimeApi {
    state: Arc<Mutex<NextState>>,
    answers: mpsc::UnboundedSender<(String, Result<Value, String>)>,
}

/// (request id, payload) of an invocation to hand out.
type Invocation = (String, Vec<u8>);

struct NextState {
    queued: Vec<Invocation>,
    waiting: Vec<oneshot::Sender<Invocation>>,
    workers: usize,
}

impl ConcurrentRuntimeApi {
    /// Serves `invocations` on an ephemeral port; returns `host:port` and the answers.
    async fn serve(
        invocations: Vec<Invocation>,
        workers: usize,
    ) -> (
        String,
        mpsc::UnboundedReceiver<(String, Result<Value, String>)>,
    ) {
        let (answers, received) = mpsc::unbounded_channel();
        let api = Self {
            state: Arc::new(Mutex::new(NextState {
                queued: invocations,
                waiting: Vec::new(),
                workers,
            })),
            answers,
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(Self::next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(Self::response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(Self::error),
            )
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move { axum::serve(listener, router).await });
        (address, received)
    }

    async fn next(State(api): State<Self>) -> Response {
        let (sender, receiver) = oneshot::channel();
        {
            let mut state = api.state.lock().unwrap();
            state.waiting.push(sender);
            if state.waiting.len() >= state.workers && !state.queued.is_empty() {
                for waiter in std::mem::take(&mut state.waiting) {
                    match state.queued.pop() {
                        Some(invocation) => {
                            let _ = waiter.send(invocation);
                        }
                        None => state.waiting.push(waiter),
                    }
                }
            }
        }
        let Ok((request_id, payload)) = receiver.await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let deadline = SystemTime::now() + Duration::from_secs(30);
        let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis();
        (
            [
                ("lambda-runtime-aws-request-id", request_id.clone()),
                ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:managed".to_owned(),
                ),
                ("lambda-runtime-trace-id", format!("Root=1-{request_id}")),
                ("content-type", "application/json".to_owned()),
            ],
            payload,
        )
            .into_response()
    }

    async fn response(
        State(api): State<Self>,
        UrlPath(id): UrlPath<String>,
        body: Bytes,
    ) -> StatusCode {
        let answer = serde_json::from_slice(&body).map_err(|e| format!("not JSON ({e})"));
        let _ = api.answers.send((id, answer));
        StatusCode::ACCEPTED
    }

    async fn error(
        State(api): State<Self>,
        UrlPath(id): UrlPath<String>,
        body: Bytes,
    ) -> StatusCode {
        let error = String::from_utf8_lossy(&body).into_owned();
        let _ = api.answers.send((id, Err(error)));
        StatusCode::ACCEPTED
    }
}

#[tokio::test]
async fn one_managed_instances_environment_answers_concurrent_warm_ups_as_one_instance() {
    let program = programs()
        .into_iter()
        .find(|p| p.concurrent)
        .expect("warm-sdk/README.md shows a run_concurrent program");
    let workers = MAX_CONCURRENCY as usize;
    let ids: Vec<String> = (1..=workers)
        .map(|i| format!("managed-warm-up-{i}"))
        .collect();
    // Each holds 1 s, so that all of them are held at once once handed out together.
    let invocations = ids.iter().map(|id| (id.clone(), warm_up(1_000))).collect();
    let (runtime_api, mut answers) = ConcurrentRuntimeApi::serve(invocations, workers).await;

    let child = tokio::process::Command::new(binary())
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", &program.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/managed")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/02/[1]managed")
        .env("AWS_LAMBDA_MAX_CONCURRENCY", MAX_CONCURRENCY.to_string())
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "lambda-managed-instances")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the function process starts");

    let mut received = HashMap::new();
    while received.len() < workers {
        let (id, answer) = tokio::time::timeout(Duration::from_secs(30), answers.recv())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{} of {workers} warm-ups answered in 30 s: the process did not poll \
                     /next {workers} times at once",
                    received.len()
                )
            })
            .expect("the Runtime API is still serving");
        let answer = answer.unwrap_or_else(|error| panic!("{id} failed: {error}"));
        received.insert(id, answer);
    }
    let mut child = child;
    child.start_kill().unwrap();
    let output = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);

    // All at once on one environment: one instance, every answer says so.
    let instances: HashSet<&str> = received
        .values()
        .map(|answer| answer["instance"].as_str().unwrap())
        .collect();
    assert_eq!(instances.len(), 1, "{received:?}");
    let numbers: HashSet<u64> = received
        .values()
        .map(|answer| answer["invocations"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (1..=workers as u64).collect(), "{received:?}");
    let most_held = received
        .values()
        .filter_map(|answer| answer["concurrent_warm_ups"].as_u64())
        .max();
    assert_eq!(most_held, Some(workers as u64), "{received:?}");
    for answer in received.values() {
        assert_eq!(answer["warmed"], true, "{answer}");
        assert_eq!(answer["max_concurrency"], MAX_CONCURRENCY, "{answer}");
        assert_eq!(answer["init_type"], "lambda-managed-instances", "{answer}");
        assert_eq!(answer["cold"], false, "{answer}");
    }

    // One line per warm-up, each in its own request's span, naming the concurrency.
    let events: Vec<Value> = stdout
        .lines()
        .filter(|line| line.contains(WARMUP_LOG_MESSAGE))
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), workers, "{stdout}");
    for id in &ids {
        let mine: Vec<&Value> = events
            .iter()
            .filter(|event| event["fields"]["request_id"] == id.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{id}: {stdout}");
        assert!(in_request_span(mine[0], id), "{id}: {}", mine[0]);
        assert_eq!(mine[0]["fields"]["max_concurrency"], MAX_CONCURRENCY);
        let answer = &received[id];
        assert_eq!(
            mine[0]["fields"]["concurrent_warm_ups"].as_u64(),
            answer["concurrent_warm_ups"].as_u64(),
            "{id}: {}",
            mine[0]
        );
    }
}
