//! The warmer against `local-lambda` running the example functions: the engine, the `warmer`
//! command as a process, and the warmer Lambda itself running inside local-lambda.

mod handler_support;

use std::process::Command;
use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{ClientOptions, RunOptions, RunReport, client, warm};
use warmer_fn::target::{Mode, Target};

const TARGET: &str = "orders";

fn example_http() -> FunctionConfig {
    FunctionConfig::new(TARGET, warm_tests::binary("example-http", "example-http"))
        .timeout(Duration::from_secs(30))
}

async fn lambda_client(service: &LocalLambda) -> aws_sdk_lambda::Client {
    client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await
}

async fn start(function: FunctionConfig) -> LocalLambda {
    LocalLambda::builder()
        .function(function)
        .start()
        .await
        .unwrap()
}

/// Runs the `warmer` command as a process: `warmer warm --function orders --json
/// --endpoint-url URL` followed by `args`.
fn run_warmer(service: &LocalLambda, args: &[&str]) -> std::process::Output {
    Command::new(warm_tests::binary("warmer-cli", "warmer"))
        .args(["warm", "--function", TARGET, "--json", "--endpoint-url"])
        .arg(service.endpoint_url())
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("warmer runs")
}

fn bounded() -> RunOptions {
    RunOptions {
        deadline: Some(std::time::Instant::now() + Duration::from_secs(60)),
        ..RunOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_warmups_start_fifty_environments_then_find_them_warm() {
    let service = start(example_http()).await;
    let lambda = lambda_client(&service).await;
    let targets = [Target::new(TARGET, 50)];

    let first = warm(&lambda, &targets, &bounded()).await;
    let t = &first.targets[0];
    assert_eq!((t.reached, t.new), (50, 50), "{t:#?}");
    assert!(first.ok && t.ok, "{t:#?}");
    assert_eq!(service.function_stats(TARGET).unwrap().live, 50);

    let again = warm(&lambda, &targets, &bounded()).await;
    let t = &again.targets[0];
    assert_eq!((t.reached, t.new), (50, 0), "{t:#?}");
    assert!(again.ok, "{t:#?}");
    assert_ne!(first.correlation_id, again.correlation_id);
    let stats = service.function_stats(TARGET).unwrap();
    assert_eq!(
        stats.cold_starts, 50,
        "the second run must not start environments: {stats:?}"
    );
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_round_holds_every_environment_until_one_instant_and_counts_the_time_held() {
    let service = start(example_http()).await;
    let lambda = lambda_client(&service).await;
    let n = 40;
    let report = warm(&lambda, &[Target::new(TARGET, n)], &bounded()).await;
    let t = &report.targets[0];
    assert_eq!((t.reached, t.rounds), (n, 1), "{t:#?}");
    // Every environment said when it received its warm-up (a cold one after its start-up, which
    // may end after the instant: the invoke had already been placed on its own environment).
    let last = t.last_arrival_ms.expect("the answers carry received_at_ms");
    let spread = t
        .arrival_spread_ms
        .expect("the answers carry received_at_ms");
    assert!(spread <= last, "{t:#?}");
    // Each environment held from its arrival to the instant, never longer than the longest
    // hold of the round (the probe's), and the sum is more than nothing.
    let probe_ms = warmer_fn::engine::AutoDelay::default().probe_delay_ms(n);
    let most = f64::from(n) * probe_ms as f64 / 1000.0;
    assert!(
        t.held_env_seconds > 0.0 && t.held_env_seconds < most,
        "{} env-s held, at most {most}: {t:#?}",
        t.held_env_seconds
    );
    // The report's JSON carries the new figures.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["targets"][0]["last_arrival_ms"], last);
    assert!(json["targets"][0]["held_env_seconds"].as_f64().unwrap() > 0.0);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_up_with_an_instant_holds_until_it_and_one_past_it_does_not_hold() {
    use std::time::{SystemTime, UNIX_EPOCH};
    let service = start(example_http()).await;
    let lambda = lambda_client(&service).await;
    let invoke = |payload: warm_sdk::protocol::WarmupRequest| {
        let lambda = lambda.clone();
        async move {
            let output = lambda
                .invoke()
                .function_name(TARGET)
                .payload(Blob::new(serde_json::to_vec(&payload).unwrap()))
                .send()
                .await
                .unwrap();
            serde_json::from_slice::<warm_sdk::protocol::WarmupResponse>(
                output.payload().unwrap().as_ref(),
            )
            .unwrap()
        }
    };
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    // An instant 1.5 s away, with a `delay` of 5 s: held until the instant.
    let until = now_ms() + 1_500;
    let answer = invoke(
        warm_sdk::protocol::WarmupRequest::new()
            .delay_ms(5_000)
            .hold_until_ms(until),
    )
    .await;
    let received = answer.received_at_ms.expect("received_at_ms");
    assert!(now_ms() >= until, "{answer:?}");
    assert!(
        received + answer.delay_ms + 1 >= until && answer.delay_ms < 1_500 + 100,
        "{answer:?}"
    );
    // An instant already past: answered at once, whatever `delay` says.
    let answer = invoke(
        warm_sdk::protocol::WarmupRequest::new()
            .delay_ms(5_000)
            .hold_until_ms(now_ms() - 10_000),
    )
    .await;
    assert_eq!(answer.delay_ms, 0, "{answer:?}");
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warming_an_alias_warms_its_version_not_latest() {
    let service = start(example_http().alias("live", "1")).await;
    let output = run_warmer(&service, &["--qualifier", "live", "--concurrency", "10"]);
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: RunReport = serde_json::from_slice(&output.stdout).unwrap();
    let t = &report.targets[0];
    assert_eq!(t.function, "orders:live");
    assert_eq!((t.reached, t.new), (10, 10), "{t:#?}");
    let stats = service.function_stats(TARGET).unwrap();
    assert_eq!(
        stats.live_by_version,
        [("1".to_owned(), 10)].into(),
        "version 1 has the ten, $LATEST none: {stats:?}"
    );

    // Traffic on the alias finds a warm environment; traffic on $LATEST does not.
    let lambda = lambda_client(&service).await;
    let event =
        Blob::new(serde_json::to_vec(&handler_support::apigw_v2_event("GET", "/", "")).unwrap());
    let on_alias = lambda
        .invoke()
        .function_name(TARGET)
        .qualifier("live")
        .payload(event.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(on_alias.executed_version(), Some("1"));
    assert_eq!(on_alias.function_error(), None);
    assert_eq!(service.function_stats(TARGET).unwrap().cold_starts, 10);
    lambda
        .invoke()
        .function_name(TARGET)
        .payload(event)
        .send()
        .await
        .unwrap();
    let stats = service.function_stats(TARGET).unwrap();
    assert_eq!(stats.cold_starts, 11, "{stats:?}");
    assert_eq!(stats.live_by_version["$LATEST"], 1);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_caps_the_warm_up_to_its_share_and_says_so() {
    let service = start(example_http().reserved_concurrency(20)).await;
    let output = run_warmer(&service, &["--concurrency", "50"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a target warmed up to its cap is not short; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: RunReport =
        serde_json::from_slice(&output.stdout).expect("--json prints the report");
    let t = &report.targets[0];
    // 0.8 of the reserved 20: 16 held, 4 left to user requests, nothing throttled.
    assert_eq!((t.reached, t.throttled), (16, 0), "{t:#?}");
    let cap = t.capped.as_ref().expect("the guard capped the target");
    assert_eq!((cap.to, cap.limit), (16, 20), "{cap:?}");
    assert!(t.ok && report.ok, "{t:#?}");
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("capped: 16 of the 50 requested")),
        "{:?}",
        t.notes
    );
    assert_eq!(
        t.rounds, 1,
        "no top-up when the function's limits are the cause"
    );

    // The share is the operator's to set: all of the reserved concurrency, on request.
    let output = run_warmer(&service, &["--concurrency", "50", "--max-share", "1"]);
    let report: RunReport = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report.targets[0].reached, 20, "{:#?}", report.targets[0]);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_function_is_reported_while_other_targets_are_warmed() {
    let service = start(example_http()).await;
    let lambda = lambda_client(&service).await;
    let targets = [Target::new("no-such-function", 5), Target::new(TARGET, 5)];
    let report = warm(&lambda, &targets, &bounded()).await;

    let ghost = &report.targets[0];
    let error = ghost
        .error
        .as_deref()
        .expect("a missing function is an error");
    assert!(
        error.contains("not found") && error.contains("no-such-function"),
        "{error}"
    );
    assert!(
        ghost
            .failure_types
            .contains_key("ResourceNotFoundException")
    );
    assert!(!ghost.ok);

    let real = &report.targets[1];
    assert_eq!(real.reached, 5, "{real:#?}");
    assert!(real.ok);
    assert!(!report.ok, "one target fell short, so the run did");
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_mode_sends_n_minus_one_async_invokes_and_one_sync() {
    let service = start(example_http()).await;
    let output = run_warmer(&service, &["--concurrency", "8", "--mode", "event"]);
    assert_eq!(
        output.status.code(),
        Some(3),
        "event mode cannot prove coverage: exit 3; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: RunReport = serde_json::from_slice(&output.stdout).unwrap();
    let t = &report.targets[0];
    assert_eq!(t.mode, Mode::Event);
    assert_eq!((t.accepted, t.reached), (7, 1), "{t:#?}");
    assert!(!t.coverage_known);
    assert!(
        t.notes.iter().any(|n| n.contains("unknown")),
        "{:?}",
        t.notes
    );

    // The asynchronous invokes do run: wait (bounded) until local-lambda has seen all 8.
    let mut seen = 0;
    for _ in 0..100 {
        seen = service.function_stats(TARGET).unwrap().invocations;
        if seen >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 8);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warmer_lambda_inside_local_lambda_warms_a_second_function() {
    let service = start(example_http()).await;
    service
        .register(
            FunctionConfig::new("warmer", warm_tests::binary("warmer-fn", "warmer-fn"))
                .env("WARMER_ENDPOINT_URL", service.endpoint_url())
                .timeout(Duration::from_secs(30)),
        )
        .unwrap();
    let lambda = lambda_client(&service).await;
    let event = serde_json::json!({"functionName": TARGET, "concurrency": 10});
    let body = warm_tests::invoke_ok(&lambda, "warmer", &event).await;
    let report: RunReport = serde_json::from_slice(&body).unwrap();
    let t = &report.targets[0];
    assert_eq!((t.reached, t.new), (10, 10), "{t:#?}");
    assert!(report.ok);
    assert_eq!(service.function_stats(TARGET).unwrap().live, 10);

    // A bad event comes back as a function error naming the field.
    let output = lambda
        .invoke()
        .function_name("warmer")
        .payload(Blob::new(br#"{"function_name": "orders"}"#.to_vec()))
        .send()
        .await
        .unwrap();
    assert!(output.function_error().is_some());
    let body = String::from_utf8_lossy(output.payload().unwrap().as_ref()).into_owned();
    assert!(body.contains("`function_name`"), "{body}");
    service.shutdown().await;
}
