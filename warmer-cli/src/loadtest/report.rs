//! What a load test found: every request, counts per class and latency percentiles from an
//! HDR histogram.
//!
//! ```
//! use std::time::Duration;
//! use warmer_cli::loadtest::classify::{Classification, Method, Start};
//! use warmer_cli::loadtest::report::{Outcome, Report, Sample};
//!
//! let cold = Classification { start: Start::Cold, method: Method::Header };
//! let samples = vec![
//!     Sample::new(0, 0, Duration::ZERO, Duration::from_millis(400), Outcome::Classified(cold)),
//!     Sample::new(0, 1, Duration::ZERO, Duration::from_millis(9), Outcome::Failed("timeout".into())),
//! ];
//! let report = Report::new("orders", 2, 1, Duration::from_millis(500), samples);
//! assert_eq!((report.counts.cold, report.counts.warm, report.counts.errors), (1, 0, 1));
//! // HDR histograms keep 3 significant digits.
//! assert!((report.latency_ms.cold.unwrap().p50 - 400.0).abs() < 0.5);
//! ```

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::classify::{Classification, Method, Start};

/// How one request ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A response, classified cold or warm.
    Classified(Classification),
    /// No usable response: a transport error, an HTTP 5xx, a function error or a timeout.
    Failed(String),
}

/// One request of a load test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Wave number, from 0.
    pub wave: u32,
    /// Position within the wave, from 0.
    pub index: u32,
    /// When the request was sent, in milliseconds since the test started.
    pub sent_at_ms: f64,
    /// Time to the full response, in milliseconds.
    pub latency_ms: f64,
    /// `cold`, `warm`, or absent for an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    /// How `start` was decided; absent for an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// What went wrong, for an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Sample {
    /// A sample from its position, timing and outcome.
    pub fn new(
        wave: u32,
        index: u32,
        sent_at: Duration,
        latency: Duration,
        outcome: Outcome,
    ) -> Self {
        let (start, method, error) = match outcome {
            Outcome::Classified(c) => (Some(c.start), Some(c.method), None),
            Outcome::Failed(e) => (None, None, Some(e)),
        };
        Self {
            wave,
            index,
            sent_at_ms: millis(sent_at),
            latency_ms: millis(latency),
            start,
            method,
            error,
        }
    }
}

/// How many requests ended in each class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Responses from fresh environments.
    pub cold: u32,
    /// Responses from reused environments.
    pub warm: u32,
    /// Requests without a usable response.
    pub errors: u32,
}

/// Latency percentiles of one class, in milliseconds (HDR histogram, 3 significant digits).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Number of requests in the class.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Percentiles {
    /// Percentiles of the given latencies, or `None` when there are none.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = warmer_cli::loadtest::report::Percentiles::of((1..=100).map(Duration::from_millis)).unwrap();
    /// assert_eq!(p.count, 100);
    /// // 3 significant digits: within 0.1 % of the exact value.
    /// assert!((p.p50 - 50.0).abs() < 0.05 && (p.p99 - 99.0).abs() < 0.1 && (p.max - 100.0).abs() < 0.1);
    /// ```
    pub fn of(latencies: impl IntoIterator<Item = Duration>) -> Option<Self> {
        // Microseconds from 1 µs to 1 h: well past any invoke timeout.
        let mut histogram =
            Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        for latency in latencies {
            let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
            histogram.saturating_record(micros.max(1));
        }
        if histogram.is_empty() {
            return None;
        }
        let at = |q: f64| round_ms(histogram.value_at_quantile(q));
        Some(Self {
            count: histogram.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: round_ms(histogram.max()),
        })
    }
}

/// Percentiles per class; a class without requests is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassLatency {
    /// Cold responses.
    pub cold: Option<Percentiles>,
    /// Warm responses.
    pub warm: Option<Percentiles>,
    /// All responses, cold and warm (errors excluded).
    pub all: Option<Percentiles>,
}

/// The whole result of a load test; serializes to the `--json` output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The URL or function that was tested.
    pub target: String,
    /// Requests per wave.
    pub concurrency: u32,
    /// Number of waves.
    pub waves: u32,
    /// Cold, warm and error counts.
    pub counts: Counts,
    /// How many responses each method classified, e.g. `{"header": 50}`.
    pub methods: BTreeMap<Method, u32>,
    /// The latency threshold used where no exact source was present, in milliseconds.
    pub threshold_ms: f64,
    /// Latency percentiles per class.
    pub latency_ms: ClassLatency,
    /// Every request, in wave and index order.
    pub samples: Vec<Sample>,
}

impl Report {
    /// Builds the report from every sample of a run.
    pub fn new(
        target: impl Into<String>,
        concurrency: u32,
        waves: u32,
        threshold: Duration,
        mut samples: Vec<Sample>,
    ) -> Self {
        samples.sort_by_key(|s| (s.wave, s.index));
        let mut counts = Counts::default();
        let mut methods = BTreeMap::new();
        for sample in &samples {
            match sample.start {
                Some(Start::Cold) => counts.cold += 1,
                Some(Start::Warm) => counts.warm += 1,
                None => counts.errors += 1,
            }
            if let Some(method) = sample.method {
                *methods.entry(method).or_insert(0) += 1;
            }
        }
        let of = |class: Option<Start>| {
            Percentiles::of(
                samples
                    .iter()
                    .filter(|s| s.start.is_some() && (class.is_none() || s.start == class))
                    .map(|s| Duration::from_secs_f64(s.latency_ms / 1000.0)),
            )
        };
        let latency_ms = ClassLatency {
            cold: of(Some(Start::Cold)),
            warm: of(Some(Start::Warm)),
            all: of(None),
        };
        Self {
            target: target.into(),
            concurrency,
            waves,
            counts,
            methods,
            threshold_ms: millis(threshold),
            latency_ms,
            samples,
        }
    }

