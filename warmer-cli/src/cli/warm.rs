//! `warmer warm`: one warm-up run from a laptop or CI, with the report as a table or JSON.
//!
//! ```text
//! warmer warm --function orders --concurrency 50
//! warmer warm --function orders --concurrency 50 --qualifier live --delay 300 --json
//! warmer warm --function demo --concurrency 10 --endpoint-url http://127.0.0.1:9001
//! warmer warm --function orders --concurrency 50 --profile prod    # a named AWS profile
//! warmer warm --config warmer.toml                 # every target, with the N its schedule uses now
//! warmer warm --config warmer.toml --warmer api --dry-run   # may the warmer invoke each target?
//! warmer warm --function orders --concurrency 3000 --via warmer-api   # the deployed warmer runs it
//! ```
//!
//! With `--via FUNCTION` the run is handed to the deployed warmer Lambda: one synchronous
//! invoke with `{"targets": [...], "max_share": ..., "shard_size": ...}`, and the report it
//! returns is printed as a local run's would be. The warmer shards a target whose N is above the
//! shard size across copies of itself (one process here holds at most 900 warm-ups in flight),
//! follows Lambda's scaling rate, and remembers what it reached for its next run.
//!
//! With `--config`, each warmer's schedule in force now (or at `--at`) gives the targets and
//! their N, and all are warmed in one run: the pre-warm step of a deploy pipeline. `--dry-run`
//! sends each target one `DryRun` invoke instead (Lambda checks the function, the qualifier
//! and the caller's permission, and runs nothing) and reports each.
//!
//! The exit status is 0 when every environment was reached (or, with `--dry-run`, every
//! target may be invoked), 1 when the run fell short, 2 on a usage error, and 3 when nothing
//! fell short but coverage cannot be proven (`event` mode, or functions without warm-sdk).

use std::path::PathBuf;
use std::process::ExitCode;

use aws_sdk_lambda::types::InvocationType;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::config::Config;
use warmer_fn::engine::reason::{CallSite, explain};

use warmer_fn::autopilot::AutoRule;
use warmer_fn::engine::FailureKind;
use warmer_fn::engine::{
    ClientOptions, DEFAULT_METRICS_NAMESPACE, RunOptions, RunReport, client_with_profile, warm,
};
use warmer_fn::event::WarmRequest;
use warmer_fn::target::{Delay, Mode, Target};

/// `--concurrency`: a number, or `auto`.
///
/// ```
/// use warmer_cli::cli::warm::Concurrency;
/// assert_eq!("auto".parse::<Concurrency>(), Ok(Concurrency::Auto));
/// assert_eq!("50".parse::<Concurrency>(), Ok(Concurrency::N(50)));
/// assert!("lots".parse::<Concurrency>().unwrap_err().contains("auto"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// A fixed N.
    N(u32),
    /// Autopilot.
    Auto,
}

impl std::str::FromStr for Concurrency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Concurrency::Auto);
        }
        s.parse()
            .map(Concurrency::N)
            .map_err(|_| format!("`{s}` is neither a whole number of environments nor `auto`"))
    }
}

