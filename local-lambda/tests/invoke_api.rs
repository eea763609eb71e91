//! The Invoke API through the AWS SDK for Rust against real sandboxes running the fixture
//! function: results, cold starts and reuse, limits, asynchronous events, failures, logs and
//! every service error.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType, ThrottleReason};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{blob, client, ended, fixture, json, python_fixture, wait_ended};
use futures_util::future::join_all;
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

async fn start(functions: Vec<FunctionConfig>) -> LocalLambda {
    let mut builder = LocalLambda::builder();
    for f in functions {
        builder = builder.function(f);
    }
    builder.start().await.expect("local-lambda starts")
}

fn fixture_fn(name: &str) -> FunctionConfig {
    FunctionConfig::new(name, fixture())
}

/// Invokes `name` with `payload` and returns (function error, JSON body).
async fn invoke(lambda: &LocalLambda, name: &str, payload: Value) -> (Option<String>, Value) {
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name(name)
        .payload(blob(payload))
        .send()
        .await
        .expect("invoke succeeds");
    assert_eq!(out.status_code(), 200);
    (out.function_error().map(str::to_owned), json(out.payload()))
}

#[tokio::test]
async fn request_response_returns_result_and_gives_sandbox_lambda_environment() {
    let lambda = start(vec![
        fixture_fn("orders")
            .env("FIXTURE_CUSTOM", "yes")
            .memory_mb(256),
    ])
    .await;
    let context = BASE64.encode(r#"{"custom":{"tenant":"acme"}}"#);
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name("orders")
        .payload(blob(json!({"hello": "world"})))
        .client_context(context)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(out.function_error(), None);
    let body = json(out.payload());
    assert_eq!(body["payload"], json!({"hello": "world"}));
    assert_eq!(
        body["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:orders"
    );
    assert_eq!(body["client_context"], json!({"tenant": "acme"}));
    assert!(body["trace_id"].as_str().unwrap().starts_with("Root=1-"));
    let deadline = body["deadline_ms"].as_u64().unwrap();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    assert!(
        deadline > now && deadline <= now + 3_000,
        "deadline {deadline} vs now {now}"
    );
    let env = &body["env"];
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "orders");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/orders");
    assert_eq!(env["AWS_LAMBDA_INITIALIZATION_TYPE"], "on-demand");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert!(env["AWS_ACCESS_KEY_ID"].is_string());
    assert_eq!(env["FIXTURE_CUSTOM"], "yes");
    let stream = body["log_stream"].as_str().unwrap();
    let (date, id) = stream
        .split_once("/[$LATEST]")
        .expect("Lambda's log stream format");
    assert_eq!(date, chrono::Utc::now().format("%Y/%m/%d").to_string());
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{stream}"
    );
    // Invoking by ARN reaches the same function.
    let (error, by_arn) = invoke(&lambda, &lambda.function_arn("orders"), json!({})).await;
    assert_eq!(error, None);
    assert_eq!(by_arn["log_stream"], stream, "the warm sandbox is reused");
}

#[tokio::test]
async fn fifty_concurrent_invokes_run_on_fifty_sandboxes_and_reuse_them_when_repeated() {
    let lambda = start(vec![fixture_fn("wide")]).await;
    let round = || async {
        let calls = (0..50).map(|_| invoke(&lambda, "wide", json!({"op": "sleep", "ms": 1000})));
        join_all(calls)
            .await
            .into_iter()
            .map(|(error, body)| {
                assert_eq!(error, None, "{body}");
                body["log_stream"].as_str().unwrap().to_owned()
            })
            .collect::<HashSet<String>>()
    };
    let first = round().await;
    assert_eq!(
        first.len(),
        50,
        "each concurrent invoke had its own sandbox"
    );
    let stats = lambda.function_stats("wide").unwrap();
    assert_eq!(stats.cold_starts, 50);
    assert_eq!(stats.live, 50);
    assert_eq!(stats.idle, 50);
    assert_eq!(stats.peak_concurrency, 50);
    let second = round().await;
    assert_eq!(
        second, first,
        "the same 50 sandboxes served the second round"
    );
    let stats = lambda.function_stats("wide").unwrap();
    assert_eq!(stats.cold_starts, 50, "no new cold starts");
    assert_eq!(stats.invocations, 100);
    assert_eq!(
        stats.log_streams.iter().cloned().collect::<HashSet<_>>(),
        first
    );
}

