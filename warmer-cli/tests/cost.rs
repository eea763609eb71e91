//! `warmer cost`: the cost model against hand-computed cases.
//!
//! Prices used (us-east-1 defaults): requests $0.20 per million; duration per GB-s x86_64
//! 0.0000166667, arm64 0.0000133334; Provisioned Concurrency per GB-s x86_64 0.0000041667,
//! arm64 0.0000033334; Scheduler $1.00 per million. A month is 730 hours = 730/168 weeks.

use std::process::Command;

use warmer_cli::config::{Config, ConfigBuilder, WarmerBuilder};
use warmer_cli::cost::estimate;
use warmer_cli::cost::prices::{Arch, Prices};
use warmer_fn::target::{Delay, Target};

fn close(actual: f64, expected: f64) {
    let tolerance = expected.abs() * 1e-9 + 1e-12;
    assert!(
        (actual - expected).abs() <= tolerance,
        "got {actual}, expected {expected}"
    );
}

fn target(function: &str, n: u32, delay_ms: u64) -> Target {
    Target {
        delay: Delay::Fixed(delay_ms),
        ..Target::new(function, n)
    }
}

#[test]
fn one_target_around_the_clock_matches_the_hand_computation() {
    // rate(5 minutes): 12 runs/h x 730 h = 8,760 runs a month.
    // orders: N = 10, delay 1,000 ms, 1,024 MB (1 GB).
    let config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(target("orders", 10, 1000)))
        .build();
    let report = estimate(&config, &Prices::default()).unwrap();
    let w = &report.windows[0];
    close(w.runs_per_month, 8760.0);
    // warm-ups: 8,760 x 10 = 87,600.
    close(w.warmups_per_month, 87_600.0);
    // held: 87,600 x 1 GB x 1 s = 87,600 GB-s.
    close(w.warmup_gb_seconds, 87_600.0);
    // warmer: 8,760 runs x 0.25 GB (256 MB) x (1,000 + 300 ms overhead) = 2,847 GB-s.
    close(w.warmer_gb_seconds, 2847.0);
    // PC: 730 h x 3,600 s x 10 x 1 GB = 26,280,000 GB-s.
    close(w.provisioned_gb_seconds, 26_280_000.0);

    let x = report.total(Arch::X86_64);
    close(x.warmup_requests, 87_600.0 * 0.2e-6); // $0.01752
    close(x.warmup_duration, 87_600.0 * 0.000_016_666_7); // $1.46000292
    close(x.warmer_requests, 8760.0 * 0.2e-6); // $0.001752
    close(x.warmer_duration, 2847.0 * 0.000_013_333_4); // $0.0379601898, arm64 in both columns
    close(x.scheduler, 8760.0 * 1e-6); // $0.00876
    close(
        x.warming,
        0.01752 + 1.46000292 + 0.001752 + 0.0379601898 + 0.00876,
    ); // $1.5259951098
    close(x.provisioned, 26_280_000.0 * 0.000_004_166_7); // $109.500876

    let a = report.total(Arch::Arm64);
    close(a.warmup_duration, 87_600.0 * 0.000_013_333_4); // $1.16800584
    close(
        a.warming,
        0.01752 + 1.16800584 + 0.001752 + 0.0379601898 + 0.00876,
    ); // $1.2339980298
    close(a.provisioned, 26_280_000.0 * 0.000_003_333_4); // $87.601752

    let line = report.recommendation();
    assert!(
        line.starts_with("recommendation: keep the warmer"),
        "{line}"
    );
    assert!(
        line.contains("$1.23/month (arm64)") && line.contains("$87.60"),
        "{line}"
    );
}

