//! Hostile payloads against the handler side, one row each: what `detect` makes of the
//! payload, and what the real `example-http` process in local-lambda answers.

mod handler_support;

use std::time::Duration;

use handler_support::{Function, apigw_v2_event};
use serde_json::json;
use warm_sdk::{Dialect, WarmConfig, detect};

/// What must happen to a payload.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Answered as a warm-up of this dialect, with a WARN containing the text when given;
    /// user code never runs.
    WarmUp(Dialect, Option<&'static str>),
    /// Not a warm-up: goes to the handler stack, where `lambda_http` rejects it as not an HTTP
    /// event (a function error); user code never runs.
    UserTraffic,
    /// Not a warm-up: an HTTP event that reaches user code (`"handled": true`).
    Handled,
    /// Not JSON: the Invoke API refuses it before any function runs (as Lambda does), and
    /// `detect` says it is no warm-up.
    NotJson,
}

use Expect::{Handled, NotJson, UserTraffic, WarmUp};

struct Row {
    name: &'static str,
    payload: Vec<u8>,
    expect: Expect,
}

fn row(name: &'static str, payload: impl Into<Vec<u8>>, expect: Expect) -> Row {
    Row {
        name,
        payload: payload.into(),
        expect,
    }
}

fn json_row(name: &'static str, payload: serde_json::Value, expect: Expect) -> Row {
    row(name, serde_json::to_vec(&payload).unwrap(), expect)
}

