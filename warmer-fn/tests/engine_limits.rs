//! The engine's bounds on a real local Lambda service: the in-flight limit, the run-level
//! rules, and reasons that read as sentences when credentials or the endpoint are missing.

use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use warmer_fn::engine::{ClientOptions, RunOptions, Status, client, warm};
use warmer_fn::target::Target;

fn within(seconds: u64) -> RunOptions {
    RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(seconds)),
        ..RunOptions::default()
    }
}

#[tokio::test]
async fn a_target_larger_than_the_in_flight_limit_says_coverage_cannot_be_proven_and_sends_nothing()
{
    let service = local_lambda::LocalLambda::builder().start().await.unwrap();
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let options = RunOptions {
        max_in_flight: 4,
        concurrency_guard: false,
        ..within(20)
    };
    let report = warm(&lambda, &[Target::new("ghost", 5)], &options).await;
    let t = &report.targets[0];
    assert_eq!(t.status, Status::Unknown, "{t:#?}");
    assert!(!t.ok && !t.coverage_known);
    assert_eq!(
        t.failed + t.reached + t.throttled,
        0,
        "nothing was sent: {t:#?}"
    );
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("cannot all be in flight") && n.contains("at most 4")),
        "{:?}",
        t.notes
    );
    service.shutdown().await;
}

#[tokio::test]
async fn too_many_targets_is_refused_for_every_target_before_sending() {
    let lambda = client(&ClientOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: None,
    })
    .await;
    let targets: Vec<Target> = (0..101).map(|i| Target::new(format!("f{i}"), 1)).collect();
    let report = warm(&lambda, &targets, &within(10)).await;
    assert_eq!(report.targets.len(), 101);
    for t in &report.targets {
        let error = t.error.as_deref().unwrap();
        assert!(error.contains("`targets` has 101 targets"), "{error}");
        assert_eq!(t.failed, 0, "nothing was sent");
    }
}

#[tokio::test]
async fn a_run_share_outside_zero_to_one_is_refused_naming_max_share() {
    let lambda = client(&ClientOptions {
        endpoint_url: Some("http://127.0.0.1:9".into()),
        region: None,
    })
    .await;
    let options = RunOptions {
        max_share: 80.0,
        ..within(10)
    };
    let report = warm(&lambda, &[Target::new("orders", 3)], &options).await;
    let error = report.targets[0].error.as_deref().unwrap();
    assert!(error.contains("`max_share` is 80"), "{error}");
}

/// Answers as the default credentials chain does on a machine with no credentials at all:
/// `CredentialsNotLoaded`.
#[derive(Debug)]
struct NoCredentialsAnywhere;

impl ProvideCredentials for NoCredentialsAnywhere {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )))
    }
}

#[tokio::test]
async fn missing_credentials_read_as_a_sentence_naming_where_they_are_looked_for() {
    let service = local_lambda::LocalLambda::builder().start().await.unwrap();
    // The endpoint is local, so nothing leaves 127.0.0.1 even if a request were signed.
    let config = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .region(aws_config::Region::from_static("eu-west-1"))
        .endpoint_url(service.endpoint_url())
        .credentials_provider(NoCredentialsAnywhere)
        .load()
        .await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let report = warm(&lambda, &[Target::new("orders", 2)], &within(20)).await;
    let t = &report.targets[0];
    assert_eq!(t.failure_types.get("NoCredentials"), Some(&2), "{t:#?}");
    let first = t
        .notes
        .iter()
        .find(|n| n.starts_with("first failure"))
        .expect("a first failure note");
    assert!(
        first.contains("AWS_ACCESS_KEY_ID") && first.contains("~/.aws/credentials"),
        "{first}"
    );
    assert!(
        !first.contains("ConnectorError") && first.len() < 600,
        "{first}"
    );
    // The guard's reads fail the same way, and the run went on.
    assert!(
        t.notes
            .iter()
            .any(|n| n.starts_with("guard:") && n.contains("no AWS credentials found")),
        "{:?}",
        t.notes
    );
    service.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_endpoint_reads_as_a_sentence_not_a_debug_dump() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let lambda = client(&ClientOptions {
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        region: Some("eu-west-1".into()),
    })
    .await;
    let report = warm(&lambda, &[Target::new("orders", 2)], &within(20)).await;
    let t = &report.targets[0];
    let first = t
        .notes
        .iter()
        .find(|n| n.starts_with("first failure"))
        .expect("a first failure note");
    assert!(
        first.contains("could not be reached") && first.contains("eu-west-1"),
        "{first}"
    );
    assert!(!first.contains("ConnectorError"), "{first}");
}
