//! `warmer plan --metrics FILE` or `warmer plan --since 14d --function NAME`: propose
//! concurrency profiles from `ConcurrentExecutions` history, read from a file or from CloudWatch.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::config::schedule::Schedule;
use crate::cost::{estimate, prices::Prices};
use crate::plan::own_warmups::{self, Finding, OwnWarmups};
use crate::plan::{PlanOptions, propose, read_metrics, warmers_fragment};

/// Arguments of `warmer plan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `aws cloudwatch get-metric-data` JSON output for ConcurrentExecutions, or a CSV of timestamp,value.
    #[arg(long, required_unless_present = "since", conflicts_with = "since")]
    pub metrics: Option<PathBuf>,
    /// Read the history from CloudWatch instead: `ConcurrentExecutions` of `--function` over
    /// this long before now (`14d`, `36h`; 1-minute data up to 15 days, 5-minute up to 63,
    /// hourly up to 455, as CloudWatch keeps them).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "function")]
    pub since: Option<std::time::Duration>,
    /// With --since: the alias or version whose concurrency to read.
    #[arg(long, value_name = "Q", requires = "since")]
    pub qualifier: Option<String>,
    /// With --since: the named profile of the shared AWS config and credentials files (else
    /// AWS_PROFILE or `default`).
    #[arg(long, value_name = "NAME", requires = "since")]
    pub profile: Option<String>,
    /// With --since: the AWS region (else the standard chain: AWS_REGION, profile).
    #[arg(long, value_name = "REGION", requires = "since")]
    pub region: Option<String>,
    /// The result to use when the JSON holds several (its Id or Label).
    #[arg(long, requires = "metrics")]
    pub id: Option<String>,
    /// The function the proposal warms (and, with --since, whose history is read); `my-function`
    /// with --metrics when not given.
    #[arg(long)]
    pub function: Option<String>,
    /// The warmer's name.
    #[arg(long, default_value = "planned")]
    pub name: String,
    /// The base schedule (a rate dividing an hour, or a cron with only minutes set).
    #[arg(long, default_value = "rate(5 minutes)")]
    pub schedule: String,
    /// IANA time zone the hours of the week are read in.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// Percentile of each hour of the week's samples.
    #[arg(long, default_value_t = 99.0)]
    pub percentile: f64,
    /// Headroom on top of the percentile, in percent.
    #[arg(long, default_value_t = 20.0)]
    pub headroom: f64,
    /// Round levels up to multiples of this (default: picked from the peak).
    #[arg(long)]
    pub step: Option<u32>,
    /// The account's concurrency limit: no window goes above it.
    #[arg(long, default_value_t = crate::config::DEFAULT_ACCOUNT_CONCURRENCY)]
    pub account_limit: u32,
    /// Price table overrides for the cost of the proposal (see `warmer cost --show-prices`).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// The warmer.toml that has been warming the function: its N per window is taken out of
    /// the history, so re-planning does not count the warmer's own warm-ups as traffic.
    #[arg(long, value_name = "warmer.toml", conflicts_with = "warmer_n")]
    pub config: Option<PathBuf>,
    /// With --config: only this warmer of the file.
    #[arg(long, requires = "config")]
    pub warmer: Option<String>,
    /// The N the warmer has been holding, at every hour (instead of --config).
    #[arg(long, value_name = "N")]
    pub warmer_n: Option<u32>,
    /// Print one JSON object instead of the commented TOML fragment: `notes` (what was done
    /// with the history, warnings), `warmer` (the proposed `[[warmers]]` entry), `toml` (the
    /// same as a fragment) and `cost` (the monthly estimate).
    #[arg(long)]
    pub json: bool,
}

