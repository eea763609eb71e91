//! Autopilot end to end, against an independent CloudWatch: moto in server mode on 127.0.0.1
//! holds the last 15 minutes of `ConcurrentExecutions` of three functions, shaped by the
//! steady, diurnal and bursty traces of the live-traffic benchmark (the trace's requests per
//! second × 1 s of work), with the warmer's own earlier runs (40 environments every 5 minutes,
//! at the phase of the run) on top. The warmer-fn binary runs in local-lambda, reads them with
//! the AWS SDK's CloudWatch client, and must warm N = clamp(ceil(peak × 1.2), min, max) of
//! each, where `peak` is the trace's alone: the own runs left out. A fourth function has no
//! data at all and gets `min`, with the reason and the `AutoNoData` metric.

use std::time::Duration;

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use chrono::{DateTime, Timelike, Utc};
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_cli::loadtest::trace::Trace;
use warmer_fn::engine::{RunReport, TargetReport};

/// Each trace request works for 1 s: concurrency = requests per second.
const WORK_SECONDS: f64 = 1.0;
/// What the warmer's earlier runs held, every 5 minutes.
const OWN_RUN_N: f64 = 40.0;
const MIN: u32 = 2;
const MAX: u32 = 60;

/// A function sized by autopilot, the trace shaping its history, and the trace minute its
/// window ends at (the history is the 15 minutes before).
struct Case {
    function: &'static str,
    shape: &'static str,
    end_minute: usize,
}

const CASES: [Case; 3] = [
    Case {
        function: "steady",
        shape: "steady",
        end_minute: 600,
    },
    // The afternoon peak of the working day.
    Case {
        function: "diurnal",
        shape: "diurnal",
        end_minute: 16 * 60 + 5,
    },
    // The window holds the 3-minute burst at the top of the hour.
    Case {
        function: "bursty",
        shape: "bursty",
        end_minute: 64,
    },
];

/// A function with no data points: autopilot falls back to `min`.
const QUIET: &str = "quiet";

/// The traffic at `j` minutes before the case's window end.
fn traffic(trace: &Trace, case: &Case, j: usize) -> f64 {
    trace.rps_at_minute((case.end_minute - j) % trace.minutes()) * WORK_SECONDS
}

/// The N the documented rule gives for the trace's peak over the window (own runs out).
fn expected_n(trace: &Trace, case: &Case) -> u32 {
    let peak = (1..=15)
        .map(|j| traffic(trace, case, j))
        .fold(0.0, f64::max);
    ((peak * 1.2).ceil() as u32).clamp(MIN, MAX)
}

/// Puts the 15 minutes before `now_minute` into moto: the trace's traffic, plus the warmer's
/// own runs in the minutes at whole 5-minute periods before it.
async fn seed(cloudwatch: &aws_sdk_cloudwatch::Client, now_minute: DateTime<Utc>) {
    for case in &CASES {
        let trace = Trace::load(case.shape).expect("a shipped trace");
        let data: Vec<MetricDatum> = (1..=15)
            .map(|j| {
                let own = if j % 5 == 0 { OWN_RUN_N } else { 0.0 };
                let at = now_minute - chrono::Duration::minutes(j as i64);
                MetricDatum::builder()
                    .metric_name("ConcurrentExecutions")
                    .dimensions(
                        Dimension::builder()
                            .name("FunctionName")
                            .value(case.function)
                            .build(),
                    )
                    .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from_secs(
                        at.timestamp(),
                    ))
                    .value(traffic(&trace, case, j) + own)
                    .unit(StandardUnit::Count)
                    .build()
            })
            .collect();
        cloudwatch
            .put_metric_data()
            .namespace("AWS/Lambda")
            .set_metric_data(Some(data))
            .send()
            .await
            .expect("moto takes the history");
    }
}

/// Seeds the 15 minutes before the current minute and returns that minute. The run must fall
/// in this minute, early enough that its own runs (up to 12 s) do not spill over the minute's
/// end: it starts at most 20 s into a minute (waiting for the next one when later).
async fn seed_this_minute(moto: &warm_tests::Moto) -> DateTime<Utc> {
    let mut now = Utc::now();
    if now.second() > 20 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - now.second()))).await;
        now = Utc::now();
    }
    let now_minute = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .expect("a whole minute");
    seed(&moto.cloudwatch_client(), now_minute).await;
    now_minute
}

async fn start(moto: &warm_tests::Moto) -> LocalLambda {
    let typed = warm_tests::binary("example-typed", "example-typed");
    let mut builder = LocalLambda::builder();
    for name in CASES.iter().map(|c| c.function).chain([QUIET]) {
        builder = builder.function(FunctionConfig::new(name, &typed));
    }
    let service = builder.start().await.expect("local-lambda starts");
    service
        .register(
            FunctionConfig::new("warmer", warm_tests::binary("warmer-fn", "warmer-fn"))
                .env("WARMER_ENDPOINT_URL", service.endpoint_url())
                .env("AWS_ENDPOINT_URL_CLOUDWATCH", moto.endpoint_url())
                .timeout(Duration::from_secs(60)),
        )
        .expect("the warmer registers");
    service
}

