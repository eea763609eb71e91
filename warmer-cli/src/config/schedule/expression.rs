//! A whole schedule expression: `rate(value unit)` or `cron(...)`, as EventBridge Scheduler
//! reads it.

use std::fmt;
use std::str::FromStr;

use super::*;

/// The unit of a `rate(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// `minute` / `minutes`.
    Minutes,
    /// `hour` / `hours`.
    Hours,
    /// `day` / `days`.
    Days,
}

impl RateUnit {
    fn minutes(self) -> u64 {
        match self {
            RateUnit::Minutes => 1,
            RateUnit::Hours => 60,
            RateUnit::Days => 24 * 60,
        }
    }
}

/// A Scheduler schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `rate(value unit)`.
    Rate {
        /// How many units between runs (1 or more).
        value: u32,
        /// The unit.
        unit: RateUnit,
    },
    /// `cron(minutes hours day-of-month month day-of-week year)`.
    Cron(Cron),
}

impl Schedule {
    /// Minutes between runs for a rate; `None` for a cron.
    pub fn rate_minutes(&self) -> Option<u64> {
        match self {
            Schedule::Rate { value, unit } => Some(u64::from(*value) * unit.minutes()),
            Schedule::Cron(_) => None,
        }
    }

    /// The time between runs, in minutes: a rate's own, or for a cron the average over the
    /// hours it fires in (at most a day). What autopilot's `every_minutes` and `warmer plan`
    /// take as the schedule's period.
    ///
    /// ```
    /// use warmer_cli::config::schedule::Schedule;
    /// let every5: Schedule = "rate(5 minutes)".parse().unwrap();
    /// assert_eq!(every5.period_minutes(), 5);
    /// let cron: Schedule = "cron(0/10 8-17 ? * MON-FRI *)".parse().unwrap();
    /// assert_eq!(cron.period_minutes(), 10);
    /// ```
    pub fn period_minutes(&self) -> u64 {
        match self.rate_minutes() {
            Some(minutes) => minutes,
            None => {
                let (_, runs_per_hour) = self.coverage();
                (60.0 / runs_per_hour.max(1.0 / 24.0)).round() as u64
            }
        }
    }

    /// The cron minutes field that fires this schedule within an hour, when the schedule can be
    /// cut into hour windows: rates that divide an hour (or exactly one hour), and crons whose
    /// hour, day and month fields are wildcards.
    pub fn minute_field(&self) -> Result<String, ExprError> {
        match self {
            Schedule::Rate { .. } => {
                let every = self.rate_minutes().unwrap_or(0);
                match every {
                    1 => Ok("*".into()),
                    60 => Ok("0".into()),
                    m if m < 60 && 60u64.is_multiple_of(m) => Ok(format!("0/{m}")),
                    _ => Err(ExprError::new(
                        format!(
                            "{self} cannot be cut into hour windows: its runs do not repeat every hour"
                        ),
                        "use a rate that divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes, or 1 hour) or a cron like cron(0/5 * * * ? *)",
                    )),
                }
            }
            Schedule::Cron(cron) => {
                let wild = |f: &str| f == "*" || f == "?";
                if cron.hours == "*"
                    && wild(&cron.day_of_month)
                    && wild(&cron.day_of_week)
                    && cron.month == "*"
                    && cron.year == "*"
                {
                    Ok(cron.minutes.clone())
                } else {
                    Err(ExprError::new(
                        format!(
                            "{self} restricts hours or days itself, so concurrency profiles cannot cut it into windows"
                        ),
                        "keep only the minutes in the cron (e.g. cron(0/5 * * * ? *)) and say the hours and days in [[warmers.profiles]]",
                    ))
                }
            }
        }
    }