#[test]
fn profiles_split_the_month_between_windows() {
    // rate(15 minutes): 4 runs/h. Target `search`: 2,048 MB (2 GB), delay 200 ms, N = 10
    // outside the window and 50 in MON-FRI 08:00-20:00.
    let mut config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("api")
                .schedule("rate(15 minutes)")
                .target_with(target("search", 10, 200))
                .named_profile("business", "MON-FRI", "08:00-20:00", 50),
        )
        .build();
    config.cost.function_memory_mb.insert("search".into(), 2048);
    let report = estimate(&config, &Prices::default()).unwrap();
    let weeks = 730.0 / 168.0;
    let business = &report.windows[0];
    let rest: Vec<_> = report.windows[1..].iter().collect();
    // business: 5 days x 12 h = 60 h/week = 60 x 730/168 = 260.714... h/month; 4 runs/h.
    close(business.hours_per_month, 60.0 * weeks);
    close(business.runs_per_month, 60.0 * weeks * 4.0); // 1,042.857...
    close(business.warmups_per_month, 60.0 * weeks * 4.0 * 50.0); // 52,142.857...
    // held: runs x 50 x 2 GB x 0.2 s = runs x 20.
    close(business.warmup_gb_seconds, 60.0 * weeks * 4.0 * 20.0); // 20,857.142...
    // The rest of the week: 168 - 60 = 108 h/week, in however many crons.
    close(rest.iter().map(|w| w.hours_per_month).sum(), 108.0 * weeks); // 469.2857...
    let runs: f64 = report.windows.iter().map(|w| w.runs_per_month).sum();
    close(runs, 2920.0); // 730 h x 4
    // warm-ups: 1,042.857 x 50 + 1,877.143 x 10 = 70,914.2857; x $0.2e-6 = $0.0141828571.
    let x = report.total(Arch::X86_64);
    close(x.warmup_requests, 0.014_182_857_142_857_14);
    // held GB-s: 1,042.857 x 20 + 1,877.143 x 4 = 28,365.714; x86 x 0.0000166667 = $0.4727628503.
    close(x.warmup_duration, 28_365.714_285_714_28 * 0.000_016_666_7);
    // warmer: 2,920 runs x 0.25 GB x (200 + 300 ms) = 365 GB-s x 0.0000133334 = $0.004866691.
    close(x.warmer_duration, 0.004_866_691);
    close(x.scheduler, 0.00292);
    close(x.warmer_requests, 0.000584);
    // PC: 260.714 h x 3600 x 50 x 2 GB + 469.286 h x 3600 x 10 x 2 GB = 127,645,714.29 GB-s.
    close(x.provisioned, 127_645_714.285_714_27 * 0.000_004_166_7); // $531.8613977
    close(
        report.total(Arch::Arm64).provisioned,
        127_645_714.285_714_27 * 0.000_003_333_4,
    ); // $425.494224
}

#[test]
fn cron_base_schedule_counts_only_its_hours() {
    // cron(0/10 8-17 ? * MON-FRI *): 6 runs/h, 10 h x 5 days = 50 h/week.
    // runs/month = 50 x 730/168 x 6 = 1,303.571...; PC only over those 50 h/week.
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("office")
                .schedule("cron(0/10 8-17 ? * MON-FRI *)")
                .target_with(target("orders", 4, 500)),
        )
        .build();
    let report = estimate(&config, &Prices::default()).unwrap();
    let w = &report.windows[0];
    let hours = 50.0 * 730.0 / 168.0;
    close(w.hours_per_month, hours);
    close(w.runs_per_month, hours * 6.0);
    // held: runs x 4 x 1 GB x 0.5 s = runs x 2.
    close(w.warmup_gb_seconds, hours * 6.0 * 2.0);
    close(w.provisioned_gb_seconds, hours * 3600.0 * 4.0);
}

#[test]
fn price_overrides_change_only_what_they_name_and_can_flip_the_recommendation() {
    let prices = Prices::from_toml_str(
        "read_on = \"2030-01-01\"\n[x86_64]\nprovisioned_gb_second = 1e-9\n[arm64]\nprovisioned_gb_second = 1e-9\n",
    )
    .unwrap();
    assert_eq!(prices.read_on, "2030-01-01");
    assert_eq!(
        prices.x86_64.duration_gb_second,
        Prices::default().x86_64.duration_gb_second
    );
    let config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(target("orders", 10, 1000)))
        .build();
    let report = estimate(&config, &prices).unwrap();
    // PC: 26,280,000 GB-s x 1e-9 = $0.02628, below the $1.53 of warming.
    close(report.x86_64.provisioned, 0.02628);
    assert!(
        report
            .recommendation()
            .starts_with("recommendation: use Provisioned Concurrency")
    );

    let err = Prices::from_toml_str("[arm64]\nprovisioned = 1\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("arm64") && err.contains("provisioned"),
        "{err}"
    );
    let err = Prices::from_toml_str("request_per_million = \"cheap\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("request_per_million"), "{err}");
}

