//! `warmer.toml`: parsing, validation with field paths, builder round trips, the example file.

use std::path::Path;
use std::process::Command;

use warmer_cli::config::{Config, ConfigBuilder, Severity, WarmerBuilder};
use warmer_fn::target::{Delay, Mode, Target};

fn warmer_toml(extra_warmer: &str) -> String {
    format!(
        r#"
[[warmers]]
name = "api"
schedule = "rate(5 minutes)"
timezone = "Europe/Berlin"
{extra_warmer}

[[warmers.targets]]
function = "orders"
qualifier = "live"
concurrency = 10
"#
    )
}

fn errors_of(text: &str) -> Vec<(String, String)> {
    let config = Config::from_toml_str(text).expect("parses");
    config
        .diagnostics()
        .0
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.path, d.message))
        .collect()
}

#[test]
fn example_file_in_the_repository_passes_check() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml");
    let config = Config::load(&path).unwrap();
    let diagnostics = config
        .check()
        .unwrap_or_else(|d| panic!("example has errors:\n{d}"));
    assert_eq!(diagnostics.warnings().count(), 0, "{diagnostics}");
    assert!(config.warmers.iter().any(|w| !w.profiles.is_empty()));
    assert!(config.warmers.iter().any(|w| w.alarm.is_some()));
}

#[test]
fn unknown_key_names_its_path_and_line() {
    let text = warmer_toml("").replace("concurrency = 10", "concurency = 10");
    let err = Config::from_toml_str(&text).unwrap_err();
    assert_eq!(err.path, "warmers[0].targets[0].concurency");
    assert_eq!(err.line, Some(11));
    assert!(
        err.fix.contains("concurrency"),
        "fix lists the known keys: {}",
        err.fix
    );

    let err = Config::from_toml_str("acount_concurrency_limit = 5\n").unwrap_err();
    assert_eq!(err.path, "acount_concurrency_limit");
}

#[test]
fn wrong_type_names_its_path() {
    let text = warmer_toml("").replace("concurrency = 10", "concurrency = \"ten\"");
    let err = Config::from_toml_str(&text).unwrap_err();
    assert_eq!(err.path, "warmers[0].targets[0].concurrency");
    let err =
        Config::from_toml_str(&warmer_toml("").replace("qualifier = \"live\"", "delay = \"soon\""))
            .unwrap_err();
    assert_eq!(err.path, "warmers[0].targets[0].delay");
}

#[test]
fn toml_syntax_error_names_the_line() {
    let err = Config::from_toml_str("[[warmers]]\nname = \"api\nschedule = 1\n").unwrap_err();
    assert_eq!(err.line, Some(2));
}

