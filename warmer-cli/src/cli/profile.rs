//! `--profile NAME`: refuse a profile that the shared AWS config and credentials files do not
//! define, naming the ones they do, before any AWS call.
//!
//! The SDK would otherwise fall back to no credentials and fail at the first call with a less
//! direct message. Profiles are the `[profile NAME]` (and `[default]`) sections of the config
//! file and the `[NAME]` sections of the credentials file, at `AWS_CONFIG_FILE` and
//! `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/config` and `~/.aws/credentials`
//! (<https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html>,
//! <https://docs.aws.amazon.com/sdkref/latest/guide/file-location.html>).

use std::collections::BTreeSet;
use std::path::PathBuf;

/// The profile names a shared config file (`config = true`) or credentials file defines.
///
/// ```
/// use warmer_cli::cli::profile::profile_names;
/// let config = "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n[sso-session corp]\n";
/// assert_eq!(profile_names(config, true).into_iter().collect::<Vec<_>>(), ["default", "prod"]);
/// assert_eq!(profile_names("[ci]\naws_access_key_id = x\n", false).len(), 1);
/// ```
pub fn profile_names(text: &str, config: bool) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| {
            let section = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
            let name = if config {
                if section == "default" {
                    section
                } else {
                    section.strip_prefix("profile")?.trim_start()
                }
            } else {
                section
            };
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// `Ok` when `name` is a profile of the shared config or credentials file; otherwise an error
/// that names the files, the profiles they define and the fix.
pub fn check(name: &str) -> anyhow::Result<()> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    let config = file("AWS_CONFIG_FILE", "config");
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let read = |path: &PathBuf| std::fs::read_to_string(path).unwrap_or_default();
    let mut known = profile_names(&read(&config), true);
    known.extend(profile_names(&read(&credentials), false));
    if known.contains(name) {
        return Ok(());
    }
    let there = if known.is_empty() {
        "they define none".to_string()
    } else {
        format!(
            "they define {}",
            known.into_iter().collect::<Vec<_>>().join(", ")
        )
    };
    anyhow::bail!(
        "--profile {name}: no such profile in {} or {} ({there})\n  fix: give one of those \
         profiles, or add a [profile {name}] section to the config file (`aws configure \
         --profile {name}` writes one)",
        config.display(),
        credentials.display()
    )
}
