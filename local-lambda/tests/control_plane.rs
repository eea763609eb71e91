//! The control plane through the AWS SDK for Rust: reserved concurrency read, set and removed
//! (and enforced on the next invokes), account settings, function configuration, and the
//! scaling-rate and throttle figures that go with them.

mod common;

use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::types::{InvocationType, Runtime};
use common::{blob, client, fixture};
use futures_util::future::join_all;
use local_lambda::{FunctionConfig, LocalLambda, ScalingRate};
use serde_json::json;

async fn start(functions: Vec<FunctionConfig>) -> LocalLambda {
    let mut builder = LocalLambda::builder();
    for f in functions {
        builder = builder.function(f);
    }
    builder.start().await.expect("local-lambda starts")
}

/// Sends `n` concurrent invokes that each hold their sandbox for `ms`; returns how many
/// succeeded and the throttles' errors.
async fn burst(lambda: &LocalLambda, name: &str, n: usize, ms: u64) -> (usize, Vec<InvokeError>) {
    let sdk = client(&lambda.endpoint_url());
    let calls = (0..n).map(|_| {
        sdk.invoke()
            .function_name(name)
            .payload(blob(json!({"op": "sleep", "ms": ms})))
            .send()
    });
    let results = join_all(calls).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let errors = results
        .into_iter()
        .filter_map(Result::err)
        .map(|e| e.into_service_error())
        .collect();
    (ok, errors)
}

#[tokio::test]
async fn put_function_concurrency_is_read_back_and_enforced_on_the_next_invokes() {
    let lambda = start(vec![FunctionConfig::new("orders", fixture())]).await;
    let sdk = client(&lambda.endpoint_url());

    let none = sdk
        .get_function_concurrency()
        .function_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(none.reserved_concurrent_executions(), None);
    let settings = sdk.get_account_settings().send().await.unwrap();
    let limit = settings.account_limit().unwrap();
    assert_eq!(limit.concurrent_executions(), 1000);
    assert_eq!(limit.unreserved_concurrent_executions(), Some(1000));
    assert_eq!(settings.account_usage().unwrap().function_count(), 1);

    let put = sdk
        .put_function_concurrency()
        .function_name("orders")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
    assert_eq!(put.reserved_concurrent_executions(), Some(1));
    // Read back through the full ARN and the partial ARN, as Lambda accepts them.
    for name in [
        lambda.function_arn("orders"),
        "000000000000:function:orders".to_owned(),
    ] {
        let got = sdk
            .get_function_concurrency()
            .function_name(name)
            .send()
            .await
            .unwrap();
        assert_eq!(got.reserved_concurrent_executions(), Some(1));
    }
    let settings = sdk.get_account_settings().send().await.unwrap();
    assert_eq!(
        settings
            .account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(999)
    );
    assert_eq!(lambda.function_concurrency("orders").unwrap(), Some(1));

    let (ok, throttled) = burst(&lambda, "orders", 2, 800).await;
    assert_eq!(ok, 1, "reserved concurrency 1 admits one invoke at a time");
    let InvokeError::TooManyRequestsException(throttle) = &throttled[0] else {
        panic!("expected TooManyRequestsException, got {:?}", throttled[0]);
    };
    assert_eq!(
        throttle.reason().map(|r| r.as_str()),
        Some("ReservedFunctionConcurrentInvocationLimitExceeded")
    );

    sdk.delete_function_concurrency()
        .function_name("orders")
        .send()
        .await
        .unwrap();
    let none = sdk
        .get_function_concurrency()
        .function_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(none.reserved_concurrent_executions(), None);
    let (ok, throttled) = burst(&lambda, "orders", 2, 300).await;
    assert_eq!((ok, throttled.len()), (2, 0), "the reservation is gone");
    assert_eq!(lambda.function_stats("orders").unwrap().throttles, 1);
}

#[tokio::test]
async fn reserved_concurrency_zero_throttles_every_invoke() {
    let lambda = start(vec![FunctionConfig::new("off", fixture())]).await;
    let sdk = client(&lambda.endpoint_url());
    sdk.put_function_concurrency()
        .function_name("off")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let (ok, throttled) = burst(&lambda, "off", 1, 0).await;
    assert_eq!((ok, throttled.len()), (0, 1));
    assert_eq!(throttled[0].code(), Some("TooManyRequestsException"));
}

