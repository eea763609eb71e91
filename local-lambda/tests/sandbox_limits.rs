//! Lambda's limits inside a sandbox, and the end of everything a sandbox started: the
//! open-file limit, and helpers that left the sandbox's process group with `setsid`.

mod common;

use common::{blob, client, ended, fixture, json, wait_ended};
use local_lambda::{FunctionConfig, LocalLambda};
use serde_json::{Value, json};

async fn invoke(lambda: &LocalLambda, name: &str, payload: Value) -> (Option<String>, Value) {
    let out = client(&lambda.endpoint_url())
        .invoke()
        .function_name(name)
        .payload(blob(payload))
        .send()
        .await
        .expect("invoke succeeds");
    (out.function_error().map(str::to_owned), json(out.payload()))
}

#[tokio::test]
async fn sandbox_has_lambdas_open_file_limit_soft_and_hard() {
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("limits", fixture()))
        .start()
        .await
        .unwrap();
    let (error, body) = invoke(&lambda, "limits", json!({"op": "limits"})).await;
    assert_eq!(error, None, "{body}");
    let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .maximum
        .unwrap_or(u64::MAX);
    // Lambda's 1,024, unless this machine's own hard limit is lower.
    let expected = 1024.min(hard).to_string();
    assert_eq!(body["soft"], expected.as_str(), "{body}");
    assert_eq!(body["hard"], expected.as_str(), "{body}");

    // A test that needs more may opt out and inherit this process's limits.
    lambda
        .register(FunctionConfig::new("inherits", fixture()).open_files_limit(None))
        .unwrap();
    let (_, body) = invoke(&lambda, "inherits", json!({"op": "limits"})).await;
    let ours = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    let shown = |v: Option<u64>| v.map_or("unlimited".to_owned(), |v| v.to_string());
    assert_eq!(body["soft"], shown(ours.current).as_str(), "{body}");
    assert_eq!(body["hard"], shown(ours.maximum).as_str(), "{body}");
}

#[tokio::test]
async fn a_helper_that_called_setsid_ends_with_its_sandbox_and_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let lambda = LocalLambda::builder()
        .function(FunctionConfig::new("escapes", fixture()))
        .start()
        .await
        .unwrap();
    let pid_file = dir.path().join("first.pid");
    let (error, _) = invoke(
        &lambda,
        "escapes",
        json!({"op": "setsid", "path": pid_file}),
    )
    .await;
    assert_eq!(error, None);
    let first = std::fs::read_to_string(&pid_file).unwrap();
    assert!(!ended(&first), "the helper runs while its sandbox lives");
    // The function crashes: the helper, in its own session, ends with the sandbox.
    let (error, _) = invoke(&lambda, "escapes", json!({"op": "crash"})).await;
    assert_eq!(error.as_deref(), Some("Unhandled"));
    assert!(
        wait_ended(&first).await,
        "setsid helper {first} outlived its crashed sandbox"
    );

    let pid_file = dir.path().join("second.pid");
    invoke(
        &lambda,
        "escapes",
        json!({"op": "setsid", "path": pid_file}),
    )
    .await;
    let second = std::fs::read_to_string(&pid_file).unwrap();
    assert!(!ended(&second));
    lambda.shutdown().await;
    assert!(
        wait_ended(&second).await,
        "setsid helper {second} outlived shutdown"
    );
}
