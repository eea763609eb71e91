//! `--profile` on the subcommands that call AWS: the named profile of a temporary shared config
//! and credentials file gives the endpoint (a local-lambda on 127.0.0.1), the region and the
//! credentials, as the AWS CLI's `--profile` does. A recording TCP relay in front of
//! local-lambda shows which access key and region signed each request.

mod handler_support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use local_lambda::{FunctionConfig, LocalLambda};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TARGET: &str = "orders";
const ACCESS_KEY: &str = "AKIDPROFILEWARMTEST";

/// Relays every connection to `upstream` and keeps what the clients sent.
async fn recording_relay(upstream: std::net::SocketAddr) -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = client_read.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        record.lock().unwrap().extend_from_slice(&buf[..n]);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (url, seen)
}

/// A shared config and credentials file whose profile `warm-test` points at `endpoint`.
fn profile_files(dir: &Path, endpoint: &str) {
    std::fs::write(
        dir.join("config"),
        format!(
            "[default]\nregion = us-west-2\n\n[profile warm-test]\nregion = eu-central-1\nendpoint_url = {endpoint}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        format!(
            "[warm-test]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = profile-secret\n"
        ),
    )
    .unwrap();
}

/// Runs `warmer ARGS` with only the temporary files to configure AWS: no AWS variables from the
/// environment, and no instance metadata lookups.
fn warmer(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(warm_tests::binary("warmer-cli", "warmer"));
    cmd.args(args)
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("warmer runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_and_loadtest_use_the_named_profiles_endpoint_region_and_credentials() {
    let service = LocalLambda::builder()
        .function(
            FunctionConfig::new(TARGET, warm_tests::binary("example-http", "example-http"))
                .timeout(Duration::from_secs(30)),
        )
        .start()
        .await
        .unwrap();
    let (relay, seen) = recording_relay(service.local_addr()).await;
    let dir = tempfile::tempdir().unwrap();
    profile_files(dir.path(), &relay);

    let dir_path = dir.path().to_path_buf();
    let warm = tokio::task::spawn_blocking(move || {
        warmer(
            &dir_path,
            &[
                "warm",
                "--function",
                TARGET,
                "--concurrency",
                "3",
                "--json",
                "--profile",
                "warm-test",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        warm.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&warm.stdout),
        String::from_utf8_lossy(&warm.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&warm.stdout).unwrap();
    assert_eq!(report["targets"][0]["reached"], 3, "{report:#}");

    let sent = String::from_utf8_lossy(&seen.lock().unwrap()).to_string();
    let credential = format!("Credential={ACCESS_KEY}/");
    assert!(
        sent.contains(&credential),
        "not signed with the profile's key:\n{sent}"
    );
    assert!(
        sent.contains("/eu-central-1/lambda/aws4_request"),
        "not signed for the profile's region:\n{sent}"
    );
    assert!(
        !sent.contains("us-west-2"),
        "the default profile leaked in:\n{sent}"
    );

    seen.lock().unwrap().clear();
    let body = dir.path().join("event.json");
    std::fs::write(
        &body,
        handler_support::apigw_v2_event("GET", "/orders", "").to_string(),
    )
    .unwrap();
    let body = body.to_str().unwrap().to_string();
    let dir_path = dir.path().to_path_buf();
    let loadtest = tokio::task::spawn_blocking(move || {
        warmer(
            &dir_path,
            &[
                "loadtest",
                "--function",
                TARGET,
                "--concurrency",
                "2",
                "--json",
                "--body",
                &body,
                "--profile",
                "warm-test",
            ],
        )
    })
    .await
    .unwrap();
    assert!(
        loadtest.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&loadtest.stdout),
        String::from_utf8_lossy(&loadtest.stderr)
    );
    let sent = String::from_utf8_lossy(&seen.lock().unwrap()).to_string();
    assert!(
        sent.contains(&credential),
        "loadtest ignored the profile:\n{sent}"
    );
    assert!(sent.contains("/eu-central-1/lambda/aws4_request"), "{sent}");
    service.shutdown().await;
}

#[test]
fn an_unknown_profile_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    profile_files(dir.path(), "http://127.0.0.1:9");
    let out = warmer(
        dir.path(),
        &[
            "warm",
            "--function",
            TARGET,
            "--concurrency",
            "1",
            "--profile",
            "no-such-profile",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--profile"), "{stderr}");
    assert!(stderr.contains("no-such-profile"), "{stderr}");
    assert!(
        stderr.contains("warm-test"),
        "the error lists the profiles there are: {stderr}"
    );
}
