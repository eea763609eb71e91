//! `warmer plan`: profiles from synthetic `ConcurrentExecutions` history with a known pattern.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use warmer_cli::config::Config;
use warmer_cli::plan::{PlanOptions, Sample, propose, read_metrics};

/// Four weeks of 5-minute samples starting Monday 2026-11-02 00:00 UTC: on weekdays
/// 09:00-17:00 between 60 and 80 concurrent executions, otherwise between 3 and 5; a fixed
/// pseudo-random sequence makes the noise.
fn synthetic() -> Vec<Sample> {
    let start: DateTime<Utc> = "2026-11-02T00:00:00Z".parse().unwrap();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut noise = move |range: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % (range + 1)) as f64
    };
    (0..4 * 7 * 24 * 12)
        .map(|i| {
            let at = start + Duration::minutes(5 * i);
            let day = (i / (24 * 12)) % 7; // 0 = Monday
            let hour = (i / 12) % 24;
            let busy = day < 5 && (9..17).contains(&hour);
            let value = if busy {
                60.0 + noise(20)
            } else {
                3.0 + noise(2)
            };
            Sample { at, value }
        })
        .collect()
}

#[test]
fn weekday_business_hours_become_one_window_over_a_low_default() {
    let proposal = propose(&synthetic(), &PlanOptions::default());
    // p99 of the 48 samples of an hour of the week (rank ceil(0.99 x 48) = 48) is their highest:
    // 79 or 80 by day, 5 at night.
    // x 1.2 headroom: 96 by day (peak 96 -> step 2 (96 / 20 = 4.8 -> 2)), 6 at night.
    assert_eq!(proposal.step, 2);
    assert_eq!(proposal.default_concurrency, 6);
    assert_eq!(proposal.profiles.len(), 1, "{:#?}", proposal.profiles);
    let p = &proposal.profiles[0];
    assert_eq!(
        (p.days.as_str(), p.hours.as_str()),
        ("MON-FRI", "09:00-17:00")
    );
    assert_eq!(p.concurrency, 96);
    assert_eq!(proposal.empty_hours, 0);
    // Monday 10:00 is planned at the window, Sunday 10:00 at the default.
    assert_eq!(proposal.hourly[1][10], 96);
    assert_eq!(proposal.hourly[0][10], 6);
}

#[test]
fn hours_are_read_in_the_chosen_time_zone() {
    // The same traffic seen from New York (UTC-5 in November): 04:00-12:00 local.
    let options = PlanOptions {
        timezone: chrono_tz::America::New_York,
        ..PlanOptions::default()
    };
    let proposal = propose(&synthetic(), &options);
    let p = &proposal.profiles[0];
    assert_eq!(
        (p.days.as_str(), p.hours.as_str()),
        ("MON-FRI", "04:00-12:00")
    );
}

#[test]
fn proposal_passes_config_check_and_round_trips() {
    let proposal = propose(&synthetic(), &PlanOptions::default());
    let warmer = proposal.warmer("planned", "orders", "rate(5 minutes)", "UTC");
    let fragment = warmer_cli::plan::warmers_fragment(&warmer);
    let config = Config::from_toml_str(&fragment).unwrap_or_else(|e| panic!("{e}\n{fragment}"));
    config.check().unwrap_or_else(|d| panic!("{d}\n{fragment}"));
    assert_eq!(config.warmers[0], warmer);
}

#[test]
fn json_and_csv_inputs_are_read_with_errors_naming_the_place() {
    let json = r#"{"MetricDataResults": [
        {"Id": "m1", "Label": "ConcurrentExecutions", "Timestamps": ["2026-11-02T10:05:00+00:00", "2026-11-02T10:00:00Z"], "Values": [12.0, 7.0], "StatusCode": "Complete"}
    ], "Messages": []}"#;
    let samples = read_metrics(json, None).unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].value, 12.0);

    let bad = json.replace("\"2026-11-02T10:00:00Z\"", "\"yesterday\"");
    let err = read_metrics(&bad, None).unwrap_err();
    assert_eq!(err.location, "MetricDataResults[0].Timestamps[1]");

    let short = json.replace("[12.0, 7.0]", "[12.0]");
    assert_eq!(
        read_metrics(&short, None).unwrap_err().location,
        "MetricDataResults[0].Values"
    );

    let missing = r#"{"MetricDataResults": [{"Id": "m1", "Timestamps": []}]}"#;
    let err = read_metrics(missing, None).unwrap_err();
    assert!(err.location.contains("MetricDataResults[0]"), "{err}");
    assert!(err.message.contains("Values"), "{err}");

    let two = r#"{"MetricDataResults": [
        {"Id": "a", "Label": "Invocations", "Timestamps": [], "Values": []},
        {"Id": "b", "Label": "Errors", "Timestamps": [], "Values": []}]}"#;
    let err = read_metrics(two, None).unwrap_err();
    assert!(
        err.fix.contains("--id") && err.fix.contains("a, b"),
        "{err}"
    );
    assert!(read_metrics(two, Some("b")).is_ok());

    let csv = "timestamp,value\n2026-11-02T10:00:00Z,4\n2026-11-02 10:05:00,5\n1793613900,6\n";
    let samples = read_metrics(csv, None).unwrap();
    assert_eq!(
        samples.iter().map(|s| s.value).collect::<Vec<_>>(),
        [4.0, 5.0, 6.0]
    );
    let err = read_metrics(
        "timestamp,value\n2026-11-02T10:00:00Z,4\n2026-11-02T10:05:00Z,many\n",
        None,
    )
    .unwrap_err();
    assert_eq!(err.location, "line 3");
    assert!(err.message.contains("many"));
    let err = read_metrics("2026-11-02T10:00:00Z,-1\n", None).unwrap_err();
    assert_eq!(err.location, "line 1");
}

#[test]
fn plan_command_prints_a_checkable_fragment_with_its_cost() {
    let dir = tempfile::tempdir().unwrap();
    let csv: String = synthetic()
        .iter()
        .map(|s| format!("{},{}\n", s.at.to_rfc3339(), s.value))
        .collect();
    let metrics = dir.path().join("metrics.csv");
    std::fs::write(&metrics, format!("timestamp,value\n{csv}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["plan", "--function", "orders", "--metrics"])
        .arg(&metrics)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("hours = \"09:00-17:00\""), "{text}");
    assert!(text.contains("# recommendation: "), "{text}");

    let fragment = dir.path().join("warmer.toml");
    std::fs::write(&fragment, &text).unwrap();
    let check = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check"])
        .arg(&fragment)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
