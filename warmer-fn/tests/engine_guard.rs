//! The concurrency guard against a real local Lambda service: a warm-up at N = reserved
//! concurrency holds only `max_share` of it, and user requests sent during the hold are
//! served; targets without reserved concurrency share the account's unreserved pool.

use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::guard::Pool;
use warmer_fn::engine::{ClientOptions, RunOptions, Status, client, warm};
use warmer_fn::target::{Delay, Target};

fn options() -> RunOptions {
    RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(30)),
        top_up: false,
        ..RunOptions::default()
    }
}

fn held(function: &str, n: u32) -> Target {
    let mut target = Target::new(function, n);
    target.delay = Delay::Fixed(1_500);
    target
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_equal_to_reserved_concurrency_is_capped_and_user_requests_during_the_hold_are_served() {
    let binary = warm_tests::binary("example-http", "example-http");
    let service = LocalLambda::builder()
        .function(FunctionConfig::new("orders", &binary).reserved_concurrency(10))
        .start()
        .await
        .unwrap();
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let users = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let calls = (0..2).map(|_| {
            lambda
                .invoke()
                .function_name("orders")
                .payload(Blob::new(&b"{}"[..]))
                .send()
        });
        futures_util::future::join_all(calls).await
    };
    let (targets, run) = ([held("orders", 10)], options());
    let (report, answers) = tokio::join!(warm(&lambda, &targets, &run), users);
    let t = &report.targets[0];
    let cap = t.capped.as_ref().expect("capped");
    assert_eq!(
        (cap.to, cap.limit, cap.pool),
        (8, 10, Pool::Reserved),
        "{t:#?}"
    );
    assert_eq!((t.reached, t.throttled), (8, 0), "{t:#?}");
    assert_eq!(t.status, Status::Capped);
    assert!(t.ok, "every environment the guard allowed was reached");
    assert!(
        t.notes.iter().any(|n| n.starts_with("capped: 8 of the 10")),
        "{:?}",
        t.notes
    );
    for answer in &answers {
        assert!(answer.is_ok(), "a user request was refused: {answer:?}");
    }
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_without_reservation_split_the_accounts_unreserved_concurrency() {
    let binary = warm_tests::binary("example-http", "example-http");
    let service = LocalLambda::builder()
        .account_concurrency(20)
        .function(FunctionConfig::new("a", &binary))
        .function(FunctionConfig::new("b", &binary))
        .start()
        .await
        .unwrap();
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let report = warm(&lambda, &[held("a", 15), held("b", 5)], &options()).await;
    // 0.8 × 20 = 16 shared in proportion to 15:5.
    let (a, b) = (&report.targets[0], &report.targets[1]);
    assert_eq!(
        a.capped.as_ref().map(|c| (c.to, c.pool)),
        Some((12, Pool::Unreserved)),
        "{a:#?}"
    );
    assert_eq!(b.capped.as_ref().map(|c| c.to), Some(4), "{b:#?}");
    assert_eq!((a.reached, b.reached), (12, 4));
    assert!(report.ok);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_guard_off_the_warm_up_takes_all_reserved_concurrency() {
    let binary = warm_tests::binary("example-http", "example-http");
    let service = LocalLambda::builder()
        .function(FunctionConfig::new("orders", &binary).reserved_concurrency(4))
        .start()
        .await
        .unwrap();
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let off = RunOptions {
        concurrency_guard: false,
        ..options()
    };
    let report = warm(&lambda, &[held("orders", 4)], &off).await;
    let t = &report.targets[0];
    assert_eq!((t.reached, t.capped.as_ref()), (4, None), "{t:#?}");
    service.shutdown().await;
}