#[tokio::test]
async fn put_function_concurrency_keeps_lambdas_unreserved_minimum() {
    let lambda = start(vec![
        FunctionConfig::new("a", fixture()),
        FunctionConfig::new("b", fixture()),
    ])
    .await;
    let sdk = client(&lambda.endpoint_url());
    sdk.put_function_concurrency()
        .function_name("a")
        .reserved_concurrent_executions(800)
        .send()
        .await
        .unwrap();
    let error = sdk
        .put_function_concurrency()
        .function_name("b")
        .reserved_concurrent_executions(101)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(error.code(), Some("InvalidParameterValueException"));
    assert_eq!(
        error.message(),
        Some(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
        )
    );
    // Exactly 100 left unreserved is allowed.
    sdk.put_function_concurrency()
        .function_name("b")
        .reserved_concurrent_executions(100)
        .send()
        .await
        .unwrap();
    let settings = sdk.get_account_settings().send().await.unwrap();
    assert_eq!(
        settings
            .account_limit()
            .unwrap()
            .unreserved_concurrent_executions(),
        Some(100)
    );
    // The Rust API applies the same rule.
    let error = lambda.put_function_concurrency("b", 101).unwrap_err();
    assert!(
        error.to_string().contains("reserved_concurrency"),
        "{error}"
    );
}

#[tokio::test]
async fn get_function_configuration_reports_memory_timeout_version_and_runtime() {
    let lambda = start(vec![
        FunctionConfig::new("orders", fixture())
            .memory_mb(256)
            .timeout(Duration::from_secs(7))
            .alias("live", "3")
            .reserved_concurrency(4),
    ])
    .await;
    let sdk = client(&lambda.endpoint_url());
    let config = sdk
        .get_function_configuration()
        .function_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(config.function_name(), Some("orders"));
    assert_eq!(config.memory_size(), Some(256));
    assert_eq!(config.timeout(), Some(7));
    assert_eq!(config.version(), Some("$LATEST"));
    assert_eq!(config.runtime(), Some(&Runtime::Providedal2023));
    assert_eq!(
        config.function_arn(),
        Some(lambda.function_arn("orders").as_str())
    );
    assert!(config.code_size() > 0);

    let live = sdk
        .get_function_configuration()
        .function_name("orders")
        .qualifier("live")
        .send()
        .await
        .unwrap();
    assert_eq!(live.version(), Some("3"));

    let function = sdk
        .get_function()
        .function_name(lambda.function_arn("orders"))
        .send()
        .await
        .unwrap();
    assert_eq!(function.configuration().unwrap().memory_size(), Some(256));
    assert_eq!(
        function
            .concurrency()
            .unwrap()
            .reserved_concurrent_executions(),
        Some(4)
    );
}

#[tokio::test]
async fn control_calls_on_a_missing_function_are_resource_not_found() {
    let lambda = start(vec![FunctionConfig::new("orders", fixture())]).await;
    let sdk = client(&lambda.endpoint_url());
    let errors = [
        sdk.get_function_concurrency()
            .function_name("missing")
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .code()
            .map(str::to_owned),
        sdk.put_function_concurrency()
            .function_name("missing")
            .reserved_concurrent_executions(1)
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .code()
            .map(str::to_owned),
        sdk.delete_function_concurrency()
            .function_name("missing")
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .code()
            .map(str::to_owned),
        sdk.get_function()
            .function_name("missing")
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .code()
            .map(str::to_owned),
        sdk.get_function_configuration()
            .function_name("orders")
            .qualifier("nope")
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .code()
            .map(str::to_owned),
    ];
    for code in errors {
        assert_eq!(code.as_deref(), Some("ResourceNotFoundException"));
    }
    // An operation local-lambda does not serve still answers as Lambda does to one it
    // does not know.
    let error = sdk.list_functions().send().await.unwrap_err();
    assert_eq!(
        error.into_service_error().code(),
        Some("UnknownOperationException")
    );
}

