//! `warmer demo` as a user runs it: the built binary, its JSON, and no process left behind,
//! also when interrupted with SIGINT midway.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const WARMER: &str = env!("CARGO_BIN_EXE_warmer");
const RUN_ID_ENV: &str = "WARMER_DEMO_RUN_ID";

fn run_id() -> String {
    format!("test-{}-{}", std::process::id(), uuid::Uuid::new_v4())
}

/// Pids of live processes whose environment carries this demo run's id.
fn processes_of_run(run_id: &str) -> Vec<u32> {
    processes_where(run_id, |_| true)
}

/// Pids of live demo-function processes (sandboxes) of this run.
fn sandboxes_of_run(run_id: &str) -> Vec<u32> {
    processes_where(run_id, |cmdline| {
        cmdline
            .split(|b| *b == 0)
            .any(|arg| arg == b"__demo-function")
    })
}

fn processes_where(run_id: &str, cmdline_matches: impl Fn(&[u8]) -> bool) -> Vec<u32> {
    let needle = format!("{RUN_ID_ENV}={run_id}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let dir = Path::new("/proc").join(pid.to_string());
            let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
            // A zombie has given up its memory and no longer runs anything.
            let state = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
            let zombie = state
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'));
            let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
            !zombie
                && cmdline_matches(&cmdline)
                && environ
                    .split(|b| *b == 0)
                    .any(|var| var == needle.as_bytes())
        })
        .collect()
}

/// Waits (bounded) until no process of the run is left; returns the ones still there.
fn leftovers_after_grace(run_id: &str) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_of_run(run_id);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn demo(args: &[&str], run_id: &str) -> Output {
    Command::new(WARMER)
        .arg("demo")
        .args(args)
        .env(RUN_ID_ENV, run_id)
        .output()
        .expect("warmer starts")
}

#[test]
fn demo_json_shows_n_cold_starts_then_none_and_leaves_no_process() {
    let id = run_id();
    let output = demo(&["--json", "-n", "5", "--init-ms", "150"], &id);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "warmer demo failed: {stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");

    assert_eq!(json["cold_before"], 5, "{json:#}");
    assert_eq!(json["cold_after"], 0, "{json:#}");
    assert_eq!(json["n"], 5);
    assert_eq!(json["init_ms"], 150);
    assert_eq!(json["run_id"], id.as_str());
    let warm = &json["warm_report"];
    assert_eq!(warm["ok"], true, "{warm:#}");
    assert_eq!(warm["targets"][0]["requested"], 5);
    assert_eq!(warm["targets"][0]["reached"], 5);
    // local-lambda's own count agrees with the responses.
    assert_eq!(json["sandbox_cold_starts"]["burst_before"], 5);
    assert_eq!(json["sandbox_cold_starts"]["warming"], 5);
    assert_eq!(json["sandbox_cold_starts"]["burst_after"], 0);
    for burst in ["before", "after"] {
        let report = &json[burst];
        assert_eq!(report["samples"].as_array().unwrap().len(), 5);
        assert_eq!(report["counts"]["errors"], 0);
        // Exact classification from the function's header, never a latency guess.
        assert_eq!(report["methods"]["payload_header"], 5, "{report:#}");
        assert!(report["methods"].get("threshold").is_none());
    }
    assert!(
        json["before"]["latency_ms"]["cold"]["p50"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(json["after"]["latency_ms"]["cold"].is_null());
    assert!(json["after"]["latency_ms"]["warm"]["p99"].as_f64().unwrap() > 0.0);

    assert_eq!(
        leftovers_after_grace(&id),
        Vec::<u32>::new(),
        "sandbox processes outlived the demo"
    );
}

#[test]
fn demo_prints_both_bursts_side_by_side_and_draws_the_chart() {
    let id = run_id();
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("demo.svg");
    let output = demo(
        &[
            "-n",
            "3",
            "--init-ms",
            "50",
            "--chart",
            chart.to_str().unwrap(),
        ],
        &id,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let row = stdout
        .lines()
        .find(|l| l.starts_with("cold starts"))
        .unwrap_or_else(|| panic!("no cold starts row in:\n{stdout}"));
    assert_eq!(
        row.split_whitespace().collect::<Vec<_>>(),
        ["cold", "starts", "3", "0"]
    );
    assert!(stdout.contains("before warming") && stdout.contains("after warming"));
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("before warming") && svg.contains("after warming"));
    assert_eq!(
        svg.matches("<circle").count(),
        6 + 2,
        "6 requests and 2 legend marks"
    );
    assert!(leftovers_after_grace(&id).is_empty());
}

#[test]
fn demo_interrupted_by_sigint_stops_every_process_it_started() {
    let id = run_id();
    // A long init keeps the first burst's sandboxes alive while the signal arrives.
    let mut child = Command::new(WARMER)
        .args(["demo", "-n", "4", "--init-ms", "8000"])
        .env(RUN_ID_ENV, &id)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warmer starts");

    let deadline = Instant::now() + Duration::from_secs(30);
    while sandboxes_of_run(&id).len() < 4 {
        assert!(
            Instant::now() < deadline,
            "the demo never started its sandboxes"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the demo ended before it was interrupted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(exit.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        leftovers_after_grace(&id),
        Vec::<u32>::new(),
        "sandbox processes outlived the demo"
    );
}

#[test]
fn demo_rejects_a_chart_name_it_cannot_draw_before_starting_anything() {
    let id = run_id();
    let output = demo(&["-n", "2", "--chart", "out.jpg"], &id);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--chart out.jpg") && stderr.contains(".svg or .png"),
        "{stderr}"
    );
    assert!(processes_of_run(&id).is_empty());
}

#[test]
fn demo_function_outside_a_lambda_environment_says_what_to_run() {
    let output = Command::new(WARMER)
        .arg("__demo-function")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("warmer starts");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("AWS_LAMBDA_RUNTIME_API") && stderr.contains("warmer demo"),
        "{stderr}"
    );
}
