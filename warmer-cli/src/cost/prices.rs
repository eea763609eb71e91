//! The price table `warmer cost` uses: us-east-1, on-demand, first pricing tier, no free tier.
//!
//! Every field can be overridden from a TOML file (`warmer cost --prices FILE`); fields left
//! out keep these values.
//!
//! ```
//! use warmer_cli::cost::prices::Prices;
//! let prices = Prices::from_toml_str("read_on = \"2027-01-01\"\n[arm64]\nprovisioned_gb_second = 0.000003").unwrap();
//! assert_eq!(prices.arm64.provisioned_gb_second, 0.000003);
//! assert_eq!(prices.x86_64, Prices::default().x86_64);
//! ```

use serde::{Deserialize, Serialize};

/// Lambda and Scheduler prices in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prices {
    /// The Region the prices are for.
    pub region: String,
    /// When the prices were read (YYYY-MM-DD).
    pub read_on: String,
    /// Where they were read.
    pub source: String,
    /// Lambda requests, per million (both architectures).
    pub request_per_million: f64,
    /// EventBridge Scheduler invocations, per million (beyond the free 14 million a month).
    pub scheduler_per_million: f64,
    /// x86_64 prices.
    pub x86_64: ArchPrices,
    /// arm64 (Graviton) prices.
    pub arm64: ArchPrices,
}

/// Per-architecture Lambda prices in USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchPrices {
    /// On-demand duration, per GB-second (first tier).
    pub duration_gb_second: f64,
    /// Provisioned Concurrency, per GB-second configured.
    pub provisioned_gb_second: f64,
    /// Duration of invocations served by Provisioned Concurrency, per GB-second.
    pub provisioned_duration_gb_second: f64,
}

impl Default for Prices {
    /// us-east-1 as read on 2026-11-26 from the AWS Lambda and Amazon EventBridge pricing pages
    /// (first tier of on-demand duration; Provisioned Concurrency as in the page's worked
    /// examples: $0.0000041667 per GB-s on x86_64, $0.0000033334 on arm64). Check them against
    /// the current pages before a decision; `--prices` overrides any of them.
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            read_on: "2026-11-26".into(),
            source: "aws.amazon.com/lambda/pricing and aws.amazon.com/eventbridge/pricing".into(),
            request_per_million: 0.20,
            scheduler_per_million: 1.00,
            x86_64: ArchPrices {
                duration_gb_second: 0.000_016_666_7,
                provisioned_gb_second: 0.000_004_166_7,
                provisioned_duration_gb_second: 0.000_009_722_2,
            },
            arm64: ArchPrices {
                duration_gb_second: 0.000_013_333_4,
                provisioned_gb_second: 0.000_003_333_4,
                provisioned_duration_gb_second: 0.000_007_777_8,
            },
        }
    }
}

impl Prices {
    /// Parses an override file; missing fields keep the defaults.
    pub fn from_toml_str(text: &str) -> anyhow::Result<Prices> {
        let overrides: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        "line {}: ",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            anyhow::anyhow!("{line}{}", e.message().trim())
        })?;
        let mut merged =
            toml::Table::try_from(Prices::default()).expect("prices serialize to a table");
        merge(&mut merged, overrides);
        serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
            anyhow::anyhow!(
                "{}: {} (fix: prices are numbers in USD; `warmer cost --show-prices` prints every key)",
                e.path(),
                e.inner().message().trim()
            )
        })
    }

    /// The prices for one architecture.
    pub fn arch(&self, arch: Arch) -> &ArchPrices {
        match arch {
            Arch::X86_64 => &self.x86_64,
            Arch::Arm64 => &self.arm64,
        }
    }

    /// The table as TOML, the format `--prices` reads.
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("prices always serialize to TOML")
    }
}

/// A Lambda architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// x86_64.
    X86_64,
    /// arm64 (Graviton).
    Arm64,
}

impl Arch {
    /// Both, x86_64 first.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        })
    }
}

/// Overlays `overrides` on `base`, table by table.
fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}
