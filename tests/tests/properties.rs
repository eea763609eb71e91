//! Properties over generated inputs, in the normal test run (bounded case counts: seconds):
//!
//! - `detect` agrees with a reference model (the `warm-oracle` crate, shared with the fuzz
//!   targets) on generated payloads and configs, and every saved fuzz input replays clean;
//! - what the warmer writes (`WarmupRequest`) is read back by `detect` field for field;
//! - a payload that is not a warm-up reaches a `#[warmable]` handler byte-identical
//!   (`WarmLayer`'s pass-through is covered by `warm-sdk/tests/passthrough.rs`);
//! - every warm-up answers within its capped delay (tokio's paused clock: no real sleeping);
//! - the engine's report counts add up for any run against local-lambda.

mod proof_support;

use warm_oracle::detect as oracle;
use warm_oracle::invoke;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{Context, LambdaEvent};
use local_lambda::{FunctionConfig, LocalLambda};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use serde_json::value::RawValue;
use warm_sdk::protocol::WarmupRequest;
use warm_sdk::warmable::{WarmableEvent, WarmableResponse};
use warm_sdk::{Environment, WarmConfig, answer, detect, warmable};
use warmer_fn::engine::{ClientOptions, RunOptions, TargetReport, client, warm};
use warmer_fn::target::{Delay, Mode, Target};

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Keys a warm-up detector reads, its near misses, and anything else.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "warmer", "source", "delay", "hold_until_ms", "correlation_id", "index",
            "concurrency", "__WARMER_INVOCATION__", "__WARMER_CONCURRENCY__", "__WARMER_CORRELATIONID__",
            "__WARMER_CORRELATION_ID__", "keep_warm", "Warmer", "body",
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z_]{0,8}",
    ]
}

/// A key as JSON text: usually as a JSON writer spells it, sometimes with its first
/// character escaped (`"\u0077armer"`), which detection must take for another key.
fn written_key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => key().prop_map(|k| serde_json::to_string(&k).unwrap()),
        1 => key().prop_map(|k| {
            let mut chars = k.chars();
            match chars.next() {
                Some(first) => format!("\"\\u{:04x}{}", u32::from(first), &serde_json::to_string(chars.as_str()).unwrap()[1..]),
                None => "\"\"".to_owned(),
            }
        }),
    ]
}

/// JSON text of any value a field could hold, written as a JSON writer would or with the
/// liberties the grammar allows (escapes, exponents, negative zero).
fn value_text() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..5_000).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap()),
        prop::sample::select(vec![
            "-0",
            "1e3",
            "12.9",
            "1e30",
            "-0.5",
            "4294967296",
            "0.0"
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec![
            r#""warmer""#,
            r#""serverless-plugin-warmup""#,
            r#""serverless-plugin\u002dwarmup""#,
            r#""{\"warmer\": true}""#,
            r#""run-1""#,
            r#""""#,
        ])
        .prop_map(str::to_owned),
        ".{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
        (250usize..262).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
    ];
    scalar.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((written_key(), inner), 0..4)
                .prop_map(|fields| object_text(&fields, "")),
        ]
    })
}

/// A JSON object written field by field from key and value texts (so keys may repeat),
/// separated by `space`.
fn object_text(fields: &[(String, String)], space: &str) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{k}:{space}{v}"))
        .collect();
    format!("{{{space}{}{space}}}", body.join(&format!(",{space}")))
}

/// A payload: usually a top-level object made of protocol-ish fields, sometimes something else.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => (prop::collection::vec((written_key(), value_text()), 0..7), prop::sample::select(vec!["", " ", "\n  "]))
            .prop_map(|(fields, space)| object_text(&fields, space).into_bytes()),
        1 => value_text().prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn config() -> impl Strategy<Value = WarmConfig> {
    (
        prop::sample::select(vec![
            "warmer",
            "keep_warm",
            "delay",
            "source",
            "",
            "w\"q",
            "ünï",
        ]),
        0u64..1_000,
    )
        .prop_map(|(key, default)| {
            WarmConfig::new()
                .flag_key(key)
                .default_delay(Duration::from_millis(default))
        })
}