#[test]
fn overlapping_windows_are_an_error_at_the_later_profile() {
    let text = warmer_toml(
        r#"
[[warmers.profiles]]
days = "MON-FRI"
hours = "08:00-20:00"
concurrency = 100

[[warmers.profiles]]
days = "FRI-SUN"
hours = "18:00-23:00"
concurrency = 50
"#,
    );
    let config = Config::from_toml_str(&text).unwrap();
    let diagnostics = config.check().unwrap_err();
    let d = diagnostics
        .at("warmers[0].profiles[1]")
        .expect("overlap reported");
    assert!(
        d.message.contains("overlaps warmers[0].profiles[0]"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("for 2 hours, first on FRI at 18:00"),
        "{}",
        d.message
    );
    assert!(d.fix.contains("disjoint"));
}

#[test]
fn concurrency_zero_and_above_the_limit_are_errors() {
    let text = warmer_toml(
        r#"
[[warmers.profiles]]
days = "MON-FRI"
hours = "08:00-20:00"
concurrency = 0

[[warmers.profiles]]
days = "SAT"
hours = "08:00-20:00"
concurrency = 1001
"#,
    );
    let errors = errors_of(&text);
    assert!(
        errors
            .iter()
            .any(|(p, m)| p == "warmers[0].profiles[0].concurrency" && m.contains("warms nothing"))
    );
    assert!(
        errors
            .iter()
            .any(|(p, m)| p == "warmers[0].profiles[1].concurrency"
                && m.contains("above the account limit of 1000"))
    );

    let raised = format!("account_concurrency_limit = 2000\n{text}");
    let errors = errors_of(&raised);
    assert!(
        !errors
            .iter()
            .any(|(p, _)| p == "warmers[0].profiles[1].concurrency"),
        "{errors:?}"
    );
}

#[test]
fn delay_above_the_cap_is_an_error() {
    let text = warmer_toml("").replace("qualifier = \"live\"", "delay = 10001");
    let errors = errors_of(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "warmers[0].targets[0].delay");
    assert!(
        errors_of(&warmer_toml("").replace("qualifier = \"live\"", "delay = 10000")).is_empty()
    );
}

#[test]
fn bad_schedules_are_errors_with_a_fix() {
    for (schedule, needle) in [
        ("rate(5 minute)", "singular"),
        ("cron(0/5 8-19 * * MON-FRI *)", "both day-of-month"),
        ("cron(0/5 8-19 ? * MON-FRI)", "5 fields"),
        ("cron(0/5 25 ? * MON-FRI *)", "out of range"),
        ("every 5 minutes", "neither"),
    ] {
        let text = warmer_toml("").replace("rate(5 minutes)", schedule);
        let config = Config::from_toml_str(&text).unwrap();
        let diagnostics = config.check().unwrap_err();
        let d = diagnostics
            .at("warmers[0].schedule")
            .unwrap_or_else(|| panic!("{schedule}: {diagnostics}"));
        assert!(d.message.contains(needle), "{schedule}: {}", d.message);
        assert!(!d.fix.is_empty());
    }
}

#[test]
fn profiles_need_a_schedule_that_can_be_cut_into_hours() {
    let text = warmer_toml(
        "[[warmers.profiles]]\ndays = \"MON\"\nhours = \"08:00-09:00\"\nconcurrency = 5\n",
    )
    .replace("rate(5 minutes)", "rate(7 minutes)");
    let errors = errors_of(&text);
    assert!(
        errors
            .iter()
            .any(|(p, m)| p == "warmers[0].schedule" && m.contains("hour windows")),
        "{errors:?}"
    );
}

#[test]
fn other_mistakes_are_named() {
    let text = r#"
[function]
log_retention_days = 10

[[warmers]]
name = "api prod"
timezone = "Mars/Olympus"

[[warmers.targets]]
function = "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
qualifier = "blue"
concurrency = 5
payload = { warmer = false }

[[warmers.targets]]
function = "arn:aws:lambda:us-east-1:123456789012:function:orders:live"
qualifier = "blue"
concurrency = 5

[[warmers.profiles]]
days = "MON-FRY"
hours = "22:00-06:00"
concurrency = 5

[warmers.alarm]
period_seconds = 90
"#;
    let paths: Vec<String> = errors_of(text).into_iter().map(|(p, _)| p).collect();
    for expected in [
        "function.log_retention_days",
        "warmers[0].name",
        "warmers[0].timezone",
        "warmers[0].targets[0].function",
        "warmers[0].targets[0].payload.warmer",
        "warmers[0].targets[1].function",
        "warmers[0].profiles[0].days",
        "warmers[0].profiles[0].hours",
        "warmers[0].alarm.period_seconds",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "missing {expected} in {paths:?}"
        );
    }
}

#[test]
fn weekday_profile_becomes_its_window_plus_two_default_crons() {
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("api")
                .timezone("Europe/Berlin")
                .target("orders", 10)
                .named_profile("business", "MON-FRI", "08:00-20:00", 100),
        )
        .build();
    let schedules = config.warmers[0].schedules().unwrap();
    let exprs: Vec<(&str, &str, u32)> = schedules
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.expression.as_str(),
                s.targets[0].concurrency,
            )
        })
        .collect();
    assert_eq!(
        exprs,
        [
            ("business", "cron(0/5 8-19 ? * MON-FRI *)", 100),
            ("default-1", "cron(0/5 0-7,20-23 ? * * *)", 10),
            ("default-2", "cron(0/5 8-19 ? * SUN,SAT *)", 10),
        ]
    );
    assert!(schedules.iter().all(|s| s.timezone == "Europe/Berlin"));
    // Every hour of the week is covered exactly once.
    assert_eq!(
        schedules.iter().map(|s| s.hours.count()).sum::<usize>(),
        168
    );
    assert_eq!(
        schedules[0].input(),
        r#"{"targets":[{"function":"orders","concurrency":100,"delay":"auto","mode":"verify"}]}"#
    );
}