#[test]
fn auto_delay_is_priced_at_the_configured_assumption() {
    // auto_delay_ms = 800: 8,760 runs x 10 x 1 GB x 0.8 s = 70,080 GB-s.
    let mut config: Config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target("orders", 10))
        .build();
    config.cost.auto_delay_ms = Some(800);
    let report = estimate(&config, &Prices::default()).unwrap();
    close(report.windows[0].warmup_gb_seconds, 70_080.0);
}

#[test]
fn auto_delay_is_priced_at_the_engines_own_hold_by_default() {
    // The engine holds a round of 1,000 for 100 ms + 1,000 x 6 ms = 6.1 s:
    // 8,760 runs x 1,000 x 1 GB x 6.1 s = 53,436,000 GB-s.
    let config: Config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target("orders", 1_000))
        .build();
    let hold = warmer_fn::engine::AutoDelay::default().probe_delay_ms(1_000);
    assert_eq!(hold, 6_100);
    let report = estimate(&config, &Prices::default()).unwrap();
    close(report.windows[0].warmup_gb_seconds, 8_760.0 * 1_000.0 * 6.1);
}

#[test]
fn cost_command_prints_the_table_and_a_recommendation() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .arg("cost")
        .arg(&example)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("us-east-1, read 2026-11-26"), "{text}");
    assert!(text.contains("Provisioned Concurrency"), "{text}");
    assert!(text.contains("business-hours"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("recommendation: ")),
        "{text}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_warmer"))
        .args(["cost", "--show-prices"])
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(Prices::from_toml_str(&table).unwrap(), Prices::default());
}

#[test]
fn a_sharded_run_pays_for_every_copy_of_the_warmer() {
    // N = 2,000 in shards of 500: each run is the coordinator and 4 copies, 5 invocations of
    // the warmer; the Scheduler still starts one.
    let sharded = ConfigBuilder::new()
        .account_concurrency_limit(3_000)
        .warmer(
            WarmerBuilder::new("api")
                .target_with(target("orders", 2_000, 1000))
                .shard_size(500),
        )
        .build();
    let one = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(target("orders", 500, 1000)))
        .build();
    let sharded = estimate(&sharded, &Prices::default()).unwrap();
    let one = estimate(&one, &Prices::default()).unwrap();
    let (s, o) = (&sharded.windows[0], &one.windows[0]);
    close(s.runs_per_month, o.runs_per_month);
    close(
        s.warmer_invocations_per_month,
        5.0 * o.warmer_invocations_per_month,
    );
    close(s.warmer_gb_seconds, 5.0 * o.warmer_gb_seconds);
    let (st, ot) = (sharded.total(Arch::Arm64), one.total(Arch::Arm64));
    close(st.warmer_requests, 5.0 * ot.warmer_requests);
    close(st.scheduler, ot.scheduler);
}

#[test]
fn the_warmers_own_duration_is_priced_on_its_architecture() {
    // The same config as the hand computation above, the warmer deployed on x86_64: its
    // 2,847 GB-s a month cost the x86_64 rate in both columns.
    let mut config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(target("orders", 10, 1000)))
        .build();
    let arm = estimate(&config, &Prices::default()).unwrap();
    assert_eq!(arm.warmer_architecture, Arch::Arm64);
    config.function.architecture = warmer_cli::config::function::Architecture::X86_64;
    let x86 = estimate(&config, &Prices::default()).unwrap();
    assert_eq!(x86.warmer_architecture, Arch::X86_64);
    for arch in Arch::ALL {
        close(x86.total(arch).warmer_duration, 2847.0 * 0.000_016_666_7);
        close(arm.total(arch).warmer_duration, 2847.0 * 0.000_013_333_4);
    }
    assert!(x86.to_text().contains("warmer duration (x86_64)"));
}
