//! Shared by the integration tests: the fixture functions and an AWS SDK client for a
//! local-lambda endpoint.

#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

/// `target/<profile>/examples/fixture_function`, built if `cargo test` did not build it
/// (e.g. when run with `--test`).
pub fn fixture() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| example("fixture_function")).clone()
}

/// `target/<profile>/examples/flood_function`, the function that floods the service
/// (`FLOOD=response|error|logs`), built if needed.
pub fn flood() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| example("flood_function")).clone()
}

/// The example binary `name` of this package, built if it is not there.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    if !path.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--quiet", "-p", "local-lambda", "--example", name]);
        if profile_dir.file_name().and_then(|n| n.to_str()) == Some("release") {
            cmd.arg("--release");
        }
        if let Some(target_dir) = profile_dir.parent() {
            cmd.arg("--target-dir").arg(target_dir);
        }
        let out = cmd.output().expect("cargo could not be started");
        assert!(
            out.status.success(),
            "building the example {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    path
}

/// The Python runtime fixture.
pub fn python_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/echo_runtime.py")
}

/// An SDK client for the endpoint: dummy credentials, us-east-1, no retries (the one client
/// every test tree of the workspace uses).
pub fn client(endpoint_url: &str) -> Client {
    warm_tests::lambda_client(endpoint_url)
}

/// The JSON of an invoke's payload.
pub fn json(payload: Option<&Blob>) -> Value {
    serde_json::from_slice(payload.expect("a payload").as_ref()).expect("JSON payload")
}

/// A payload blob from JSON.
pub fn blob(value: Value) -> Blob {
    Blob::new(serde_json::to_vec(&value).unwrap())
}

/// Whether process `pid` has ended (gone, or a zombie waiting for its reaper).
pub fn ended(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Waits (at most 5 s) until process `pid` has ended; whether it did.
pub async fn wait_ended(pid: &str) -> bool {
    for _ in 0..250 {
        if ended(pid) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}
