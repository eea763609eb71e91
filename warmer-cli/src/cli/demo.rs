//! `warmer demo`: show cold starts on a local function, warm it, and show them gone; see
//! [`crate::demo`].

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::demo::{DemoOptions, DemoReport, Interrupted, Narrator};
use crate::loadtest::chart::{self, Segment};
use warmer_fn::engine::RunReport;

/// Arguments of `warmer demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent requests per burst, and environments to warm.
    #[arg(short = 'n', long = "concurrency", value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub n: u32,
    /// The demo function's init cost in milliseconds (config loading, connections).
    #[arg(long, value_name = "MS", default_value_t = 250)]
    pub init_ms: u64,
    /// Extra latency on every cold start in milliseconds, as a VPC attachment adds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub extra_cold_start_ms: u64,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Draw both bursts, cold and warm in colour, to FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

struct Console;

impl Narrator for Console {
    fn step(&mut self, text: &str) {
        println!("{text}");
    }

    fn warmed(&mut self, report: &RunReport) {
        println!("{}", crate::demo::warm_summary(report));
    }
}

/// Runs `warmer demo`: exit status 0 when the first burst was all cold and the second all
/// warm, 1 when not, 130 when interrupted.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.chart {
        chart::check_extension(path)?;
    }
    let options = DemoOptions {
        n: args.n,
        init: Duration::from_millis(args.init_ms),
        extra_cold_start: Duration::from_millis(args.extra_cold_start_ms),
        run_id: std::env::var(crate::demo::RUN_ID_ENV)
            .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string()),
        progress: !args.json && std::io::stderr().is_terminal(),
        ..DemoOptions::default()
    };
    if !args.json {
        println!(
            "warmer demo: {} concurrent requests on a local Lambda function (init {} ms, extra cold start {} ms)",
            options.n, args.init_ms, args.extra_cold_start_ms
        );
    }
    let result = if args.json {
        crate::demo::run(&options, interrupted()).await
    } else {
        crate::demo::run_narrated(&options, interrupted(), &mut Console).await
    };
    let report = match result {
        Ok(report) => report,
        Err(e) if e.is::<Interrupted>() => {
            eprintln!("warmer demo: {e}");
            return Ok(ExitCode::from(130));
        }
        Err(e) => return Err(e),
    };
    if let Some(path) = &args.chart {
        draw_chart(path, &report)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!();
        print!("{}", report.side_by_side());
        println!();
        print!("{}", report.per_class());
        if let Some(path) = &args.chart {
            println!("chart: {}", path.display());
        }
        println!("done in {:.1} s", report.elapsed_ms as f64 / 1000.0);
    }
    if report.proves_it() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "warmer demo: expected {} cold then 0 cold without errors, saw {} then {}",
            report.n, report.cold_before, report.cold_after
        );
        Ok(ExitCode::from(1))
    }
}

fn draw_chart(path: &std::path::Path, report: &DemoReport) -> anyhow::Result<()> {
    let title = format!(
        "warmer demo: {} concurrent requests, {} cold before warming, {} after",
        report.n, report.cold_before, report.cold_after
    );
    chart::draw(
        path,
        &title,
        &[
            Segment {
                label: "before warming",
                samples: &report.before.samples,
            },
            Segment {
                label: "after warming",
                samples: &report.after.samples,
            },
        ],
    )
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM; never when the signals cannot be watched.
async fn interrupted() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