/// Arguments of `warmer warm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Function name or ARN to warm.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "config",
        conflicts_with = "config"
    )]
    pub function: Option<String>,
    /// How many environments to warm (N), or `auto`: N from the function's recent
    /// `ConcurrentExecutions` in CloudWatch (autopilot; see warmer-fn's `autopilot` docs).
    #[arg(long, value_name = "N|auto", required_unless_present = "config")]
    pub concurrency: Option<Concurrency>,
    /// With `--concurrency auto`: the least N (default 1), also the N without data.
    #[arg(long, value_name = "N")]
    pub auto_min: Option<u32>,
    /// With `--concurrency auto`: the most N (default 100).
    #[arg(long, value_name = "N")]
    pub auto_max: Option<u32>,
    /// With `--concurrency auto`: this command runs on a schedule every MINUTES (cron, CI),
    /// so the minutes of its earlier runs are left out of what it reads. Default: none.
    #[arg(long, value_name = "MINUTES")]
    pub auto_every: Option<u32>,
    /// Alias or version to invoke.
    #[arg(long, value_name = "Q", conflicts_with = "config")]
    pub qualifier: Option<String>,
    /// Warm every target of this warmer.toml, with the N its schedule uses now.
    #[arg(long, value_name = "warmer.toml", conflicts_with = "concurrency")]
    pub config: Option<PathBuf>,
    /// With --config: only this warmer of the file.
    #[arg(long, value_name = "NAME", requires = "config")]
    pub warmer: Option<String>,
    /// With --config: the instant whose schedule to follow (RFC 3339), instead of now.
    #[arg(long, value_name = "TIME", requires = "config")]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Check that each target may be invoked (Lambda's DryRun), and warm nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The most of each function's available concurrency a warm-up may hold, a fraction in
    /// (0, 1]: of its reserved concurrency, or of the account's unreserved concurrency shared
    /// among the targets (the concurrency guard). A target's own `max_share` in the config wins.
    #[arg(long, value_name = "FRACTION", default_value_t = warmer_fn::rules::DEFAULT_MAX_SHARE)]
    pub max_share: f64,
    /// How long each warm-up holds: `auto` (measured in the run) or milliseconds.
    #[arg(long, default_value = "auto", value_name = "auto|MS")]
    pub delay: Delay,
    /// `verify`: all N synchronous and counted; `event`: the classic N-1 asynchronous + 1.
    #[arg(long, default_value_t = Mode::Verify, value_name = "verify|event")]
    pub mode: Mode,
    /// Send invokes to this endpoint (e.g. a local-lambda); dummy credentials when none are set.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (else the standard chain: AWS_REGION, profile).
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Named profile of the shared AWS config and credentials files, as the AWS CLI's
    /// `--profile` (its region, credentials and endpoint_url; else AWS_PROFILE or `default`).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also print the CloudWatch Embedded Metric Format line(s) to stdout.
    #[arg(long)]
    pub emf: bool,
    /// Namespace of the EMF metrics.
    #[arg(long, default_value = DEFAULT_METRICS_NAMESPACE, value_name = "NS")]
    pub metrics_namespace: String,
    /// Hand the run to this deployed warmer Lambda (name or ARN) and print its merged report:
    /// it shards a large N across copies of itself.
    #[arg(long, value_name = "FUNCTION", conflicts_with = "dry_run")]
    pub via: Option<String>,
    /// With --via: the most warm-ups one copy of the warmer sends (1 to 900; the warmer's
    /// default is 800).
    #[arg(long, value_name = "N", requires = "via")]
    pub shard_size: Option<u32>,
    /// The run's deadline, in seconds: no warm-up holds, waits for `Retry-After` or the
    /// scaling rate past it, and the report comes back by then.
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// Runs `warmer warm`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let targets = match &args.config {
        Some(path) => targets_from_config(
            &Config::load(path)?,
            args.warmer.as_deref(),
            args.at.unwrap_or_else(chrono::Utc::now),
        )?,
        None => {
            let (Some(function), Some(concurrency)) = (args.function.clone(), args.concurrency)
            else {
                anyhow::bail!("give --function and --concurrency, or --config warmer.toml");
            };
            let auto = match concurrency {
                Concurrency::Auto => {
                    let mut rule = AutoRule::default();
                    rule.min = args.auto_min.unwrap_or(rule.min);
                    rule.max = args.auto_max.unwrap_or(rule.max);
                    // One command on no schedule has no runs of its own to leave out.
                    rule.every_minutes = args.auto_every.unwrap_or(0);
                    Some(rule)
                }
                Concurrency::N(_)
                    if args.auto_min.is_some()
                        || args.auto_max.is_some()
                        || args.auto_every.is_some() =>
                {
                    anyhow::bail!(
                        "--auto-min, --auto-max and --auto-every size N only with --concurrency auto"
                    )
                }
                Concurrency::N(_) => None,
            };
            vec![Target {
                function,
                qualifier: args.qualifier.clone(),
                concurrency: match (concurrency, &auto) {
                    (Concurrency::N(n), _) => n,
                    (Concurrency::Auto, rule) => rule.map_or(0, |r| r.max),
                },
                auto,
                delay: args.delay,
                mode: args.mode,
                payload: Default::default(),
                max_share: None,
                strategy: Default::default(),
            }]
        }
    };
    // The same rules, in the same words, as the warmer Lambda and `warmer config check`.
    let mut problems = warmer_fn::rules::check_share(args.max_share, "--max-share");
    if let Some(size) = args.shard_size {
        problems.extend(warmer_fn::rules::check_shard_size(size, "--shard-size"));
    }
    if args.config.is_some() || !targets.is_empty() {
        let list = if args.config.is_some() { "targets" } else { "" };
        if let Err(found) = warmer_fn::rules::check_targets(&targets, list) {
            // Without --config the one target is the flags themselves: `--concurrency`, ...
            problems.extend(found.into_iter().map(|mut p| {
                if args.config.is_none() {
                    p.field = format!("--{}", p.field.trim_start_matches("[0].").replace('_', "-"));
                }
                p
            }));
        }
    }
    if !problems.is_empty() {
        anyhow::bail!("{}", warmer_fn::rules::describe(&problems));
    }
    if let Some(profile) = &args.profile {
        super::profile::check(profile)?;
    }
    let lambda = client_with_profile(
        &ClientOptions {
            endpoint_url: args.endpoint_url.clone(),
            region: args.region.clone(),
        },
        args.profile.as_deref(),
    )
    .await;
    if args.dry_run {
        let checks = dry_run(&lambda, &targets).await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&checks)?);
        } else {
            println!("{}", render_dry_run(&checks));
        }
        return Ok(if checks.iter().all(|c| c.ok) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if targets.is_empty() {
        println!("nothing to warm now");
        return Ok(ExitCode::SUCCESS);
    }
    let report = match &args.via {
        Some(warmer) => via(&lambda, warmer, &targets, args.max_share, args.shard_size).await?,
        None => {
            let cloudwatch = match targets.iter().any(|t| t.auto.is_some()) {
                true => Some(
                    warmer_fn::autopilot::cloudwatch_client(
                        args.region.as_deref(),
                        args.profile.as_deref(),
                    )
                    .await,
                ),
                false => None,
            };
            let options = RunOptions {
                cloudwatch,
                metrics_namespace: args.metrics_namespace.clone(),
                max_share: args.max_share,
                deadline: Some(
                    std::time::Instant::now() + std::time::Duration::from_secs(args.timeout),
                ),
                // One connection per warm-up in flight: as many as this process's open-file
                // limit allows, raised to its hard limit first.
                max_in_flight: super::open_files::in_flight_bound(),
                ..RunOptions::default()
            };
            warm(&lambda, &targets, &options).await
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", render_table(&report));
    }
    if args.emf {
        for line in report.emf_lines(&args.metrics_namespace) {
            println!("{line}");
        }
    }
    Ok(exit_status(&report))
}

/// Hands the run to the deployed warmer Lambda `warmer`: one synchronous invoke with the
/// targets, and the report it answers. A refused event, a function error or an answer that is
/// not a report is an error naming what the warmer said.
pub async fn via(
    lambda: &aws_sdk_lambda::Client,
    warmer: &str,
    targets: &[Target],
    max_share: f64,
    shard_size: Option<u32>,
) -> anyhow::Result<RunReport> {
    let event = WarmRequest {
        targets: targets.to_vec(),
        max_share: Some(max_share),
        shard_size,
    };
    let output = lambda
        .invoke()
        .function_name(warmer)
        .payload(aws_sdk_lambda::primitives::Blob::new(serde_json::to_vec(
            &event,
        )?))
        .send()
        .await
        .map_err(|err| {
            let site = CallSite::new(lambda, "lambda:InvokeFunction");
            let (kind, sentence) = explain(&err, &site);
            anyhow::anyhow!("--via {warmer}: the warmer was not invoked ({kind}): {sentence}")
        })?;
    let body = output.payload().map(|b| b.as_ref()).unwrap_or_default();
    let text = String::from_utf8_lossy(body);
    if let Some(kind) = output.function_error() {
        anyhow::bail!("--via {warmer}: the warmer failed ({kind}): {text}");
    }
    serde_json::from_slice(body).map_err(|e| {
        anyhow::anyhow!(
            "--via {warmer}: the answer is not a warmer report ({e}); is `{warmer}` the warmer Lambda? it answered: {}",
            text.chars().take(300).collect::<String>()
        )
    })
}

/// 0 when every target is ok (reached, or reached its cap), 3 when none is short or failed but
/// some could not be seen (coverage unknown), 1 otherwise.
///
/// ```
/// use warmer_fn::engine::{RunReport, TargetReport};
/// use warmer_fn::target::Mode;
/// let mut t = TargetReport::new("orders", Mode::Event, 3);
/// t.accepted = 2;
/// t.reached = 1;
/// t.finish();
/// let report = RunReport::new("run-1", vec![t], 10);
/// assert_eq!(warmer_cli::cli::warm::exit_status(&report), std::process::ExitCode::from(3));
/// ```
pub fn exit_status(report: &RunReport) -> ExitCode {
    use warmer_fn::engine::Status;
    if report.ok {
        ExitCode::SUCCESS
    } else if report.targets.iter().all(|t| {
        matches!(t.status, Status::Ok | Status::Capped | Status::Unknown) && t.shortfall() == 0
    }) {
        ExitCode::from(3)
    } else {
        ExitCode::from(1)
    }
}

/// Every warmed target (`strategy = "warm"`) of the config's warmers (or of the one named
/// `warmer`), with the N of the schedule each warmer follows at `at`. A warmer with no schedule running in that hour adds
/// nothing, and says so on standard error. The config must pass `warmer config check`.
///
/// ```
/// use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
/// let config = ConfigBuilder::new()
///     .warmer(WarmerBuilder::new("api").target("orders", 5).target("search", 2))
///     .build();
/// let targets = warmer_cli::cli::warm::targets_from_config(&config, None, chrono::Utc::now()).unwrap();
/// assert_eq!(targets.iter().map(|t| t.concurrency).sum::<u32>(), 7);
/// assert!(warmer_cli::cli::warm::targets_from_config(&config, Some("web"), chrono::Utc::now()).is_err());
/// ```
pub fn targets_from_config(
    config: &Config,
    warmer: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<Target>> {
    if let Err(diagnostics) = config.check() {
        anyhow::bail!("the config has errors; fix them first:\n{diagnostics}");
    }
    let warmers: Vec<_> = config
        .warmers
        .iter()
        .filter(|w| warmer.is_none_or(|name| w.name == name))
        .collect();
    if warmers.is_empty() {
        let names: Vec<&str> = config.warmers.iter().map(|w| w.name.as_str()).collect();
        anyhow::bail!(
            "--warmer {}: the config has no such warmer; it has {}",
            warmer.unwrap_or_default(),
            names.join(", ")
        );
    }
    let mut targets = Vec::new();
    for w in warmers {
        match w.schedule_at(at)? {
            Some(schedule) => {
                for t in schedule.targets.iter().filter(|t| !t.strategy.is_warm()) {
                    eprintln!(
                        "warmer {}: {} is provisioned (strategy = \"provision\"): Provisioned Concurrency keeps it warm, so it is not warmed",
                        w.name,
                        t.display_name()
                    );
                }
                targets.extend(schedule.warmed_targets());
            }
            None => eprintln!(
                "warmer {}: no schedule runs at {} ({}): nothing to warm for it",
                w.name,
                at.to_rfc3339(),
                w.timezone
            ),
        }
    }
    Ok(targets)
}

/// What a `DryRun` invoke said of one target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DryRunCheck {
    /// `function` or `function:qualifier`.
    pub function: String,
    /// Lambda accepted the invoke: the function and qualifier exist and the caller may invoke them.
    pub ok: bool,
    /// Lambda's error type when it refused (`ResourceNotFoundException`, `AccessDeniedException`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Why, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Sends each target one `DryRun` invoke, all at once. Lambda answers 204 without running the
/// function when the function and qualifier exist and the caller may invoke them
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>, `InvocationType`).
pub async fn dry_run(lambda: &aws_sdk_lambda::Client, targets: &[Target]) -> Vec<DryRunCheck> {
    futures_util::future::join_all(targets.iter().map(|target| async move {
        let result = lambda
            .invoke()
            .function_name(&target.function)
            .set_qualifier(target.qualifier.clone())
            .invocation_type(InvocationType::DryRun)
            .send()
            .await;
        match result {
            Ok(_) => DryRunCheck {
                function: target.display_name(),
                ok: true,
                error_type: None,
                reason: None,
            },
            Err(err) => {
                // The one wording of a failed call (no credentials, access denied naming the
                // action, unreachable endpoint, ...), with the target named where Lambda says
                // it does not exist.
                let site = CallSite::new(lambda, "lambda:InvokeFunction");
                let (error_type, reason) = match explain(&err, &site) {
                    (FailureKind::NotFound, _) => {
                        let reason = format!(
                            "no function `{}` (or no qualifier `{}`) in this account and region: check the name, the qualifier and the region",
                            target.function,
                            target.qualifier.as_deref().unwrap_or("$LATEST")
                        );
                        (FailureKind::NotFound, reason)
                    }
                    explained => explained,
                };
                DryRunCheck {
                    function: target.display_name(),
                    ok: false,
                    error_type: Some(error_type.to_string()),
                    reason: Some(reason),
                }
            }
        }
    }))
    .await
}

/// The dry-run checks as a table, one row per target.
///
/// ```
/// use warmer_cli::cli::warm::{DryRunCheck, render_dry_run};
/// let text = render_dry_run(&[DryRunCheck {
///     function: "orders".into(), ok: true, error_type: None, reason: None,
/// }]);
/// assert!(text.contains("orders") && text.contains("may invoke"));
/// ```
pub fn render_dry_run(checks: &[DryRunCheck]) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(["function", "dry run", "reason"]);
    for c in checks {
        table.add_row([
            c.function.clone(),
            if c.ok {
                "may invoke".to_owned()
            } else {
                format!(
                    "REFUSED ({})",
                    c.error_type.as_deref().unwrap_or("no answer")
                )
            },
            c.reason.clone().unwrap_or_default(),
        ]);
    }
    table.to_string()
}

