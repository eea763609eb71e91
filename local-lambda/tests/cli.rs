//! The `local-lambda` binary: `serve` with functions from flags and a config file, `stats`
//! against it, and a clean stop on Ctrl-C (SIGINT).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{blob, client, fixture, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_functions_from_flags_and_config_and_stats_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("local-lambda.toml");
    std::fs::write(
        &config,
        format!(
            "[functions.from-file]\nexecutable = {:?}\nmemory_mb = 512\nenv = {{ FIXTURE_CUSTOM = \"file\" }}\naliases = {{ beta = \"7\" }}\n",
            fixture()
        ),
    )
    .unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .args(["serve", "--port", "0", "--function"])
        .arg(format!("from-flag={}", fixture().display()))
        .args([
            "--env",
            "FIXTURE_CUSTOM=flag",
            "--alias",
            "live=2",
            "--config",
        ])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let endpoint = first
        .strip_prefix("local-lambda listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();

    let sdk = client(&endpoint);
    for (name, alias, version, custom, memory) in [
        ("from-flag", "live", "2", "flag", "128"),
        ("from-file", "beta", "7", "file", "512"),
    ] {
        let out = sdk
            .invoke()
            .function_name(name)
            .qualifier(alias)
            .payload(blob(serde_json::json!({})))
            .send()
            .await
            .unwrap();
        assert_eq!(out.executed_version(), Some(version));
        let body = json(out.payload());
        assert_eq!(body["env"]["FIXTURE_CUSTOM"], custom);
        assert_eq!(body["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], memory);
    }

    let stats = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .args(["stats", "--json", "--endpoint-url", &endpoint])
        .output()
        .unwrap();
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let stats: local_lambda::ServiceStats = serde_json::from_slice(&stats.stdout).unwrap();
    let names: Vec<&str> = stats.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["from-file", "from-flag"]);
    assert!(
        stats
            .functions
            .iter()
            .all(|f| f.invocations == 1 && f.live == 1)
    );

    let table = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .args(["stats", "--endpoint-url", &endpoint])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("COLD_STARTS")
            && table.contains("from-flag")
            && table.contains("live by version: 2: 1"),
        "{table}"
    );

    // Ctrl-C: the service shuts down, kills its sandboxes and prints its report.
    let interrupted = Command::new("kill")
        .args(["-INT", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let rest: Vec<String> =
        tokio::task::spawn_blocking(move || lines.map_while(Result::ok).collect())
            .await
            .unwrap();
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || serve.wait()),
    )
    .await
    .expect("serve stops on SIGINT")
    .unwrap()
    .unwrap();
    assert!(status.success());
    let report = rest.join("\n");
    assert!(report.contains("\"sandboxes_stopped\": 2"), "{report}");
}

/// `--function NAME=relative/path` and a config file's relative `executable` resolve from the
/// directory `serve` was started in, though each sandbox starts in the executable's folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_executable_paths_resolve_from_where_serve_started() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bin/debug")).unwrap();
    std::fs::copy(fixture(), dir.path().join("bin/debug/orders")).unwrap();
    std::fs::write(
        dir.path().join("local-lambda.toml"),
        "[functions.from-file]\nexecutable = \"bin/debug/orders\"\n",
    )
    .unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .current_dir(dir.path())
        .args([
            "serve",
            "--port",
            "0",
            "--function",
            "orders=bin/debug/orders",
        ])
        .args(["--config", "local-lambda.toml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kept open to the end: a closed pipe would end `serve` at its next line of output.
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let endpoint = first
        .strip_prefix("local-lambda listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let sdk = client(&endpoint);
    let mut errors = Vec::new();
    for name in ["orders", "from-file"] {
        let out = sdk
            .invoke()
            .function_name(name)
            .payload(blob(serde_json::json!({})))
            .send()
            .await;
        match out {
            Ok(out) if out.function_error().is_none() => {}
            Ok(out) => errors.push(format!(
                "{name}: {}",
                String::from_utf8_lossy(out.payload().map(|b| b.as_ref()).unwrap_or_default())
            )),
            Err(err) => errors.push(format!("{name}: {err:?}")),
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status();
    let _ = serve.wait();
    drop(lines);
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn serve_without_functions_says_how_to_give_them() {
    let out = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--function NAME=PATH"), "{stderr}");
}

/// Processes whose environment carries this log stream name: every process a sandbox
/// started, wherever it moved in the process tree.
fn processes_of_stream(stream: &str) -> Vec<String> {
    let marker = format!("AWS_LAMBDA_LOG_STREAM_NAME={stream}");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            let zombie =
                std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
                    stat.rsplit(')')
                        .next()
                        .unwrap_or("")
                        .trim_start()
                        .starts_with('Z')
                });
            !zombie
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|e| e == marker.as_bytes()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_serve_and_leaves_no_sandbox_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_local-lambda"))
        .args(["serve", "--port", "0", "--function"])
        .arg(format!("escapes={}", fixture().display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // If an assertion fails before the SIGTERM, the service still stops with the test.
    struct StopOnPanic(u32);
    impl Drop for StopOnPanic {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let _ = Command::new("kill")
                    .args(["-TERM", &self.0.to_string()])
                    .status();
            }
        }
    }
    let _stop = StopOnPanic(serve.id());
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let endpoint = first
        .strip_prefix("local-lambda listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    let pid_file = dir.path().join("helper.pid");
    let out = client(&endpoint)
        .invoke()
        .function_name("escapes")
        .payload(blob(serde_json::json!({"op": "setsid", "path": pid_file})))
        .send()
        .await
        .unwrap();
    let body = json(out.payload());
    let stream = body["log_stream"].as_str().unwrap().to_owned();
    let helper = std::fs::read_to_string(&pid_file).unwrap();
    let before = processes_of_stream(&stream);
    assert!(
        before.contains(&helper) && before.len() >= 2,
        "the sandbox and its setsid helper run: {before:?}"
    );

    let terminated = Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let _rest: Vec<String> =
        tokio::task::spawn_blocking(move || lines.map_while(Result::ok).collect())
            .await
            .unwrap();
    let status = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::task::spawn_blocking(move || serve.wait()),
    )
    .await
    .expect("serve stops on SIGTERM")
    .unwrap()
    .unwrap();
    assert!(status.success(), "{status:?}");
    let mut left = processes_of_stream(&stream);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = processes_of_stream(&stream);
    }
    assert!(left.is_empty(), "processes left after SIGTERM: {left:?}");
}
