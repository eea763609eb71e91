//! `warmer render sam|cloudformation|terraform FILE`: the deployment template for a `warmer.toml`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::render::{Flavor, Format, render, terraform::render_terraform};

/// What `warmer render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// AWS SAM template (`sam deploy`); the code is built from `function.code_uri`.
    Sam,
    /// Plain CloudFormation template; the code's zip is read from the `CodeS3Bucket`/`CodeS3Key` parameters.
    Cloudformation,
    /// Terraform module (one `main.tf`, AWS provider); the code's zip is `var.code_zip`.
    Terraform,
}

/// Arguments of `warmer render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `sam`, `cloudformation` or `terraform`.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The warmer.toml to render.
    pub file: PathBuf,
    /// Output format of a SAM or CloudFormation template.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs `warmer render`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.file)?;
    let in_file = |e: anyhow::Error| anyhow::anyhow!("{}: {e}", args.file.display());
    let flavor = match args.kind {
        Kind::Sam => Some(Flavor::Sam),
        Kind::Cloudformation => Some(Flavor::Cloudformation),
        Kind::Terraform => None,
    };
    let text = match flavor {
        Some(flavor) => render(&config, flavor)
            .map_err(in_file)?
            .to_format(args.format.unwrap_or_default()),
        None => {
            if args.format.is_some() {
                anyhow::bail!(
                    "--format: a Terraform module is HCL; --format applies to sam and cloudformation"
                );
            }
            render_terraform(&config).map_err(in_file)?
        }
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