// ---------------------------------------------------------------------------------------------
// detect against the model, and the saved fuzz inputs
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn detect_agrees_with_the_reference_model(payload in payload(), config in config()) {
        oracle::check_detect(&payload, &config);
        oracle::check_detect(&payload, &WarmConfig::default());
    }

    #[test]
    fn warm_up_requests_the_warmer_writes_are_read_back_field_for_field(
        delay in prop::option::of(any::<u64>()),
        hold_until_ms in prop::option::of(any::<u64>()),
        correlation_id in prop::option::of(prop_oneof![".{0,40}", "x{250,260}"]),
        index in prop::option::of(any::<u32>()),
        concurrency in prop::option::of(any::<u32>()),
        extra in prop::collection::btree_map("[a-z_]{1,8}|source|__WARMER_INVOCATION__", value_text(), 0..3),
    ) {
        let mut request = WarmupRequest::new();
        request.delay = delay;
        request.hold_until_ms = hold_until_ms;
        request.correlation_id = correlation_id;
        request.index = index;
        request.concurrency = concurrency;
        for (key, text) in extra {
            request.extra.insert(key, serde_json::from_str(&text).unwrap());
        }
        oracle::check_warmup_request(&serde_json::to_vec(&request).unwrap());
    }
}

/// Every input under `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` (crashes the
/// fuzzer found, kept as regression tests) passes its target's check.
#[test]
fn saved_fuzz_inputs_replay_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    for kind in ["seeds", "regressions"] {
        for (target, file) in inputs(&fuzz.join(kind)) {
            let bytes = std::fs::read(&file).unwrap();
            match target.as_str() {
                "detect" | "detect_default" => {
                    oracle::check_detect(&bytes, &WarmConfig::default());
                }
                "detect_custom" => {
                    if let Some((config, payload)) = oracle::split_custom(&bytes) {
                        oracle::check_detect(payload, &config);
                    }
                }
                "warmup_request" => oracle::check_warmup_request(&bytes),
                "warmer_event" => invoke::check_warmer_event(&bytes),
                "warmer_config" => invoke::check_config(&bytes),
                other => panic!("{}: no check for fuzz target `{other}`", file.display()),
            }
            replayed += 1;
        }
    }
    assert!(
        replayed >= 10,
        "only {replayed} saved fuzz inputs found under {}",
        fuzz.display()
    );
}

/// `(target, file)` for every file in `dir/<target>/`.
fn inputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for target in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = target.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            found.push((name.clone(), file.path()));
        }
    }
    found.sort();
    found
}

// ---------------------------------------------------------------------------------------------
// #[warmable]: user events reach user code byte-identical
// ---------------------------------------------------------------------------------------------

/// User code that answers with the exact text of the event it was given.
#[warmable]
async fn echo_raw(event: LambdaEvent<Box<RawValue>>) -> Result<String, lambda_runtime::Error> {
    Ok(event.payload.get().to_owned())
}

