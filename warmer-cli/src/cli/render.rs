//! `warmer render sam|cloudformation FILE`: the deployment template for a `warmer.toml`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::render::{Flavor, Format, render};

/// Arguments of `warmer render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `sam` (for `sam deploy`) or `cloudformation` (code from S3 parameters).
    #[arg(value_enum)]
    pub flavor: Flavor,
    /// The warmer.toml to render.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs `warmer render`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.file)?;
    let text = render(&config, args.flavor)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?
        .to_format(args.format);
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