#[test]
fn builder_output_round_trips_through_toml() {
    let mut target = Target::new(
        "arn:aws:lambda:eu-west-1:123456789012:function:checkout",
        25,
    );
    target.qualifier = Some("prod".into());
    target.delay = Delay::Fixed(250);
    target.mode = Mode::Event;
    target
        .payload
        .insert("source".into(), serde_json::json!("warmer"));
    target
        .payload
        .insert("nested".into(), serde_json::json!({"a": [1, 2]}));
    let config = ConfigBuilder::new()
        .account_concurrency_limit(3000)
        .metrics_namespace("Team/Warmer")
        .warmer(
            WarmerBuilder::new("checkout")
                .schedule("cron(0/10 * * * ? *)")
                .timezone("America/New_York")
                .target_with(target)
                .target("search", 3)
                .named_profile("peak", "MON-FRI", "09:00-17:00", 200)
                .profile("SAT,SUN", "10:00-14:00", 40)
                .alarm_default(),
        )
        .warmer(
            WarmerBuilder::new("batch")
                .schedule("rate(1 minute)")
                .target("reports", 2)
                .shard_size(500),
        )
        .build();
    assert!(config.check().is_ok(), "{:?}", config.check());
    let text = config.to_toml_string();
    assert!(text.contains("shard_size = 500"), "{text}");
    let back = Config::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, config);
    assert_eq!(back.to_toml_string(), text);
}

#[test]
fn config_check_command_exits_0_on_a_good_file_and_1_with_paths_on_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, warmer_toml("")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rate(5 minutes)"));

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        warmer_toml("").replace("concurrency = 10", "concurrency = 0"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warmers[0].targets[0].concurrency"),
        "{stderr}"
    );
    assert!(stderr.contains("fix:"), "{stderr}");

    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, warmer_toml("colour = \"red\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check"])
        .arg(&unknown)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warmers[0].colour"));
}

mod windows {
    use proptest::prelude::*;
    use warmer_cli::config::WarmerBuilder;
    use warmer_cli::config::schedule::{DaySet, Schedule, WeekGrid};

    const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the (non-overlapping) windows, the schedules cover every hour of the week
        /// exactly once, and each rendered cron fires in exactly the hours it claims.
        #[test]
        fn schedules_partition_the_week_and_their_crons_say_so(
            windows in proptest::collection::vec((1u8..128, 0u8..24, 1u8..=24), 0..6),
            every in prop::sample::select(vec![1u32, 5, 10, 15, 30]),
        ) {
            let schedule = if every == 1 { "rate(1 minute)".to_string() } else { format!("rate({every} minutes)") };
            let mut builder = WarmerBuilder::new("w").schedule(schedule).target("f", 1);
            let mut taken = WeekGrid::empty();
            for (mask, start, len) in windows {
                let end = (start + len).min(24);
                if end <= start {
                    continue;
                }
                let days: Vec<&str> = (0..7).filter(|d| mask & (1 << d) != 0).map(|d| NAMES[d]).collect();
                let days = days.join(",");
                let hours = format!("{start:02}:00-{end:02}:00");
                let grid = WeekGrid::window(days.parse::<DaySet>().unwrap(), hours.parse().unwrap());
                if !grid.intersect(&taken).is_empty() {
                    continue;
                }
                taken = taken.union(&grid);
                builder = builder.profile(days, hours, 2);
            }
            let warmer = builder.build();
            let schedules = warmer.schedules().unwrap();
            let mut union = WeekGrid::empty();
            let mut total = 0;
            for s in &schedules {
                prop_assert!(s.hours.intersect(&union).is_empty(), "{} overlaps an earlier schedule", s.expression);
                union = union.union(&s.hours);
                total += s.hours.count();
                let parsed: Schedule = s.expression.parse().unwrap();
                let (fires, per_hour) = parsed.coverage();
                prop_assert_eq!(fires, s.hours, "{} fires elsewhere", &s.expression);
                prop_assert_eq!(per_hour, 60.0 / f64::from(every));
            }
            prop_assert_eq!(total, 168);
            prop_assert_eq!(union, WeekGrid::full());
        }
    }
}