#[tokio::test]
async fn reserved_concurrency_throttles_the_excess_with_reserved_reason() {
    let lambda = start(vec![fixture_fn("limited").reserved_concurrency(10)]).await;
    let sdk = client(&lambda.endpoint_url());
    let calls = (0..20).map(|_| {
        sdk.invoke()
            .function_name("limited")
            .payload(blob(json!({"op": "sleep", "ms": 1000})))
            .send()
    });
    let results = join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 10);
    for result in results.into_iter().filter_map(Result::err) {
        let error = result.into_service_error();
        let InvokeError::TooManyRequestsException(throttle) = &error else {
            panic!("expected TooManyRequestsException, got {error:?}");
        };
        assert_eq!(
            throttle.reason(),
            Some(&ThrottleReason::ReservedFunctionConcurrentInvocationLimitExceeded)
        );
    }
    let stats = lambda.function_stats("limited").unwrap();
    assert_eq!(stats.throttles, 10);
    assert_eq!(stats.peak_concurrency, 10);
}

#[tokio::test]
async fn account_concurrency_throttles_unreserved_functions_with_account_reason() {
    let lambda = LocalLambda::builder()
        .account_concurrency(3)
        .function(fixture_fn("shared"))
        .start()
        .await
        .unwrap();
    let sdk = client(&lambda.endpoint_url());
    let calls = (0..5).map(|_| {
        sdk.invoke()
            .function_name("shared")
            .payload(blob(json!({"op": "sleep", "ms": 800})))
            .send()
    });
    let results = join_all(calls).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 3);
    for error in results.into_iter().filter_map(Result::err) {
        let error = error.into_service_error();
        assert_eq!(error.code(), Some("TooManyRequestsException"));
        let InvokeError::TooManyRequestsException(throttle) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            throttle.reason(),
            Some(&ThrottleReason::ConcurrentInvocationLimitExceeded)
        );
    }
}

#[tokio::test]
async fn event_invoke_is_accepted_at_once_and_runs_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("runs.txt");
    let lambda = start(vec![fixture_fn("events")]).await;
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name("events")
        .invocation_type(InvocationType::Event)
        .payload(blob(json!({"op": "record", "path": record})))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 202);
    let request_id = out.payload().map(|p| p.as_ref().len()).unwrap_or(0);
    assert_eq!(request_id, 0, "an Event invoke answers with no body");
    for _ in 0..200 {
        if lambda.function_stats("events").unwrap().invocations == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let report = lambda.shutdown().await;
    assert!(report.unexecuted_events.is_empty());
    assert!(report.interrupted_events.is_empty());
    let runs = std::fs::read_to_string(&record).unwrap();
    assert_eq!(runs.lines().count(), 1, "ran exactly once: {runs:?}");
    assert_eq!(report.stats[0].invocations, 1);
}

#[tokio::test]
async fn shutdown_reports_events_not_run_and_kills_their_sandboxes() {
    let lambda = LocalLambda::builder()
        .shutdown_grace(Duration::from_millis(100))
        .function(
            fixture_fn("slow")
                .reserved_concurrency(1)
                .timeout(Duration::from_secs(30)),
        )
        .start()
        .await
        .unwrap();
    let sdk = client(&lambda.endpoint_url());
    for i in 0..3 {
        let out = sdk
            .invoke()
            .function_name("slow")
            .invocation_type(InvocationType::Event)
            .payload(blob(json!({"op": "sleep", "ms": 20_000, "n": i})))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status_code(), 202);
    }
    // Busy counts from the moment a slot is taken; live once the process is spawned. Wait
    // for both, so that the event is running in a sandbox when shutdown begins.
    for _ in 0..500 {
        let stats = lambda.function_stats("slow").unwrap();
        if stats.busy == 1 && stats.live == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let report = lambda.shutdown().await;
    assert_eq!(report.interrupted_events.len(), 1, "{report:?}");
    assert_eq!(report.unexecuted_events.len(), 2, "{report:?}");
    let payloads: Vec<&str> = report
        .unexecuted_events
        .iter()
        .map(|e| e.payload.as_str())
        .collect();
    assert!(
        payloads.iter().all(|p| p.contains("\"sleep\"")),
        "{payloads:?}"
    );
    assert_eq!(report.sandboxes_stopped, 1);
}

