//! User traffic as a trace: requests per second over time, read from a CSV file or taken from
//! one of the shapes shipped with `warmer` (`steady`, `diurnal`, `bursty`).
//!
//! A trace file has a header line `minute,rps` and one line per minute of trace time: the
//! minute (0, 1, 2, ... in order, no gaps) and the requests per second during it (a
//! non-negative number). Lines starting with `#` are comments.
//!
//! ```
//! use warmer_cli::loadtest::trace::Trace;
//!
//! let trace = Trace::parse("minute,rps\n0,2\n1,5.5\n").unwrap();
//! assert_eq!(trace.minutes(), 2);
//! assert_eq!(trace.rps_at_minute(1), 5.5);
//! assert_eq!(trace.peak_rps(), 5.5);
//!
//! let err = Trace::parse("minute,rps\n0,2\n2,5\n").unwrap_err();
//! assert!(err.to_string().contains("line 3"));
//! ```

use std::fmt;
use std::path::Path;

/// Requests per second, minute by minute of trace time.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    name: String,
    rps: Vec<f64>,
}

/// A trace file that cannot be read: where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceError {
    /// 1-based line number, when the problem is on one line.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "trace line {line}: {}", self.message),
            None => write!(f, "trace: {}", self.message),
        }
    }
}

impl std::error::Error for TraceError {}

/// The shapes shipped with `warmer`, by name.
pub const SHAPES: [&str; 3] = ["steady", "diurnal", "bursty"];

const STEADY: &str = include_str!("../../traces/steady.csv");
const DIURNAL: &str = include_str!("../../traces/diurnal.csv");
const BURSTY: &str = include_str!("../../traces/bursty.csv");

/// Upper bound on a trace's rate: more than one process sends on loopback, and far past any
/// single function's concurrency at realistic durations.
pub const MAX_RPS: f64 = 10_000.0;