fn rows() -> Vec<Row> {
    let warm = |warning| WarmUp(Dialect::Warm, warning);
    vec![
        row("plain warm-up", r#"{"warmer":true,"delay":0}"#, warm(None)),
        row("flag false", r#"{"warmer":false}"#, UserTraffic),
        row("flag as a string", r#"{"warmer":"true"}"#, UserTraffic),
        row("flag as a number", r#"{"warmer":1}"#, UserTraffic),
        row("flag null", r#"{"warmer":null}"#, UserTraffic),
        row(
            "flag nested one level down",
            r#"{"detail":{"warmer":true}}"#,
            UserTraffic,
        ),
        row(
            "flag inside a top-level array",
            r#"[{"warmer":true}]"#,
            UserTraffic,
        ),
        row(
            "flag key spelled with an escape",
            r#"{"w\u0061rmer":true}"#,
            UserTraffic,
        ),
        row(
            "flag key spelled with an escape, the plain spelling in a value",
            r#"{"w\u0061rmer":true,"note":"warmer"}"#,
            UserTraffic,
        ),
        row(
            "flag repeated, last false",
            r#"{"warmer":true,"warmer":false}"#,
            UserTraffic,
        ),
        row(
            "flag repeated, last true",
            r#"{"warmer":false,"warmer":true,"delay":0}"#,
            warm(None),
        ),
        row(
            "plugin source nested",
            r#"{"detail":{"source":"serverless-plugin-warmup"}}"#,
            UserTraffic,
        ),
        row(
            "plugin source with other case",
            r#"{"source":"Serverless-Plugin-Warmup"}"#,
            UserTraffic,
        ),
        row("empty payload", "", UserTraffic),
        row("empty object", "{}", UserTraffic),
        row(
            "bare string mentioning the flag",
            r#""warmer""#,
            UserTraffic,
        ),
        json_row(
            "HTTP API event whose body is the flag",
            apigw_v2_event("POST", "/", r#"{"warmer": true}"#),
            Handled,
        ),
        json_row(
            "HTTP API event with a `warmer: true` header",
            {
                let mut event = apigw_v2_event("GET", "/", "");
                event["headers"]["warmer"] = json!("true");
                event
            },
            Handled,
        ),
        json_row(
            "HTTP API event whose body is the plugin payload",
            apigw_v2_event("POST", "/", r#"{"source": "serverless-plugin-warmup"}"#),
            Handled,
        ),
        row(
            "delay as a string",
            r#"{"warmer":true,"delay":"300"}"#,
            warm(Some(r#"`delay` is the string "300""#)),
        ),
        row(
            "negative delay",
            r#"{"warmer":true,"delay":-5}"#,
            warm(Some("`delay` is -5")),
        ),
        row(
            "null delay",
            r#"{"warmer":true,"delay":null}"#,
            warm(Some("`delay` is null")),
        ),
        row(
            "delay as an object",
            r#"{"warmer":true,"delay":{"ms":1}}"#,
            warm(Some("`delay` is an object")),
        ),
        row(
            "fractional delay",
            r#"{"warmer":true,"delay":0.9}"#,
            warm(None),
        ),
        row(
            "delay far beyond the deadline (capped, not an error)",
            r#"{"warmer":true,"delay":1e30}"#,
            warm(None),
        ),
        // Valid JSON that no f64 holds: an unusable delay like any other, the default is held.
        row(
            "delay beyond f64 range",
            r#"{"warmer":true,"delay":1e400}"#,
            warm(Some("`delay` is 1e400")),
        ),
        row(
            "index out of range",
            r#"{"warmer":true,"delay":0,"index":-1}"#,
            warm(Some("`index` is -1")),
        ),
        row(
            "correlation id too long",
            format!(
                r#"{{"warmer":true,"delay":0,"correlation_id":"{}"}}"#,
                "x".repeat(300)
            ),
            warm(Some("`correlation_id` is a string of 300 bytes")),
        ),
        row(
            "lambda-warmer with a non-numeric invocation",
            r#"{"warmer":true,"__WARMER_INVOCATION__":"two","__WARMER_CORRELATIONID__":"c"}"#,
            WarmUp(
                Dialect::LambdaWarmer,
                Some("`__WARMER_INVOCATION__` is the string \"two\""),
            ),
        ),
        row(
            "deeply nested skipped value",
            format!(
                r#"{{"warmer":true,"delay":0,"x":{}{}}}"#,
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
            warm(None),
        ),
        row(
            "1 MB payload mentioning the flag only in a string",
            format!(
                r#"{{"data":"{}","note":"\"warmer\": true"}}"#,
                "x".repeat(1024 * 1024)
            ),
            UserTraffic,
        ),
        row("not JSON", "warmer", NotJson),
        row("truncated object", r#"{"warmer":true"#, NotJson),
        row("trailing garbage", r#"{"warmer":true} x"#, NotJson),
        row("two objects", r#"{"warmer":true}{"warmer":true}"#, NotJson),
    ]
}

/// `detect`'s verdict must match the row.
fn check_detect(row: &Row) {
    let found = detect(&row.payload, &WarmConfig::default());
    match (row.expect, found) {
        (WarmUp(dialect, warning), Some(warmup)) => {
            assert_eq!(warmup.dialect, dialect, "{}", row.name);
            match warning {
                None => assert!(
                    warmup.warnings.is_empty(),
                    "{}: {:?}",
                    row.name,
                    warmup.warnings
                ),
                Some(text) => {
                    assert_eq!(
                        warmup.warnings.len(),
                        1,
                        "{}: {:?}",
                        row.name,
                        warmup.warnings
                    );
                    let message = warmup.warnings[0].to_string();
                    assert!(message.contains(text), "{}: {message}", row.name);
                }
            }
        }
        (WarmUp(..), None) => panic!("{}: expected a warm-up, detect found none", row.name),
        (_, Some(warmup)) => panic!("{}: expected no warm-up, detect found {warmup:?}", row.name),
        (_, None) => {}
    }
}

#[test]
fn the_table_has_enough_rows_of_each_kind() {
    let rows = rows();
    assert!(rows.len() >= 20);
    for kind in ["WarmUp", "UserTraffic", "Handled", "NotJson"] {
        assert!(
            rows.iter()
                .any(|r| format!("{:?}", r.expect).starts_with(kind)),
            "no {kind} row"
        );
    }
}

#[test]
fn detect_classifies_every_hostile_payload() {
    for row in rows() {
        check_detect(&row);
    }
}

#[tokio::test]
async fn the_running_handler_treats_every_hostile_payload_as_its_row_says() {
    // A 1 s timeout keeps the capped-delay row short: it holds until ~200 ms before it.
    let function = Function::start(Some(Duration::from_secs(1)), &[]).await;
    for row in rows() {
        check_detect(&row);
        match row.expect {
            NotJson => {
                let error = function
                    .client
                    .invoke()
                    .function_name(handler_support::FUNCTION)
                    .payload(aws_sdk_lambda::primitives::Blob::new(row.payload.clone()))
                    .send()
                    .await
                    .expect_err(row.name);
                let error = error.into_service_error();
                assert!(
                    error.is_invalid_request_content_exception(),
                    "{}: {error:?}",
                    row.name
                );
            }
            WarmUp(_, warning) => {
                let reply = function.invoke(row.payload.clone()).await;
                let answer = reply.warm_up().unwrap_or_else(|| {
                    panic!("{}: not answered as a warm-up: {reply:?}", row.name)
                });
                assert!(answer["instance"].is_string(), "{}", row.name);
                assert!(!reply.handled(), "{}", row.name);
                let warnings = reply.warnings();
                match warning {
                    None => assert!(warnings.is_empty(), "{}: {warnings:?}", row.name),
                    Some(text) => assert!(
                        warnings.len() == 1 && warnings[0].contains(text),
                        "{}: {warnings:?}",
                        row.name
                    ),
                }
            }
            UserTraffic => {
                let reply = function.invoke(row.payload.clone()).await;
                assert!(reply.warm_up().is_none(), "{}: {reply:?}", row.name);
                assert!(!reply.handled(), "{}: {reply:?}", row.name);
                assert_eq!(
                    reply.function_error.as_deref(),
                    Some("Unhandled"),
                    "{}",
                    row.name
                );
            }
            Handled => {
                let reply = function.invoke(row.payload.clone()).await;
                assert!(reply.warm_up().is_none(), "{}: {reply:?}", row.name);
                assert!(reply.handled(), "{}: {reply:?}", row.name);
            }
        }
    }
    function.stop().await;
}