/// Runs `payload` through `echo_raw` as the runtime would (deserialize, then call).
fn through_warmable(payload: &[u8]) -> Option<WarmableResponse<String>> {
    let event: WarmableEvent<Box<RawValue>> = serde_json::from_slice(payload).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    Some(
        runtime
            .block_on(echo_raw(LambdaEvent::new(event, Context::default())))
            .unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn user_events_reach_a_warmable_handler_byte_identical(payload in payload(), pad in "[ \t\n]{0,3}") {
        let mut padded = pad.clone().into_bytes();
        padded.extend_from_slice(&payload);
        padded.extend_from_slice(pad.as_bytes());
        let warm_up = detect(&payload, &WarmConfig::default()).is_some();
        match through_warmable(&padded) {
            // Not JSON: the runtime refuses it before any handler runs.
            None => prop_assert!(serde_json::from_slice::<Box<RawValue>>(&padded).is_err() || warm_up),
            Some(WarmableResponse::Warmed(answer)) => {
                prop_assert!(warm_up, "answered as a warm-up: {:?}", String::from_utf8_lossy(&payload));
                prop_assert!(answer.warmed);
            }
            Some(WarmableResponse::Handled(seen)) => {
                prop_assert!(!warm_up, "a warm-up reached user code: {:?}", String::from_utf8_lossy(&payload));
                prop_assert_eq!(seen.as_bytes(), &payload[..]);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every warm-up answers within its capped delay
// ---------------------------------------------------------------------------------------------

/// A context whose deadline is `left` from now.
fn context_with(left: Duration) -> Context {
    let mut context = Context::default();
    context.request_id = "property".to_owned();
    let deadline = SystemTime::now() + left;
    context.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    context
}

/// A warm-up's delay field: a number of milliseconds (up to absurd), or something unusable.
fn delay_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..40_000).prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => prop::sample::select(vec!["1e30", "-5", "\"300\"", "null", "[1]", "0.9", "-0"]).prop_map(str::to_owned),
    ]
}

/// Holds `warm-up` under tokio's paused clock and returns (virtual time held, answer).
fn hold(run: impl std::future::Future<Output = u64>) -> (Duration, u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    runtime.block_on(async {
        let started = tokio::time::Instant::now();
        let delay_ms = run.await;
        (started.elapsed(), delay_ms)
    })
}

/// Asserts that a warm-up held at most `cap` (and not much less: only the real time that
/// passed while the test ran can shorten it), and that its answer says what it held.
fn assert_held_within(
    held: Duration,
    answered_ms: u64,
    cap: Duration,
) -> Result<(), TestCaseError> {
    prop_assert!(held <= cap, "held {held:?}, cap {cap:?}");
    prop_assert!(
        held + Duration::from_secs(1) >= cap,
        "held {held:?}, far below cap {cap:?}"
    );
    prop_assert_eq!(u128::from(answered_ms), held.as_millis());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_warm_up_answers_within_its_capped_delay(
        delay in delay_text(),
        max_ms in 0u64..20_000,
        margin_ms in 0u64..1_000,
        left_ms in 0u64..30_000,
    ) {
        let config = WarmConfig::new()
            .max_delay(Duration::from_millis(max_ms))
            .deadline_margin(Duration::from_millis(margin_ms));
        let payload = format!(r#"{{"warmer": true, "delay": {delay}}}"#);
        let warmup = detect(payload.as_bytes(), &config).expect("a warm-up");
        let left = Duration::from_millis(left_ms);
        let cap = warmup.delay.min(config.get_max_delay()).min(left.saturating_sub(config.get_deadline_margin()));
        let context = context_with(left);
        let (held, answered) = hold(async {
            let invocation = Environment::global().begin_invocation(&context.request_id);
            answer(&warmup, invocation, &context, &config).await.delay_ms
        });
        assert_held_within(held, answered, cap)?;
    }

    #[test]
    fn every_warm_up_of_a_warmable_handler_answers_within_its_capped_delay(
        delay in delay_text(),
        left_ms in 0u64..30_000,
    ) {
        let config = WarmConfig::default();
        let payload = format!(r#"{{"warmer": true, "delay": {delay}}}"#);
        let requested = detect(payload.as_bytes(), &config).expect("a warm-up").delay;
        let left = Duration::from_millis(left_ms);
        let cap = requested.min(config.get_max_delay()).min(left.saturating_sub(config.get_deadline_margin()));
        let event: WarmableEvent<Box<RawValue>> = serde_json::from_str(&payload).unwrap();
        let context = context_with(left);
        let (held, answered) = hold(async {
            let response = echo_raw(LambdaEvent::new(event, context)).await.unwrap();
            response.warmed().expect("answered as a warm-up").delay_ms
        });
        assert_held_within(held, answered, cap)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The engine's counts add up
// ---------------------------------------------------------------------------------------------

/// The functions of the engine property: a warmable one, one capped by reserved concurrency,
/// one without warm-sdk, one that crashes; `missing` is not registered.
const ENGINE_TARGETS: [&str; 5] = ["warm", "limited", "plain", "crash", "missing"];

fn engine_service(runtime: &tokio::runtime::Runtime) -> LocalLambda {
    let http = || warm_tests::binary("example-http", "example-http");
    runtime
        .block_on(
            LocalLambda::builder()
                .function(FunctionConfig::new("warm", http()).timeout(Duration::from_secs(10)))
                .function(
                    FunctionConfig::new("limited", http())
                        .timeout(Duration::from_secs(10))
                        .reserved_concurrency(3),
                )
                .function(proof_support::stub("plain", proof_support::Stub::Plain))
                .function(proof_support::stub("crash", proof_support::Stub::Crash))
                .idle_timeout(Duration::from_secs(60))
                .start(),
        )
        .expect("local-lambda starts")
}

/// Every invoke the engine sends ends in exactly one count, so the counts sum to the warm-ups
/// sent: N (or the N the concurrency guard capped it to) per round. A missing function stops
/// the run after the probe (fewer, at least one); a target that fails validation sends nothing.
fn check_counts(t: &TargetReport) -> Result<(), TestCaseError> {
    let sum = t.reached
        + t.duplicates
        + t.accepted
        + t.unknown
        + t.throttled
        + t.failed
        + t.function_errors;
    let sent = t.target_n() * t.rounds;
    if t.rounds == 0 {
        prop_assert_eq!(sum, 0, "{:#?}", t);
    } else if t.failure_types.contains_key("ResourceNotFoundException") {
        prop_assert!((1..=sent).contains(&sum), "{:#?}", t);
        prop_assert!(t.error.is_some() && !t.ok, "{:#?}", t);
    } else {
        prop_assert_eq!(sum, sent, "{:#?}", t);
    }
    // Every warm-up sent is counted once, bar those the deadline left unsent; a probe round's
    // warm-ups are sent on top of the round's N only when they reached environments (the
    // round's count holds each environment once), so never more than the probe's half of N.
    let unsent = t
        .failure_types
        .get("NotSentBeforeDeadline")
        .copied()
        .unwrap_or(0);
    let counted = sum - unsent;
    prop_assert!(
        (counted..=counted + t.target_n().div_ceil(2)).contains(&t.sent),
        "{:#?}",
        t
    );
    prop_assert!(t.new <= t.reached, "{:#?}", t);
    prop_assert_eq!(
        t.throttle_reasons.values().sum::<u32>(),
        t.throttled,
        "{:#?}",
        t
    );
    prop_assert_eq!(t.failure_types.values().sum::<u32>(), t.failed, "{:#?}", t);
    // Never ok on what it cannot see: event mode and answers that are not warm-sdk's are not.
    prop_assert_eq!(
        t.ok,
        t.error.is_none() && t.requested > 0 && t.coverage_known && t.shortfall() == 0,
        "{:#?}",
        t
    );
    if t.mode == Mode::Verify {
        prop_assert_eq!(t.accepted, 0, "{:#?}", t);
        prop_assert_eq!(t.coverage_known, t.unknown == 0, "{:#?}", t);
    } else {
        prop_assert!(!t.coverage_known && !t.ok, "{:#?}", t);
    }
    Ok(())
}

#[test]
fn engine_report_counts_add_up_for_any_run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let service = engine_service(&runtime);
    let lambda = runtime.block_on(client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    }));
    let scenario = (
        prop::sample::select(ENGINE_TARGETS.to_vec()),
        1u32..12,
        prop_oneof![Just(Delay::Auto), (0u64..150).prop_map(Delay::Fixed)],
        prop_oneof![3 => Just(Mode::Verify), 1 => Just(Mode::Event)],
    );
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 14,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    runner
        .run(&scenario, |(function, n, delay, mode)| {
            let mut target = Target::new(function, n);
            target.delay = delay;
            target.mode = mode;
            let before = service.function_stats(function);
            let options = RunOptions {
                deadline: Some(std::time::Instant::now() + Duration::from_secs(30)),
                invoke_grace: Duration::from_secs(10),
                ..RunOptions::default()
            };
            let report = runtime.block_on(warm(&lambda, &[target], &options));
            prop_assert_eq!(report.targets.len(), 1);
            let t = &report.targets[0];
            check_counts(t)?;
            prop_assert_eq!(report.ok, t.ok);
            // What local-lambda saw matches what the engine counted (synchronous invokes only:
            // asynchronous ones may still be queued).
            if let (Some(before), Some(after), Mode::Verify) =
                (before.as_ref(), service.function_stats(function), mode)
            {
                let seen =
                    (after.invocations - before.invocations) + (after.throttles - before.throttles);
                // Every warm-up the engine sent, a probe round's included, and no other.
                prop_assert_eq!(u64::from(t.sent), seen, "{:#?}", t);
                prop_assert_eq!(
                    u64::from(t.throttled),
                    after.throttles - before.throttles,
                    "{:#?}",
                    t
                );
            }
            // Event-mode invokes run after the engine returns: let them finish, so that the
            // next case's before/after counts see only its own invocations.
            if let (Some(before), Mode::Event) = (before.as_ref(), mode) {
                let expected = u64::from(t.accepted + t.requested.min(1));
                let until = std::time::Instant::now() + Duration::from_secs(20);
                while std::time::Instant::now() < until {
                    let after = service.function_stats(function).expect("function exists");
                    let done = (after.invocations - before.invocations)
                        + (after.throttles - before.throttles);
                    if done >= expected && after.busy == 0 {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            match function {
                "warm" => prop_assert_eq!(
                    (t.failed, t.function_errors, t.throttled),
                    (0, 0, 0),
                    "{:#?}",
                    t
                ),
                "plain" => prop_assert_eq!(t.reached, 0, "{:#?}", t),
                "crash" => prop_assert_eq!(t.reached, 0, "{:#?}", t),
                "missing" => prop_assert!(t.error.is_some(), "{:#?}", t),
                _ => {}
            }
            Ok(())
        })
        .unwrap();
    runtime.block_on(service.shutdown());
}
