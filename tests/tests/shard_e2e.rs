//! Sharding end to end: the warmer Lambda binary runs inside local-lambda as the coordinator
//! and as its own shards, and warms N environments of a small function with shards of 500,
//! under Lambda's scaling rate (1,000 new environments per function every 10 s, on in
//! local-lambda by default) and Lambda's open-file limit in every sandbox (1,024, as
//! local-lambda sets it).
//!
//! N is 2,000 by default (`WARM_SHARD_E2E_N` sets another: each environment is a process of
//! the `example-typed` function, a few MB each).

use std::time::Duration;

use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{RunReport, TargetReport};

const TARGET: &str = "fleet";
const WARMER: &str = "warmer";
const SHARD_SIZE: u32 = 500;

fn n() -> u32 {
    std::env::var("WARM_SHARD_E2E_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// local-lambda with `example-typed` as [`TARGET`] and the warmer-fn binary as [`WARMER`]
/// (pointed at this local-lambda), with the account's concurrency, the warmer's reserved
/// concurrency and its timeout.
async fn start(
    account: Option<u32>,
    warmer_reserved: u32,
    warmer_timeout_secs: u64,
) -> LocalLambda {
    let mut builder = LocalLambda::builder().function(
        FunctionConfig::new(TARGET, warm_tests::binary("example-typed", "example-typed"))
            .timeout(Duration::from_secs(60)),
    );
    if let Some(account) = account {
        builder = builder.account_concurrency(account);
    }
    let service = builder.start().await.unwrap();
    service
        .register(
            FunctionConfig::new(WARMER, warm_tests::binary("warmer-fn", "warmer-fn"))
                .env("WARMER_ENDPOINT_URL", service.endpoint_url())
                .reserved_concurrency(warmer_reserved)
                .timeout(Duration::from_secs(warmer_timeout_secs)),
        )
        .unwrap();
    service
}

/// Invokes the warmer with `{"targets": [TARGET with N = n], "shard_size": shard_size}` and
/// returns the target's report.
async fn run(lambda: &aws_sdk_lambda::Client, n: u32, shard_size: u32) -> TargetReport {
    let event = serde_json::json!({
        "targets": [{"function": TARGET, "concurrency": n}],
        "shard_size": shard_size,
    });
    let body = warm_tests::invoke_ok(lambda, WARMER, &event).await;
    let report: RunReport = serde_json::from_slice(&body).expect("a run report");
    // What the coordinator said, for whoever reads the test's output.
    let t = &report.targets[0];
    eprintln!(
        "N = {n}: {} reached ({} new) in {} rounds, {} ms; shards: {}; notes: {:#?}",
        t.reached,
        t.new,
        t.rounds,
        t.elapsed_ms,
        serde_json::to_string(&t.shards).unwrap_or_default(),
        t.notes
    );
    report.targets.into_iter().next().expect("one target")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warmer_shards_a_large_n_across_copies_of_itself_and_ramps_only_the_first_time() {
    let n = n();
    let shards = n.div_ceil(SHARD_SIZE);
    // Room for N under the guard's default share (0.8 of the account's unreserved
    // concurrency), and for the coordinator and its shards.
    let account = n + n / 2 + 100;
    let service = start(Some(account), 1 + shards, 150).await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());

    // First run: no environment yet, so the coordinator ramps at its share of the scaling rate
    // (800 new environments per round, 10 s apart) until all N are reached.
    let first = run(&lambda, n, SHARD_SIZE).await;
    assert!(first.ok, "{first:#?}");
    assert_eq!((first.reached, first.new), (n, n), "{first:#?}");
    assert_eq!((first.throttled, first.failed), (0, 0), "{first:#?}");
    assert!(
        first.rounds >= n.div_ceil(800),
        "a first run ramps: {first:#?}"
    );
    assert!(
        first.notes.iter().any(|note| note.starts_with("ramp:")),
        "the ramp is explained: {:?}",
        first.notes
    );
    assert!(first.shards.iter().all(|s| s.error.is_none()), "{first:#?}");
    // Nothing remembered yet: the first round learns its hold from a probe through copies.
    assert!(
        first.shards.iter().any(|s| s.probe && s.round == 1),
        "{:#?}",
        first.shards
    );
    assert!(
        first
            .notes
            .iter()
            .any(|note| note.starts_with("auto hold: a probe round")),
        "{:?}",
        first.notes
    );
    let last_round: Vec<_> = first
        .shards
        .iter()
        .filter(|s| s.round == first.rounds && !s.probe)
        .collect();
    assert_eq!(last_round.len() as u32, shards, "{:#?}", first.shards);
    assert_eq!(last_round.iter().map(|s| s.sent).sum::<u32>(), n);
    assert!(last_round.iter().all(|s| s.sent <= SHARD_SIZE));
    let fleet = service.function_stats(TARGET).unwrap();
    assert_eq!(fleet.live, n as usize);
    assert_eq!(
        fleet.throttles, 0,
        "the ramp stayed inside the scaling rate"
    );

    // Second run, the coordinator still warm: the environments are there, so one round sends
    // all N at once and each is reached once.
    let second = run(&lambda, n, SHARD_SIZE).await;
    assert!(second.ok, "{second:#?}");
    assert_eq!((second.reached, second.new), (n, 0), "{second:#?}");
    assert_eq!(second.rounds, 1, "{second:#?}");
    // The hold is remembered: no probe this time.
    assert_eq!(second.shards.len() as u32, shards, "{:#?}", second.shards);
    assert!(
        second.shards.iter().all(|s| !s.probe),
        "{:#?}",
        second.shards
    );
    assert_eq!(second.duplicates, 0, "{second:#?}");
    let fleet = service.function_stats(TARGET).unwrap();
    assert_eq!((fleet.live, fleet.throttles), (n as usize, 0));
    assert_eq!(fleet.cold_starts, u64::from(n));
    // The coordinator and one copy per shard, never more.
    let warmers = service.function_stats(WARMER).unwrap();
    assert!(warmers.live <= 1 + shards as usize, "{warmers:?}");

    // From a laptop: `warmer warm --via` hands the same run to the deployed warmer and prints
    // its merged report.
    let output = std::process::Command::new(warm_tests::binary("warmer-cli", "warmer"))
        .args(["warm", "--function", TARGET, "--concurrency"])
        .arg(n.to_string())
        .args(["--via", WARMER, "--shard-size"])
        .arg(SHARD_SIZE.to_string())
        .args(["--json", "--endpoint-url"])
        .arg(service.endpoint_url())
        .env_remove("AWS_PROFILE")
        .output()
        .expect("warmer runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: RunReport = serde_json::from_str(&stdout).expect("the merged report");
    let t = &report.targets[0];
    let round: Vec<_> = t.shards.iter().filter(|s| !s.probe).collect();
    assert_eq!((t.reached, t.rounds, round.len() as u32), (n, 1, shards));
    service.shutdown().await;
}

/// A copy of the warmer that cannot run (the warmer's reserved concurrency leaves room for
/// the coordinator only) leaves a report that says so: its warm-ups count as failed, with
/// Lambda's throttle and what to do, and no further round is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shard_that_cannot_run_is_reported_with_its_reason() {
    let service = start(None, 1, 30).await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());
    let t = &run(&lambda, 20, 10).await;
    assert!(!t.ok, "{t:#?}");
    assert_eq!((t.reached, t.failed, t.rounds), (0, 20, 1), "{t:#?}");
    assert_eq!(t.failure_types["ShardTooManyRequestsException"], 20);
    // The probe's half through 2 copies, both throttled; then the other half, each warm-up
    // sent once (as from this process), and no round after that.
    let (probe, rest): (Vec<_>, Vec<_>) = t.shards.iter().partition(|s| s.probe);
    assert_eq!((probe.len(), rest.len()), (2, 2), "{:#?}", t.shards);
    assert_eq!(rest.iter().map(|s| s.sent).sum::<u32>(), 10);
    for shard in &t.shards {
        let error = shard.error.as_deref().unwrap_or_default();
        assert!(
            error.contains("ReservedFunctionConcurrentInvocationLimitExceeded")
                && error.contains("reserved concurrency of 1 + the shards"),
            "{error}"
        );
    }
    assert!(
        t.notes.iter().any(|n| n.contains("no further round")),
        "{:?}",
        t.notes
    );
    assert_eq!(service.function_stats(TARGET).unwrap().invocations, 0);
    service.shutdown().await;
}

/// Sharding stays inside the concurrency guard: the coordinator caps N to its share of the
/// account's unreserved concurrency first, and the shards send that many, no more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sharded_target_holds_no_more_than_the_guard_allows() {
    let service = start(Some(40), 6, 30).await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());
    let t = &run(&lambda, 50, 10).await;
    // 40 in the account, 6 reserved for the warmer: 34 unreserved, of which 0.8 is 27.
    let cap = t.capped.as_ref().expect("capped").to;
    assert_eq!(cap, 27, "{t:#?}");
    assert!(t.ok, "{t:#?}");
    assert_eq!((t.reached, t.throttled), (cap, 0), "{t:#?}");
    // One round, or a top-up of the same N when a warm-up arrived after the learnt hold (on a
    // loaded 2-core runner the copies' environments start late now and then; the one-round
    // figures are BENCHMARKS.md's, not a timed test's). Never more than the cap in any round.
    assert!((1..=2).contains(&t.rounds), "{t:#?}");
    // A probe of half the N through as many copies as the round, then the round(s).
    let (probe, rounds): (Vec<_>, Vec<_>) = t.shards.iter().partition(|s| s.probe);
    for r in 1..=t.rounds {
        let round: Vec<_> = rounds.iter().filter(|s| s.round == r).collect();
        assert_eq!(round.len(), 3, "{:#?}", t.shards);
        assert_eq!(round.iter().map(|s| s.sent).sum::<u32>(), cap);
    }
    assert_eq!(probe.len(), 3, "{:#?}", t.shards);
    assert_eq!(probe.iter().map(|s| s.sent).sum::<u32>(), cap.div_ceil(2));
    assert_eq!(t.sent, cap * t.rounds + cap.div_ceil(2), "{t:#?}");
    let fleet = service.function_stats(TARGET).unwrap();
    assert_eq!(fleet.peak_concurrency, cap as usize);
    assert_eq!(fleet.throttles, 0);
    service.shutdown().await;
}
