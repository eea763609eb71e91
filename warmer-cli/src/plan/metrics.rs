//! Reading `ConcurrentExecutions` history: `aws cloudwatch get-metric-data` JSON or a CSV of
//! `timestamp,value` lines, with errors that name the place and the fix.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::Sample;

/// A metrics file that could not be read, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// `line 7` or `MetricDataResults[0].Timestamps[3]`.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  fix: {}",
            self.location, self.message, self.fix
        )
    }
}

impl std::error::Error for InputError {}

fn input_error(
    location: impl Into<String>,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> InputError {
    InputError {
        location: location.into(),
        message: message.into(),
        fix: fix.into(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetricData {
    metric_data_results: Vec<MetricResult>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetricResult {
    #[serde(default)]
    id: String,
    #[serde(default)]
    label: String,
    timestamps: Vec<String>,
    values: Vec<f64>,
}

/// Reads `aws cloudwatch get-metric-data` JSON (`MetricDataResults[].Timestamps/Values`) or a
/// CSV of `timestamp,value` lines (an optional header; timestamps RFC 3339,
/// `YYYY-MM-DD HH:MM:SS` in UTC, or Unix seconds).
///
/// With several results in the JSON, `id` picks one by `Id` or `Label`; without it, the one
/// whose id or label names `ConcurrentExecutions`, or the only one.
pub fn read_metrics(text: &str, id: Option<&str>) -> Result<Vec<Sample>, InputError> {
    if text.trim_start().starts_with('{') {
        read_json(text, id)
    } else {
        read_csv(text)
    }
}

fn read_json(text: &str, id: Option<&str>) -> Result<Vec<Sample>, InputError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let data: MetricData = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        input_error(
            format!("line {}, {path}", inner.line()),
            inner.to_string(),
            "pass the JSON printed by `aws cloudwatch get-metric-data --output json`, or a CSV of timestamp,value",
        )
    })?;
    let results = &data.metric_data_results;
    let ids = || {
        results
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index = match id {
        Some(want) => results
            .iter()
            .position(|r| r.id == want || r.label == want)
            .ok_or_else(|| {
                input_error(
                    "MetricDataResults",
                    format!("no result has Id or Label `{want}`"),
                    format!("use one of: {}", ids()),
                )
            })?,
        None if results.len() == 1 => 0,
        None => {
            let named: Vec<usize> = (0..results.len())
                .filter(|&i| {
                    let r = &results[i];
                    r.id.to_lowercase().contains("concurrentexecutions")
                        || r.label.to_lowercase().contains("concurrentexecutions")
                })
                .collect();
            match named.as_slice() {
                [one] => *one,
                _ => {
                    return Err(input_error(
                        "MetricDataResults",
                        format!(
                            "{} results and no single one named ConcurrentExecutions",
                            results.len()
                        ),
                        format!("pick one with --id (ids: {})", ids()),
                    ));
                }
            }
        }
    };
    let r = &results[index];
    let at = format!("MetricDataResults[{index}]");
    if r.timestamps.len() != r.values.len() {
        return Err(input_error(
            format!("{at}.Values"),
            format!(
                "{} timestamps but {} values",
                r.timestamps.len(),
                r.values.len()
            ),
            "pass the file as the AWS CLI wrote it; every timestamp needs its value",
        ));
    }
    r.timestamps
        .iter()
        .zip(&r.values)
        .enumerate()
        .map(|(i, (t, v))| {
            let at = parse_time(t).ok_or_else(|| {
                input_error(
                    format!("{at}.Timestamps[{i}]"),
                    format!("`{t}` is not a timestamp"),
                    "use RFC 3339, e.g. 2026-11-02T09:00:00Z",
                )
            })?;
            check_value(*v, || format!("{at}.Values[{i}]"))?;
            Ok(Sample { at, value: *v })
        })
        .collect()
}

fn read_csv(text: &str) -> Result<Vec<Sample>, InputError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let location = format!("line {}", i + 1);
        let fix = "write `timestamp,value`, e.g. 2026-11-02T09:00:00Z,42";
        let Some((t, v)) = line.split_once(',') else {
            return Err(input_error(location, format!("`{line}` has no comma"), fix));
        };
        let (t, v) = (t.trim().trim_matches('"'), v.trim().trim_matches('"'));
        let parsed_value = v.parse::<f64>();
        if out.is_empty() && parsed_value.is_err() && parse_time(t).is_none() {
            continue; // a header
        }
        let at = parse_time(t).ok_or_else(|| {
            input_error(location.clone(), format!("`{t}` is not a timestamp"), fix)
        })?;
        let value = parsed_value.map_err(|_| {
            input_error(
                location.clone(),
                format!("value `{v}` is not a number"),
                fix,
            )
        })?;
        check_value(value, || location.clone())?;
        out.push(Sample { at, value });
    }
    if out.is_empty() {
        return Err(input_error(
            "line 1",
            "no samples in the file",
            "write `timestamp,value` lines",
        ));
    }
    Ok(out)
}

fn check_value(value: f64, location: impl FnOnce() -> String) -> Result<(), InputError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(input_error(
            location(),
            format!("{value} is not a count of executions"),
            "values must be 0 or more",
        ))
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    text.parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
}
