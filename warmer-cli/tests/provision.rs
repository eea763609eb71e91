//! `strategy = "provision"`: checked by field, never warmed, priced against warming.

use std::path::Path;

use warmer_cli::config::{Config, ConfigBuilder, WarmerBuilder};
use warmer_cli::cost::{estimate, prices::Prices};
use warmer_fn::target::{Strategy, Target};

fn provisioned(function: &str, qualifier: Option<&str>, n: u32) -> Target {
    Target {
        qualifier: qualifier.map(Into::into),
        strategy: Strategy::Provision,
        ..Target::new(function, n)
    }
}

#[test]
fn strategy_is_read_from_warmer_toml_and_a_typo_is_named() {
    let config = Config::from_toml_str(
        "[[warmers]]\nname = \"api\"\n[[warmers.targets]]\nfunction = \"orders\"\nqualifier = \"live\"\nconcurrency = 5\nstrategy = \"provision\"\n",
    )
    .unwrap();
    assert_eq!(config.warmers[0].targets[0].strategy, Strategy::Provision);
    assert!(config.check().is_ok());
    let err = Config::from_toml_str(
        "[[warmers]]\nname = \"api\"\n[[warmers.targets]]\nfunction = \"orders\"\nconcurrency = 5\nstrategy = \"provisioned\"\n",
    )
    .unwrap_err();
    assert_eq!(err.path, "warmers[0].targets[0].strategy");
    assert!(err.message.contains("provision"), "{err}");
}

#[test]
fn a_provisioned_target_needs_an_alias_or_version() {
    for (function, qualifier) in [("orders", None), ("orders", Some("$LATEST"))] {
        let config = ConfigBuilder::new()
            .warmer(WarmerBuilder::new("api").target_with(provisioned(function, qualifier, 5)))
            .build();
        let diagnostics = config.check().unwrap_err();
        let d = diagnostics
            .at("warmers[0].targets[0].qualifier")
            .unwrap_or_else(|| panic!("{diagnostics}"));
        assert!(d.message.contains("$LATEST"), "{d}");
        assert!(d.fix.contains("qualifier"), "{d}");
    }
    // The qualifier may be written in the function, as for warming.
    let config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(provisioned("orders:live", None, 5)))
        .build();
    assert!(config.check().is_ok(), "{:?}", config.check());
}

#[test]
fn a_provisioned_target_follows_profiles_not_a_partial_cron() {
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("api")
                .schedule("cron(0/5 8-17 ? * MON-FRI *)")
                .target_with(provisioned("orders", Some("live"), 5)),
        )
        .build();
    let diagnostics = config.check().unwrap_err();
    let d = diagnostics
        .at("warmers[0].targets[0].strategy")
        .unwrap_or_else(|| panic!("{diagnostics}"));
    assert!(d.fix.contains("profiles"), "{d}");
}

#[test]
fn the_engine_refuses_a_provisioned_target_by_field() {
    let problems =
        warmer_fn::rules::check_targets(&[provisioned("orders", Some("live"), 5)], "targets")
            .unwrap_err();
    assert_eq!(problems[0].field, "targets[0].strategy");
    assert!(problems[0].message.contains("Provisioned Concurrency"));
}

#[test]
fn warm_from_the_config_leaves_provisioned_targets_out() {
    let config = ConfigBuilder::new()
        .warmer(
            WarmerBuilder::new("api")
                .target("search", 3)
                .target_with(provisioned("orders", Some("live"), 5)),
        )
        .build();
    let targets =
        warmer_cli::cli::warm::targets_from_config(&config, None, chrono::Utc::now()).unwrap();
    let names: Vec<String> = targets.iter().map(Target::display_name).collect();
    assert_eq!(names, ["search"]);
}

#[test]
fn cost_prices_the_mix_and_names_what_would_be_cheaper_the_other_way() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../warmer.example.toml");
    let mut config = Config::load(&file).unwrap();
    config.warmers[0].targets[0].strategy = Strategy::Provision;
    let report = estimate(&config, &Prices::default()).unwrap();
    let orders = report
        .targets
        .iter()
        .find(|t| t.target == "orders:live")
        .unwrap();
    assert_eq!(orders.strategy, Strategy::Provision);
    assert!(orders.provisioned.arm64 > orders.warming.arm64);
    // The mix: orders provisioned, everything else warmed (with the warmer's own runs).
    let warmed: f64 = report
        .targets
        .iter()
        .filter(|t| t.strategy == Strategy::Warm)
        .map(|t| t.warming.arm64)
        .sum();
    assert!(report.mix.arm64 > orders.provisioned.arm64 + warmed * 0.5);
    assert!(report.mix.arm64 < orders.provisioned.arm64 + warmed * 2.0);
    let lines = report.cheaper_the_other_way();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("orders:live") && lines[0].contains("strategy = \"warm\""));
    assert!(report.to_text().contains(&lines[0]));

    // Provisioning every window of a target costs the same N x GB x hours whatever the mix.
    let all_warm = estimate(&Config::load(&file).unwrap(), &Prices::default()).unwrap();
    let same = all_warm
        .targets
        .iter()
        .find(|t| t.target == "orders:live")
        .unwrap();
    assert!((same.provisioned.arm64 - orders.provisioned.arm64).abs() < 1e-9);
    assert!(all_warm.cheaper_the_other_way().is_empty());
}

#[test]
fn with_every_target_provisioned_the_warmer_may_invoke_nothing() {
    let config = ConfigBuilder::new()
        .warmer(WarmerBuilder::new("api").target_with(provisioned("orders", Some("live"), 5)))
        .build();
    let template = warmer_cli::render::render(&config, warmer_cli::render::Flavor::Sam).unwrap();
    let t: serde_json::Value = serde_json::from_str(&template.to_json()).unwrap();
    let statements = &t["Resources"]["WarmerFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"];
    let sids: Vec<&str> = statements
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    // Nothing to invoke; the failure queue is kept for an invoke of the function itself.
    assert_eq!(
        sids,
        [
            "WriteOwnLogs",
            "ReadAccountConcurrency",
            "SendLostRunsToFailureQueue"
        ]
    );
    assert_eq!(
        t["Resources"]["WarmerFunction"]["Properties"]["ReservedConcurrentExecutions"],
        1
    );
}
