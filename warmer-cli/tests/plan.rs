//! `warmer plan`: profiles from synthetic `ConcurrentExecutions` history with a known pattern.

use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use warmer_cli::config::Config;
use warmer_cli::plan::own_warmups::{Finding, OwnWarmups, remove};
use warmer_cli::plan::{PlanOptions, Sample, propose, read_metrics};

/// Samples every `step_minutes` for `days` days from Monday 2026-11-02 00:00 UTC: on weekdays
/// 09:00-17:00 between 60 and 80 concurrent executions, otherwise between 3 and 5; a fixed
/// pseudo-random sequence (xorshift from `seed`) makes the noise.
fn weekday_traffic(step_minutes: i64, days: i64, seed: u64) -> Vec<Sample> {
    let start: DateTime<Utc> = "2026-11-02T00:00:00Z".parse().unwrap();
    let mut seed = seed;
    let mut noise = move |range: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % (range + 1)) as f64
    };
    let per_hour = 60 / step_minutes;
    (0..days * 24 * per_hour)
        .map(|i| {
            let at = start + Duration::minutes(step_minutes * i);
            let day = (i / (24 * per_hour)) % 7; // 0 = Monday
            let hour = (i / per_hour) % 24;
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

/// Four weeks of 5-minute samples (see [`weekday_traffic`]).
fn synthetic() -> Vec<Sample> {
    weekday_traffic(5, 28, 0x2545_f491_4f6c_dd1d)
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

/// Fourteen days of 1-minute traffic maxima (the same weekday pattern as `synthetic`).
fn traffic_per_minute() -> Vec<Sample> {
    weekday_traffic(1, 14, 0x9e37_79b9_7f4a_7c15)
}

/// What a warmer following `proposal` adds: its N on the samples at minute 2 of every 5 (a
/// `rate(5 minutes)` schedule created at :02).
fn with_own_runs(traffic: &[Sample], config: &Config) -> Vec<Sample> {
    let own = OwnWarmups::from_config(config, None, "orders").unwrap();
    traffic
        .iter()
        .map(|s| Sample {
            at: s.at,
            value: if s.at.timestamp() / 60 % 5 == 2 {
                s.value + f64::from(own.n_at(s.at))
            } else {
                s.value
            },
        })
        .collect()
}

fn planned(samples: &[Sample]) -> Config {
    let proposal = propose(samples, &PlanOptions::default());
    let warmer = proposal.warmer("planned", "orders", "rate(5 minutes)", "UTC");
    proposal.config(warmer, 1000)
}

fn levels(config: &Config) -> Vec<u32> {
    let w = &config.warmers[0];
    std::iter::once(w.targets[0].concurrency)
        .chain(w.profiles.iter().map(|p| p.concurrency))
        .collect()
}

#[test]
fn replanning_minute_history_with_the_warmers_own_runs_does_not_ratchet() {
    let traffic = traffic_per_minute();
    let first = planned(&traffic);
    let history = with_own_runs(&traffic, &first);

    // Read as traffic, the warmer's runs would raise every level by about N each round.
    let naive = planned(&history);
    assert!(
        levels(&naive)[1] >= levels(&first)[1] * 2,
        "{:?} vs {:?}",
        levels(&naive),
        levels(&first)
    );

    let (kept, finding) = remove(&history, 300, None);
    match &finding {
        Finding::Dropped {
            offset_seconds,
            dropped,
            ..
        } => {
            assert_eq!(*offset_seconds, 120, "the runs' phase in a rate schedule");
            assert_eq!(*dropped, history.len() / 5);
        }
        other => panic!("not found: {other}"),
    }
    assert!(finding.to_string().contains("left out"), "{finding}");
    let again = planned(&kept);
    assert_eq!(levels(&again), levels(&first), "{finding}");
    // And a third round, from the history the second plan's warmer would leave: still the same.
    let (kept, _) = remove(&with_own_runs(&traffic, &again), 300, None);
    assert_eq!(levels(&planned(&kept)), levels(&first));
}

#[test]
fn minute_history_without_a_warmer_is_read_as_traffic() {
    let traffic = traffic_per_minute();
    let (kept, finding) = remove(&traffic, 300, None);
    assert!(
        matches!(finding, Finding::NotSeen { told: false, .. }),
        "{finding}"
    );
    assert_eq!(kept.len(), traffic.len());
}

#[test]
fn coarse_history_is_corrected_when_told_n_and_says_plainly_when_not() {
    // Hourly maxima: each hour holds twelve runs of the warmer.
    let traffic = traffic_per_minute();
    let first = planned(&traffic);
    let own = OwnWarmups::from_config(&first, None, "orders").unwrap();
    let hourly: Vec<Sample> = traffic
        .chunks(60)
        .map(|hour| Sample {
            at: hour[0].at,
            value: hour.iter().map(|s| s.value).fold(0.0, f64::max)
                + f64::from(own.n_at(hour[0].at)),
        })
        .collect();

    let (kept, finding) = remove(&hourly, 300, Some(&own));
    assert!(matches!(finding, Finding::Subtracted { .. }), "{finding}");
    assert!(finding.to_string().contains("under-read"), "{finding}");
    assert_eq!(levels(&planned(&kept)), levels(&first));

    let (kept, finding) = remove(&hourly, 300, None);
    assert!(matches!(finding, Finding::CannotTell { .. }), "{finding}");
    assert!(finding.to_string().contains("ratchet"), "{finding}");
    assert_eq!(kept, hourly, "nothing is changed when nothing is known");
}

#[test]
fn plan_command_takes_the_configs_warmer_out_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let traffic = traffic_per_minute();
    let first = planned(&traffic);
    let config = dir.path().join("warmer.toml");
    std::fs::write(&config, first.to_toml_string()).unwrap();
    let csv: String = with_own_runs(&traffic, &first)
        .iter()
        .map(|s| format!("{},{}\n", s.at.to_rfc3339(), s.value))
        .collect();
    let metrics = dir.path().join("metrics.csv");
    std::fs::write(&metrics, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["plan", "--function", "orders", "--metrics"])
        .arg(&metrics)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("# note: the history holds the warmer's own runs"),
        "{text}"
    );
    let replanned = Config::from_toml_str(&text).unwrap();
    assert_eq!(levels(&replanned), levels(&first), "{text}");

    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["plan", "--function", "search", "--metrics"])
        .arg(&metrics)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no target of the config warms `search`"),
        "{err}"
    );
}

#[test]
fn plan_json_holds_notes_the_warmer_its_toml_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let csv: String = synthetic()
        .iter()
        .map(|s| format!("{},{}\n", s.at.to_rfc3339(), s.value))
        .collect();
    let metrics = dir.path().join("metrics.csv");
    std::fs::write(&metrics, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["plan", "--json", "--function", "orders", "--metrics"])
        .arg(&metrics)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["warmer"]["targets"][0]["function"], "orders");
    assert_eq!(plan["warmer"]["profiles"][0]["hours"], "09:00-17:00");
    assert!(plan["toml"].as_str().unwrap().contains("[[warmers]]"));
    // 5-minute samples and a 5-minute schedule: the note says it cannot tell warm-ups apart.
    let notes = plan["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("warning: samples are 300 s apart")),
        "{notes:?}"
    );
    assert!(plan["cost"].is_object());
}
