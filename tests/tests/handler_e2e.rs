//! End to end: the `example-http` binary (a `lambda_http` service behind `WarmLayer`) runs as
//! a real process in local-lambda, speaking the real Runtime API on 127.0.0.1, invoked
//! through the AWS SDK.

mod handler_support;

use std::collections::HashSet;
use std::time::Duration;

use handler_support::{Function, apigw_v2_event};
use serde_json::json;
use warm_sdk::COLD_START_HEADER;
use warm_sdk::answer::WARMUP_LOG_MESSAGE;

fn to_vec(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

#[tokio::test]
async fn warm_ups_of_every_dialect_are_answered_without_running_user_code() {
    let function = Function::start(None, &[]).await;
    let dialects = [
        json!({"warmer": true, "delay": 0, "correlation_id": "run-1", "index": 1, "concurrency": 4}),
        json!({"warmer": true, "__WARMER_INVOCATION__": 2, "__WARMER_CONCURRENCY__": 4,
               "__WARMER_CORRELATIONID__": "run-1"}),
        json!({"warmer": true, "__WARMER_INVOCATION__": 3, "__WARMER_CONCURRENCY__": 4,
               "__WARMER_CORRELATION_ID__": "run-1"}),
        json!({"source": "serverless-plugin-warmup"}),
    ];
    let mut instances = HashSet::new();
    for (i, payload) in dialects.iter().enumerate() {
        let reply = function.invoke(to_vec(payload)).await;
        let answer = reply
            .warm_up()
            .unwrap_or_else(|| panic!("{payload} was not answered as a warm-up: {reply:?}"));
        assert!(!reply.handled());
        assert_eq!(answer["function"], "example-http");
        assert_eq!(answer["invocations"], i as u64 + 1);
        assert_eq!(
            answer["cold"],
            i == 0,
            "only the first warm-up paid the cold start"
        );
        if i < 3 {
            assert_eq!(answer["correlation_id"], "run-1");
            assert_eq!(answer["index"], i as u64 + 1);
        }
        assert!(answer["log_stream"].as_str().is_some_and(|s| !s.is_empty()));
        instances.insert(answer["instance"].as_str().unwrap().to_owned());
        // Exactly one INFO event per warm-up, and nothing from user code.
        let infos = reply.infos();
        assert_eq!(
            infos.iter().filter(|m| *m == WARMUP_LOG_MESSAGE).count(),
            1,
            "{}",
            reply.logs
        );
        assert!(reply.warnings().is_empty(), "{}", reply.logs);
    }
    assert_eq!(
        instances.len(),
        1,
        "sequential warm-ups reuse one environment"
    );
    function.stop().await;
}

#[tokio::test]
async fn user_requests_reach_user_code_with_the_cold_start_header() {
    let function = Function::start(None, &[]).await;
    let first = function
        .invoke(to_vec(&apigw_v2_event("POST", "/orders", r#"{"qty": 2}"#)))
        .await;
    let (status, headers, body) = first.http().expect("an HTTP response");
    assert_eq!(status, 200);
    assert_eq!(body["handled"], true);
    assert_eq!(body["method"], "POST");
    assert_eq!(body["path"], "/orders");
    assert_eq!(body["name"], "ada");
    assert_eq!(body["body"], r#"{"qty": 2}"#);
    assert_eq!(headers[COLD_START_HEADER], "true");

    let second = function
        .invoke(to_vec(&apigw_v2_event("GET", "/orders", "")))
        .await;
    let (_, headers, body) = second.http().expect("an HTTP response");
    assert_eq!(body["handled"], true);
    assert_eq!(headers[COLD_START_HEADER], "false");
    function.stop().await;
}

#[tokio::test]
async fn after_a_warm_up_user_requests_are_not_cold() {
    let function = Function::start(None, &[("EXAMPLE_INIT_MS", "50")]).await;
    let warm = function.invoke(r#"{"warmer": true, "delay": 0}"#).await;
    assert_eq!(warm.warm_up().expect("a warm-up answer")["cold"], true);
    let user = function
        .invoke(to_vec(&apigw_v2_event("GET", "/", "")))
        .await;
    let (_, headers, body) = user.http().expect("an HTTP response");
    assert_eq!(body["handled"], true);
    assert_eq!(headers[COLD_START_HEADER], "false");
    function.stop().await;
}

#[tokio::test]
async fn http_event_whose_body_is_the_warm_up_flag_reaches_user_code() {
    let function = Function::start(None, &[]).await;
    for body in [
        r#"{"warmer": true}"#,
        r#"{"source": "serverless-plugin-warmup"}"#,
    ] {
        let reply = function
            .invoke(to_vec(&apigw_v2_event("POST", "/", body)))
            .await;
        assert!(reply.warm_up().is_none(), "{reply:?}");
        let (status, _, answer) = reply.http().expect("an HTTP response");
        assert_eq!(status, 200);
        assert_eq!(answer["handled"], true);
        assert_eq!(answer["body"], body);
    }
    function.stop().await;
}

#[tokio::test]
async fn malformed_payloads_are_user_traffic_and_the_function_survives_them() {
    let function = Function::start(None, &[]).await;
    let huge = format!(
        r#"{{"data": "{}", "note": "warmer"}}"#,
        "x".repeat(1024 * 1024)
    );
    // Non-JSON never reaches a function (the Invoke API refuses it, as Lambda does); these
    // are JSON, or empty, but no HTTP event and no warm-up.
    let payloads: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"[{\"warmer\": true}]".to_vec(),
        b"\"warmer\"".to_vec(),
        b"{\"warmer\": \"yes\"}".to_vec(),
        huge.into_bytes(),
    ];
    for payload in payloads {
        let reply = function.invoke(payload.clone()).await;
        assert!(reply.warm_up().is_none(), "{reply:?}");
        // lambda_http cannot turn these into HTTP requests: the runtime reports the error and
        // user code never runs.
        assert_eq!(
            reply.function_error.as_deref(),
            Some("Unhandled"),
            "{reply:?}"
        );
        assert!(!reply.handled());
    }
    // Still serving: a warm-up after all of that is answered by the same environment.
    let reply = function.invoke(r#"{"warmer": true, "delay": 0}"#).await;
    let answer = reply.warm_up().expect("a warm-up answer");
    assert_eq!(answer["invocations"], 6);
    function.stop().await;
}

#[tokio::test]
async fn bad_delays_are_still_warm_ups_held_for_the_default_with_a_warning() {
    let function = Function::start(None, &[]).await;
    for delay in [json!("soon"), json!(-5), json!(null), json!({"ms": 1})] {
        let reply = function
            .invoke(to_vec(&json!({"warmer": true, "delay": delay})))
            .await;
        let answer = reply
            .warm_up()
            .unwrap_or_else(|| panic!("delay {delay} was not a warm-up: {reply:?}"));
        assert!(answer["delay_ms"].as_u64().unwrap() >= 75, "{answer}");
        let warnings = reply.warnings();
        assert_eq!(warnings.len(), 1, "{}", reply.logs);
        assert!(warnings[0].contains("`delay`"), "{}", warnings[0]);
        assert!(warnings[0].contains("default 75 ms"), "{}", warnings[0]);
    }
    function.stop().await;
}

#[tokio::test]
async fn a_crafted_delay_is_capped_by_the_invocation_deadline() {
    // 1 s timeout: the warm-up must answer ~200 ms before it, whatever it asks for.
    let function = Function::start(Some(Duration::from_secs(1)), &[]).await;
    let reply = function
        .invoke(r#"{"warmer": true, "delay": 600000}"#)
        .await;
    let answer = reply.warm_up().expect("answered before the deadline");
    let held = answer["delay_ms"].as_u64().unwrap();
    // The planned hold is 800 ms (deadline less the 200 ms margin); the measured one may
    // overrun it by timer granularity, never by anything near the margin.
    assert!(held <= 850, "held {held} ms");
    assert!(held >= 500, "held only {held} ms");
    function.stop().await;
}

#[tokio::test]
async fn concurrent_warm_ups_land_on_distinct_environments() {
    let function = Function::start(None, &[]).await;
    let n = 4;
    let replies = invoke_all(
        (1..=n)
            .map(|index| {
                to_vec(&json!({"warmer": true, "delay": 300, "index": index,
                               "correlation_id": "fan-out"}))
            })
            .collect(),
        &function,
    )
    .await;
    let mut instances = HashSet::new();
    let mut indexes = HashSet::new();
    for reply in &replies {
        let answer = reply.warm_up().expect("a warm-up answer");
        assert_eq!(answer["cold"], true, "each landed on a new environment");
        instances.insert(answer["instance"].as_str().unwrap().to_owned());
        indexes.insert(answer["index"].as_u64().unwrap());
    }
    assert_eq!(instances.len(), n);
    assert_eq!(indexes, (1..=n as u64).collect());
    function.stop().await;
}

/// Invokes all `payloads` at once.
async fn invoke_all(payloads: Vec<Vec<u8>>, function: &Function) -> Vec<handler_support::Reply> {
    let mut set = tokio::task::JoinSet::new();
    for payload in payloads {
        let client = function.client.clone();
        set.spawn(async move { handler_support::invoke_with(&client, payload).await });
    }
    set.join_all().await
}