#[tokio::test]
async fn scaling_rate_throttles_new_sandboxes_past_it_but_not_warm_ones() {
    let lambda = LocalLambda::builder()
        .scaling_rate(Some(ScalingRate {
            environments: 2,
            per: Duration::from_secs(600),
        }))
        .function(FunctionConfig::new("burst", fixture()))
        .start()
        .await
        .unwrap();
    let (ok, throttled) = burst(&lambda, "burst", 3, 800).await;
    assert_eq!(ok, 2, "two new sandboxes fit in the scaling budget");
    assert_eq!(throttled.len(), 1);
    let InvokeError::TooManyRequestsException(throttle) = &throttled[0] else {
        panic!("expected TooManyRequestsException, got {:?}", throttled[0]);
    };
    assert_eq!(
        throttle.reason(),
        None,
        "no model Reason names the scaling rate"
    );
    // The two warm sandboxes serve again without new environments.
    let (ok, throttled) = burst(&lambda, "burst", 2, 10).await;
    assert_eq!((ok, throttled.len()), (2, 0));
    let stats = lambda.function_stats("burst").unwrap();
    assert_eq!(stats.throttles, 1);
    assert_eq!(stats.cold_starts, 2);
}

#[tokio::test]
async fn queued_events_that_wait_are_not_counted_as_throttles() {
    let lambda = start(vec![
        FunctionConfig::new("serial", fixture()).reserved_concurrency(1),
    ])
    .await;
    let sdk = client(&lambda.endpoint_url());
    for _ in 0..4 {
        let out = sdk
            .invoke()
            .function_name("serial")
            .invocation_type(InvocationType::Event)
            .payload(blob(json!({"op": "sleep", "ms": 200})))
            .send()
            .await
            .unwrap();
        assert_eq!(out.status_code(), 202);
    }
    for _ in 0..100 {
        if lambda.function_stats("serial").unwrap().invocations == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = lambda.function_stats("serial").unwrap();
    assert_eq!(stats.invocations, 4, "every event ran");
    assert_eq!(stats.throttles, 0, "waiting in the queue is not a refusal");
}

#[tokio::test]
async fn injected_faults_follow_the_seed_and_carry_lambdas_wire_format() {
    use local_lambda::Faults;
    let faults = Faults::seeded(11)
        .throttle(0.3)
        .retry_after(Duration::from_secs(2))
        .service_error(0.2)
        .bad_gateway(0.1);
    let run = || async {
        let lambda = start(vec![
            FunctionConfig::new("flaky", fixture()).faults(faults.clone()),
        ])
        .await;
        let endpoint = lambda.endpoint_url();
        let mut seen = Vec::new();
        for _ in 0..40 {
            seen.push(raw_invoke(&endpoint).await);
        }
        (lambda.function_stats("flaky").unwrap(), seen)
    };
    let (stats, first) = run().await;
    let (_, second) = run().await;
    let statuses: Vec<u16> = first.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(
        statuses,
        second.iter().map(|(s, _, _)| *s).collect::<Vec<_>>(),
        "the same seed gives the same faults"
    );
    for status in [200, 429, 500, 502] {
        assert!(statuses.contains(&status), "{status} in {statuses:?}");
    }
    for (status, error_type, retry_after) in &first {
        match status {
            429 => {
                assert_eq!(error_type.as_deref(), Some("TooManyRequestsException"));
                assert_eq!(retry_after.as_deref(), Some("2"));
            }
            500 => assert_eq!(error_type.as_deref(), Some("ServiceException")),
            _ => assert_eq!(error_type, &None),
        }
    }
    let throttled = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert_eq!(stats.throttles, throttled, "each injected 429 counts once");

    // The SDK reads the injected throttle's Retry-After.
    let lambda = start(vec![
        FunctionConfig::new("always", fixture()).faults(
            Faults::seeded(1)
                .throttle(1.0)
                .retry_after(Duration::from_secs(3)),
        ),
    ])
    .await;
    let error = client(&lambda.endpoint_url())
        .invoke()
        .function_name("always")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let InvokeError::TooManyRequestsException(throttle) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(throttle.retry_after_seconds(), Some("3"));
}

/// Posts one invoke of `flaky` over plain HTTP and returns (status, error type,
/// Retry-After): the 502 has no Lambda error type for an SDK to parse, so the raw answer is
/// what this test compares.
async fn raw_invoke(endpoint: &str) -> (u16, Option<String>, Option<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /2015-03-31/functions/flaky/invocations HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text[9..12].parse().unwrap();
    let header = |name: &str| {
        text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    (status, header("x-amzn-ErrorType"), header("Retry-After"))
}
