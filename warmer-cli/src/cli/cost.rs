//! `warmer cost FILE`: the monthly cost of a `warmer.toml` beside Provisioned Concurrency.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::cost::{estimate, prices::Prices};

/// Arguments of `warmer cost`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The warmer.toml to price.
    #[arg(required_unless_present = "show_prices")]
    pub file: Option<PathBuf>,
    /// A TOML file overriding entries of the price table (see `--show-prices`).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Print the price table in use (as TOML, the `--prices` format) and exit.
    #[arg(long)]
    pub show_prices: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `warmer cost`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let prices = match &args.prices {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            Prices::from_toml_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => Prices::default(),
    };
    if args.show_prices {
        print!("{}", prices.to_toml_string());
        return Ok(ExitCode::SUCCESS);
    }
    let Some(file) = args.file else {
        anyhow::bail!("give the warmer.toml to price");
    };
    let config = Config::load(&file)?;
    let report =
        estimate(&config, &prices).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("warmer cost: {}", file.display());
        print!("{}", report.to_text());
        // Autopilot chooses N at each run: the estimate is what it may cost at most.
        let auto: Vec<String> = config
            .warmers
            .iter()
            .flat_map(|w| w.targets.iter().filter(|t| t.auto.is_some()))
            .map(|t| t.display_name())
            .collect();
        if !auto.is_empty() {
            println!(
                "autopilot targets ({}) are priced at their auto.max, the most they may warm",
                auto.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