    /// The hours of the week in which the schedule fires, and how often it fires in each of
    /// them on average. Day-of-month, month and year restrictions are averaged (a month is
    /// 365.25 / 12 days), which is what a monthly cost needs.
    pub fn coverage(&self) -> (WeekGrid, f64) {
        match self {
            Schedule::Rate { .. } => {
                let minutes = self.rate_minutes().unwrap_or(1) as f64;
                (WeekGrid::full(), 60.0 / minutes)
            }
            Schedule::Cron(cron) => cron.coverage(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Rate { value, unit } => {
                let name = match unit {
                    RateUnit::Minutes => "minute",
                    RateUnit::Hours => "hour",
                    RateUnit::Days => "day",
                };
                let plural = if *value == 1 { "" } else { "s" };
                write!(f, "rate({value} {name}{plural})")
            }
            Schedule::Cron(cron) => write!(f, "{cron}"),
        }
    }
}

impl FromStr for Schedule {
    type Err = ExprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(body) = s.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
            parse_rate(body)
        } else if let Some(body) = s.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
            body.parse().map(Schedule::Cron)
        } else {
            Err(ExprError::new(
                format!("`{s}` is neither a rate(...) nor a cron(...) expression"),
                "write e.g. \"rate(5 minutes)\" or \"cron(0/5 8-19 ? * MON-FRI *)\"",
            ))
        }
    }
}

fn parse_rate(body: &str) -> Result<Schedule, ExprError> {
    let fix = "write rate(VALUE UNIT) with UNIT minute/minutes, hour/hours or day/days, e.g. rate(1 minute), rate(5 minutes)";
    let mut parts = body.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ExprError::new(
            format!("`rate({body})` needs a value and a unit"),
            fix,
        ));
    };
    let value: u32 = value.parse().ok().filter(|v| *v > 0).ok_or_else(|| {
        ExprError::new(
            format!("rate value `{value}` is not a whole number of 1 or more"),
            fix,
        )
    })?;
    let (unit, singular) = match unit {
        "minute" => (RateUnit::Minutes, true),
        "minutes" => (RateUnit::Minutes, false),
        "hour" => (RateUnit::Hours, true),
        "hours" => (RateUnit::Hours, false),
        "day" => (RateUnit::Days, true),
        "days" => (RateUnit::Days, false),
        other => {
            return Err(ExprError::new(
                format!("rate unit `{other}` is unknown"),
                fix,
            ));
        }
    };
    if singular != (value == 1) {
        let expected = Schedule::Rate { value, unit };
        return Err(ExprError::new(
            format!(
                "`rate({body})`: Scheduler wants the singular unit for 1 and the plural otherwise"
            ),
            format!("write {expected}"),
        ));
    }
    Ok(Schedule::Rate { value, unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_need_matching_plural() {
        assert!("rate(1 minute)".parse::<Schedule>().is_ok());
        assert!("rate(5 minutes)".parse::<Schedule>().is_ok());
        assert!("rate(1 minutes)".parse::<Schedule>().is_err());
        assert!("rate(0 minutes)".parse::<Schedule>().is_err());
        assert!("rate(5 weeks)".parse::<Schedule>().is_err());
    }

    #[test]
    fn cron_day_fields_need_exactly_one_question_mark() {
        assert!("cron(0 8 * * ? *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 * * * *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 ? * ? *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 * *)".parse::<Schedule>().is_err());
        assert!("cron(61 8 * * ? *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 ? * 3#2 *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 ? * 3#2,4 *)".parse::<Schedule>().is_err());
        assert!("cron(0 8 L * ? *)".parse::<Schedule>().is_ok());
        assert!("cron(0 8 15W * ? *)".parse::<Schedule>().is_ok());
    }

    #[test]
    fn cron_coverage_counts_runs_per_hour() {
        let s: Schedule = "cron(0/5 8-19 ? * MON-FRI *)".parse().unwrap();
        let (grid, per_hour) = s.coverage();
        assert_eq!(grid.count(), 5 * 12);
        assert_eq!(per_hour, 12.0);
        assert!(grid.get(1, 8) && !grid.get(0, 8) && !grid.get(1, 20));
    }
}