async fn invoke_warmer(lambda: &aws_sdk_lambda::Client) -> RunReport {
    let auto = serde_json::json!({"min": MIN, "max": MAX, "every_minutes": 5});
    let targets: Vec<_> = CASES
        .iter()
        .map(|c| c.function)
        .chain([QUIET])
        .map(|f| serde_json::json!({"function": f, "concurrency": "auto", "auto": auto}))
        .collect();
    let event = serde_json::json!({ "targets": targets });
    let body = warm_tests::invoke_ok(lambda, "warmer", &event).await;
    serde_json::from_slice(&body).expect("a run report")
}

fn target<'a>(report: &'a RunReport, function: &str) -> &'a TargetReport {
    report
        .targets
        .iter()
        .find(|t| t.function == function)
        .unwrap_or_else(|| panic!("no report for {function}: {report:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autopilot_warms_what_each_trace_needs_leaving_its_own_runs_out() {
    let moto = warm_tests::Moto::start();
    let service = start(&moto).await;
    let lambda = warm_tests::lambda_client(&service.endpoint_url());
    let now_minute = seed_this_minute(&moto).await;
    let report = invoke_warmer(&lambda).await;
    assert!(
        Utc::now() - now_minute < chrono::Duration::seconds(48),
        "the run took too long for its own runs' minutes to be known; rerun"
    );

    for case in &CASES {
        let trace = Trace::load(case.shape).unwrap();
        let want = expected_n(&trace, case);
        let t = target(&report, case.function);
        let choice = t.auto.as_ref().expect("an auto target's choice");
        assert_eq!(choice.n, want, "{}: {t:#?}", case.function);
        assert_eq!((t.requested, t.reached), (want, want), "{t:#?}");
        assert_eq!(choice.own_runs_left_out, 3, "{t:#?}");
        assert!(!choice.fell_back(), "{t:#?}");
        assert!(
            t.notes
                .iter()
                .any(|n| n.starts_with(&format!("auto: N {want}: peak"))),
            "the report says why: {:?}",
            t.notes
        );
        let emf = t.to_emf("Warmer", &report.correlation_id);
        assert_eq!(emf["AutoN"], want, "{emf}");
        assert_eq!(emf["AutoNoData"], 0, "{emf}");
    }
    let quiet = target(&report, QUIET);
    let choice = quiet.auto.as_ref().expect("an auto target's choice");
    assert_eq!((choice.n, quiet.reached), (MIN, MIN), "{quiet:#?}");
    assert!(choice.fell_back(), "{quiet:#?}");
    assert!(
        quiet.notes[0].contains("no data"),
        "the report says why: {:?}",
        quiet.notes
    );
    assert_eq!(quiet.to_emf("Warmer", "run")["AutoNoData"], 1);
    service.shutdown().await;
}

/// The `warmer` command with an empty home and no AWS setting but the endpoints: the Lambda
/// calls to `lambda_url` (if any), CloudWatch's to moto.
fn warmer_command(moto: &warm_tests::Moto) -> std::process::Command {
    let home = tempfile::tempdir().unwrap().keep();
    let mut command = std::process::Command::new(warm_tests::binary("warmer-cli", "warmer"));
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
    command
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", moto.endpoint_url())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn stdout_of(output: std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warmer_command_sizes_auto_from_cloudwatch_and_plans_from_it() {
    let moto = warm_tests::Moto::start();
    let service = start(&moto).await;
    seed_this_minute(&moto).await;
    let bursty = &CASES[2];
    let want = expected_n(&Trace::load(bursty.shape).unwrap(), bursty);

    // `warmer warm --concurrency auto`: the same rule, from this process.
    let output = warmer_command(&moto)
        .args(["warm", "--json", "--function", bursty.function])
        .args([
            "--concurrency",
            "auto",
            "--auto-min",
            "2",
            "--auto-max",
            "60",
            "--auto-every",
            "5",
        ])
        .arg("--endpoint-url")
        .arg(service.endpoint_url())
        .output()
        .expect("warmer runs");
    let report: RunReport = serde_json::from_str(&stdout_of(output)).expect("a report");
    let t = &report.targets[0];
    let choice = t.auto.as_ref().expect("the choice");
    // Told it runs every 5 minutes (`--auto-every`), it leaves those minutes out: here the
    // seeded runs.
    assert_eq!((choice.n, t.reached), (want, want), "{t:#?}");

    // `warmer plan --since`: the history read from CloudWatch, not from a file.
    let output = warmer_command(&moto)
        .args([
            "plan",
            "--json",
            "--since",
            "20m",
            "--function",
            bursty.function,
        ])
        .output()
        .expect("warmer runs");
    let plan: serde_json::Value = serde_json::from_str(&stdout_of(output)).expect("JSON");
    let notes = plan["notes"].to_string();
    assert!(notes.contains("CloudWatch"), "{plan:#}");
    assert!(
        notes.contains("15 samples"),
        "the 15 seeded minutes: {plan:#}"
    );
    service.shutdown().await;
}