impl Trace {
    /// Parses a trace file's text (see the module docs).
    pub fn parse(text: &str) -> Result<Self, TraceError> {
        let error = |line, message: String| TraceError {
            line: Some(line),
            message,
        };
        let mut rps = Vec::new();
        let mut header_seen = false;
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen {
                if line.replace(' ', "") != "minute,rps" {
                    return Err(error(
                        number,
                        format!("the header must be `minute,rps`, not {line:?}"),
                    ));
                }
                header_seen = true;
                continue;
            }
            let (minute, rate) = line.split_once(',').ok_or_else(|| {
                error(
                    number,
                    format!("{line:?} is not `minute,rps` (e.g. `12,4.5`)"),
                )
            })?;
            let minute: usize = minute.trim().parse().map_err(|_| {
                error(
                    number,
                    format!("`minute` {:?} is not a whole number", minute.trim()),
                )
            })?;
            if minute != rps.len() {
                return Err(error(
                    number,
                    format!(
                        "`minute` is {minute} where {} comes next: list every minute from 0, in order",
                        rps.len()
                    ),
                ));
            }
            let rate: f64 = rate
                .trim()
                .parse()
                .map_err(|_| error(number, format!("`rps` {:?} is not a number", rate.trim())))?;
            if !rate.is_finite() || !(0.0..=MAX_RPS).contains(&rate) {
                return Err(error(
                    number,
                    format!("`rps` is {rate}: give a rate from 0 to {MAX_RPS}"),
                ));
            }
            rps.push(rate);
        }
        if rps.is_empty() {
            return Err(TraceError {
                line: None,
                message: "no minutes: give a header `minute,rps` and one line per minute".into(),
            });
        }
        Ok(Self {
            name: "trace".into(),
            rps,
        })
    }

    /// One of the shipped [`SHAPES`] by name, or a trace file at that path.
    ///
    /// ```
    /// let diurnal = warmer_cli::loadtest::trace::Trace::load("diurnal").unwrap();
    /// assert_eq!(diurnal.name(), "diurnal");
    /// assert_eq!(diurnal.minutes(), 24 * 60);
    /// assert!(warmer_cli::loadtest::trace::Trace::load("no-such-file.csv").is_err());
    /// ```
    pub fn load(name_or_path: &str) -> anyhow::Result<Self> {
        let shipped = match name_or_path {
            "steady" => Some(STEADY),
            "diurnal" => Some(DIURNAL),
            "bursty" => Some(BURSTY),
            _ => None,
        };
        let (name, text) = match shipped {
            Some(text) => (name_or_path.to_owned(), text.to_owned()),
            None => {
                let path = Path::new(name_or_path);
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!(
                        "--trace {name_or_path}: cannot read the file ({e}); give a CSV file \
                         or one of the shipped shapes: {}",
                        SHAPES.join(", ")
                    )
                })?;
                let name = path
                    .file_stem()
                    .map_or("trace".into(), |s| s.to_string_lossy().into_owned());
                (name, text)
            }
        };
        let mut trace =
            Self::parse(&text).map_err(|e| anyhow::anyhow!("--trace {name_or_path}: {e}"))?;
        trace.name = name;
        Ok(trace)
    }

    /// The trace's name (the shape, or the file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many minutes of trace time it covers.
    pub fn minutes(&self) -> usize {
        self.rps.len()
    }

    /// Requests per second during `minute` (0 past the end).
    pub fn rps_at_minute(&self, minute: usize) -> f64 {
        self.rps.get(minute).copied().unwrap_or(0.0)
    }

    /// The highest rate of any minute.
    pub fn peak_rps(&self) -> f64 {
        self.rps.iter().copied().fold(0.0, f64::max)
    }

    /// Send times of every request, in real seconds from the start, replaying the trace
    /// `speed` times faster than its own clock: a trace minute lasts `60 / speed` real seconds
    /// and its rate stays requests per real second, so it sends `rps × 60 / speed` requests,
    /// evenly spaced (the fraction carried to the next minute). The same trace and speed always
    /// send the same requests at the same instants.
    ///
    /// ```
    /// let trace = warmer_cli::loadtest::trace::Trace::parse("minute,rps\n0,2\n1,2\n").unwrap();
    /// // At 60x a minute lasts 1 s: 2 requests in each.
    /// assert_eq!(trace.arrivals(60.0), vec![0.0, 0.5, 1.0, 1.5]);
    /// // In real time, 120 a minute.
    /// assert_eq!(trace.arrivals(1.0).len(), 240);
    /// ```
    pub fn arrivals(&self, speed: f64) -> Vec<f64> {
        let minute_s = 60.0 / speed.max(f64::MIN_POSITIVE);
        let mut times = Vec::new();
        let mut carry = 0.0;
        for (minute, rate) in self.rps.iter().enumerate() {
            let due = rate * minute_s + carry;
            let count = (due + 1e-9).floor();
            carry = due - count;
            let start = minute as f64 * minute_s;
            let count = count as usize;
            for k in 0..count {
                times.push(start + minute_s * k as f64 / count as f64);
            }
        }
        times
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_shape_parses_and_covers_a_day() {
        for shape in SHAPES {
            let trace = Trace::load(shape).unwrap();
            assert_eq!(trace.minutes(), 24 * 60, "{shape}");
            assert!(trace.peak_rps() > 0.0, "{shape}");
        }
    }

    #[test]
    fn bad_lines_name_the_line_and_the_field() {
        let cases = [
            ("rps,minute\n0,1\n", "line 1", "header"),
            ("minute,rps\nzero,1\n", "line 2", "`minute`"),
            ("minute,rps\n0,fast\n", "line 2", "`rps`"),
            ("minute,rps\n0,-1\n", "line 2", "from 0 to"),
            ("minute,rps\n0,NaN\n", "line 2", "`rps`"),
            ("minute,rps\n0 1\n", "line 2", "is not `minute,rps`"),
            ("minute,rps\n", "trace:", "no minutes"),
        ];
        for (text, place, field) in cases {
            let error = Trace::parse(text).unwrap_err().to_string();
            assert!(
                error.contains(place) && error.contains(field),
                "{text:?}: {error}"
            );
        }
    }

    #[test]
    fn arrivals_follow_the_rate_and_keep_fractions() {
        let trace = Trace::parse("minute,rps\n0,1\n1,0.5\n2,0.01\n3,0.01\n").unwrap();
        let arrivals = trace.arrivals(1.0);
        // 60 + 30 in the first two minutes, then 0.6 + 0.6 = 1 request in minute 3.
        assert_eq!(arrivals.len(), 91);
        assert!(arrivals.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(arrivals[90], 180.0);
        // Ten times faster: a tenth of the requests, in a tenth of the time.
        let fast = trace.arrivals(10.0);
        assert_eq!(fast.len(), 9);
        assert!(fast.iter().all(|t| *t < 24.0));
    }
}
