//! Report math, the EMF line's shape and the `auto` delay formula.

use std::time::Duration;

use proptest::prelude::*;
use warmer_fn::engine::{AutoDelay, EMF_METRICS, RunReport, TargetReport};
use warmer_fn::target::Mode;

fn verify(requested: u32, reached: u32) -> TargetReport {
    let mut t = TargetReport::new("orders", Mode::Verify, requested);
    t.reached = reached;
    t.finish();
    t
}

#[test]
fn emf_line_has_the_six_metrics_and_the_function_dimension() {
    let mut t = TargetReport::new("orders:live", Mode::Verify, 50);
    t.reached = 20;
    t.new = 5;
    t.throttled = 30;
    t.throttle_reasons.insert(
        "ReservedFunctionConcurrentInvocationLimitExceeded".into(),
        30,
    );
    t.finish();
    let report = RunReport::new("run-9", vec![t], 100);
    let lines = report.emf_lines("Team/Warmer");
    assert_eq!(lines.len(), 1, "one line per run of one function");
    assert!(!lines[0].contains('\n'));
    let emf: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let directive = &emf["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Team/Warmer");
    assert_eq!(
        directive["Dimensions"],
        serde_json::json!([["FunctionName"]])
    );
    let names: Vec<&str> = directive["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, EMF_METRICS);
    assert!(emf["_aws"]["Timestamp"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(emf["FunctionName"], "orders:live");
    for (name, value) in [
        ("Requested", 50),
        ("Reached", 20),
        ("New", 5),
        ("Throttled", 30),
        ("Failed", 0),
        ("Shortfall", 30),
    ] {
        assert_eq!(emf[name], value, "{name}");
    }
    assert_eq!(emf["CorrelationId"], "run-9");
}

#[test]
fn partial_warm_is_never_ok() {
    assert!(verify(10, 10).ok);
    assert!(!verify(10, 9).ok);
    assert!(!verify(0, 0).ok, "asking for nothing is not a success");
    let mut with_error = TargetReport::new("orders", Mode::Verify, 1);
    with_error.reached = 1;
    with_error.error = Some("boom".into());
    with_error.finish();
    assert!(!with_error.ok);
    let run = RunReport::new("id", vec![verify(5, 5), verify(5, 4)], 1);
    assert!(!run.ok);
    assert_eq!(run.shortfall(), 1);
}

#[test]
fn event_mode_is_ok_when_every_invoke_is_accepted_and_says_coverage_is_unknown() {
    let mut t = TargetReport::new("orders", Mode::Event, 10);
    t.accepted = 9;
    t.reached = 1;
    t.finish();
    assert!(t.ok);
    assert!(!t.coverage_known);
    assert!(t.notes.iter().any(|n| n.contains("unknown")));

    let mut short = TargetReport::new("orders", Mode::Event, 10);
    short.accepted = 8;
    short.reached = 1;
    short.throttled = 1;
    short.finish();
    assert!(!short.ok);
    assert_eq!(short.shortfall(), 1);
}

#[test]
fn duplicates_explain_a_shortfall_with_the_delay_and_spread() {
    let mut t = TargetReport::new("orders", Mode::Verify, 10);
    t.reached = 7;
    t.duplicates = 3;
    t.delay_ms = 75;
    t.dispatch_spread_ms = 140.0;
    t.finish();
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("did not all overlap") && n.contains("75 ms")),
        "{:?}",
        t.notes
    );
}

#[test]
fn report_round_trips_through_json() {
    let mut t = verify(3, 3);
    t.failure_types.insert("DispatchFailure".into(), 1);
    let report = RunReport::new("id", vec![t], 42);
    let json = serde_json::to_string(&report).unwrap();
    let back: RunReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}

proptest! {
    #[test]
    fn auto_delay_stays_within_base_and_cap(n in 0u32..100_000, cost_us in 0u64..50_000) {
        let auto = AutoDelay::default();
        let delay = auto.delay_ms(n, Duration::from_micros(cost_us));
        prop_assert!(delay >= auto.base_ms && delay <= auto.cap_ms);
    }

    #[test]
    fn auto_delay_grows_with_n_and_dispatch_cost(n in 1u32..5_000, cost_us in 1u64..5_000) {
        let auto = AutoDelay::default();
        let cost = Duration::from_micros(cost_us);
        prop_assert!(auto.delay_ms(n + 1, cost) >= auto.delay_ms(n, cost));
        prop_assert!(auto.delay_ms(n, cost * 2) >= auto.delay_ms(n, cost));
    }

    #[test]
    fn auto_delay_covers_the_projected_dispatch_time(n in 1u32..2_000, cost_us in 1u64..2_000) {
        let auto = AutoDelay::default();
        let cost = Duration::from_micros(cost_us);
        let projected_ms = (u64::from(n) * cost_us).div_ceil(1000);
        let delay = auto.delay_ms(n, cost);
        prop_assert!(delay >= projected_ms.min(auto.cap_ms), "delay {delay} < spread {projected_ms}");
    }
}
