//! Autopilot's fallbacks without CloudWatch: a read that fails sizes an `auto` target at its
//! `min`, never 0 and never `max`, and says why. (The reads themselves are tested against moto
//! in `tests/tests/autopilot_e2e.rs`.)

use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
use warmer_fn::autopilot::{AutoRule, size};
use warmer_fn::target::Target;

/// A CloudWatch client whose endpoint refuses every connection.
fn unreachable_cloudwatch() -> aws_sdk_cloudwatch::Client {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "secret", None, None, "test"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

fn auto_target() -> Target {
    let mut target = Target::new("orders", 50);
    target.auto = Some(AutoRule {
        min: 4,
        max: 50,
        ..AutoRule::default()
    });
    target
}

#[tokio::test]
async fn a_read_that_fails_sizes_at_min_and_says_why() {
    let cloudwatch = unreachable_cloudwatch();
    let deadline = Some(Instant::now() + Duration::from_secs(30));
    let (sized, choice) = size(
        Some(&cloudwatch),
        &auto_target(),
        chrono::Utc::now(),
        12,
        deadline,
    )
    .await;
    let choice = choice.expect("an auto target is sized");
    assert_eq!((sized.concurrency, choice.n), (4, 4), "{choice}");
    assert_eq!(sized.auto, None, "the sized target is a fixed one");
    assert!(choice.fell_back(), "{choice}");
    assert!(choice.to_string().contains("the read failed"), "{choice}");
}

#[tokio::test]
async fn a_fixed_target_is_not_sized() {
    let target = Target::new("orders", 7);
    let (sized, choice) = size(None, &target, chrono::Utc::now(), 12, None).await;
    assert_eq!((sized, choice), (target, None));
}
