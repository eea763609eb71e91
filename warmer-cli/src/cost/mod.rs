//! The monthly cost of a warming plan, beside Provisioned Concurrency for the same N over the
//! same windows, for x86_64 and arm64 targets.
//!
//! The model, per window and month (730 hours):
//! - runs = hours of the window x runs per hour of its schedule;
//! - warm-up requests = runs x the sum of the targets' N;
//! - warm-up GB-seconds = runs x sum over targets of N x memory (GB) x delay (s), the time each
//!   warmed environment is held (an `auto` delay counts as the engine's prior for a round of N,
//!   [`warmer_fn::engine::AutoDelay::probe_delay_ms`], the most a run that cannot learn its hold
//!   holds, or `cost.auto_delay_ms` when set);
//! - the warmer's own invocation per run, for (longest delay + `cost.warmer_overhead_ms`) at
//!   its memory, on the architecture `[function] architecture` deploys it on (arm64 unless
//!   set);
//! - one Scheduler invocation per run;
//! - Provisioned Concurrency: hours x 3600 x sum over targets of N x memory (GB).
//!
//! Per target ([`CostReport::targets`]) the same terms, each target warmed (its warm-up
//! requests and held duration, plus an equal share of its windows' warmer runs and Scheduler
//! invocations) and provisioned; [`CostReport::mix`] is the config as written, each target with
//! its `strategy` (the warmer runs only in windows that have a warmed target), and
//! [`CostReport::cheaper_the_other_way`] names the targets the other strategy would make cheaper.
//!
//! Free tiers are not counted, nor the traffic the function serves anyway (which costs about the
//! same either way; Provisioned Concurrency makes its duration cheaper, see the price table).
//!
//! ```
//! use warmer_cli::config::{ConfigBuilder, WarmerBuilder};
//! use warmer_cli::cost::{estimate, prices::{Arch, Prices}};
//!
//! let config = ConfigBuilder::new().warmer(WarmerBuilder::new("api").target("orders", 10)).build();
//! let report = estimate(&config, &Prices::default()).unwrap();
//! // rate(5 minutes): 12 runs an hour x 730 hours.
//! assert_eq!(report.windows[0].runs_per_month, 8760.0);
//! assert!(report.total(Arch::Arm64).warming < report.total(Arch::Arm64).provisioned);
//! ```

pub mod prices;

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::config::function::Architecture;
use prices::{Arch, Prices};
use warmer_fn::target::{Delay, Strategy, Target};

/// Reads one line item of [`Totals`].
type TotalsField = fn(&Totals) -> f64;

/// Hours in a billing month, as AWS prices count them.
pub const HOURS_PER_MONTH: f64 = 730.0;
const HOURS_PER_WEEK: f64 = 168.0;

/// Usage of one window of one warmer in a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowUsage {
    /// Warmer name.
    pub warmer: String,
    /// Window name.
    pub window: String,
    /// Days and hours.
    pub when: String,
    /// Sum of the targets' N in this window.
    pub concurrency: u64,
    /// Hours of the window in a month.
    pub hours_per_month: f64,
    /// Scheduler runs in a month.
    pub runs_per_month: f64,
    /// Invocations of the warmer in a month: each run's coordinator and, for a run that
    /// shards, one copy per shard (`WindowSchedule::warmer_copies`).
    pub warmer_invocations_per_month: f64,
    /// Warm-up requests to the targets in a month.
    pub warmups_per_month: f64,
    /// GB-seconds the warmed environments are held, in a month.
    pub warmup_gb_seconds: f64,
    /// GB-seconds of the warmer function itself, in a month.
    pub warmer_gb_seconds: f64,
    /// GB-seconds of Provisioned Concurrency for the same N over the same hours.
    pub provisioned_gb_seconds: f64,
}

/// Monthly cost in USD for one architecture of the targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Totals {
    /// Warm-up requests.
    pub warmup_requests: f64,
    /// Warm-up duration.
    pub warmup_duration: f64,
    /// The warmer's requests.
    pub warmer_requests: f64,
    /// The warmer's duration, on its architecture ([`CostReport::warmer_architecture`]).
    pub warmer_duration: f64,
    /// Scheduler invocations.
    pub scheduler: f64,
    /// Everything the warming costs.
    pub warming: f64,
    /// Provisioned Concurrency for the same N over the same windows.
    pub provisioned: f64,
}

/// A monthly cost in USD for x86_64 and for arm64 targets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct ByArch {
    /// With x86_64 targets.
    pub x86_64: f64,
    /// With arm64 targets.
    pub arm64: f64,
}

impl ByArch {
    fn add(&mut self, arch: Arch, usd: f64) {
        match arch {
            Arch::X86_64 => self.x86_64 += usd,
            Arch::Arm64 => self.arm64 += usd,
        }
    }