#[test]
fn check_json_lists_problems_with_their_fix_or_the_schedules() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../warmer.example.toml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check", "--json", example])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let schedules = report["schedules"].as_array().unwrap();
    assert!(!schedules.is_empty());
    assert!(
        schedules[0]["expression"]
            .as_str()
            .unwrap()
            .starts_with("cron(")
    );
    assert!(schedules[0]["targets"][0]["concurrency"].as_u64().unwrap() >= 1);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("warmer.toml");
    std::fs::write(
        &bad,
        warmer_toml("").replace("concurrency = 10", "concurrency = 0"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check", "--json"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let problem = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with("concurrency"))
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(problem["severity"], "error");
    assert!(!problem["fix"].as_str().unwrap().is_empty());

    std::fs::write(&bad, "[[warmers]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check", "--json"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["parse_error"].as_str().unwrap().contains("line 1"),
        "{report}"
    );
}

#[test]
fn shard_size_is_checked_by_the_warmer_lambdas_rule_and_named_by_its_field() {
    for bad in [0, 901, 5_000] {
        let errors = errors_of(&warmer_toml(&format!("shard_size = {bad}")));
        let expected = &warmer_fn::rules::check_shard_size(bad, "warmers[0].shard_size")[0];
        assert_eq!(
            errors,
            [(expected.field.clone(), expected.message.clone())],
            "shard_size = {bad}"
        );
    }
    let config = Config::from_toml_str(&warmer_toml("shard_size = 500")).unwrap();
    assert!(config.check().is_ok(), "{:?}", config.check());
    assert_eq!(config.warmers[0].shard_size, Some(500));
    let err = Config::from_toml_str(&warmer_toml("shard_size = \"big\"")).unwrap_err();
    assert_eq!(err.path, "warmers[0].shard_size");
}

#[test]
fn schedule_inputs_carry_shard_size_only_when_the_warmer_sets_one() {
    let unset = Config::from_toml_str(&warmer_toml("")).unwrap();
    let input = unset.warmers[0].schedules().unwrap()[0].input();
    assert!(!input.contains("shard_size"), "{input}");
    let set = Config::from_toml_str(&warmer_toml("shard_size = 500")).unwrap();
    let input: serde_json::Value =
        serde_json::from_str(&set.warmers[0].schedules().unwrap()[0].input()).unwrap();
    assert_eq!(input["shard_size"], 500);
    assert_eq!(input["targets"][0]["concurrency"], 10);
}

#[test]
fn config_check_says_how_many_copies_of_the_warmer_a_sharded_run_uses() {
    // N = 2,000 only in the business hours, in shards of 500: 4 shards, 5 copies of the warmer.
    let text = warmer_toml("shard_size = 500\n[[warmers.profiles]]\nname = \"peak\"\ndays = \"MON-FRI\"\nhours = \"08:00-20:00\"\nconcurrency = 2000\n")
        .replace("[[warmers]]", "account_concurrency_limit = 3000\n\n[[warmers]]");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("warmer.toml");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = stdout
        .lines()
        .position(|l| l.contains("/ peak"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[peak].contains("orders:live=2000 (4 shards of at most 500)"),
        "{stdout}"
    );
    assert!(
        lines[peak + 1].contains("each run uses 5 copies of the warmer at once"),
        "{stdout}"
    );
    // The rest of the week warms N = 10: one copy, and nothing said about shards.
    let rest: Vec<&&str> = lines.iter().filter(|l| l.contains("/ default")).collect();
    assert!(!rest.is_empty(), "{stdout}");
    assert!(
        rest.iter().all(|l| l.ends_with("orders:live=10")),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches("copies of the warmer").count(),
        1,
        "{stdout}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["config", "check", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for schedule in report["schedules"].as_array().unwrap() {
        let peak = schedule["name"] == "peak";
        assert_eq!(schedule["shard_size"], 500);
        assert_eq!(
            schedule["warmer_copies"],
            if peak { 5 } else { 1 },
            "{schedule}"
        );
        assert_eq!(
            schedule["targets"][0]["shards"],
            if peak { 4 } else { 0 },
            "{schedule}"
        );
    }
}

#[test]
fn a_brief_beyond_lambdas_4_kb_of_environment_is_an_error_with_its_size_and_fix() {
    // Each target fits; 25 of them with 120-character payload extras do not, in one brief.
    let mut warmer = WarmerBuilder::new("api");
    for i in 0..25 {
        let mut target = Target::new(format!("orders-{i:02}"), 1);
        target
            .payload
            .insert("note".into(), serde_json::Value::from("x".repeat(120)));
        warmer = warmer.target_with(target);
    }
    let config = ConfigBuilder::new().warmer(warmer).build();
    assert!(config.function_environment_bytes() > warmer_cli::config::MAX_ENVIRONMENT_BYTES);
    let diagnostics = config.check().unwrap_err();
    let error = diagnostics.at("warmers").expect("an error at `warmers`");
    assert_eq!(error.severity, Severity::Error);
    assert!(error.message.contains("WARMER_CONFIG"), "{error}");
    assert!(error.fix.contains("payload"), "{error}");
    // Half of them fit.
    let mut half = config.clone();
    half.warmers[0].targets.truncate(12);
    assert!(half.check().is_ok(), "{:?}", half.check());
}

#[test]
fn an_autopilot_target_is_checked_and_cannot_share_a_warmer_with_profiles() {
    let auto = warmer_toml("").replace(
        "concurrency = 10",
        "concurrency = \"auto\"\nauto = { min = 2, max = 40 }",
    );
    assert_eq!(errors_of(&auto), Vec::<(String, String)>::new());
    let config = Config::from_toml_str(&auto).unwrap();
    let target = &config.warmers[0].targets[0];
    assert_eq!((target.concurrency, target.auto.unwrap().min), (40, 2));

    // The rule's own bounds, each named by its path.
    let upside_down = auto.replace("min = 2, max = 40", "min = 50, max = 40");
    let errors = errors_of(&upside_down);
    assert_eq!(errors[0].0, "warmers[0].targets[0].auto.min", "{errors:?}");
    let unknown = auto.replace("max = 40", "maximum = 40");
    let err = Config::from_toml_str(&unknown).unwrap_err();
    assert!(err.path.contains("maximum"), "{err:?}");

    // Profiles set N per window; autopilot sets it per run: not both.
    let with_profiles = warmer_toml(
        "[[warmers.profiles]]\ndays = \"MON-FRI\"\nhours = \"08:00-20:00\"\nconcurrency = 20",
    )
    .replace(
        "concurrency = 10",
        "concurrency = \"auto\"\nauto = { min = 2, max = 40 }",
    );
    let errors = errors_of(&with_profiles);
    assert!(
        errors.iter().any(
            |(path, message)| path == "warmers[0].targets[0].concurrency"
                && message.contains("profiles")
        ),
        "{errors:?}"
    );
}

/// A config whose `[function]` table is `function`, with one warmer.
fn with_function(function: &str) -> String {
    format!("[function]\n{function}\n{}", warmer_toml(""))
}

#[test]
fn every_function_setting_is_accepted_and_read() {
    let text = with_function(
        r#"architecture = "x86_64"
tracing = "Active"
subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
security_group_ids = ["sg-0123456789abcdef0"]
permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"
tags = { team = "platform", "cost-center" = "42" }"#,
    );
    let config = Config::from_toml_str(&text).unwrap();
    assert!(config.check().is_ok(), "{:?}", config.check());
    let f = &config.function;
    assert_eq!(f.architecture.as_str(), "x86_64");
    assert_eq!(f.tracing.as_str(), "Active");
    assert_eq!(f.subnet_ids.len(), 2);
    assert_eq!(f.tags["cost-center"], "42");
    let back = Config::from_toml_str(&config.to_toml_string()).unwrap();
    assert_eq!(back, config);

    let role = with_function(r#"role_arn = "arn:aws:iam::123456789012:role/warmer""#);
    assert!(Config::from_toml_str(&role).unwrap().check().is_ok());
    // Left out, every key is today's default.
    let plain = Config::from_toml_str(&warmer_toml("")).unwrap();
    assert_eq!(
        plain.function,
        warmer_cli::config::FunctionSettings::default()
    );
    assert_eq!(plain.function.architecture.as_str(), "arm64");
    assert_eq!(plain.function.tracing.as_str(), "PassThrough");
}

#[test]
fn a_vpc_needs_both_subnets_and_security_groups_each_well_formed() {
    let errors = errors_of(&with_function(
        r#"subnet_ids = ["subnet-0123456789abcdef0"]"#,
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "function.security_group_ids");
    assert!(errors[0].1.contains("`subnet_ids` is set"), "{errors:?}");

    let errors = errors_of(&with_function(
        r#"subnet_ids = ["subnet-1", "vpc-2"]
security_group_ids = ["sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6"]"#,
    ));
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["function.subnet_ids[1]", "function.security_group_ids"],
        "{errors:?}"
    );
    assert!(errors[1].1.contains("above the 5 Lambda accepts"));
}

#[test]
fn role_arn_and_permissions_boundary_are_refused_together_and_checked_as_arns() {
    let both = with_function(
        r#"role_arn = "arn:aws:iam::123456789012:role/warmer"
permissions_boundary = "arn:aws:iam::aws:policy/PowerUserAccess""#,
    );
    let config = Config::from_toml_str(&both).unwrap();
    let diagnostics = config.diagnostics();
    let d = diagnostics.at("function.permissions_boundary").unwrap();
    assert!(d.message.contains("with `role_arn` it creates none"), "{d}");
    assert!(d.fix.contains("remove role_arn"), "{d}");
    assert_eq!(diagnostics.errors().count(), 1, "{diagnostics}");

    let errors = errors_of(&with_function(
        r#"role_arn = "arn:aws:iam::123456789012:user/warmer""#,
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "function.role_arn");
    assert!(errors[0].1.contains("is not an IAM role ARN"));
    let errors = errors_of(&with_function(
        r#"permissions_boundary = "arn:aws:iam::12345:policy/b""#,
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "function.permissions_boundary");
    assert!(errors[0].1.contains("is not an IAM managed policy ARN"));
}

#[test]
fn tags_are_held_to_the_tag_limits() {
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let text = with_function(&format!(
        r#"tags = {{ "aws:owner" = "me", "{long_key}" = "x", team = "{long_value}", "a!" = "b" }}"#
    ));
    let errors = errors_of(&text);
    let messages: Vec<String> = errors.iter().map(|(p, m)| format!("{p}: {m}")).collect();
    for expected in [
        "function.tags.aws:owner: keys starting with `aws:` are reserved for AWS",
        "the key is 129 characters; a tag key is 1 to 128",
        "function.tags.team: the value is 257 characters; a tag value is at most 256",
        "function.tags.a!: '!' is not a character tags may hold",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected} not in {messages:#?}"
        );
    }
    let many: Vec<String> = (0..51).map(|i| format!("t{i} = \"v\"")).collect();
    let errors = errors_of(&with_function(&format!("tags = {{ {} }}", many.join(", "))));
    assert_eq!(
        errors,
        [(
            "function.tags".to_string(),
            "51 tags, above the 50 a resource takes".to_string()
        )]
    );
}

#[test]
fn an_unknown_architecture_or_tracing_mode_names_the_values_it_takes() {
    let err = Config::from_toml_str(&with_function(r#"architecture = "x86""#)).unwrap_err();
    assert_eq!(err.path, "function.architecture");
    assert!(
        err.message.contains("arm64") && err.message.contains("x86_64"),
        "{err}"
    );
    let err = Config::from_toml_str(&with_function(r#"tracing = "active""#)).unwrap_err();
    assert_eq!(err.path, "function.tracing");
    assert!(err.message.contains("Active"), "{err}");
}
