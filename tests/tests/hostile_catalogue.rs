//! The hostile-input catalogue, end to end over both sides: each row is an input (an invoke of
//! a real function in local-lambda, a warm-up run of the engine, a warmer event, a config
//! file) and the outcome it must have. One local-lambda serves every row.
//! `docs/hostile-inputs.md` lists the same rows.
//!
//! The handler-only payload table (flag spellings, dialect fields) is `hostile_handler.rs`.

mod proof_support;

use std::time::Duration;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use local_lambda::{Faults, FunctionConfig, LocalLambda};
use proof_support::{Stub, stub};
use serde_json::{Value, json};
use warmer_cli::config::Config;
use warmer_cli::plan::own_warmups::{self, Finding, OwnWarmups};
use warmer_cli::plan::{PlanOptions, Proposal, Sample, propose};
use warmer_cli::render::{EVENT_INVOKE_CONFIG_ID, FUNCTION_ID, Flavor, render};
use warmer_fn::engine::{ClientOptions, RunOptions, Status, TargetReport, client, warm};
use warmer_fn::lambda::invocation_from_event;
use warmer_fn::target::{Delay, Mode, Target};

/// What a row feeds in.
enum Input {
    /// A synchronous (or, with `event`, asynchronous) invoke of `function` with `payload`.
    Invoke {
        function: &'static str,
        payload: Vec<u8>,
        event: bool,
    },
    /// An engine run over one target.
    Warm(Target),
    /// The warmer Lambda's input event.
    WarmerEvent(Value),
    /// An invoke of the warmer-fn binary running in local-lambda as `warmer`, whose brief
    /// (`WARMER_CONFIG`) is [`WARMER_BRIEF`].
    Warmer(Value),
    /// A `warmer.toml`.
    ConfigFile(&'static str),
    /// A `warmer.toml` that parses, checked as `warmer config check` checks it.
    ConfigCheck(String),
    /// `warmer render` of [`RENDERED_CONFIG`] in this template language.
    Render(Flavor),
    /// `warmer plan` over a `ConcurrentExecutions` history.
    Plan(History),
}

/// A `ConcurrentExecutions` history for `warmer plan`: steady traffic, and a warmer holding
/// [`WARMER_N`] at the start of every 5-minute period, sampled every `sample_minutes`.
struct History {
    sample_minutes: i64,
    /// What `warmer plan` is told of the warmer's N (`--warmer-n`), if anything.
    told: Option<u32>,
}

/// The warmer's N in every [`History`].
const WARMER_N: u32 = 50;
/// The traffic's concurrency in every [`History`].
const TRAFFIC: f64 = 10.0;
/// The schedule's period in every [`History`], in seconds (`rate(5 minutes)`).
const PERIOD_SECONDS: i64 = 300;

/// The config every `Input::Render` row renders.
const RENDERED_CONFIG: &str = r#"
[[warmers]]
name = "api"
schedule = "rate(5 minutes)"
[[warmers.targets]]
function = "orders"
concurrency = 5
"#;

/// The brief of the `warmer` function: `http`, up to 2 environments, half its concurrency.
const WARMER_BRIEF: &str =
    r#"{"targets": [{"function": "http", "concurrency": 2}], "max_share": 0.5}"#;

/// A shard event for the `warmer` function, with `f` applied.
fn shard_event(f: impl FnOnce(&mut Value)) -> Value {
    let mut shard = json!({
        "target": {"function": "http", "concurrency": 1},
        "total": 2, "first_index": 1, "correlation_id": "c",
        "hold_until_ms": 0, "deadline_ms": 0, "round": 1, "shard": 1, "shards": 2
    });
    f(&mut shard);
    json!({ "shard": shard })
}

/// What must come out.
#[derive(Debug)]
enum Expect {
    /// Answered as a warm-up (`"warmed": true`); user code did not run.
    WarmUp,
    /// User code ran and answered (`"handled": true`).
    UserCode,
    /// The function failed with this `errorType` (`X-Amz-Function-Error`).
    FunctionError(&'static str),
    /// The Invoke API refused the request with this error code.
    ApiError(&'static str),
    /// Accepted for asynchronous execution (HTTP 202).
    Accepted,
    /// The engine's report: a check, and what it says in words.
    Report(&'static str, fn(&TargetReport) -> bool),
    /// Refused with an error message containing the text.
    Refused(&'static str),
    /// The warmer answered (no function error): a check of its answer, and what it says.
    Answered(&'static str, fn(&Value) -> bool),
    /// Answered as a warm-up whose answer has this key with this value; user code did not run.
    WarmUpWith(&'static str, Value),
    /// The rendered template (as JSON): a check, and what it says in words.
    Rendered(&'static str, fn(&Value) -> bool),
    /// The plan proposed and what it found in the history: a check, and what it says in words.
    Planned(&'static str, fn(&Proposal, &Finding) -> bool),
}

struct Row {
    name: &'static str,
    input: Input,
    expect: Expect,
}

fn invoke(function: &'static str, payload: impl Into<Vec<u8>>) -> Input {
    Input::Invoke {
        function,
        payload: payload.into(),
        event: false,
    }
}

fn target(function: &str, n: u32, delay: Delay) -> Target {
    let mut target = Target::new(function, n);
    target.delay = delay;
    target
}

fn rows() -> Vec<Row> {
    use Expect::*;
    let order = |extra: &str| {
        format!(
            r#"{{"order_id":"o-1","items":[{{"sku":"a","quantity":2,"unit_cents":150}}]{extra}}}"#
        )
    };
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    let row = |name, input, expect| Row {
        name,
        input,
        expect,
    };
    vec![
        // Handler side: the typed #[warmable] function.
        row("a plain order", invoke("typed", order("")), UserCode),
        row(
            "lambda-warmer schedule ping asking the function to fan out to 5",
            invoke("typed", r#"{"warmer":true,"concurrency":5}"#),
            WarmUpWith("fan_out_requested", json!(5)),
        ),
        row(
            "malformed JSON",
            invoke("typed", r#"{"warmer": tru"#),
            ApiError("InvalidRequestContentException"),
        ),
        row(
            "not JSON at all",
            invoke("typed", "warmer=true"),
            ApiError("InvalidRequestContentException"),
        ),
        row(
            "warm-up flag as a string",
            invoke("typed", r#"{"warmer":"true"}"#),
            FunctionError(""),
        ),
        row(
            "order with an unknown field",
            invoke("typed", order(r#","coupon":"x""#)),
            FunctionError(""),
        ),
        row(
            "order with a wrong type (quantity \"two\")",
            invoke(
                "typed",
                r#"{"order_id":"o","items":[{"sku":"a","quantity":"two","unit_cents":1}]}"#,
            ),
            FunctionError(""),
        ),
        row(
            "order whose total overflows u64",
            invoke(
                "typed",
                r#"{"order_id":"o","items":[{"sku":"a","quantity":4294967295,"unit_cents":18446744073709551615}]}"#,
            ),
            FunctionError(""),
        ),
        row(
            "warm-up with negative delay",
            invoke("typed", r#"{"warmer":true,"delay":-5}"#),
            WarmUp,
        ),
        row(
            "warm-up with a huge delay (capped by the deadline)",
            invoke("typed", r#"{"warmer":true,"delay":1e300}"#),
            WarmUp,
        ),
        row(
            "warm-up with a non-numeric delay",
            invoke("typed", r#"{"warmer":true,"delay":"soon"}"#),
            WarmUp,
        ),
        row(
            "warm-up with a non-numeric hold_until_ms (holds for its delay)",
            invoke(
                "typed",
                r#"{"warmer":true,"delay":0,"hold_until_ms":"soon"}"#,
            ),
            WarmUp,
        ),
        row(
            "warm-up holding until the end of time (bounded by its delay)",
            invoke(
                "typed",
                r#"{"warmer":true,"delay":0,"hold_until_ms":18446744073709551615}"#,
            ),
            WarmUp,
        ),
        row(
            "warm-up with wrong types for every other field",
            invoke(
                "typed",
                r#"{"warmer":true,"delay":0,"index":"x","concurrency":-1,"correlation_id":{}}"#,
            ),
            WarmUp,
        ),
        row(
            "warm-up with unknown fields",
            invoke(
                "typed",
                r#"{"warmer":true,"delay":0,"team":"a","nested":{"warmer":false}}"#,
            ),
            WarmUp,
        ),
        row(
            "warm-up with an order alongside",
            invoke(
                "typed",
                format!(r#"{{"warmer":true,"delay":0,"order":{}}}"#, order("")),
            ),
            WarmUp,
        ),
        row(
            "warm-up with a 100 000-deep nested field",
            invoke(
                "typed",
                format!(
                    r#"{{"warmer":true,"delay":0,"x":{}}}"#,
                    deep("[", "]", 100_000)
                ),
            ),
            WarmUp,
        ),
        row(
            "100 000-deep nested user event",
            invoke("typed", deep("[", "]", 100_000)),
            FunctionError(""),
        ),
        row(
            "warm-up padded to 5 MB",
            invoke(
                "typed",
                format!(
                    r#"{{"warmer":true,"delay":0,"pad":"{}"}}"#,
                    "x".repeat(5 << 20)
                ),
            ),
            WarmUp,
        ),
        // Handler side: the lambda_http service behind WarmLayer.
        row(
            "HTTP event whose body is a warm-up",
            invoke(
                "http",
                http_event_bytes(r#"{"warmer": true, "delay": 0}"#, json!({})),
            ),
            UserCode,
        ),
        row(
            "HTTP event with the flag only as a query parameter",
            invoke("http", http_event_bytes("", json!({"warmer": "true"}))),
            UserCode,
        ),
        row(
            "warm-up to the HTTP service",
            invoke("http", r#"{"warmer":true,"delay":0}"#),
            WarmUp,
        ),
        row(
            "sync invoke over 6 MB",
            invoke("http", format!(r#"{{"pad":"{}"}}"#, "x".repeat(6 << 20))),
            ApiError("RequestTooLargeException"),
        ),
        row(
            "async invoke over 1 MB",
            Input::Invoke {
                function: "http",
                payload: format!(r#"{{"pad":"{}"}}"#, "x".repeat(1 << 20)).into(),
                event: true,
            },
            ApiError("RequestTooLargeException"),
        ),
        row(
            "async warm-up under 1 MB",
            Input::Invoke {
                function: "http",
                payload: br#"{"warmer":true,"delay":0}"#.to_vec(),
                event: true,
            },
            Accepted,
        ),
        row(
            "invoke of an unknown function",
            invoke("no-such-function", r#"{"warmer":true}"#),
            ApiError("ResourceNotFoundException"),
        ),
        row(
            "a warm-up in the old wire form (top-level `concurrency`) to a function that fans out on it",
            invoke("bait", r#"{"warmer":true,"concurrency":3}"#),
            FunctionError("Runtime.ExitError"),
        ),
        row(
            "warm-up to a function that crashes",
            invoke("crash", r#"{"warmer":true}"#),
            FunctionError("Runtime.ExitError"),
        ),
        row(
            "warm-up to a function that hangs",
            invoke("hang", r#"{"warmer":true}"#),
            FunctionError("Sandbox.Timedout"),
        ),
        // Invoke side: the engine against the same functions.
        row(
            "engine: unknown function",
            Input::Warm(target("no-such-function", 3, Delay::Fixed(0))),
            Report(
                "error names the missing function; failed as ResourceNotFoundException",
                |t| {
                    t.error.as_deref().is_some_and(|e| e.contains("not found"))
                        && t.failure_types.contains_key("ResourceNotFoundException")
                        && !t.ok
                },
            ),
        ),
        row(
            "engine: qualifier that is no alias or version of the function",
            Input::Warm(Target {
                qualifier: Some("prod".into()),
                ..target("http", 2, Delay::Fixed(0))
            }),
            Report(
                "names `http:prod`; failed as ResourceNotFoundException",
                |t| {
                    t.function == "http:prod"
                        && t.failure_types.contains_key("ResourceNotFoundException")
                        && t.reached == 0
                        && !t.ok
                },
            ),
        ),
        row(
            "engine: function that crashes",
            Input::Warm(target("crash", 2, Delay::Fixed(0))),
            Report("2 function errors, nothing reached", |t| {
                t.function_errors == 2 && t.reached == 0 && !t.ok
            }),
        ),
        row(
            "engine: function that crashes, hold learnt (a probe round first)",
            Input::Warm(target("crash", 4, Delay::Auto)),
            Report(
                "4 sent, 4 function errors: a probe that met function errors is not followed by all N again",
                |t| t.sent == 4 && t.function_errors == 4 && t.reached == 0 && !t.ok,
            ),
        ),
        row(
            "engine: function that hangs",
            Input::Warm(target("hang", 1, Delay::Fixed(0))),
            Report("1 function error (timed out), nothing reached", |t| {
                t.function_errors == 1 && t.reached == 0 && !t.ok
            }),
        ),
        row(
            "engine: function without warm-sdk",
            Input::Warm(target("plain", 2, Delay::Fixed(0))),
            Report(
                "2 reached with the environment unknown, none failed; coverage unknown, not ok",
                |t| {
                    t.unknown == 2
                        && t.failed == 0
                        && !t.coverage_known
                        && t.status == Status::Unknown
                        && !t.ok
                },
            ),
        ),
        row(
            "engine: function that fans out on a top-level `concurrency`, as lambda-warmer does",
            Input::Warm(target("bait", 3, Delay::Fixed(0))),
            Report(
                "3 reached with the environment unknown, no function error: no warm-up names `concurrency`",
                |t| t.unknown == 3 && t.function_errors == 0 && t.failed == 0,
            ),
        ),
        row(
            "engine: concurrency 100 000 000",
            Input::Warm(target("http", 100_000_000, Delay::Fixed(0))),
            Report(
                "target error naming `concurrency` and the limit 10000; nothing sent",
                |t| {
                    t.error.as_deref().is_some_and(|e| {
                        e.contains("`concurrency` is 100000000") && e.contains("10000")
                    }) && t.rounds == 0
                },
            ),
        ),
        row(
            "engine: max_share 2 on the target",
            Input::Warm({
                let mut t = target("http", 1, Delay::Fixed(0));
                t.max_share = Some(2.0);
                t
            }),
            Report("target error naming `max_share`; nothing sent", |t| {
                t.error
                    .as_deref()
                    .is_some_and(|e| e.contains("`max_share` is 2"))
                    && t.rounds == 0
            }),
        ),
        row(
            "engine: event mode, every invoke accepted",
            Input::Warm({
                let mut t = target("http", 3, Delay::Fixed(0));
                t.mode = Mode::Event;
                t
            }),
            Report(
                "status unknown, never ok; its EMF line has no Shortfall",
                |t| {
                    t.status == Status::Unknown
                        && !t.ok
                        && t.to_emf("Warmer", "id").get("Shortfall").is_none()
                },
            ),
        ),
        row(
            "engine: reserved concurrency 1, N = 3",
            Input::Warm(target("limited", 3, Delay::Fixed(1_000))),
            Report(
                "capped to 0 (max_share 0.8 of reserved concurrency 1): nothing sent, nothing throttled",
                |t| {
                    t.capped.as_ref().is_some_and(|c| c.to == 0 && c.limit == 1)
                        && t.status == Status::Capped
                        && t.reached + t.throttled + t.failed == 0
                },
            ),
        ),
        row(
            "engine: payload over 6 MB",
            Input::Warm({
                let mut t = target("http", 1, Delay::Fixed(0));
                t.payload.insert("pad".into(), json!("x".repeat(6 << 20)));
                t
            }),
            Report(
                "target error naming `payload` (a warm-up carries at most 4096 bytes of it); nothing sent, so Lambda never sees 6 MB",
                |t| {
                    t.error.as_deref().is_some_and(|e| e.contains("`payload`"))
                        && t.reached + t.failed == 0
                },
            ),
        ),
        row(
            "engine: event mode, payload over 1 MB",
            Input::Warm({
                let mut t = target("http", 2, Delay::Fixed(0));
                t.mode = Mode::Event;
                t.payload.insert("pad".into(), json!("x".repeat(1 << 20)));
                t
            }),
            Report(
                "target error naming `payload`; nothing sent, never ok",
                |t| {
                    t.error.as_deref().is_some_and(|e| e.contains("`payload`"))
                        && t.accepted + t.failed == 0
                        && !t.ok
                },
            ),
        ),
        row(
            "engine: payload overriding `delay`",
            Input::Warm({
                let mut t = target("http", 1, Delay::Fixed(0));
                t.payload.insert("delay".into(), json!(999_999));
                t
            }),
            Report("target error naming payload.delay; nothing sent", |t| {
                t.error
                    .as_deref()
                    .is_some_and(|e| e.contains("payload.delay"))
                    && t.rounds == 0
            }),
        ),
        row(
            "engine: concurrency 0",
            Input::Warm(target("http", 0, Delay::Fixed(0))),
            Report("target error naming `concurrency`", |t| {
                t.error
                    .as_deref()
                    .is_some_and(|e| e.contains("concurrency"))
                    && !t.ok
            }),
        ),
        row(
            "engine: empty function name",
            Input::Warm(target("  ", 1, Delay::Fixed(0))),
            Report("target error naming `function`", |t| {
                t.error.as_deref().is_some_and(|e| e.contains("function")) && !t.ok
            }),
        ),
        row(
            "engine: every invoke throttled with Retry-After 18446744073709551615 s",
            Input::Warm(target("throttled", 3, Delay::Auto)),
            Report(
                "every warm-up throttled, none failed (no panic); one more round after Lambda's 10 s scaling period, never a wait for the Retry-After",
                |t| t.throttled >= 3 && t.failed == 0 && t.elapsed_ms < 15_000,
            ),
        ),
        row(
            "engine: 5 KB of extra warm-up fields",
            Input::Warm({
                let mut t = target("http", 2, Delay::Auto);
                t.payload.insert("blob".into(), "x".repeat(5 * 1024).into());
                t
            }),
            Report(
                "target error naming `payload` and 4096 bytes; nothing sent",
                |t| {
                    t.error
                        .as_deref()
                        .is_some_and(|e| e.contains("payload") && e.contains("4096"))
                        && t.reached + t.failed == 0
                },
            ),
        ),
        // Invoke side: the warmer Lambda's event.
        row(
            "warmer event: an array",
            Input::WarmerEvent(json!([{"function": "f"}])),
            Refused("must be a JSON object"),
        ),
        row(
            "warmer event: unknown field",
            Input::WarmerEvent(json!({"funcName": "f"})),
            Refused("unknown field `funcName`"),
        ),
        row(
            "warmer event: empty target list",
            Input::WarmerEvent(json!({"targets": []})),
            Refused("`targets` is empty"),
        ),
        row(
            "warmer event: concurrency as a string",
            Input::WarmerEvent(json!({"functionName": "f", "concurrency": "ten"})),
            Refused("bad warmer event"),
        ),
        row(
            "warmer event: negative delay",
            Input::WarmerEvent(json!({"functionName": "f", "delay": -5})),
            Refused("bad warmer event"),
        ),
        row(
            "warmer event: concurrency 100 000 000",
            Input::WarmerEvent(json!({"functionName": "f", "concurrency": 100_000_000})),
            Refused("`targets[0].concurrency` is 100000000"),
        ),
        row(
            "warmer event: max_share 2",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": 1}], "max_share": 2}),
            ),
            Refused("`max_share` is 2"),
        ),
        row(
            "warmer event: 101 targets",
            Input::WarmerEvent(json!({
                "targets": (0..101).map(|i| json!({"function": format!("f{i}"), "concurrency": 1})).collect::<Vec<_>>()
            })),
            Refused("`targets` has 101 targets"),
        ),
        row(
            "warmer event: `auto` with a numeric concurrency",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": 5, "auto": {"max": 3}}]}),
            ),
            Refused("`auto` sizes N only with `\"concurrency\": \"auto\"`"),
        ),
        row(
            "warmer event: autopilot min above max",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": "auto", "auto": {"min": 9, "max": 3}}]}),
            ),
            Refused("`targets[0].auto.min` is 9, above max 3"),
        ),
        row(
            "warmer event: autopilot headroom 1e300",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": "auto", "auto": {"headroom": 1e300}}]}),
            ),
            Refused("`targets[0].auto.headroom` is"),
        ),
        row(
            "warmer event: autopilot window of a year",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": "auto", "auto": {"window_minutes": 525_600}}]}),
            ),
            Refused("`targets[0].auto.window_minutes` is 525600"),
        ),
        row(
            "warmer event: unknown target field",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": 1, "bogus": 1}]}),
            ),
            Refused("bad warmer event"),
        ),
        row(
            "warmer event: shard_size 0",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": 1}], "shard_size": 0}),
            ),
            Refused("`shard_size` is 0"),
        ),
        row(
            "warmer event: a shard with targets beside it",
            Input::WarmerEvent(json!({"shard": {}, "targets": []})),
            Refused("`targets` beside `shard`"),
        ),
        row(
            "warmer event: a shard missing its fields",
            Input::WarmerEvent(json!({"shard": {"target": {"function": "f", "concurrency": 1}}})),
            Refused("(in `shard`)"),
        ),
        row(
            "warmer event: the classic event with `max_share`",
            Input::WarmerEvent(json!({"functionName": "f", "concurrency": 2, "max_share": 0.5})),
            Refused("the classic event spells it `maxShare`"),
        ),
        row(
            "warmer event: `{\"targets\"}` with `maxShare`",
            Input::WarmerEvent(
                json!({"targets": [{"function": "f", "concurrency": 1}], "maxShare": 0.5}),
            ),
            Refused("spells it `max_share`"),
        ),
        // The warmer-fn binary in local-lambda, held to its brief.
        row(
            "warmer (brief): N above the brief",
            Input::Warmer(json!({"targets": [{"function": "http", "concurrency": 50}]})),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): autopilot whose max is above the brief",
            Input::Warmer(
                json!({"targets": [{"function": "http", "concurrency": "auto", "auto": {"max": 50}}]}),
            ),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): a function the brief does not name",
            Input::Warmer(json!({"targets": [{"function": "typed", "concurrency": 1}]})),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): max_share 1 over a brief of 0.5",
            Input::Warmer(
                json!({"targets": [{"function": "http", "concurrency": 1}], "max_share": 1.0}),
            ),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): payload keys the brief does not carry",
            Input::Warmer(
                json!({"targets": [{"function": "http", "concurrency": 1, "payload": {"action": "refund"}}]}),
            ),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): shard_size 1 (a copy per warm-up)",
            Input::Warmer(
                json!({"targets": [{"function": "http", "concurrency": 2}], "shard_size": 1}),
            ),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): a shard event above the brief",
            Input::Warmer(shard_event(|s| s["total"] = json!(5_000))),
            FunctionError("OutsideWarmerBrief"),
        ),
        row(
            "warmer (brief): the brief's target by its ARN, N narrowed to 1",
            Input::Warmer(
                json!({"targets": [{"function": "arn:aws:lambda:us-east-1:123456789012:function:http", "concurrency": 1}]}),
            ),
            Answered("a report: 1 of 1 reached", |v| {
                v["targets"][0]["reached"] == 1 && v["ok"] == true
            }),
        ),
        row(
            "warmer (shard): first_index at the end of u32",
            Input::Warmer(shard_event(|s| s["first_index"] = json!(u32::MAX))),
            Answered(
                "a shard report: error names `shard.first_index`, nothing sent",
                |v| {
                    v["report"]["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("shard.first_index"))
                        && v["report"]["reached"] == 0
                },
            ),
        ),
        row(
            "warmer (shard): a 1 MB correlation id",
            Input::Warmer(shard_event(|s| {
                s["correlation_id"] = json!("c".repeat(1 << 20))
            })),
            Answered(
                "a shard report: error names `shard.correlation_id`, nothing sent",
                |v| {
                    v["report"]["error"]
                        .as_str()
                        .is_some_and(|e| e.contains("shard.correlation_id"))
                        && v["report"]["reached"] == 0
                },
            ),
        ),
        // Invoke side: warmer.toml.
        row(
            "config: not TOML",
            Input::ConfigFile("[[warmers]\nname = \"api\""),
            Refused("line 1"),
        ),
        row(
            "config: misspelt field",
            Input::ConfigFile(
                "[[warmers]]\nname = \"api\"\n[[warmers.targets]]\nfunction = \"f\"\nconcurency = 5\n",
            ),
            Refused("warmers[0].targets[0].concurency"),
        ),
        row(
            "config: concurrency as a string",
            Input::ConfigFile(
                "[[warmers]]\nname = \"api\"\n[[warmers.targets]]\nfunction = \"f\"\nconcurrency = \"ten\"\n",
            ),
            Refused("concurrency"),
        ),
        // Deployment: the warmer itself is never retried.
        row(
            "a warmer run that crashes or times out (SAM)",
            Input::Render(Flavor::Sam),
            Rendered(
                "the warmer's EventInvokeConfig has MaximumRetryAttempts 0 and MaximumEventAgeInSeconds 60: Lambda never runs it again minutes later",
                no_retries,
            ),
        ),
        row(
            "a warmer run that crashes or times out (CloudFormation)",
            Input::Render(Flavor::Cloudformation),
            Rendered(
                "the warmer's EventInvokeConfig has MaximumRetryAttempts 0 and MaximumEventAgeInSeconds 60: Lambda never runs it again minutes later",
                no_retries,
            ),
        ),
        row(
            "config: a brief too large for Lambda's 4 KB of environment variables",
            Input::ConfigCheck(config_with_a_large_brief()),
            Refused("above its 4096 byte limit"),
        ),
        // Deployment: a dead or sick warmer alarms.
        row(
            "a warmer that stops running (timed out, throttled, lost its permission or schedule)",
            Input::Render(Flavor::Cloudformation),
            Rendered(
                "a heartbeat alarm on `Runs` by `Warmer`, Sum under 1 over 7 minutes (5 min between runs + timeout + delivery), missing data breaching",
                heartbeat,
            ),
        ),
        row(
            "a warmer run Lambda drops (too old) or Scheduler cannot deliver",
            Input::Render(Flavor::Sam),
            Rendered(
                "the EventInvokeConfig's on-failure destination and every schedule's dead-letter queue are the SSE-encrypted failure queue, which alarms when not empty",
                lost_runs_are_queued,
            ),
        ),
        row(
            "an event asking more than the brief, or a guard that cannot read a limit",
            Input::Render(Flavor::Cloudformation),
            Rendered(
                "the function carries its brief in WARMER_CONFIG; `Refused` and `GuardUnreadable` above 0 alarm",
                brief_and_its_alarms,
            ),
        ),
        // Plans: the warmer's own warm-ups are not read as traffic.
        row(
            "1-minute history holding the warmer's own runs (N 50 every 5 min over traffic of 10)",
            Input::Plan(History {
                sample_minutes: 1,
                told: None,
            }),
            Planned(
                "the runs are found and left out: keeps 12 warm (traffic + 20 %), not 72",
                |proposal, finding| {
                    matches!(finding, Finding::Dropped { .. }) && peak(proposal) == 12
                },
            ),
        ),
        row(
            "5-minute history holding the warmer's runs, told N 50 (--warmer-n)",
            Input::Plan(History {
                sample_minutes: 5,
                told: Some(WARMER_N),
            }),
            Planned(
                "N taken out of every sample: keeps 12 warm, not 72",
                |proposal, finding| {
                    matches!(finding, Finding::Subtracted { max_n: 50, .. }) && peak(proposal) == 12
                },
            ),
        ),
        row(
            "5-minute history holding the warmer's runs, N not given",
            Input::Plan(History {
                sample_minutes: 5,
                told: None,
            }),
            Planned(
                "says plainly that warm-ups cannot be told from traffic and how to fix it",
                |_, finding| {
                    matches!(finding, Finding::CannotTell { .. })
                        && finding.to_string().contains("--warmer-n")
                },
            ),
        ),
    ]
}

/// An API Gateway HTTP API event for `POST /` carrying `body` and `query` with these query string parameters, as the bytes sent.
/// The warmer's `AWS::Lambda::EventInvokeConfig` turns off Lambda's retries of asynchronous
/// invokes and drops a run that waited a minute.
fn no_retries(template: &Value) -> bool {
    let config = &template["Resources"][EVENT_INVOKE_CONFIG_ID];
    config["Type"] == "AWS::Lambda::EventInvokeConfig"
        && config["Properties"]["FunctionName"]["Ref"] == FUNCTION_ID
        && config["Properties"]["MaximumRetryAttempts"] == 0
        && config["Properties"]["MaximumEventAgeInSeconds"] == 60
}

/// 30 targets, each with a 100-character payload extra: each schedule input fits Scheduler's
/// 8 KB, but the brief of them all does not fit Lambda's 4 KB of environment.
fn config_with_a_large_brief() -> String {
    let mut text = String::from("[[warmers]]\nname = \"api\"\n");
    for i in 0..30 {
        text.push_str(&format!(
            "[[warmers.targets]]\nfunction = \"orders-{i:02}\"\nconcurrency = 1\npayload = {{ note = \"{}\" }}\n",
            "x".repeat(100)
        ));
    }
    text
}

fn props<'a>(template: &'a Value, id: &str) -> &'a Value {
    &template["Resources"][id]["Properties"]
}

fn heartbeat(template: &Value) -> bool {
    let p = props(template, "WarmerHeartbeatAlarm");
    p["MetricName"] == "Runs"
        && p["Dimensions"] == json!([{"Name": "Warmer", "Value": {"Ref": FUNCTION_ID}}])
        && p["Statistic"] == "Sum"
        && p["Period"] == 7 * 60
        && p["ComparisonOperator"] == "LessThanThreshold"
        && p["Threshold"] == 1
        && p["TreatMissingData"] == "breaching"
}

fn lost_runs_are_queued(template: &Value) -> bool {
    let queue = json!({"Fn::GetAtt": ["WarmerFailureQueue", "Arn"]});
    let destination = &template["Resources"][EVENT_INVOKE_CONFIG_ID]["Properties"]["DestinationConfig"]
        ["OnFailure"]["Destination"];
    let schedules: Vec<&Value> = template["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::Scheduler::Schedule")
        .map(|(_, r)| &r["Properties"]["Target"]["DeadLetterConfig"]["Arn"])
        .collect();
    *destination == queue
        && !schedules.is_empty()
        && schedules.iter().all(|arn| **arn == queue)
        && props(template, "WarmerFailureQueue")["SqsManagedSseEnabled"] == true
        && props(template, "WarmerFailureQueueAlarm")["MetricName"]
            == "ApproximateNumberOfMessagesVisible"
}

fn brief_and_its_alarms(template: &Value) -> bool {
    let variables = &props(template, FUNCTION_ID)["Environment"]["Variables"];
    let brief: Value = variables["WARMER_CONFIG"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let above_zero = |id: &str, metric: &str| {
        let p = props(template, id);
        p["MetricName"] == metric
            && p["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            && p["Threshold"] == 1
    };
    brief["targets"][0]["function"] == "orders"
        && brief["targets"][0]["concurrency"] == 5
        && above_zero("WarmerRefusedAlarm", "Refused")
        && above_zero("WarmerGuardUnreadableAlarm", "GuardUnreadable")
}

/// The most a proposal keeps warm in any hour of the week.
fn peak(proposal: &Proposal) -> u32 {
    proposal.hourly.iter().flatten().copied().max().unwrap_or(0)
}

/// Two days of samples: [`TRAFFIC`] always, plus [`WARMER_N`] in the sample that holds the start
/// of each 5-minute run (every sample, when samples are 5 minutes apart).
fn history_samples(sample_minutes: i64) -> Vec<Sample> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
        .expect("a valid time")
        .to_utc();
    (0..2 * 24 * 60 / sample_minutes)
        .map(|i| {
            let minute = i * sample_minutes;
            let run = minute % (PERIOD_SECONDS / 60) == 0;
            Sample {
                at: start + chrono::Duration::minutes(minute),
                value: TRAFFIC + if run { f64::from(WARMER_N) } else { 0.0 },
            }
        })
        .collect()
}

fn http_event_bytes(body: &str, query: Value) -> Vec<u8> {
    serde_json::to_vec(&http_event_with(body, query)).unwrap()
}

fn http_event_with(body: &str, query: Value) -> Value {
    json!({
        "queryStringParameters": query,
        "version": "2.0", "routeKey": "POST /", "rawPath": "/", "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "example.com",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "tests"},
            "requestId": "req", "routeKey": "POST /", "stage": "$default", "time": "26/Nov/2026:18:00:00 +0000", "timeEpoch": 1_795_716_000_000u64,
        },
        "body": body, "isBase64Encoded": false,
    })
}

async fn service() -> LocalLambda {
    let timeout = Duration::from_secs(2);
    let service = LocalLambda::builder()
        .function(
            FunctionConfig::new(
                "typed",
                warm_tests::binary("example-typed", "example-typed"),
            )
            .timeout(timeout),
        )
        .function(
            FunctionConfig::new("http", warm_tests::binary("example-http", "example-http"))
                .timeout(timeout),
        )
        .function(
            FunctionConfig::new(
                "limited",
                warm_tests::binary("example-http", "example-http"),
            )
            .timeout(Duration::from_secs(5))
            .reserved_concurrency(1),
        )
        .function(stub("plain", Stub::Plain))
        .function(stub("bait", Stub::FanOutBait))
        .function(stub("crash", Stub::Crash))
        .function(stub("hang", Stub::Hang).timeout(Duration::from_secs(1)))
        .function(
            FunctionConfig::new(
                "throttled",
                warm_tests::binary("example-http", "example-http"),
            )
            .faults(
                Faults::seeded(1)
                    .throttle(1.0)
                    .retry_after(Duration::from_secs(u64::MAX)),
            ),
        )
        .start()
        .await
        .expect("local-lambda starts");
    service
        .register(
            FunctionConfig::new("warmer", warm_tests::binary("warmer-fn", "warmer-fn"))
                .env("WARMER_ENDPOINT_URL", service.endpoint_url())
                .env("WARMER_CONFIG", WARMER_BRIEF)
                .timeout(Duration::from_secs(20)),
        )
        .expect("the warmer registers");
    service
}

/// Runs one row and returns what went wrong, if anything.
async fn check(
    row: &Row,
    lambda: &aws_sdk_lambda::Client,
    engine: &aws_sdk_lambda::Client,
) -> Result<(), String> {
    match (&row.input, &row.expect) {
        (
            Input::Invoke {
                function,
                payload,
                event,
            },
            expect,
        ) => {
            let kind = if *event {
                InvocationType::Event
            } else {
                InvocationType::RequestResponse
            };
            let sent = lambda
                .invoke()
                .function_name(*function)
                .invocation_type(kind)
                .payload(Blob::new(payload.clone()))
                .send()
                .await;
            let output = match (sent, expect) {
                (Err(error), Expect::ApiError(code)) => {
                    let error = error.into_service_error();
                    let got = aws_sdk_lambda::error::ProvideErrorMetadata::code(&error)
                        .unwrap_or_default()
                        .to_owned();
                    return (got == *code)
                        .then_some(())
                        .ok_or(format!("error {got}: {error:?}"));
                }
                (Err(error), _) => {
                    return Err(format!("invoke refused: {:?}", error.into_service_error()));
                }
                (Ok(output), _) => output,
            };
            let body: Value = output
                .payload()
                .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
                .unwrap_or(Value::Null);
            let http_body: Value = body["body"]
                .as_str()
                .and_then(|b| serde_json::from_str(b).ok())
                .unwrap_or(Value::Null);
            let ok = match expect {
                Expect::WarmUp => output.function_error().is_none() && body["warmed"] == true,
                Expect::UserCode => {
                    output.function_error().is_none()
                        && (body["handled"] == true || http_body["handled"] == true)
                }
                Expect::FunctionError(kind) => {
                    output.function_error().is_some()
                        && (kind.is_empty() || body["errorType"] == *kind)
                }
                Expect::Accepted => output.status_code() == 202,
                Expect::WarmUpWith(key, value) => {
                    output.function_error().is_none()
                        && body["warmed"] == true
                        && body[*key] == *value
                }
                _ => false,
            };
            ok.then_some(()).ok_or(format!(
                "status {} error {:?} body {}",
                output.status_code(),
                output.function_error(),
                truncate(&body)
            ))
        }
        (Input::Warm(target), Expect::Report(_, holds)) => {
            let options = RunOptions {
                deadline: Some(std::time::Instant::now() + Duration::from_secs(20)),
                invoke_grace: Duration::from_secs(5),
                top_up: false,
                ..RunOptions::default()
            };
            let report = warm(engine, std::slice::from_ref(target), &options).await;
            let t = &report.targets[0];
            holds(t).then_some(()).ok_or(format!("{t:#?}"))
        }
        (Input::WarmerEvent(event), Expect::Refused(text)) => {
            match invocation_from_event(event, None) {
                Err(e) if e.to_string().contains(text) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        }
        (Input::Warmer(event), expect) => {
            let output = lambda
                .invoke()
                .function_name("warmer")
                .payload(Blob::new(serde_json::to_vec(event).unwrap_or_default()))
                .send()
                .await
                .map_err(|e| format!("invoke refused: {:?}", e.into_service_error()))?;
            let body: Value = output
                .payload()
                .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
                .unwrap_or(Value::Null);
            let ok = match expect {
                Expect::FunctionError(kind) => {
                    output.function_error().is_some() && body["errorType"] == *kind
                }
                Expect::Answered(_, holds) => output.function_error().is_none() && holds(&body),
                _ => false,
            };
            ok.then_some(()).ok_or(format!(
                "error {:?} body {}",
                output.function_error(),
                truncate(&body)
            ))
        }
        (Input::ConfigFile(text), Expect::Refused(needle)) => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("warmer.toml");
            std::fs::write(&path, text).unwrap();
            match Config::load(&path) {
                Err(e) if format!("{e:#}").contains(needle) => Ok(()),
                Err(e) => Err(format!("error without `{needle}`: {e:#}")),
                Ok(config) => Err(format!("accepted: {config:?}")),
            }
        }
        (Input::ConfigCheck(text), Expect::Refused(needle)) => {
            let config = Config::from_toml_str(text).map_err(|e| format!("{e}"))?;
            match config.check() {
                Err(d) if d.to_string().contains(needle) => Ok(()),
                Err(d) => Err(format!("errors without `{needle}`: {d}")),
                Ok(warnings) => Err(format!("accepted, warnings: {warnings}")),
            }
        }
        (Input::Render(flavor), Expect::Rendered(_, holds)) => {
            let config = Config::from_toml_str(RENDERED_CONFIG).map_err(|e| format!("{e}"))?;
            let template = render(&config, *flavor).map_err(|e| format!("{e:#}"))?;
            let json: Value = serde_json::from_str(&template.to_json())
                .map_err(|e| format!("the template is not JSON: {e}"))?;
            holds(&json).then_some(()).ok_or_else(|| template.to_yaml())
        }
        (Input::Plan(history), Expect::Planned(_, holds)) => {
            let samples = history_samples(history.sample_minutes);
            let told = history.told.map(OwnWarmups::constant);
            let (samples, finding) = own_warmups::remove(&samples, PERIOD_SECONDS, told.as_ref());
            let proposal = propose(&samples, &PlanOptions::default());
            holds(&proposal, &finding).then_some(()).ok_or(format!(
                "keeps up to {} warm; found: {finding}",
                peak(&proposal)
            ))
        }
        _ => Err("the row pairs an input with an outcome it cannot have".into()),
    }
}

fn truncate(value: &Value) -> String {
    value.to_string().chars().take(300).collect()
}

#[test]
fn the_catalogue_has_thirty_rows_over_both_sides() {
    let rows = rows();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let invokes = rows
        .iter()
        .filter(|r| matches!(r.input, Input::Invoke { .. }))
        .count();
    let invoke_side = rows
        .iter()
        .filter(|r| !matches!(r.input, Input::Invoke { .. }))
        .count();
    assert!(
        invokes >= 15 && invoke_side >= 15,
        "{invokes} handler rows, {invoke_side} invoke-side rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_input_has_the_outcome_its_row_names() {
    let service = service().await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());
    let engine = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let mut failures = Vec::new();
    for row in rows() {
        let outcome = tokio::time::timeout(Duration::from_secs(30), check(&row, &lambda, &engine))
            .await
            .unwrap_or_else(|_| Err("no outcome within 30 s".into()));
        if let Err(why) = outcome {
            failures.push(format!("{} (expected {:?}): {why}", row.name, row.expect));
        }
    }
    service.shutdown().await;
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

impl Expect {
    /// The outcome in words, as `docs/hostile-inputs.md` lists it.
    fn describe(&self) -> String {
        match self {
            Expect::WarmUp => "warm-up answered; user code does not run".into(),
            Expect::UserCode => "user traffic: user code runs".into(),
            Expect::FunctionError("") => {
                "user traffic, refused by the handler: function error".into()
            }
            Expect::FunctionError(kind) => format!("function error `{kind}`"),
            Expect::ApiError(code) => format!("`{code}` from the Invoke API"),
            Expect::Accepted => "accepted (HTTP 202)".into(),
            Expect::Report(words, _) => format!("report: {words}"),
            Expect::Refused(text) => format!("refused, the error says \"{text}\""),
            Expect::WarmUpWith(key, value) => {
                format!("warm-up answered with `{key}: {value}`; user code does not run")
            }
            Expect::Rendered(words, _) => format!("rendered: {words}"),
            Expect::Planned(words, _) => format!("plan: {words}"),
            Expect::Answered(words, _) => format!("answered: {words}"),
        }
    }
}

impl Input {
    fn side(&self) -> String {
        match self {
            Input::Invoke {
                function, event, ..
            } => {
                format!(
                    "handler (`{function}`{})",
                    if *event { ", async" } else { "" }
                )
            }
            Input::Warm(target) => format!("engine (`{}`)", target.function.trim()),
            Input::WarmerEvent(_) => "warmer event".into(),
            Input::Warmer(_) => "warmer-fn in local-lambda (brief: `http`, N 2, share 0.5)".into(),
            Input::ConfigFile(_) => "warmer.toml".into(),
            Input::ConfigCheck(_) => "`warmer config check`".into(),
            Input::Render(Flavor::Sam) => "`warmer render sam`".into(),
            Input::Render(Flavor::Cloudformation) => "`warmer render cloudformation`".into(),
            Input::Plan(_) => "`warmer plan`".into(),
        }
    }
}

/// `docs/hostile-inputs.md` lists every row with its outcome. Print the table with
/// `PRINT_CATALOGUE=1 cargo test -p warm-tests --test hostile_catalogue -- --nocapture docs`.
#[test]
fn docs_list_every_row_with_its_outcome() {
    let table: Vec<String> = rows()
        .iter()
        .map(|r| {
            format!(
                "| {} | {} | {} |",
                r.input.side(),
                r.name,
                r.expect.describe()
            )
        })
        .collect();
    if std::env::var_os("PRINT_CATALOGUE").is_some() {
        println!("{}", table.join("\n"));
    }
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/hostile-inputs.md"
    ))
    .expect("docs/hostile-inputs.md exists");
    let missing: Vec<&String> = table
        .iter()
        .filter(|line| !doc.contains(line.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "rows missing from docs/hostile-inputs.md:\n{missing:#?}"
    );
}