    fn get(&self, arch: Arch) -> f64 {
        match arch {
            Arch::X86_64 => self.x86_64,
            Arch::Arm64 => self.arm64,
        }
    }
}

/// One target's monthly cost either way, over the same windows and N.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetCost {
    /// Warmer name.
    pub warmer: String,
    /// `function` or `function:qualifier`.
    pub target: String,
    /// What the config chose for it.
    pub strategy: Strategy,
    /// Warmed: its warm-up requests and held duration, plus an equal share of its windows'
    /// warmer runs and Scheduler invocations.
    pub warming: ByArch,
    /// Provisioned Concurrency for its N over its windows' hours.
    pub provisioned: ByArch,
}

impl TargetCost {
    /// The cost of the strategy the config chose.
    pub fn chosen(&self) -> ByArch {
        match self.strategy {
            Strategy::Warm => self.warming,
            Strategy::Provision => self.provisioned,
        }
    }

    /// The cost of the other strategy.
    pub fn other(&self) -> ByArch {
        match self.strategy {
            Strategy::Warm => self.provisioned,
            Strategy::Provision => self.warming,
        }
    }
}

/// The cost of a config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    /// Usage by window, every target counted as warmed.
    pub windows: Vec<WindowUsage>,
    /// The prices used.
    pub prices: Prices,
    /// Totals for x86_64 targets, every target warmed (`warming`) or provisioned (`provisioned`).
    pub x86_64: Totals,
    /// Totals for arm64 targets, likewise.
    pub arm64: Totals,
    /// Each target's cost warmed and provisioned.
    pub targets: Vec<TargetCost>,
    /// The config as written: its warmed targets' warming (the warmer runs only in windows
    /// with a warmed target) plus its provisioned targets' Provisioned Concurrency.
    pub mix: ByArch,
    /// The architecture the warmer itself runs on (`[function] architecture`), at whose price
    /// its duration is counted.
    pub warmer_architecture: Arch,
}

impl CostReport {
    /// Totals for one architecture.
    pub fn total(&self, arch: Arch) -> &Totals {
        match arch {
            Arch::X86_64 => &self.x86_64,
            Arch::Arm64 => &self.arm64,
        }
    }

    /// One line saying what to do.
    pub fn recommendation(&self) -> String {
        let (x, a) = (&self.x86_64, &self.arm64);
        let ratio = |t: &Totals| t.provisioned / t.warming.max(f64::MIN_POSITIVE);
        if x.warming <= x.provisioned && a.warming <= a.provisioned {
            format!(
                "recommendation: keep the warmer: ${:.2}/month (arm64) or ${:.2} (x86_64) against ${:.2} and ${:.2} for Provisioned Concurrency of the same N over the same windows ({:.0}x and {:.0}x as much); choose Provisioned Concurrency only where no cold start may ever happen",
                a.warming,
                x.warming,
                a.provisioned,
                x.provisioned,
                ratio(a),
                ratio(x)
            )
        } else if x.warming > x.provisioned && a.warming > a.provisioned {
            format!(
                "recommendation: use Provisioned Concurrency: ${:.2}/month (arm64) or ${:.2} (x86_64) against ${:.2} and ${:.2} for warming; lower the delays or the concurrency if you keep the warmer",
                a.provisioned, x.provisioned, a.warming, x.warming
            )
        } else {
            let (cheaper_warm, cheaper_pc) = if a.warming <= a.provisioned {
                ("arm64", "x86_64")
            } else {
                ("x86_64", "arm64")
            };
            format!(
                "recommendation: it depends on the targets' architecture: warming is cheaper for {cheaper_warm} targets, Provisioned Concurrency for {cheaper_pc} targets (see the table)"
            )
        }
    }

    /// One line per target that would cost less with the other strategy, on both
    /// architectures or on one.
    pub fn cheaper_the_other_way(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for t in &self.targets {
            let (chosen, other) = (t.chosen(), t.other());
            let cheaper: Vec<&str> = [Arch::Arm64, Arch::X86_64]
                .into_iter()
                .filter(|&a| other.get(a) < chosen.get(a))
                .map(|a| match a {
                    Arch::Arm64 => "arm64",
                    Arch::X86_64 => "x86_64",
                })
                .collect();
            if cheaper.is_empty() {
                continue;
            }
            let other_name = match t.strategy {
                Strategy::Warm => "provision",
                Strategy::Provision => "warm",
            };
            lines.push(format!(
                "{} / {} ({}): strategy = \"{other_name}\" would be cheaper on {}: ${:.2}/month (arm64) or ${:.2} (x86_64) against ${:.2} and ${:.2} now",
                t.warmer,
                t.target,
                t.strategy,
                cheaper.join(" and "),
                other.arm64,
                other.x86_64,
                chosen.arm64,
                chosen.x86_64
            ));
        }
        lines
    }