    /// Whether any response was classified by the latency threshold (a guess).
    pub fn used_threshold(&self) -> bool {
        self.methods.contains_key(&Method::Threshold)
    }

    /// One line naming the classification methods, e.g. `classified by: header (50)`.
    pub fn methods_line(&self) -> String {
        let mut line = String::from("classified by: ");
        if self.methods.is_empty() {
            line.push_str("nothing (no response)");
        }
        for (i, (method, n)) in self.methods.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            let _ = write!(line, "{} ({n})", method.name());
            if *method == Method::Threshold {
                let _ = write!(line, " [a guess: >= {} ms counted cold]", self.threshold_ms);
            }
        }
        line
    }
}

impl fmt::Display for Report {
    /// The human summary: counts, the methods used, then one percentile row per class.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} waves x {} concurrent requests",
            self.target, self.waves, self.concurrency
        )?;
        writeln!(
            f,
            "cold {}  warm {}  errors {}",
            self.counts.cold, self.counts.warm, self.counts.errors
        )?;
        writeln!(f, "{}", self.methods_line())?;
        writeln!(f, "{}", percentile_header())?;
        for (name, p) in [
            ("cold", self.latency_ms.cold),
            ("warm", self.latency_ms.warm),
            ("all", self.latency_ms.all),
        ] {
            writeln!(f, "{}", percentile_row(name, p.as_ref()))?;
        }
        if let Some(first) = self.samples.iter().find_map(|s| s.error.as_deref()) {
            writeln!(f, "first error: {first}")?;
        }
        Ok(())
    }
}

/// The header of a percentile table (milliseconds).
pub fn percentile_header() -> String {
    format!(
        "{:<8} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "class", "n", "p50 ms", "p90 ms", "p99 ms", "max ms"
    )
}

/// One row of a percentile table; `-` for an empty class.
pub fn percentile_row(name: &str, p: Option<&Percentiles>) -> String {
    match p {
        Some(p) => format!(
            "{:<8} {:>6} {:>10.1} {:>10.1} {:>10.1} {:>10.1}",
            name, p.count, p.p50, p.p90, p.p99, p.max
        ),
        None => format!(
            "{:<8} {:>6} {:>10} {:>10} {:>10} {:>10}",
            name, 0, "-", "-", "-", "-"
        ),
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn round_ms(micros: u64) -> f64 {
    (micros as f64 / 10.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(wave: u32, index: u32, ms: u64, start: Start, method: Method) -> Sample {
        Sample::new(
            wave,
            index,
            Duration::ZERO,
            Duration::from_millis(ms),
            Outcome::Classified(Classification { start, method }),
        )
    }

    /// HDR histograms keep 3 significant digits: equal within 0.1 %.
    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= b * 0.001
    }

    #[test]
    fn counts_and_percentiles_are_per_class() {
        let mut samples: Vec<_> = (0..10)
            .map(|i| sample(0, i, 300 + u64::from(i), Start::Cold, Method::InitDuration))
            .collect();
        samples.extend(
            (0..10).map(|i| sample(1, i, 10 + u64::from(i), Start::Warm, Method::InitDuration)),
        );
        samples.push(Sample::new(
            1,
            10,
            Duration::ZERO,
            Duration::from_secs(30),
            Outcome::Failed("timed out".into()),
        ));
        let report = Report::new("f", 11, 2, Duration::from_millis(500), samples);
        assert_eq!(
            report.counts,
            Counts {
                cold: 10,
                warm: 10,
                errors: 1
            }
        );
        let cold = report.latency_ms.cold.unwrap();
        assert_eq!(cold.count, 10);
        assert!(close(cold.p50, 304.0) && close(cold.max, 309.0), "{cold:?}");
        let warm = report.latency_ms.warm.unwrap();
        assert_eq!(warm.count, 10);
        assert!(close(warm.p50, 14.0) && close(warm.max, 19.0), "{warm:?}");
        // The error's 30 s latency is in no class.
        assert!(close(report.latency_ms.all.unwrap().max, 309.0));
        assert_eq!(report.methods.get(&Method::InitDuration), Some(&20));
    }

    #[test]
    fn empty_class_is_null_in_json() {
        let report = Report::new(
            "f",
            1,
            1,
            Duration::from_millis(500),
            vec![sample(0, 0, 5, Start::Warm, Method::Header)],
        );
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["latency_ms"]["cold"].is_null());
        assert_eq!(json["latency_ms"]["warm"]["count"], 1);
    }

    #[test]
    fn samples_are_sorted_by_wave_then_index() {
        let report = Report::new(
            "f",
            2,
            2,
            Duration::from_millis(500),
            vec![
                sample(1, 0, 5, Start::Warm, Method::Header),
                sample(0, 1, 5, Start::Warm, Method::Header),
                sample(0, 0, 5, Start::Cold, Method::Header),
            ],
        );
        let order: Vec<_> = report.samples.iter().map(|s| (s.wave, s.index)).collect();
        assert_eq!(order, [(0, 0), (0, 1), (1, 0)]);
    }

    #[test]
    fn methods_line_flags_threshold_as_a_guess() {
        let report = Report::new(
            "f",
            2,
            1,
            Duration::from_millis(500),
            vec![
                sample(0, 0, 900, Start::Cold, Method::Threshold),
                sample(0, 1, 5, Start::Warm, Method::Header),
            ],
        );
        assert!(report.used_threshold());
        assert_eq!(
            report.methods_line(),
            "classified by: header (1), threshold (1) [a guess: >= 500 ms counted cold]"
        );
    }
}
