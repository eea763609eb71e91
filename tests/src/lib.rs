//! Test support for the whole workspace, in one place: builds the workspace's function
//! binaries on demand (so that a plain `cargo test --workspace` needs no prior build step), and
//! makes the AWS SDK client every test points at a local Lambda service.
//!
//! ```no_run
//! let path = warm_tests::binary("example-typed", "example-typed");
//! assert!(path.exists());
//! let lambda = warm_tests::lambda_client("http://127.0.0.1:9001");
//! ```

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::timeout::TimeoutConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};

/// An AWS SDK Lambda client for a local endpoint: explicit dummy credentials and region (the
/// default chain would probe the instance-metadata address), retries off (every refusal is
/// seen as it was sent), a 30 s connect timeout (accepting a 1,000-invoke burst takes longer
/// than the SDK's default 3.1 s) and a 120 s operation timeout, so no test waits forever.
///
/// ```
/// let client = warm_tests::lambda_client("http://127.0.0.1:9001");
/// assert_eq!(client.config().region().map(|r| r.as_ref()), Some("us-east-1"));
/// ```
pub fn lambda_client(endpoint_url: &str) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDLOCAL", "secret", None, None, "tests"))
        .endpoint_url(endpoint_url)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(120))
                .build(),
        )
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

/// Invokes `function` synchronously with the JSON `event` and returns the answer's body;
/// panics (with the body) when the invoke fails or the function answers with an error.
///
/// ```no_run
/// # async fn demo() {
/// let lambda = warm_tests::lambda_client("http://127.0.0.1:9001");
/// let event = serde_json::json!({"functionName": "orders", "concurrency": 3});
/// let body = warm_tests::invoke_ok(&lambda, "warmer", &event).await;
/// # let _ = body;
/// # }
/// ```
pub async fn invoke_ok(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    event: &serde_json::Value,
) -> Vec<u8> {
    let output = lambda
        .invoke()
        .function_name(function)
        .payload(aws_sdk_lambda::primitives::Blob::new(event.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoking {function}: {e:?}"));
    let body = output
        .payload()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    assert_eq!(
        output.function_error(),
        None,
        "{function} answered with an error: {}",
        String::from_utf8_lossy(&body)
    );
    body
}

/// Builds `bin` of `package` (same profile and target dir as the running test) once per test
/// process and returns the path of the executable. The whole workspace's binaries are built
/// together, so later calls in the same process find theirs ready.
///
/// Panics with the build output when the build fails: a test cannot go on without its binary.
pub fn binary(package: &str, bin: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.get(bin) {
        return path.clone();
    }
    let profile_dir = profile_dir();
    // Select what `cargo test --workspace` selects (every package, with its tests), so that
    // feature unification matches the outer build and only the missing binaries are linked;
    // `-p package` alone would resolve other features and rebuild half the dependency tree.
    let mut args = vec!["--workspace", "--bins", "--tests"];
    if profile_dir.file_name().and_then(|n| n.to_str()) == Some("release") {
        args.push("--release");
    }
    cargo_build(&args, &format!("{package}/{bin}"));
    let path = profile_dir.join(bin);
    assert!(path.exists(), "{} was not built", path.display());
    built.insert(bin.to_owned(), path.clone());
    path
}

/// `target/<profile>` of the running test executable (which lives in `target/<profile>/deps`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe
        .parent()
        .expect("test executable has a parent directory");
    deps.parent()
        .expect("deps has a parent directory")
        .to_path_buf()
}

/// Builds binary `bin` of `package` alone, with cargo profile `profile`, into the running
/// executable's target dir, and returns its path (`target/<profile>/<bin>`).
///
/// Unlike [`binary`], only `package` is selected, so its dependencies get the features it asks
/// for and nothing the rest of the workspace enables: what a user's own function would be
/// built with. Panics with the build output when the build fails.
///
/// ```no_run
/// let plain = warm_tests::isolated_binary("footprint-plain", "footprint-plain", "deploy");
/// assert!(plain.ends_with("deploy/footprint-plain"));
/// ```
pub fn isolated_binary(package: &str, bin: &str, profile: &str) -> PathBuf {
    cargo_build(
        &["--package", package, "--bin", bin, "--profile", profile],
        &format!("{package}/{bin} with profile {profile}"),
    );
    let dir = if profile == "dev" { "debug" } else { profile };
    let path = target_dir().join(dir).join(bin);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// Runs `cargo build --quiet ARGS` into the running executable's target dir; panics with the
/// build output, naming `what`, when the build fails.
///
/// The variables `cargo test` sets for the running test (`CARGO_MANIFEST_DIR`,
/// `CARGO_PKG_NAME`, ...) are removed first, so that the inner build sees the environment of
/// the outer one: some build scripts (`ring`'s) rerun when `CARGO_MANIFEST_DIR` differs, and
/// the inner and outer builds would otherwise rebuild them, and all that depends on them, in
/// turn.
fn cargo_build(args: &[&str], what: &str) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(is_set_by_cargo_for_the_test) {
            command.env_remove(key);
        }
    }
    let output = command
        .args(["build", "--quiet"])
        .args(args)
        .arg("--target-dir")
        .arg(target_dir())
        .output()
        .expect("cargo could not be started");
    assert!(
        output.status.success(),
        "building {what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether cargo sets the variable `key` for a running test or binary, rather than the user
/// for cargo (<https://doc.rust-lang.org/cargo/reference/environment-variables.html#environment-variables-cargo-sets-for-crates>).
fn is_set_by_cargo_for_the_test(key: &str) -> bool {
    key.starts_with("CARGO_PKG_")
        || matches!(
            key,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
        )
}

/// The target dir of the running executable (the parent of its profile dir).
fn target_dir() -> PathBuf {
    profile_dir()
        .parent()
        .expect("the profile dir has a parent (the target dir)")
        .to_path_buf()
}

/// moto in server mode: an independent CloudWatch (and more) on 127.0.0.1, from PyPI: the
/// executable `MOTO_SERVER` names (`scripts/test` installs it into `target/moto` and sets it),
/// else `moto_server` on `PATH`. The server stops when this is dropped.
///
/// ```no_run
/// let moto = warm_tests::Moto::start();
/// let cloudwatch = moto.cloudwatch_client();
/// # let _ = cloudwatch;
/// ```
#[derive(Debug)]
pub struct Moto {
    child: std::process::Child,
    port: u16,
}

impl Moto {
    /// Starts `moto_server` on a free port of 127.0.0.1 and waits (up to 60 s) until it
    /// accepts connections. Panics, saying how to install it, when it cannot start.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port on 127.0.0.1");
        let server = std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect(
                "moto's server runs (scripts/test installs moto[server] into target/moto and \
                 sets MOTO_SERVER; or `pip install 'moto[server]==5.2.6'`)",
            );
        let moto = Moto { child, port };
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not listen on 127.0.0.1:{port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A CloudWatch client for this server: explicit dummy credentials, region `us-east-1`,
    /// a 30 s operation timeout.
    pub fn cloudwatch_client(&self) -> aws_sdk_cloudwatch::Client {
        let config = aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_cloudwatch::config::Credentials::new(
                "AKIDLOCAL",
                "secret",
                None,
                None,
                "tests",
            ))
            .endpoint_url(self.endpoint_url())
            .timeout_config(
                aws_sdk_cloudwatch::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(Duration::from_secs(30))
                    .build(),
            )
            .build();
        aws_sdk_cloudwatch::Client::from_conf(config)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
