//! `warmer render sam|cloudformation|terraform|cdk FILE`: the deployment template for a
//! `warmer.toml`.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::Config;
use crate::render::{Flavor, Format, cdk::render_cdk, render, terraform::render_terraform};

/// What `warmer render` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// AWS SAM template (`sam deploy`); the code is built from `function.code_uri`.
    Sam,
    /// Plain CloudFormation template; the code's zip is read from the `CodeS3Bucket`/`CodeS3Key` parameters.
    Cloudformation,
    /// Terraform module (one `main.tf`, AWS provider); the code's zip is `var.code_zip`.
    Terraform,
    /// AWS CDK app in TypeScript (aws-cdk-lib 2), written into the `--output` directory.
    Cdk,
}

/// Arguments of `warmer render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// `sam`, `cloudformation`, `terraform` or `cdk`.
    #[arg(value_enum)]
    pub kind: Kind,
    /// The warmer.toml to render.
    pub file: PathBuf,
    /// Output format of a SAM or CloudFormation template.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write here instead of standard output (for `cdk`: the app's directory, required).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Runs `warmer render`.
pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.file)?;
    let in_file = |e: anyhow::Error| anyhow::anyhow!("{}: {e}", args.file.display());
    if args.format.is_some() && matches!(args.kind, Kind::Terraform | Kind::Cdk) {
        anyhow::bail!(
            "--format applies to sam and cloudformation; a Terraform module is HCL and a CDK app TypeScript"
        );
    }
    if args.kind == Kind::Cdk {
        let Some(dir) = &args.output else {
            anyhow::bail!(
                "--output: a CDK app is a directory of files; give one, e.g. `--output cdk`"
            );
        };
        for (path, text) in render_cdk(&config).map_err(in_file)? {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let flavor = match args.kind {
        Kind::Sam => Some(Flavor::Sam),
        Kind::Cloudformation => Some(Flavor::Cloudformation),
        Kind::Terraform | Kind::Cdk => None,
    };
    let text = match flavor {
        Some(flavor) => render(&config, flavor)
            .map_err(in_file)?
            .to_format(args.format.unwrap_or_default()),
        None => render_terraform(&config).map_err(in_file)?,
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
