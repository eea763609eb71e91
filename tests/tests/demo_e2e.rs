//! The demo through the library API, end to end across crates: local-lambda runs the
//! `warmer` binary as the demo function, the engine warms it, the load test counts.

use std::time::Duration;

use warmer_cli::demo::{DemoOptions, Interrupted};

fn options(n: u32) -> DemoOptions {
    DemoOptions {
        n,
        init: Duration::from_millis(100),
        executable: Some(warm_tests::binary("warmer-cli", "warmer")),
        ..DemoOptions::default()
    }
}

#[tokio::test]
async fn warming_removes_every_cold_start_of_the_second_burst() {
    let report = warmer_cli::demo::run(&options(4), std::future::pending())
        .await
        .unwrap();
    assert_eq!(report.cold_before, 4);
    assert_eq!(report.cold_after, 0);
    assert!(report.proves_it());
    let target = &report.warm_report.targets[0];
    assert_eq!((target.requested, target.reached, target.new), (4, 4, 4));
    assert_eq!(report.sandbox_cold_starts.burst_before, 4);
    assert_eq!(report.sandbox_cold_starts.warming, 4);
    assert_eq!(report.sandbox_cold_starts.burst_after, 0);

    let json = serde_json::to_value(&report).unwrap();
    for key in [
        "n",
        "init_ms",
        "extra_cold_start_ms",
        "cold_before",
        "cold_after",
        "warm_report",
        "before",
        "after",
        "sandbox_cold_starts",
        "run_id",
        "elapsed_ms",
    ] {
        assert!(json.get(key).is_some(), "demo JSON lacks {key}: {json:#}");
    }
    assert_eq!(json["warm_report"]["ok"], true);
}

#[tokio::test]
async fn an_interrupt_stops_the_demo_with_interrupted() {
    let interrupt = tokio::time::sleep(Duration::from_millis(300));
    let mut slow = options(2);
    slow.init = Duration::from_secs(5);
    let error = warmer_cli::demo::run(&slow, interrupt).await.unwrap_err();
    assert!(error.is::<Interrupted>(), "{error:#}");
    // Shutdown is awaited before the error is returned: no sandbox of the run is alive.
    assert_eq!(sandboxes_of_run(&slow.run_id), Vec::<u32>::new());
}

/// Live, non-zombie processes carrying `WARMER_DEMO_RUN_ID=<run_id>`.
fn sandboxes_of_run(run_id: &str) -> Vec<u32> {
    let needle = format!("{}={run_id}", warmer_cli::demo::RUN_ID_ENV);
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let dir = std::path::Path::new("/proc").join(pid.to_string());
            let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'));
            let environ = std::fs::read(dir.join("environ")).unwrap_or_default();
            !zombie && environ.split(|b| *b == 0).any(|v| v == needle.as_bytes())
        })
        .collect()
}
