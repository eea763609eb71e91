//! `warmer loadtest` as a user runs it: the built binary against a real HTTP server on
//! 127.0.0.1 and against local-lambda running the demo function.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::Value;

const WARMER: &str = env!("CARGO_BIN_EXE_warmer");

/// Serves `app` on an ephemeral port and returns its URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/")
}

/// A server whose first `cold` responses say `x-warm-cold-start: true`, the rest `false`.
fn header_server(cold: u32) -> Router {
    let seen = Arc::new(AtomicU32::new(0));
    Router::new().route(
        "/",
        post(move || {
            let seen = Arc::clone(&seen);
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                // Hold a little so a wave's requests overlap as they do on a real function.
                tokio::time::sleep(Duration::from_millis(20)).await;
                let value = if n < cold { "true" } else { "false" };
                ([("x-warm-cold-start", value)], "ok")
            }
        }),
    )
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

async fn loadtest(args: &[&str]) -> Run {
    let output = tokio::process::Command::new(WARMER)
        .arg("loadtest")
        .args(args)
        .output()
        .await
        .expect("warmer starts");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[tokio::test]
async fn http_cold_start_header_classifies_each_wave_exactly() {
    let url = serve(header_server(4)).await;
    let run = loadtest(&["--url", &url, "-c", "4", "--waves", "2", "--json"]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let json = run.json();
    assert_eq!(
        json["counts"],
        serde_json::json!({"cold": 4, "warm": 4, "errors": 0})
    );
    assert_eq!(json["methods"], serde_json::json!({"header": 8}));
    let samples = json["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 8);
    for sample in samples {
        let expected = if sample["wave"] == 0 { "cold" } else { "warm" };
        assert_eq!(sample["start"], expected, "{sample}");
        assert_eq!(sample["method"], "header");
    }
    for class in ["cold", "warm", "all"] {
        let p = &json["latency_ms"][class];
        for key in ["count", "p50", "p90", "p99", "max"] {
            assert!(p[key].is_number(), "latency_ms.{class}.{key} missing: {p}");
        }
    }
    assert!(
        run.stderr.is_empty(),
        "no progress bar with --json: {}",
        run.stderr
    );
}

#[tokio::test]
async fn http_without_signal_falls_back_to_threshold_and_says_so() {
    let seen = Arc::new(AtomicU32::new(0));
    let app = Router::new().route(
        "/",
        post(move || {
            let seen = Arc::clone(&seen);
            async move {
                if seen.fetch_add(1, Ordering::SeqCst) < 3 {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                }
                "plain"
            }
        }),
    );
    let url = serve(app).await;
    let run = loadtest(&[
        "--url",
        &url,
        "-c",
        "3",
        "--waves",
        "2",
        "--threshold-ms",
        "300",
    ])
    .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("cold 3  warm 3  errors 0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("classified by: threshold (6) [a guess: >= 300 ms counted cold]"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn http_server_errors_are_counted_and_fail_the_run() {
    let app = Router::new().route(
        "/",
        post(|| async { StatusCode::INTERNAL_SERVER_ERROR.into_response() }),
    );
    let url = serve(app).await;
    let run = loadtest(&["--url", &url, "-c", "3", "--json"]).await;
    assert_eq!(run.code, Some(1));
    let json = run.json();
    assert_eq!(
        json["counts"],
        serde_json::json!({"cold": 0, "warm": 0, "errors": 3})
    );
    assert!(json["latency_ms"]["all"].is_null());
    assert_eq!(
        json["samples"][0]["error"],
        "HTTP 500 Internal Server Error"
    );
}

#[tokio::test]
async fn chart_is_drawn_as_svg_and_png() {
    let url = serve(header_server(2)).await;
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("burst.svg");
    let png = dir.path().join("burst.png");
    for path in [&svg, &png] {
        let run = loadtest(&[
            "--url",
            &url,
            "-c",
            "2",
            "--waves",
            "2",
            "--chart",
            path.to_str().unwrap(),
        ])
        .await;
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.contains("chart: "), "{}", run.stdout);
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains("wave 1") && text.contains("wave 2"),
        "waves are named"
    );
    assert_eq!(
        text.matches("<circle").count(),
        4 + 2,
        "4 requests and 2 legend marks"
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn bad_flags_get_errors_naming_the_flag() {
    let run = loadtest(&["--url", "ftp://example.com/", "-c", "2"]).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--url") && run.stderr.contains("http://"),
        "{}",
        run.stderr
    );

    let run = loadtest(&[
        "--url",
        "http://127.0.0.1:9/",
        "-c",
        "2",
        "--chart",
        "x.gif",
    ])
    .await;
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("--chart x.gif"), "{}", run.stderr);

    let run = loadtest(&[
        "--url",
        "http://127.0.0.1:9/",
        "-c",
        "2",
        "--body",
        "/no/such/file",
    ])
    .await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--body /no/such/file"),
        "{}",
        run.stderr
    );

    let run = loadtest(&["-c", "2"]).await;
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("--url") && run.stderr.contains("--function"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn unreachable_url_is_an_error_per_request_not_a_crash() {
    // Bind then drop: the port is closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let run = loadtest(&["--url", &url, "-c", "2", "--json"]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.json()["counts"]["errors"], 2);
}

/// local-lambda running the demo function (the `warmer` binary itself).
async fn demo_function() -> local_lambda::LocalLambda {
    let function = local_lambda::FunctionConfig::new("loadtest-fn", WARMER)
        .arg(warmer_cli::demo::function::SUBCOMMAND)
        .env(warmer_cli::demo::function::INIT_MS_ENV, "50");
    local_lambda::LocalLambda::builder()
        .function(function)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn lambda_invokes_read_the_header_inside_the_api_gateway_response() {
    let service = demo_function().await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("event.json");
    std::fs::write(&body, warmer_cli::demo::API_GATEWAY_REQUEST).unwrap();
    let endpoint = service.endpoint_url().to_string();
    let run = loadtest(&[
        "--function",
        "loadtest-fn",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "-c",
        "3",
        "--waves",
        "2",
        "--json",
        "--body",
        body.to_str().unwrap(),
    ])
    .await;
    service.shutdown().await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(
        json["counts"],
        serde_json::json!({"cold": 3, "warm": 3, "errors": 0})
    );
    assert_eq!(json["methods"], serde_json::json!({"payload_header": 6}));
}

#[tokio::test]
async fn lambda_warmup_answers_are_read_from_their_cold_field() {
    let service = demo_function().await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("warmup.json");
    std::fs::write(&body, r#"{"warmer": true, "delay": 0}"#).unwrap();
    let endpoint = service.endpoint_url().to_string();
    let run = loadtest(&[
        "--function",
        "loadtest-fn",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "-c",
        "2",
        "--waves",
        "2",
        "--json",
        "--body",
        body.to_str().unwrap(),
    ])
    .await;
    service.shutdown().await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(
        json["counts"],
        serde_json::json!({"cold": 2, "warm": 2, "errors": 0})
    );
    assert_eq!(json["methods"], serde_json::json!({"cold_field": 4}));
}

/// `--trace` replays a trace file against local-lambda with the warmer beside it: every user
/// request is answered and counted, and the warmer's runs are counted apart from them.
#[tokio::test]
async fn a_trace_is_replayed_with_the_warmer_beside_it() {
    let function = local_lambda::FunctionConfig::new("trace-fn", WARMER)
        .arg(warmer_cli::demo::function::SUBCOMMAND)
        .env(warmer_cli::demo::function::WORK_MS_ENV, "50");
    let service = local_lambda::LocalLambda::builder()
        .function(function)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("event.json");
    std::fs::write(&body, warmer_cli::demo::API_GATEWAY_REQUEST).unwrap();
    // 3 minutes of trace at 2 requests per second, at 60x: 3 s, 6 requests (2 x 60 / 60 a minute).
    let trace = dir.path().join("trace.csv");
    std::fs::write(&trace, "minute,rps\n0,2\n1,2\n2,2\n").unwrap();
    let endpoint = service.endpoint_url().to_string();
    let run = loadtest(&[
        "--function",
        "trace-fn",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
        "--trace",
        trace.to_str().unwrap(),
        "--speed",
        "60",
        "--warm-n",
        "2",
        "--warm-every-minutes",
        "1",
        "--json",
        "--body",
        body.to_str().unwrap(),
    ])
    .await;
    service.shutdown().await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    assert_eq!(json["requests"], 6, "{json}");
    assert_eq!(json["errors"], 0, "{json}");
    assert_eq!(json["throttled"], 0, "{json}");
    assert_eq!(
        json["cold"].as_u64().unwrap() + json["warm"].as_u64().unwrap(),
        6,
        "{json}"
    );
    // Three runs (trace minutes 0, 1 and 2), two warm-ups each.
    assert_eq!(json["warmer_runs"], 3, "{json}");
    assert_eq!(json["warmup_invocations"], 6, "{json}");
    assert!(json["env_seconds_held"].as_f64().unwrap() > 0.0, "{json}");
    assert_eq!(json["strategy"], "warmer, defaults, N 2", "{json}");
}

#[tokio::test]
async fn trace_flags_get_errors_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "minute,rps\n0,1\n2,1\n").unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--url", "http://127.0.0.1:9/", "--trace", "steady"],
            "--function",
        ),
        (
            &[
                "--function",
                "f",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--trace",
                bad.to_str().unwrap(),
            ],
            "line 3",
        ),
        (
            &[
                "--function",
                "f",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--trace",
                "steady",
                "--speed",
                "0",
            ],
            "--speed",
        ),
    ];
    for (args, needle) in cases {
        let run = loadtest(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}