    /// The human-readable report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let p = &self.prices;
        let _ = writeln!(
            out,
            "prices: {}, read {} ({}); {HOURS_PER_MONTH} hours a month; free tiers not counted",
            p.region, p.read_on, p.source
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<12} {:<16} {:<32} {:>6} {:>9} {:>9} {:>12} {:>13} {:>14}",
            "warmer",
            "window",
            "when",
            "N",
            "hours/mo",
            "runs/mo",
            "warm-ups/mo",
            "warm-up GB-s",
            "PC GB-s"
        );
        for w in &self.windows {
            let _ = writeln!(
                out,
                "{:<12} {:<16} {:<32} {:>6} {:>9.1} {:>9.0} {:>12.0} {:>13.1} {:>14.0}",
                w.warmer,
                w.window,
                w.when,
                w.concurrency,
                w.hours_per_month,
                w.runs_per_month,
                w.warmups_per_month,
                w.warmup_gb_seconds,
                w.provisioned_gb_seconds
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<40} {:>12} {:>12}",
            "monthly cost (USD), targets on", "x86_64", "arm64"
        );
        let warmer_duration = format!("  warmer duration ({})", self.warmer_architecture);
        let rows: [(&str, TotalsField); 7] = [
            ("  warm-up requests", |t| t.warmup_requests),
            ("  warm-up duration (environments held)", |t| {
                t.warmup_duration
            }),
            ("  warmer invocations", |t| t.warmer_requests),
            (&warmer_duration, |t| t.warmer_duration),
            ("  Scheduler invocations", |t| t.scheduler),
            ("warming total", |t| t.warming),
            ("Provisioned Concurrency, same N and hours", |t| {
                t.provisioned
            }),
        ];
        for (label, get) in rows {
            let _ = writeln!(
                out,
                "{label:<40} {:>12.4} {:>12.4}",
                get(&self.x86_64),
                get(&self.arm64)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<12} {:<24} {:<10} {:>12} {:>12} {:>12} {:>12}",
            "warmer", "target", "strategy", "warm x86", "warm arm64", "PC x86", "PC arm64"
        );
        for t in &self.targets {
            let _ = writeln!(
                out,
                "{:<12} {:<24} {:<10} {:>12.4} {:>12.4} {:>12.4} {:>12.4}",
                t.warmer,
                t.target,
                t.strategy.to_string(),
                t.warming.x86_64,
                t.warming.arm64,
                t.provisioned.x86_64,
                t.provisioned.arm64
            );
        }
        let _ = writeln!(
            out,
            "{:<40} {:>12.4} {:>12.4}",
            "this config (each target as chosen)", self.mix.x86_64, self.mix.arm64
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", self.recommendation());
        for line in self.cheaper_the_other_way() {
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// Estimates the monthly cost of `config` (which must pass [`Config::check`]).
pub fn estimate(config: &Config, prices: &Prices) -> anyhow::Result<CostReport> {
    if let Err(diagnostics) = config.check() {
        anyhow::bail!("the config has errors; fix them first:\n{diagnostics}");
    }
    let weeks_per_month = HOURS_PER_MONTH / HOURS_PER_WEEK;
    let warmer_gb = f64::from(config.function.memory_mb) / 1024.0;
    let warmer_architecture = match config.function.architecture {
        Architecture::Arm64 => Arch::Arm64,
        Architecture::X86_64 => Arch::X86_64,
    };
    let warmer_gb_second = prices.arch(warmer_architecture).duration_gb_second;
    let delay_ms_of = |t: &Target| match t.delay {
        Delay::Fixed(ms) => ms,
        Delay::Auto => config.cost.auto_hold_ms(t.concurrency),
    };
    // One run of the warmer: the requests and duration (on its architecture) of its copies
    // (the coordinator, and one per shard when it shards) and the Scheduler invocation.
    let run_usd = |targets: &[&Target], copies: u32| {
        let longest = targets.iter().map(|t| delay_ms_of(t)).max().unwrap_or(0);
        let seconds = (longest + config.cost.warmer_overhead_ms) as f64 / 1000.0;
        f64::from(copies.max(1))
            * (prices.request_per_million / 1e6 + warmer_gb * seconds * warmer_gb_second)
            + prices.scheduler_per_million / 1e6
    };
    let mut targets: Vec<TargetCost> = Vec::new();
    let mut mix = ByArch::default();
    let mut windows = Vec::new();
    for warmer in &config.warmers {
        for s in warmer.schedules()? {
            let hours_per_month = s.hours.count() as f64 * weeks_per_month;
            let runs = s.runs_per_week() * weeks_per_month;
            let all: Vec<&Target> = s.targets.iter().collect();
            let warmed: Vec<&Target> = all
                .iter()
                .copied()
                .filter(|t| t.strategy.is_warm())
                .collect();
            let copies = s.warmer_copies();
            let share = runs * run_usd(&all, copies) / all.len().max(1) as f64;
            if !warmed.is_empty() {
                let overhead = runs * run_usd(&warmed, copies);
                mix.x86_64 += overhead;
                mix.arm64 += overhead;
            }
            for t in &all {
                let gb = f64::from(config.cost.memory_of(&t.function)) / 1024.0;
                let n = f64::from(t.concurrency);
                let index = match targets
                    .iter()
                    .position(|c| c.warmer == warmer.name && c.target == t.display_name())
                {
                    Some(i) => i,
                    None => {
                        targets.push(TargetCost {
                            warmer: warmer.name.clone(),
                            target: t.display_name(),
                            strategy: t.strategy,
                            warming: ByArch::default(),
                            provisioned: ByArch::default(),
                        });
                        targets.len() - 1
                    }
                };
                for arch in [Arch::X86_64, Arch::Arm64] {
                    let a = prices.arch(arch);
                    let warmups = runs * n * prices.request_per_million / 1e6
                        + runs * n * gb * delay_ms_of(t) as f64 / 1000.0 * a.duration_gb_second;
                    let provisioned = hours_per_month * 3600.0 * n * gb * a.provisioned_gb_second;
                    let cost = &mut targets[index];
                    cost.warming.add(arch, warmups + share);
                    cost.provisioned.add(arch, provisioned);
                    mix.add(
                        arch,
                        if t.strategy.is_warm() {
                            warmups
                        } else {
                            provisioned
                        },
                    );
                }
            }
        }
    }
    for warmer in &config.warmers {
        for s in warmer.schedules()? {
            let hours_per_month = s.hours.count() as f64 * weeks_per_month;
            let runs_per_month = s.runs_per_week() * weeks_per_month;
            let mut concurrency = 0u64;
            let mut held_gb_s_per_run = 0.0;
            let mut provisioned_gb = 0.0;
            let mut longest_delay_ms = 0u64;
            for t in &s.targets {
                let gb = f64::from(config.cost.memory_of(&t.function)) / 1024.0;
                let delay_ms = match t.delay {
                    Delay::Fixed(ms) => ms,
                    Delay::Auto => config.cost.auto_hold_ms(t.concurrency),
                };
                longest_delay_ms = longest_delay_ms.max(delay_ms);
                concurrency += u64::from(t.concurrency);
                held_gb_s_per_run += f64::from(t.concurrency) * gb * delay_ms as f64 / 1000.0;
                provisioned_gb += f64::from(t.concurrency) * gb;
            }
            let warmer_seconds =
                (longest_delay_ms + config.cost.warmer_overhead_ms) as f64 / 1000.0;
            let copies = f64::from(s.warmer_copies().max(1));
            windows.push(WindowUsage {
                warmer: warmer.name.clone(),
                window: s.name.clone(),
                when: s.window.clone(),
                concurrency,
                hours_per_month,
                runs_per_month,
                warmer_invocations_per_month: runs_per_month * copies,
                warmups_per_month: runs_per_month * concurrency as f64,
                warmup_gb_seconds: runs_per_month * held_gb_s_per_run,
                warmer_gb_seconds: runs_per_month * copies * warmer_gb * warmer_seconds,
                provisioned_gb_seconds: hours_per_month * 3600.0 * provisioned_gb,
            });
        }
    }
    let totals = |arch: Arch| {
        let a = prices.arch(arch);
        let request = prices.request_per_million / 1e6;
        let sum = |f: fn(&WindowUsage) -> f64| windows.iter().map(f).sum::<f64>();
        let mut t = Totals {
            warmup_requests: sum(|w| w.warmups_per_month) * request,
            warmup_duration: sum(|w| w.warmup_gb_seconds) * a.duration_gb_second,
            warmer_requests: sum(|w| w.warmer_invocations_per_month) * request,
            warmer_duration: sum(|w| w.warmer_gb_seconds) * warmer_gb_second,
            scheduler: sum(|w| w.runs_per_month) * prices.scheduler_per_million / 1e6,
            warming: 0.0,
            provisioned: sum(|w| w.provisioned_gb_seconds) * a.provisioned_gb_second,
        };
        t.warming = t.warmup_requests
            + t.warmup_duration
            + t.warmer_requests
            + t.warmer_duration
            + t.scheduler;
        t
    };
    Ok(CostReport {
        x86_64: totals(Arch::X86_64),
        arm64: totals(Arch::Arm64),
        windows,
        prices: prices.clone(),
        targets,
        mix,
        warmer_architecture,
    })
}