/// The report as a table for people, one row per target, with the notes below.
///
/// ```
/// use warmer_fn::engine::{RunReport, TargetReport};
/// let mut t = TargetReport::new("orders", Default::default(), 3);
/// t.reached = 3;
/// t.finish();
/// let text = warmer_cli::cli::warm::render_table(&RunReport::new("run-1", vec![t], 10));
/// assert!(text.contains("orders") && text.contains("3/3"));
/// ```
pub fn render_table(report: &RunReport) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "function",
        "mode",
        "reached",
        "new",
        "dup",
        "throttled",
        "failed",
        "fn errors",
        "delay ms",
        "spread ms",
        "held env-s",
        "elapsed ms",
        "ok",
    ]);
    for t in &report.targets {
        let reached = if t.coverage_known {
            format!("{}/{}", t.reached, t.requested)
        } else {
            format!(
                "? ({} accepted)/{}",
                t.accepted + t.reached.min(1),
                t.requested
            )
        };
        table.add_row([
            t.function.clone(),
            t.mode.to_string(),
            reached,
            t.new.to_string(),
            t.duplicates.to_string(),
            t.throttled.to_string(),
            t.failed.to_string(),
            t.function_errors.to_string(),
            t.delay_ms.to_string(),
            format!("{:.1}", t.dispatch_spread_ms),
            format!("{:.1}", t.held_env_seconds),
            t.elapsed_ms.to_string(),
            if t.ok { "yes".into() } else { "NO".into() },
        ]);
    }
    let mut out = table.to_string();
    for t in &report.targets {
        if let Some(error) = &t.error {
            out.push_str(&format!("\n{}: error: {error}", t.function));
        }
        for note in &t.notes {
            out.push_str(&format!("\n{}: {note}", t.function));
        }
        for shard in &t.shards {
            out.push_str(&format!(
                "\n{}: round {}{} shard {}: sent {}, reached {} ({} new), {} ms{}",
                t.function,
                shard.round,
                if shard.probe { " probe" } else { "" },
                shard.shard,
                shard.sent,
                shard.reached,
                shard.new,
                shard.elapsed_ms,
                shard
                    .error
                    .as_deref()
                    .map(|e| format!(", failed: {e}"))
                    .unwrap_or_default()
            ));
        }
    }
    out.push_str(&format!("\ncorrelation id {}", report.correlation_id));
    out
}
