//! The engine against real endpoints that cannot warm anything: a local Lambda service without
//! the function, and a port nobody listens on. Both must come back as clear, not-ok reports.

use std::time::{Duration, Instant};

use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
use warmer_fn::target::Target;

fn within(seconds: u64) -> RunOptions {
    RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(seconds)),
        ..RunOptions::default()
    }
}

#[tokio::test]
async fn missing_function_is_a_clear_error_naming_the_function() {
    let service = local_lambda::LocalLambda::builder().start().await.unwrap();
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let report = warm(&lambda, &[Target::new("ghost", 100)], &within(20)).await;
    let t = &report.targets[0];
    let error = t.error.as_deref().expect("error");
    assert!(error.contains("`ghost` not found"), "{error}");
    assert!(t.failed >= 1);
    assert_eq!(
        t.failure_types["ResourceNotFoundException"], t.failed,
        "{t:#?}"
    );
    assert!(!t.ok && !report.ok);
    let line: serde_json::Value = serde_json::from_str(&report.emf_lines("Warmer")[0]).unwrap();
    assert_eq!(line["Shortfall"], 100);
    service.shutdown().await;
}

#[tokio::test]
async fn unreachable_endpoint_counts_failures_without_retrying() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let lambda = client(&ClientOptions {
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        region: Some("eu-west-1".into()),
    })
    .await;
    let report = warm(&lambda, &[Target::new("orders", 3)], &within(20)).await;
    let t = &report.targets[0];
    assert_eq!(t.reached, 0);
    assert_eq!(t.failed, 3, "one attempt each, no retries: {t:#?}");
    assert!(t.failure_types.contains_key("DispatchFailure"), "{t:#?}");
    assert!(!t.ok);
}

#[tokio::test]
async fn invalid_target_is_refused_before_sending() {
    let lambda = client(&ClientOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: None,
    })
    .await;
    let report = warm(&lambda, &[Target::new("orders", 0)], &RunOptions::default()).await;
    let t = &report.targets[0];
    assert!(t.error.as_deref().unwrap().contains("concurrency"));
    assert_eq!(t.failed, 0, "nothing was sent");
    assert!(!report.ok);
}
