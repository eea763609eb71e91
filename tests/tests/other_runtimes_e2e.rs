//! Python and Node.js functions answer warm-ups as warm-sdk does: the examples
//! `examples/python-function/bootstrap` (AWS's runtime interface client `awslambdaric` with
//! warm-sdk-python) and `examples/node-function/bootstrap` (a Runtime API loop with
//! warm-sdk-node) run in local-lambda as `NAME=PATH`; warming each at 20 reaches 20 distinct
//! environments with known coverage, and a user event reaches the handler unchanged.
//!
//! Needs `python3` (awslambdaric is installed into `target/py`, as `scripts/test` does, from
//! PyPI once) and `node`; without one, its test says that it skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};
use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
use warmer_fn::target::Target;

const N: u32 = 20;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether `tool --version` runs; says that the test skipped when it does not.
fn present(tool: &str, test: &str) -> bool {
    let runs = Command::new(tool).arg("--version").output().is_ok();
    if !runs {
        eprintln!(
            "SKIPPED {test}: `{tool}` is not installed (install it, as .ci/run does, to run it)"
        );
    }
    runs
}

/// `target/py/bin/python`, with awslambdaric installed (from a wheel) when it is not yet.
fn python_with_awslambdaric() -> PathBuf {
    let venv = repo().join("target/py");
    let python = venv.join("bin/python");
    let imports = |python: &Path| {
        Command::new(python)
            .args(["-c", "import awslambdaric"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    if !imports(&python) {
        if !python.exists() {
            let made = Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv)
                .status();
            assert!(
                made.is_ok_and(|s| s.success()),
                "python3 -m venv {}",
                venv.display()
            );
        }
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(["--only-binary=:all:", "awslambdaric"])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "pip install awslambdaric into {}",
            venv.display()
        );
        assert!(
            imports(&python),
            "awslambdaric does not import after installing it"
        );
    }
    python
}

async fn serve(function: FunctionConfig) -> LocalLambda {
    LocalLambda::builder()
        .function(function.timeout(Duration::from_secs(30)))
        .start()
        .await
        .expect("local-lambda starts")
}

/// Warms `name` at N: every answer is a warm-up answer from its own environment.
async fn warms_n_environments(service: &LocalLambda, name: &str) {
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let options = RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(90)),
        ..RunOptions::default()
    };
    let report = warm(&lambda, &[Target::new(name, N)], &options).await;
    let t = &report.targets[0];
    assert_eq!((t.reached, t.new, t.unknown), (N, N, 0), "{t:#?}");
    assert!(t.coverage_known && t.ok && report.ok, "{t:#?}");
    assert_eq!(service.function_stats(name).unwrap().live, N as usize);
}

/// A user event that carries the flag where it is not a warm-up reaches the handler, which
/// echoes it.
async fn user_event_reaches_the_handler(service: &LocalLambda, name: &str) {
    let event = json!({
        "rawPath": "/orders", "body": "{\"warmer\": true}", "warmer": "true",
        "detail": {"warmer": true}, "n": [1, 2.5, null]
    });
    let output = warm_tests::lambda_client(&service.endpoint_url())
        .invoke()
        .function_name(name)
        .payload(Blob::new(serde_json::to_vec(&event).unwrap()))
        .send()
        .await
        .expect("invoke succeeds");
    assert_eq!(output.function_error(), None);
    let answer: Value = serde_json::from_slice(output.payload().unwrap().as_ref()).unwrap();
    assert_eq!(answer["handled_by"], "user code", "{answer}");
    assert_eq!(answer["event"], event, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_python_function_with_warm_sdk_python_proves_n_environments() {
    if !present(
        "python3",
        "a_python_function_with_warm_sdk_python_proves_n_environments",
    ) {
        return;
    }
    // Lambda sets PATH itself (so does local-lambda): the bootstrap reads $PYTHON.
    let python = python_with_awslambdaric();
    let bootstrap = repo().join("examples/python-function/bootstrap");
    let function =
        FunctionConfig::new("python-fn", bootstrap).env("PYTHON", python.display().to_string());
    let service = serve(function).await;
    warms_n_environments(&service, "python-fn").await;
    user_event_reaches_the_handler(&service, "python-fn").await;
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_function_with_warm_sdk_node_proves_n_environments() {
    if !present(
        "node",
        "a_node_function_with_warm_sdk_node_proves_n_environments",
    ) {
        return;
    }
    let bootstrap = repo().join("examples/node-function/bootstrap");
    let service = serve(FunctionConfig::new("node-fn", bootstrap)).await;
    warms_n_environments(&service, "node-fn").await;
    user_event_reaches_the_handler(&service, "node-fn").await;
    service.shutdown().await;
}

/// The `warmer` command itself: exit 0 and `reached` 20 in its JSON, not coverage unknown
/// (exit 3), against the Node.js example.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_warmer_command_reports_reached_n_for_a_node_function() {
    if !present(
        "node",
        "the_warmer_command_reports_reached_n_for_a_node_function",
    ) {
        return;
    }
    let bootstrap = repo().join("examples/node-function/bootstrap");
    let service = serve(FunctionConfig::new("node-cli", bootstrap)).await;
    let output = Command::new(warm_tests::binary("warmer-cli", "warmer"))
        .args([
            "warm",
            "--function",
            "node-cli",
            "--concurrency",
            "20",
            "--json",
        ])
        .arg("--endpoint-url")
        .arg(service.endpoint_url())
        .env_remove("AWS_PROFILE")
        .output()
        .expect("warmer runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).expect("--json prints the report");
    assert_eq!(report["targets"][0]["reached"], N, "{report:#}");
    assert_eq!(report["targets"][0]["coverage_known"], true, "{report:#}");
    service.shutdown().await;
}