#[tokio::test]
async fn crash_gives_runtime_exit_error_and_next_invoke_gets_a_fresh_sandbox() {
    let lambda = start(vec![fixture_fn("crashy")]).await;
    let (_, first) = invoke(&lambda, "crashy", json!({})).await;
    let (error, body) = invoke(&lambda, "crashy", json!({"op": "crash"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.ExitError");
    let message = body["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Runtime exited with error: exit status 1"),
        "{message}"
    );
    let (error, after) = invoke(&lambda, "crashy", json!({})).await;
    assert_eq!(error, None, "the pool is not poisoned");
    assert_ne!(after["log_stream"], first["log_stream"], "a new sandbox");
    let stats = lambda.function_stats("crashy").unwrap();
    assert_eq!(stats.cold_starts, 2);
    assert_eq!(stats.function_errors, 1);
    assert_eq!(stats.live, 1);
}

#[tokio::test]
async fn hang_times_out_with_sandbox_timedout_and_next_invoke_gets_a_fresh_sandbox() {
    let lambda = start(vec![fixture_fn("hangs").timeout(Duration::from_secs(1))]).await;
    let (error, body) = invoke(&lambda, "hangs", json!({"op": "hang"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Task timed out after 1.00 seconds")
    );
    let (error, _) = invoke(&lambda, "hangs", json!({})).await;
    assert_eq!(error, None);
    assert_eq!(lambda.function_stats("hangs").unwrap().cold_starts, 2);
}

#[tokio::test]
async fn handler_error_is_unhandled_and_keeps_the_sandbox() {
    let lambda = start(vec![fixture_fn("errs")]).await;
    let (error, body) = invoke(&lambda, "errs", json!({"op": "error"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorMessage"], "the fixture was asked to fail");
    let (error, _) = invoke(&lambda, "errs", json!({})).await;
    assert_eq!(error, None);
    assert_eq!(lambda.function_stats("errs").unwrap().cold_starts, 1);
}

#[tokio::test]
async fn init_failures_are_returned_to_the_invoker_and_end_the_sandbox() {
    let lambda = start(vec![
        fixture_fn("init-error").env("FIXTURE_INIT_ERROR", "no config"),
        fixture_fn("init-exit").env("FIXTURE_INIT_EXIT", "2"),
        fixture_fn("init-slow")
            .env("FIXTURE_INIT_SLEEP_MS", "5000")
            .init_timeout(Duration::from_millis(300)),
    ])
    .await;
    let (error, body) = invoke(&lambda, "init-error", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Fixture.InitError");
    assert_eq!(body["errorMessage"], "no config");
    let (error, body) = invoke(&lambda, "init-exit", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Runtime.ExitError");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("exit status 2"),
        "{body}"
    );
    let (error, body) = invoke(&lambda, "init-slow", json!({})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "Sandbox.Timedout");
    for _ in 0..100 {
        if lambda.stats().iter().all(|s| s.live == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        lambda.stats().iter().all(|s| s.live == 0),
        "{:?}",
        lambda.stats()
    );
}

#[tokio::test]
async fn idle_sandboxes_are_reclaimed_after_the_idle_timeout() {
    let lambda = LocalLambda::builder()
        .idle_timeout(Duration::from_millis(200))
        .function(fixture_fn("idle"))
        .start()
        .await
        .unwrap();
    let (_, first) = invoke(&lambda, "idle", json!({})).await;
    assert_eq!(lambda.function_stats("idle").unwrap().live, 1);
    for _ in 0..250 {
        if lambda.function_stats("idle").unwrap().live == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(lambda.function_stats("idle").unwrap().live, 0, "reclaimed");
    let (_, second) = invoke(&lambda, "idle", json!({})).await;
    assert_ne!(first["log_stream"], second["log_stream"]);
    assert_eq!(lambda.function_stats("idle").unwrap().cold_starts, 2);
}

#[tokio::test]
async fn service_errors_have_lambda_status_type_and_message() {
    let lambda = start(vec![fixture_fn("valid")]).await;
    let sdk = client(&lambda.endpoint_url());
    let code = |r: Result<_, aws_sdk_lambda::error::SdkError<InvokeError, _>>| {
        let e = r.expect_err("an error").into_service_error();
        (e.code().map(str::to_owned), e)
    };

    let (c, e) = code(sdk.invoke().function_name("missing").send().await);
    assert_eq!(c.as_deref(), Some("ResourceNotFoundException"));
    assert!(e.is_resource_not_found_exception());
    assert!(e.message().unwrap().contains("function:missing"), "{e:?}");

    let (_, e) = code(
        sdk.invoke()
            .function_name("valid")
            .qualifier("7")
            .send()
            .await,
    );
    assert!(e.is_resource_not_found_exception());

    let (_, e) = code(
        sdk.invoke()
            .function_name("valid")
            .payload(Blob::new("not json"))
            .send()
            .await,
    );
    assert!(e.is_invalid_request_content_exception(), "{e:?}");

    let big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024));
    let (_, e) = code(
        sdk.invoke()
            .function_name("valid")
            .payload(Blob::new(big))
            .send()
            .await,
    );
    assert!(e.is_request_too_large_exception(), "{e:?}");

    let over_async = format!("\"{}\"", "x".repeat(1024 * 1024));
    let (_, e) = code(
        sdk.invoke()
            .function_name("valid")
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(over_async))
            .send()
            .await,
    );
    assert!(e.is_request_too_large_exception(), "{e:?}");

    let (_, e) = code(
        sdk.invoke()
            .function_name("valid")
            .client_context("%%%")
            .send()
            .await,
    );
    assert!(e.is_invalid_parameter_value_exception(), "{e:?}");

    assert_eq!(
        lambda.function_stats("valid").unwrap().invocations,
        0,
        "none ran"
    );
}

#[tokio::test]
async fn dry_run_returns_204_without_running_the_function() {
    let lambda = start(vec![fixture_fn("dry")]).await;
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name("dry")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code(), 204);
    let stats = lambda.function_stats("dry").unwrap();
    assert_eq!((stats.invocations, stats.live), (0, 0));
}

#[tokio::test]
async fn tail_log_type_returns_the_invocations_log_with_report_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = LocalLambda::builder()
        .logs_dir(dir.path())
        .function(fixture_fn("tail"))
        .start()
        .await
        .unwrap();
    let sdk = client(&lambda.endpoint_url());
    let tail = |text: &'static str| {
        let sdk = sdk.clone();
        async move {
            let out = sdk
                .invoke()
                .function_name("tail")
                .log_type(LogType::Tail)
                .payload(blob(json!({"op": "print", "text": text})))
                .send()
                .await
                .unwrap();
            let log = BASE64
                .decode(out.log_result().expect("X-Amz-Log-Result"))
                .unwrap();
            (String::from_utf8(log).unwrap(), json(out.payload()))
        }
    };
    let (cold, body) = tail("first line of output").await;
    let lines: Vec<&str> = cold.lines().collect();
    assert!(lines[0].starts_with("START RequestId: "), "{cold}");
    assert!(lines[0].ends_with(" Version: $LATEST"), "{cold}");
    assert!(lines.contains(&"first line of output"), "{cold}");
    assert!(
        lines[lines.len() - 2].starts_with("END RequestId: "),
        "{cold}"
    );
    let report = lines[lines.len() - 1];
    assert!(report.starts_with("REPORT RequestId: "), "{cold}");
    for field in [
        "\tDuration: ",
        " ms\tBilled Duration: ",
        "\tMemory Size: 128 MB\t",
        "\tMax Memory Used: ",
        "\tInit Duration: ",
    ] {
        assert!(report.contains(field), "{field:?} in {report:?}");
    }
    let (warm, _) = tail("second").await;
    assert!(
        warm.contains("second") && !warm.contains("first line"),
        "{warm}"
    );
    assert!(
        !warm.contains("Init Duration"),
        "no init on a warm start: {warm}"
    );

    // The stream's file has both invocations.
    let stream = body["log_stream"].as_str().unwrap();
    let file = dir.path().join("tail").join(format!("{stream}.log"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.matches("START RequestId").count(), 2, "{text}");
    assert_eq!(text.matches("REPORT RequestId").count(), 2, "{text}");
    assert!(text.contains("first line of output") && text.contains("second"));
}

#[tokio::test]
async fn python_runtime_speaking_the_runtime_api_runs_on_the_service() {
    let lambda = start(vec![FunctionConfig::new("py", python_fixture())]).await;
    let (error, body) = invoke(&lambda, "py", json!({"n": 1})).await;
    assert_eq!(error, None, "{body}");
    assert_eq!(body["runtime"], "python");
    assert_eq!(body["payload"], json!({"n": 1}));
    assert_eq!(
        body["function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:py"
    );
    let (error, body) = invoke(&lambda, "py", json!({"op": "error"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert_eq!(body["errorType"], "ValueError");
    assert_eq!(lambda.function_stats("py").unwrap().cold_starts, 1);
}

#[tokio::test]
async fn register_adds_functions_at_runtime_and_stats_endpoint_serves_them() {
    let lambda = start(vec![]).await;
    assert!(lambda.stats().is_empty());
    lambda.register(fixture_fn("late")).unwrap();
    let (error, _) = invoke(&lambda, "late", json!({})).await;
    assert_eq!(error, None);
    let err = lambda
        .register(FunctionConfig::new("bad", "/no/such/bootstrap"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("executable") && err.contains("/no/such/bootstrap"),
        "{err}"
    );

    let url = format!("{}/_local/stats", lambda.endpoint_url());
    let all: local_lambda::ServiceStats = serde_json::from_slice(&http_get(&url).await).unwrap();
    assert_eq!(all.functions.len(), 1);
    assert_eq!(all.functions[0].name, "late");
    assert_eq!(all.functions[0].invocations, 1);
    let one: local_lambda::FunctionStats =
        serde_json::from_slice(&http_get(&format!("{url}/late")).await).unwrap();
    assert_eq!(one, lambda.function_stats("late").unwrap());
}

#[tokio::test]
async fn shutdown_kills_every_sandbox_process() {
    let lambda = start(vec![fixture_fn("killed")]).await;
    let pids: Vec<u64> =
        join_all((0..3).map(|_| invoke(&lambda, "killed", json!({"op": "sleep", "ms": 300}))))
            .await
            .into_iter()
            .map(|(_, body)| body["pid"].as_u64().unwrap())
            .collect();
    for pid in &pids {
        assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
    let report = lambda.shutdown().await;
    assert_eq!(report.sandboxes_stopped, 3);
    for pid in &pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "process {pid} outlived the service"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_invokes_are_each_answered_exactly_once() {
    let lambda = LocalLambda::builder()
        .account_concurrency(1000)
        .function(fixture_fn("load").timeout(Duration::from_secs(60)))
        .start()
        .await
        .unwrap();
    let sdk = client(&lambda.endpoint_url());
    let calls = (0..1000).map(|i| {
        let sdk = sdk.clone();
        async move {
            let out = sdk
                .invoke()
                .function_name("load")
                .payload(blob(json!({"i": i})))
                .send()
                .await;
            (i, out)
        }
    });
    let mut answered = HashSet::new();
    for (i, out) in join_all(calls).await {
        let out = out.unwrap_or_else(|e| panic!("invoke {i}: {:?}", e.into_service_error()));
        let body = json(out.payload());
        assert_eq!(body["payload"]["i"], i, "each invoke got its own answer");
        assert!(answered.insert(body["request_id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(answered.len(), 1000);
    assert_eq!(lambda.function_stats("load").unwrap().invocations, 1000);
}

async fn http_get(url: &str) -> bytes::Bytes {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    let response = client.get(url.parse().unwrap()).await.unwrap();
    assert!(response.status().is_success());
    response.into_body().collect().await.unwrap().to_bytes()
}

#[tokio::test]
async fn each_version_has_its_own_sandboxes_reached_by_alias_or_number() {
    let lambda = start(vec![fixture_fn("orders").alias("live", "3")]).await;
    let sdk = client(&lambda.endpoint_url());
    // Three at once through the alias: three cold starts of version 3.
    let outs = join_all((0..3).map(|_| {
        sdk.invoke()
            .function_name("orders")
            .qualifier("live")
            .payload(blob(json!({"op": "sleep", "ms": 1_000})))
            .send()
    }))
    .await;
    let mut version_streams = HashSet::new();
    for out in outs {
        let out = out.expect("invoke succeeds");
        assert_eq!(out.executed_version(), Some("3"));
        let body = json(out.payload());
        assert_eq!(body["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "3");
        let arn = body["arn"].as_str().unwrap();
        assert!(arn.ends_with(":function:orders:live"), "{arn}");
        let stream = body["log_stream"].as_str().unwrap().to_owned();
        assert!(stream.contains("/[3]"), "{stream}");
        version_streams.insert(stream);
    }
    assert_eq!(version_streams.len(), 3);

    // The version by number, in the name, reuses them (no cold start).
    let out = sdk
        .invoke()
        .function_name("orders:3")
        .log_type(LogType::Tail)
        .send()
        .await
        .unwrap();
    assert!(version_streams.contains(json(out.payload())["log_stream"].as_str().unwrap()));
    let log = String::from_utf8(BASE64.decode(out.log_result().unwrap()).unwrap()).unwrap();
    assert!(
        log.starts_with("START RequestId: ")
            && log.lines().next().unwrap().ends_with(" Version: 3"),
        "{log}"
    );

    // $LATEST has none of them: a cold start of its own.
    let (_, latest) = invoke(&lambda, "orders", json!({})).await;
    let stream = latest["log_stream"].as_str().unwrap();
    assert!(stream.contains("/[$LATEST]"), "{stream}");
    assert_eq!(latest["env"]["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");

    let stats = lambda.function_stats("orders").unwrap();
    assert_eq!(
        (stats.cold_starts, stats.invocations, stats.live),
        (4, 5, 4)
    );
    assert_eq!(
        stats.live_by_version,
        [("$LATEST".to_owned(), 1), ("3".to_owned(), 3)].into()
    );

    // A qualifier that is neither the alias nor its version is not found.
    for qualifier in ["2", "prod"] {
        let e = sdk
            .invoke()
            .function_name("orders")
            .qualifier(qualifier)
            .send()
            .await
            .expect_err("not found")
            .into_service_error();
        assert!(e.is_resource_not_found_exception(), "{e:?}");
        assert!(
            e.message()
                .unwrap()
                .contains(&format!("function:orders:{qualifier}")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn what_a_function_forks_ends_with_its_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("helper.pid");
    // The bootstrap forks a helper that would outlive it, then becomes the fixture function.
    let script = format!(
        "sleep 300 & echo $! > '{}'; exec '{}'",
        pid_file.display(),
        fixture().display()
    );
    let lambda = start(vec![
        FunctionConfig::new("forks", "/bin/sh")
            .arg("-c")
            .arg(script),
    ])
    .await;
    let helper = || {
        std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .to_owned()
    };

    let (error, _) = invoke(&lambda, "forks", json!({})).await;
    assert_eq!(error, None);
    let first = helper();
    assert!(!ended(&first), "the helper runs while its sandbox lives");
    // The function crashes: its sandbox ends, and the helper with it.
    let (error, body) = invoke(&lambda, "forks", json!({"op": "crash"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"), "{body}");
    assert!(
        wait_ended(&first).await,
        "helper {first} outlived a crashed sandbox"
    );

    // A new sandbox, a new helper; shutdown ends both.
    invoke(&lambda, "forks", json!({})).await;
    let second = helper();
    assert_ne!(first, second);
    assert!(!ended(&second));
    lambda.shutdown().await;
    assert!(
        wait_ended(&second).await,
        "helper {second} outlived shutdown"
    );
}
