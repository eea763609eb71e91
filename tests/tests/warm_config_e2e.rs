//! `warmer warm --config`: the pre-warm step of a deploy pipeline, against local-lambda running
//! the example function. Every target of the file is warmed with the N its schedule uses at
//! the instant given, in one run; `--dry-run` checks each target without warming it.

use std::process::{Command, Output};
use std::time::Duration;

use local_lambda::{FunctionConfig, LocalLambda};

const CONFIG: &str = r#"
[[warmers]]
name = "api"
schedule = "rate(5 minutes)"
timezone = "UTC"

[[warmers.targets]]
function = "orders"
concurrency = 2

[[warmers.targets]]
function = "search"
concurrency = 1

[[warmers.profiles]]
days = "MON-FRI"
hours = "08:00-20:00"
concurrency = 4
"#;

async fn start() -> LocalLambda {
    let binary = warm_tests::binary("example-typed", "example-typed");
    LocalLambda::builder()
        .function(FunctionConfig::new("orders", &binary).timeout(Duration::from_secs(30)))
        .function(FunctionConfig::new("search", &binary).timeout(Duration::from_secs(30)))
        .start()
        .await
        .expect("local-lambda starts on loopback")
}

fn warmer(service: &LocalLambda, config: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("warmer.toml");
    std::fs::write(&path, config).unwrap();
    Command::new(warm_tests::binary("warmer-cli", "warmer"))
        .args(["warm", "--json", "--endpoint-url"])
        .arg(service.endpoint_url())
        .arg("--config")
        .arg(&path)
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("warmer runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_target_is_warmed_with_the_n_of_the_window_in_force() {
    let service = start().await;
    // Monday 10:00 UTC: the weekday window holds 4 of each target.
    let out = warmer(&service, CONFIG, &["--at", "2026-11-30T10:00:00Z"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    let reached: Vec<(String, u64)> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["function"].as_str().unwrap().to_owned(),
                t["reached"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reached,
        [("orders".to_owned(), 4), ("search".to_owned(), 4)]
    );
    assert_eq!(service.function_stats("orders").unwrap().live, 4);

    // Sunday: outside the window, the targets' own N.
    let out = warmer(&service, CONFIG, &["--at", "2026-11-29T10:00:00Z"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["targets"][0]["requested"], 2);
    assert_eq!(report["targets"][1]["requested"], 1);
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_reports_each_target_and_warms_none() {
    let service = start().await;
    let with_missing = CONFIG.replace("function = \"search\"", "function = \"missing\"");
    let out = warmer(&service, &with_missing, &["--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a refused target fails the step"
    );
    let checks = json(&out);
    assert_eq!(
        checks[0],
        serde_json::json!({"function": "orders", "ok": true})
    );
    assert_eq!(checks[1]["ok"], false);
    assert_eq!(checks[1]["error_type"], "ResourceNotFoundException");
    assert!(
        checks[1]["reason"]
            .as_str()
            .unwrap()
            .contains("check the name"),
        "{checks}"
    );
    // Nothing ran: no environment was started by the dry run.
    assert_eq!(service.function_stats("orders").unwrap().cold_starts, 0);

    let out = warmer(&service, CONFIG, &["--dry-run", "--warmer", "web"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no such warmer; it has api"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    service.shutdown().await;
}
