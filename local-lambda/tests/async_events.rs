//! `Event` invocations as Lambda treats them: retries after a function error (with the same
//! request id, after the configured delays), the maximum event age, and the bounded queue.

mod common;

use std::time::{Duration, Instant};

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::types::InvocationType;
use common::{blob, client, fixture};
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

async fn send_event(lambda: &LocalLambda, name: &str, payload: Value) -> Result<i32, String> {
    client(&lambda.endpoint_url())
        .invoke()
        .function_name(name)
        .invocation_type(InvocationType::Event)
        .payload(blob(payload))
        .send()
        .await
        .map(|out| out.status_code())
        .map_err(|e| e.into_service_error().code().unwrap_or("?").to_owned())
}

/// The lines of `path` once it has `n` of them (or after 5 s).
async fn lines_when(path: &std::path::Path, n: usize) -> Vec<String> {
    let read = || {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for _ in 0..250 {
        if read().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    read()
}

#[tokio::test]
async fn failed_event_runs_twice_more_after_the_delays_with_the_same_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("runs");
    let lambda = LocalLambda::builder()
        .async_retries(vec![Duration::from_millis(300), Duration::from_millis(600)])
        .function(FunctionConfig::new("failing", fixture()))
        .start()
        .await
        .unwrap();
    let sent = Instant::now();
    assert_eq!(
        send_event(&lambda, "failing", json!({"op": "error", "path": record})).await,
        Ok(202)
    );
    let runs = lines_when(&record, 3).await;
    assert_eq!(runs.len(), 3, "one run and two retries: {runs:?}");
    assert!(runs.iter().all(|id| *id == runs[0]), "{runs:?}");
    assert!(
        sent.elapsed() >= Duration::from_millis(900),
        "the retries waited their delays"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let runs = std::fs::read_to_string(&record).unwrap();
    assert_eq!(runs.lines().count(), 3, "no third retry");
    let stats = lambda.function_stats("failing").unwrap();
    assert_eq!((stats.invocations, stats.function_errors), (3, 3));
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("runs");
    let lambda = LocalLambda::builder()
        .async_retries(Vec::new())
        .function(FunctionConfig::new("once", fixture()))
        .start()
        .await
        .unwrap();
    send_event(&lambda, "once", json!({"op": "error", "path": record}))
        .await
        .unwrap();
    assert_eq!(lines_when(&record, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = lambda.shutdown().await;
    assert!(report.pending_retries.is_empty());
    assert_eq!(report.stats[0].invocations, 1);
}

#[tokio::test]
async fn events_older_than_the_maximum_age_are_dropped_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("runs");
    let lambda = LocalLambda::builder()
        .max_event_age(Duration::from_millis(200))
        .function(FunctionConfig::new("busy", fixture()).reserved_concurrency(1))
        .start()
        .await
        .unwrap();
    // The one slot is held for 800 ms: the event waits, and ages out before it is free.
    let hold = tokio::spawn({
        let sdk = client(&lambda.endpoint_url());
        async move {
            sdk.invoke()
                .function_name("busy")
                .payload(blob(json!({"op": "sleep", "ms": 800})))
                .send()
                .await
                .unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    send_event(&lambda, "busy", json!({"op": "record", "path": record}))
        .await
        .unwrap();
    hold.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!record.exists(), "the expired event did not run");
    assert_eq!(lambda.service_stats().expired_events, 1);
    assert_eq!(lambda.service_stats().queued_events, 0);
}

#[tokio::test]
async fn a_full_event_queue_refuses_with_too_many_requests() {
    let lambda = LocalLambda::builder()
        .event_queue_limit(1)
        .function(FunctionConfig::new("narrow", fixture()).reserved_concurrency(1))
        .start()
        .await
        .unwrap();
    let hold = tokio::spawn({
        let sdk = client(&lambda.endpoint_url());
        async move {
            sdk.invoke()
                .function_name("narrow")
                .payload(blob(json!({"op": "sleep", "ms": 800})))
                .send()
                .await
                .unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(send_event(&lambda, "narrow", json!({})).await, Ok(202));
    assert_eq!(
        send_event(&lambda, "narrow", json!({})).await,
        Err("TooManyRequestsException".to_owned())
    );
    hold.await.unwrap();
    assert_eq!(lambda.function_stats("narrow").unwrap().throttles, 1);
}

#[tokio::test]
async fn an_event_queue_full_of_bytes_refuses_with_too_many_requests() {
    let lambda = LocalLambda::builder()
        .event_queue_bytes(1024 * 1024)
        .function(FunctionConfig::new("wide", fixture()).reserved_concurrency(1))
        .start()
        .await
        .unwrap();
    let hold = tokio::spawn({
        let sdk = client(&lambda.endpoint_url());
        async move {
            sdk.invoke()
                .function_name("wide")
                .payload(blob(json!({"op": "sleep", "ms": 800})))
                .send()
                .await
                .unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let big = json!({"op": "noop", "pad": "x".repeat(600_000)});
    assert_eq!(send_event(&lambda, "wide", big.clone()).await, Ok(202));
    // Two events in all, but 1.2 MB: over the bytes, not the count.
    assert_eq!(
        send_event(&lambda, "wide", big).await,
        Err("TooManyRequestsException".to_owned())
    );
    assert_eq!(
        send_event(&lambda, "wide", json!({"op": "noop"})).await,
        Ok(202)
    );
    hold.await.unwrap();
    assert_eq!(lambda.function_stats("wide").unwrap().throttles, 1);
}

#[tokio::test]
async fn an_event_queue_bound_under_one_event_is_refused_with_the_fix() {
    let error = LocalLambda::builder()
        .event_queue_bytes(1000)
        .start()
        .await
        .expect_err("too small");
    let text = error.to_string();
    assert!(
        text.contains("event_queue_bytes") && text.contains("1048576"),
        "{text}"
    );
}
