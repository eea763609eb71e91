//! Detection's unit tests for what the shared corpus (`tests/corpus/detect.json`, run by
//! `tests/corpus.rs` and by the Python and Node.js packages) cannot say: warning texts, bytes
//! that are not UTF-8, nesting deeper than a parser's stack, the byte scan, the wire type.

use std::time::Duration;

use super::*;

fn detect_default(payload: &str) -> Option<Warmup> {
    detect(payload.as_bytes(), &WarmConfig::default())
}

#[test]
fn fan_out_ping_is_flagged_with_a_warning_saying_what_to_do() {
    let warmup = detect_default(r#"{"warmer": true, "concurrency": 5}"#).unwrap();
    assert_eq!(warmup.fan_out, Some(5));
    assert_eq!(
        warmup.warnings,
        vec![WarmupWarning::FanOutNotDone { requested: 5 }]
    );
    assert!(
        warmup.warnings[0]
            .to_string()
            .contains("send 5 concurrent warm-ups")
    );
    // A fan-out child (it carries its position) and a ping of one are not fan-out requests.
    for payload in [
        r#"{"warmer": true, "concurrency": 5, "__WARMER_INVOCATION__": 2}"#,
        r#"{"warmer": true, "concurrency": 1}"#,
        r#"{"warmer": true, "__WARMER_CONCURRENCY__": 5, "__WARMER_INVOCATION__": 1}"#,
    ] {
        let warmup = detect_default(payload).unwrap();
        assert_eq!(warmup.fan_out, None, "{payload}");
        assert!(warmup.warnings.is_empty(), "{payload}");
    }
}

#[test]
fn this_protocols_wire_form_is_read_as_its_own_dialect() {
    let request = crate::protocol::WarmupRequest::new()
        .delay_ms(30)
        .index(2)
        .concurrency(4)
        .correlation_id("run-3");
    let warmup = detect(
        &serde_json::to_vec(&request).unwrap(),
        &WarmConfig::default(),
    )
    .unwrap();
    assert_eq!(warmup.dialect, Dialect::Warm);
    assert_eq!(warmup.index, Some(2));
    assert_eq!(warmup.concurrency, Some(4));
    assert_eq!(warmup.correlation_id.as_deref(), Some("run-3"));
    assert_eq!(warmup.fan_out, None);
    assert!(warmup.warnings.is_empty());
}

#[test]
fn malformed_payloads_are_user_traffic() {
    for payload in [
        "",
        "not json",
        "{",
        r#"{"warmer": true"#,
        r#"{"warmer": true} trailing"#,
        r#"{"warmer": true}{"warmer": true}"#,
        "\"warmer\"",
    ] {
        assert!(detect_default(payload).is_none(), "{payload:?}");
    }
    assert!(
        detect(
            b"{\"warmer\": true, \"x\": \"\xff\"}",
            &WarmConfig::default()
        )
        .is_none()
    );
}

#[test]
fn values_rust_cannot_hold_are_judged_like_other_unusable_values() {
    // A number beyond f64 in `delay`: the default delay, with a warning naming it.
    let warmup = detect_default(r#"{"warmer": true, "delay": 1e400}"#).unwrap();
    assert_eq!(warmup.delay, Duration::from_millis(75));
    assert_eq!(
        warmup.warnings,
        vec![WarmupWarning::InvalidDelay {
            found: "1e400 (beyond what Rust can hold)".to_owned(),
            default_ms: 75
        }]
    );
    // The same in a field detection skips, as before.
    assert!(detect_default(r#"{"warmer": true, "x": 1e400}"#).is_some());
    // A lone surrogate as correlation id: ignored with a warning.
    let warmup = detect_default(r#"{"warmer": true, "correlation_id": "\ud800"}"#).unwrap();
    assert_eq!(warmup.correlation_id, None);
    assert_eq!(warmup.warnings.len(), 1, "{:?}", warmup.warnings);
    // As the flag it is not `true`: user traffic.
    assert!(detect_default(r#"{"warmer": 1e400}"#).is_none());
}

#[test]
fn invalid_delays_fall_back_to_default_with_a_warning() {
    for (payload, found) in [
        (r#"{"warmer": true, "delay": -5}"#, "-5"),
        (r#"{"warmer": true, "delay": "300"}"#, "the string \"300\""),
        (r#"{"warmer": true, "delay": null}"#, "null"),
        (r#"{"warmer": true, "delay": [1]}"#, "an array"),
        (r#"{"warmer": true, "delay": -0.5}"#, "-0.5"),
        (r#"{"warmer": true, "delay": true}"#, "true"),
    ] {
        let warmup = detect_default(payload).unwrap();
        assert_eq!(warmup.delay, Duration::from_millis(75), "{payload}");
        assert_eq!(
            warmup.warnings,
            vec![WarmupWarning::InvalidDelay {
                found: found.to_owned(),
                default_ms: 75
            }],
            "{payload}"
        );
    }
}

#[test]
fn unusable_optional_fields_are_ignored_with_warnings() {
    let long = "x".repeat(MAX_CORRELATION_ID_LEN + 1);
    let payload = format!(
        r#"{{"warmer": true, "index": -1, "concurrency": 1e3, "correlation_id": "{long}"}}"#
    );
    let warmup = detect_default(&payload).unwrap();
    assert_eq!(warmup.index, None);
    assert_eq!(warmup.concurrency, None);
    assert_eq!(warmup.correlation_id, None);
    assert_eq!(warmup.warnings.len(), 3);
    assert!(
        warmup.warnings[0]
            .to_string()
            .contains("a string of 257 bytes")
    );
    assert!(warmup.warnings[1].to_string().contains("`index` is -1"));
}

#[test]
fn deeply_nested_values_do_not_overflow_the_stack() {
    let open = "[".repeat(100_000);
    let close = "]".repeat(100_000);
    // Skipped values, read values and the top level itself, each 100 000 levels deep.
    let skipped = format!(r#"{{"warmer": true, "x": {open}{close}}}"#);
    assert!(detect_default(&skipped).is_some());
    let read = format!(r#"{{"warmer": true, "delay": {open}{close}}}"#);
    assert_eq!(detect_default(&read).unwrap().warnings.len(), 1);
    let top = format!(r#"{open}"warmer"{close}"#);
    assert!(detect_default(&top).is_none());
    let objects = format!(
        r#"{{"warmer": true, "x": {}1{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    assert!(detect_default(&objects).is_some());
}

#[test]
fn payload_without_marker_is_not_parsed() {
    // Invalid JSON that would fail to parse: rejected by the scan alone either way, but the
    // scan is what keeps this cheap; here we check the scan's verdict directly.
    let config = WarmConfig::default();
    assert!(config.flag_finder().find(b"{\"warm\": true}").is_none());
    assert!(SOURCE_FINDER.find(b"serverless-plugin-warmup").is_none());
}

#[test]
fn hold_until_is_read_and_a_bad_one_falls_back_to_the_delay_with_a_warning() {
    let warmup =
        detect_default(r#"{"warmer": true, "delay": 300, "hold_until_ms": 1764700000123}"#)
            .unwrap();
    assert_eq!(warmup.hold_until_ms, Some(1_764_700_000_123));
    assert!(warmup.warnings.is_empty());
    assert_eq!(
        detect_default(r#"{"warmer": true, "hold_until_ms": 12.9}"#)
            .unwrap()
            .hold_until_ms,
        Some(12)
    );
    for (bad, found) in [
        (r#""soon""#, r#"the string "soon""#),
        ("-5", "-5"),
        ("null", "null"),
    ] {
        let payload = format!(r#"{{"warmer": true, "delay": 300, "hold_until_ms": {bad}}}"#);
        let warmup = detect_default(&payload).unwrap();
        assert_eq!(warmup.hold_until_ms, None, "{payload}");
        assert_eq!(warmup.delay, Duration::from_millis(300));
        let message = warmup.warnings[0].to_string();
        assert!(
            message.starts_with(&format!("warm-up field `hold_until_ms` is {found}, not a whole number of milliseconds since the Unix epoch")),
            "{message}"
        );
        assert!(
            message.contains("holds for its `delay` instead"),
            "{message}"
        );
    }
}
