//! `warmer plan --metrics FILE`: propose concurrency profiles from `ConcurrentExecutions` history.

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
    #[arg(long)]
    pub metrics: PathBuf,
    /// The result to use when the JSON holds several (its Id or Label).
    #[arg(long)]
    pub id: Option<String>,
    /// The function the proposal warms.
    #[arg(long, default_value = "my-function")]
    pub function: String,
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
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.metrics)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.metrics.display()))?;
    let samples = read_metrics(&text, args.id.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.metrics.display()))?;
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
                OwnWarmups::from_config(&config, args.warmer.as_deref(), &args.function)
                    .map_err(|e| anyhow::anyhow!("--config {}: {e}", path.display()))?,
            )
        }
        (None, Some(n)) => Some(OwnWarmups::constant(n)),
        (None, None) => None,
    };
    let (samples, finding) = own_warmups::remove(&samples, period_seconds(&schedule), own.as_ref());
    let proposal = propose(&samples, &options);
    let warmer = proposal.warmer(&args.name, &args.function, &args.schedule, &args.timezone);
    let config = proposal.config(warmer.clone(), args.account_limit);
    if let Err(diagnostics) = config.check() {
        anyhow::bail!(
            "the proposal does not pass `warmer config check` (check --schedule and --function):\n{diagnostics}"
        );
    }
    let first = samples.iter().map(|s| s.at).min();
    let last = samples.iter().map(|s| s.at).max();
    let mut notes = vec![format!(
        "Proposed by `warmer plan` from {}",
        args.metrics.display()
    )];
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
fn period_seconds(schedule: &Schedule) -> i64 {
    match schedule.rate_minutes() {
        Some(minutes) => (minutes * 60) as i64,
        None => {
            let (_, runs_per_hour) = schedule.coverage();
            (3600.0 / runs_per_hour.max(1.0 / 24.0)).round() as i64
        }
    }
}
