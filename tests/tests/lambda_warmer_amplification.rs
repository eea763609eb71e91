//! No amplification: a Node.js function that uses the real `lambda-warmer` package from npm
//! (2.3.0, which fans out `concurrency - 1` more invokes of itself whenever a ping carries
//! `warmer: true` and a top-level `concurrency` above 1) runs in local-lambda, its AWS SDK
//! pointed at local-lambda. Warming it with the engine at N makes exactly N invocations: the
//! wire form carries the run's position in `__WARMER_INVOCATION__` / `__WARMER_CONCURRENCY__`,
//! which lambda-warmer logs and never fans out on. The old wire form (a top-level
//! `concurrency`) made N².
//!
//! Needs `node` and `npm` (and the npm registry, once: the packages are installed under
//! `target/lambda-warmer-node/`). Without `node` or `npm` the test says that it skipped;
//! `.ci/run` installs both so that CI never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use local_lambda::{FunctionConfig, LocalLambda};
use warmer_fn::engine::{ClientOptions, RunOptions, client, warm};
use warmer_fn::target::Target;

const FUNCTION: &str = "node-lambda-warmer";
const N: u32 = 4;

/// `target/lambda-warmer-node/` with lambda-warmer 2.3.0 and the AWS SDK's Lambda client
/// installed, and the bootstrap copied in; `None` (after saying so) without node or npm.
///
/// The tests of this file run in parallel and share the directory: one installs, the others
/// wait for it (two `npm install` in one directory at once make one of them fail).
fn node_function_dir() -> Option<PathBuf> {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _installing = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    for tool in ["node", "npm"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!(
                "SKIPPED lambda_warmer_amplification: `{tool}` is not installed \
                 (install node and npm, as .ci/run does, to run it)"
            );
            return None;
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/lambda-warmer-node");
    std::fs::create_dir_all(&dir).expect("create target/lambda-warmer-node");
    if !dir.join("node_modules/lambda-warmer/package.json").exists()
        || !dir
            .join("node_modules/@aws-sdk/client-lambda/package.json")
            .exists()
    {
        // lambda-warmer requires `@aws-sdk/client-lambda` without declaring it.
        let status = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "lambda-warmer@2.3.0",
                "@aws-sdk/client-lambda@3",
            ])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(
            status.success(),
            "npm install lambda-warmer@2.3.0 @aws-sdk/client-lambda@3 failed in {}",
            dir.display()
        );
    }
    let bootstrap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lambda_warmer_node/bootstrap.js");
    std::fs::copy(&bootstrap, dir.join("bootstrap.js")).expect("copy bootstrap.js");
    Some(dir)
}

async fn start(dir: &Path) -> LocalLambda {
    // The function's SDK needs local-lambda's address before it starts: take a free port
    // first (the listener is dropped just before local-lambda binds it).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let function = FunctionConfig::new(FUNCTION, "/usr/bin/env")
        .arg("node")
        .arg(dir.join("bootstrap.js").display().to_string())
        .timeout(Duration::from_secs(30))
        // The AWS SDK for JavaScript v3 reads a service's endpoint from
        // AWS_ENDPOINT_URL_<SERVICE> (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
        .env("AWS_ENDPOINT_URL_LAMBDA", endpoint.as_str())
        .env("AWS_ENDPOINT_URL", endpoint.as_str())
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "us-east-1")
        .env("NODE_PATH", dir.join("node_modules").display().to_string());
    LocalLambda::builder()
        .port(port)
        .function(function)
        .start()
        .await
        .expect("local-lambda starts on the chosen port")
}

async fn invocations(service: &LocalLambda) -> u64 {
    service
        .function_stats(FUNCTION)
        .map_or(0, |stats| stats.invocations)
}

/// Waits until the invocation count has stayed put for a second (asynchronous fan-out invokes
/// run after the synchronous ones return), at most 30 s.
async fn settled_invocations(service: &LocalLambda) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = invocations(service).await;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = invocations(service).await;
        if now == last || Instant::now() > deadline {
            return now;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warming_a_lambda_warmer_function_at_n_makes_exactly_n_invocations() {
    let Some(dir) = node_function_dir() else {
        return;
    };
    let service = start(&dir).await;
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    let options = RunOptions {
        deadline: Some(Instant::now() + Duration::from_secs(60)),
        ..RunOptions::default()
    };
    let report = warm(&lambda, &[Target::new(FUNCTION, N)], &options).await;
    assert_eq!(report.targets[0].requested, N, "{report:#?}");
    assert_eq!(
        settled_invocations(&service).await,
        u64::from(N),
        "the engine's warm-ups made lambda-warmer fan out: {report:#?}"
    );
    service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_wire_form_with_a_top_level_concurrency_made_n_squared() {
    let Some(dir) = node_function_dir() else {
        return;
    };
    let service = start(&dir).await;
    let lambda = client(&ClientOptions {
        endpoint_url: Some(service.endpoint_url()),
        region: None,
    })
    .await;
    // What `WarmupRequest` wrote before: `index` and a top-level `concurrency`.
    let sends = (1..=N).map(|index| {
        let payload = serde_json::json!({
            "warmer": true, "delay": 100, "correlation_id": "old-run",
            "index": index, "concurrency": N,
        });
        lambda
            .invoke()
            .function_name(FUNCTION)
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(serde_json::to_vec(&payload).unwrap()))
            .send()
    });
    for result in futures_join(sends).await {
        result.expect("invoke succeeds");
    }
    // Each of the N invocations fanned out N - 1 more.
    assert_eq!(settled_invocations(&service).await, u64::from(N * N));
    service.shutdown().await;
}

/// Runs the futures concurrently on this runtime and collects their outputs.
async fn futures_join<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task completes"));
    }
    outputs
}
