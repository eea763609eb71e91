//! `warmer warm`: one warm-up run from a laptop or CI, with the report as a table or JSON.
//!
//! ```text
//! warmer warm --function orders --concurrency 50
//! warmer warm --function orders --concurrency 50 --qualifier live --delay 300 --json
//! warmer warm --function demo --concurrency 10 --endpoint-url http://127.0.0.1:9001
//! ```
//!
//! The exit status is 0 when every environment was reached, 1 when the run fell short
//! (usage and other errors exit with 2).

use std::process::ExitCode;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::engine::{
    ClientOptions, DEFAULT_METRICS_NAMESPACE, RunOptions, RunReport, client, warm,
};
use crate::target::{Delay, Mode, Target};

/// Arguments of `warmer warm`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Function name or ARN to warm.
    #[arg(long, value_name = "NAME")]
    pub function: String,
    /// How many environments to warm (N).
    #[arg(long, value_name = "N")]
    pub concurrency: u32,
    /// Alias or version to invoke.
    #[arg(long, value_name = "Q")]
    pub qualifier: Option<String>,
    /// How long each warm-up holds: `auto` (measured in the run) or milliseconds.
    #[arg(long, default_value = "auto", value_name = "auto|MS")]
    pub delay: Delay,
    /// `verify`: all N synchronous and counted; `event`: the classic N-1 asynchronous + 1.
    #[arg(long, value_enum, default_value_t = Mode::Verify)]
    pub mode: Mode,
    /// Send invokes to this endpoint (e.g. a local-lambda); dummy credentials when none are set.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// AWS region (else the standard chain: AWS_REGION, profile).
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also print the CloudWatch Embedded Metric Format line(s) to stdout.
    #[arg(long)]
    pub emf: bool,
    /// Namespace of the EMF metrics.
    #[arg(long, default_value = DEFAULT_METRICS_NAMESPACE, value_name = "NS")]
    pub metrics_namespace: String,
}

/// Runs `warmer warm`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let target = Target {
        function: args.function,
        qualifier: args.qualifier,
        concurrency: args.concurrency,
        delay: args.delay,
        mode: args.mode,
        payload: Default::default(),
        max_share: None,
    };
    target.validate().map_err(anyhow::Error::msg)?;
    let lambda = client(&ClientOptions {
        endpoint_url: args.endpoint_url,
        region: args.region,
    })
    .await;
    let options = RunOptions {
        metrics_namespace: args.metrics_namespace.clone(),
        ..RunOptions::default()
    };
    let report = warm(&lambda, &[target], &options).await;
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
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The report as a table for people, one row per target, with the notes below.
///
/// ```
/// use warmer_fn::engine::{RunReport, TargetReport};
/// let mut t = TargetReport::new("orders", Default::default(), 3);
/// t.reached = 3;
/// t.finish();
/// let text = warmer_fn::cli::warm::render_table(&RunReport::new("run-1", vec![t], 10));
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
    }
    out.push_str(&format!("\ncorrelation id {}", report.correlation_id));
    out
}
