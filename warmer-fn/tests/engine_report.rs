//! Report math, the EMF line's shape and the `auto` delay formula.

use std::time::Duration;

use proptest::prelude::*;
use warmer_fn::engine::guard::{Cap, Pool};
use warmer_fn::engine::{AutoDelay, EMF_METRICS, RunReport, Status, TargetReport};
use warmer_fn::target::Mode;

fn verify(requested: u32, reached: u32) -> TargetReport {
    let mut t = TargetReport::new("orders", Mode::Verify, requested);
    t.reached = reached;
    t.finish();
    t
}

#[test]
fn emf_line_has_every_metric_and_the_function_dimension_where_coverage_is_known() {
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
        ("Capped", 0),
        ("Accepted", 0),
        ("Unknown", 0),
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
fn event_mode_is_never_ok_and_its_emf_line_has_no_shortfall() {
    let mut t = TargetReport::new("orders", Mode::Event, 10);
    t.accepted = 9;
    t.reached = 1;
    t.finish();
    assert!(!t.ok, "what asynchronous invokes reached is not seen");
    assert_eq!(t.status, Status::Unknown);
    assert!(!t.coverage_known);
    assert!(t.notes.iter().any(|n| n.contains("unknown")));
    let emf = t.to_emf("Warmer", "run-1");
    assert!(emf.get("Shortfall").is_none(), "{emf}");
    assert_eq!(emf["Accepted"], 9);
    let names: Vec<&str> = emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"Shortfall"), "{names:?}");

    let mut throttled = TargetReport::new("orders", Mode::Event, 10);
    throttled.accepted = 8;
    throttled.reached = 1;
    throttled.throttled = 1;
    throttled.finish();
    assert!(!throttled.ok);
    assert!(
        throttled.notes.iter().any(|n| n.contains("1 throttled")),
        "{:?}",
        throttled.notes
    );
    assert_eq!(throttled.to_emf("Warmer", "id")["Throttled"], 1);
}

#[test]
fn a_capped_target_that_reached_its_cap_is_capped_not_short() {
    let cap = Cap {
        to: 8,
        limit: 10,
        share: 0.8,
        pool: Pool::Reserved,
        shared_by: 1,
    };
    let mut t = TargetReport::new("orders", Mode::Verify, 10);
    t.capped = Some(cap.clone());
    t.reached = 8;
    t.finish();
    assert_eq!((t.status, t.ok, t.shortfall()), (Status::Capped, true, 0));
    let emf = t.to_emf("Warmer", "id");
    assert_eq!(
        (emf["Capped"].as_u64(), emf["Shortfall"].as_u64()),
        (Some(2), Some(0))
    );

    let mut short = TargetReport::new("orders", Mode::Verify, 10);
    short.capped = Some(cap);
    short.reached = 6;
    short.finish();
    assert_eq!(
        (short.status, short.ok, short.shortfall()),
        (Status::Short, false, 2)
    );
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