/// Runs `warmer plan`.
pub async fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    let samples = history(&args).await?;
    let function = args.function.take().unwrap_or_else(|| "my-function".into());
    let timezone: chrono_tz::Tz = args.timezone.parse().map_err(|_| {
        anyhow::anyhow!(
            "--timezone: `{}` is not an IANA time zone (e.g. UTC, Europe/Berlin)",
            args.timezone
        )
    })?;
    if !(0.0..=100.0).contains(&args.percentile) || args.headroom < 0.0 {
        anyhow::bail!("--percentile must be 0-100 and --headroom 0 or more");
    }
    let options = PlanOptions {
        percentile: args.percentile,
        headroom_percent: args.headroom,
        step: args.step,
        min_concurrency: 1,
        max_concurrency: args.account_limit,
        timezone,
    };
    let schedule: Schedule = args
        .schedule
        .parse()
        .map_err(|e| anyhow::anyhow!("--schedule: {e}"))?;
    let own = match (&args.config, args.warmer_n) {
        (Some(path), _) => {
            let config = Config::load(path)?;
            Some(
                OwnWarmups::from_config(&config, args.warmer.as_deref(), &function)
                    .map_err(|e| anyhow::anyhow!("--config {}: {e}", path.display()))?,
            )
        }
        (None, Some(n)) => Some(OwnWarmups::constant(n)),
        (None, None) => None,
    };
    let (samples, finding) = own_warmups::remove(&samples, period_seconds(&schedule), own.as_ref());
    let proposal = propose(&samples, &options);
    let warmer = proposal.warmer(&args.name, &function, &args.schedule, &args.timezone);
    let config = proposal.config(warmer.clone(), args.account_limit);
    if let Err(diagnostics) = config.check() {
        anyhow::bail!(
            "the proposal does not pass `warmer config check` (check --schedule and --function):\n{diagnostics}"
        );
    }
    let first = samples.iter().map(|s| s.at).min();
    let last = samples.iter().map(|s| s.at).max();
    let source = match (&args.metrics, args.since) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(since)) => format!(
            "CloudWatch (ConcurrentExecutions of `{function}`, the last {})",
            humantime::format_duration(since)
        ),
        (None, None) => String::new(),
    };
    let mut notes = vec![format!("Proposed by `warmer plan` from {source}")];
    if let (Some(first), Some(last)) = (first, last) {
        notes.push(format!(
            "{} samples, {} to {}",
            proposal.samples,
            first.to_rfc3339(),
            last.to_rfc3339()
        ));
    }
    notes.push(format!(
        "per hour of the week ({}): p{} + {}% headroom, rounded up to steps of {}",
        args.timezone, args.percentile, args.headroom, proposal.step
    ));
    let level = match finding {
        Finding::CannotTell { .. } => "warning",
        _ => "note",
    };
    notes.push(format!("{level}: {finding}"));
    if proposal.empty_hours > 0 {
        notes.push(format!(
            "warning: {} hours of the week had no samples and are planned at 1",
            proposal.empty_hours
        ));
    }
    if proposal.capped_hours > 0 {
        notes.push(format!(
            "warning: {} hours needed more than the account limit {} and were capped",
            proposal.capped_hours, args.account_limit
        ));
    }
    let prices = match &args.prices {
        Some(path) => Prices::from_toml_str(&std::fs::read_to_string(path)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => Prices::default(),
    };
    let report = estimate(&config, &prices)?;
    if args.json {
        let out = serde_json::json!({
            "notes": notes,
            "warmer": warmer,
            "toml": warmers_fragment(&warmer),
            "cost": report,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    for note in &notes {
        println!("# {note}");
    }
    println!();
    print!("{}", warmers_fragment(&warmer));
    println!();
    println!(
        "# Cost of this proposal (function memory {} MB; set [cost] in warmer.toml and run `warmer cost`):",
        config.cost.memory_mb
    );
    for line in report.to_text().lines() {
        println!("# {line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Seconds between two runs of the schedule: a rate's period, or an hour over a cron's runs per
/// hour.
/// The history to plan from: the `--metrics` file, or CloudWatch over `--since`.
async fn history(args: &Args) -> anyhow::Result<Vec<crate::plan::Sample>> {
    if let Some(path) = &args.metrics {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        return read_metrics(&text, args.id.as_deref())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let (Some(since), Some(function)) = (args.since, &args.function) else {
        anyhow::bail!("give --metrics FILE, or --since DURATION with --function NAME");
    };
    let period = cloudwatch_period(since).ok_or_else(|| {
        anyhow::anyhow!(
            "--since: CloudWatch keeps data points for at most 455 days; give a shorter duration"
        )
    })?;
    if let Some(profile) = &args.profile {
        super::profile::check(profile)?;
    }
    let client =
        warmer_fn::autopilot::cloudwatch_client(args.region.as_deref(), args.profile.as_deref())
            .await;
    let mut target = warmer_fn::target::Target::new(function.clone(), 1);
    target.qualifier = args.qualifier.clone();
    let end = chrono::Utc::now();
    let start = end - chrono::Duration::from_std(since)?;
    let samples = warmer_fn::autopilot::read_concurrency(
        &client,
        &target.function_id(),
        start,
        end,
        period,
    )
    .await
    .map_err(|code| {
        anyhow::anyhow!(
            "reading ConcurrentExecutions of `{}` from CloudWatch failed ({code}): check the \
             credentials, the region and cloudwatch:GetMetricData",
            target.display_name()
        )
    })?;
    if samples.is_empty() {
        anyhow::bail!(
            "CloudWatch has no ConcurrentExecutions data points for `{}` in the last {}: check \
             the function name, the qualifier and the region",
            target.display_name(),
            humantime::format_duration(since)
        );
    }
    Ok(samples)
}

/// The finest period CloudWatch still keeps for data as old as `since` (60 s for 15 days,
/// 300 s for 63, 3,600 s for 455:
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention>).
fn cloudwatch_period(since: std::time::Duration) -> Option<i32> {
    const DAY: u64 = 86_400;
    match since.as_secs() {
        s if s <= 15 * DAY => Some(60),
        s if s <= 63 * DAY => Some(300),
        s if s <= 455 * DAY => Some(3_600),
        _ => None,
    }
}

fn period_seconds(schedule: &Schedule) -> i64 {
    (schedule.period_minutes() * 60) as i64
}
