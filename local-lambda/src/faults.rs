//! Fault injection: a share of a function's invokes answered with a rate-limit 429, a 500
//! `ServiceException` or a 502, or held before dispatch, so that clients' retry and back-off
//! paths can be tested against the real wire format. Deterministic: the same seed and the
//! same order of invokes give the same faults.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

use crate::Error;

/// Which faults a function's invokes get, and how often. Each share is a probability from
/// 0.0 to 1.0; the three error shares together are at most 1.0. Nothing is injected by
/// default.
///
/// ```
/// use std::time::Duration;
/// use local_lambda::{Faults, FunctionConfig};
///
/// let faults = Faults::seeded(7)
///     .throttle(0.1)               // 429 TooManyRequestsException with Retry-After
///     .service_error(0.05)         // 500 ServiceException
///     .bad_gateway(0.01)           // 502 from between the client and the service
///     .delay(0.2, Duration::from_millis(150));
/// let orders = FunctionConfig::new("orders", "/opt/orders/bootstrap").faults(faults);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faults {
    /// The seed of the draws (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Share answered `429 TooManyRequestsException` with a `Retry-After` header.
    #[serde(default)]
    pub throttle: f64,
    /// The `Retry-After` seconds of injected 429s (default 1).
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
    /// Share answered `500 ServiceException`.
    #[serde(default)]
    pub service_error: f64,
    /// Share answered `502 Bad Gateway` without a Lambda error type, as a proxy or load
    /// balancer between the client and the service answers.
    #[serde(default)]
    pub bad_gateway: f64,
    /// Share of invokes held `delay_ms` before dispatch.
    #[serde(default)]
    pub delay: f64,
    /// How long a delayed invoke is held, in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
}

fn default_retry_after() -> u64 {
    1
}

impl Default for Faults {
    fn default() -> Self {
        Self::seeded(0)
    }
}

impl Faults {
    /// No faults yet, drawn from `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            throttle: 0.0,
            retry_after_secs: default_retry_after(),
            service_error: 0.0,
            bad_gateway: 0.0,
            delay: 0.0,
            delay_ms: 0,
        }
    }

    /// Answers this share of invokes with a 429 `TooManyRequestsException`.
    pub fn throttle(mut self, share: f64) -> Self {
        self.throttle = share;
        self
    }

    /// The `Retry-After` of injected 429s (whole seconds, as the header carries them).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after_secs = after.as_secs();
        self
    }

    /// Answers this share of invokes with a 500 `ServiceException`.
    pub fn service_error(mut self, share: f64) -> Self {
        self.service_error = share;
        self
    }

    /// Answers this share of invokes with a 502.
    pub fn bad_gateway(mut self, share: f64) -> Self {
        self.bad_gateway = share;
        self
    }

    /// Holds this share of invokes for `by` before dispatch.
    pub fn delay(mut self, share: f64, by: Duration) -> Self {
        self.delay = share;
        self.delay_ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Checks the shares; the error names the field and the fix.
    pub(crate) fn validate(&self, function: &str) -> Result<(), Error> {
        let invalid = |field: &str, reason: String| Error::InvalidConfig {
            function: function.to_owned(),
            field: format!("faults.{field}"),
            reason,
        };
        for (field, share) in [
            ("throttle", self.throttle),
            ("service_error", self.service_error),
            ("bad_gateway", self.bad_gateway),
            ("delay", self.delay),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(
                    field,
                    format!("{share} is not a share; use 0.0 to 1.0"),
                ));
            }
        }
        let errors = self.throttle + self.service_error + self.bad_gateway;
        if errors > 1.0 {
            return Err(invalid(
                "throttle",
                format!(
                    "throttle + service_error + bad_gateway is {errors}; they share one draw, so keep their sum at most 1.0"
                ),
            ));
        }
        Ok(())
    }

    fn is_active(&self) -> bool {
        self.throttle + self.service_error + self.bad_gateway + self.delay > 0.0
    }
}

/// What one invoke gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// 429 with `Retry-After: secs`.
    Throttle { retry_after_secs: u64 },
    /// 500 `ServiceException`.
    ServiceError,
    /// 502.
    BadGateway,
}

/// A function's fault draws: two per invoke (error, delay) from one seeded generator.
#[derive(Debug)]
pub(crate) struct Injector {
    faults: Faults,
    rng: Mutex<StdRng>,
}

impl Injector {
    /// An injector, or `None` when the faults inject nothing (no draws, no lock).
    pub(crate) fn new(faults: &Faults) -> Option<Self> {
        faults.is_active().then(|| Self {
            faults: faults.clone(),
            rng: Mutex::new(StdRng::seed_from_u64(faults.seed)),
        })
    }

    /// The next invoke's fault and delay.
    pub(crate) fn draw(&self) -> (Option<Fault>, Option<Duration>) {
        let (error, delay) = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            (rng.random::<f64>(), rng.random::<f64>())
        };
        let f = &self.faults;
        let fault = if error < f.throttle {
            Some(Fault::Throttle {
                retry_after_secs: f.retry_after_secs,
            })
        } else if error < f.throttle + f.service_error {
            Some(Fault::ServiceError)
        } else if error < f.throttle + f.service_error + f.bad_gateway {
            Some(Fault::BadGateway)
        } else {
            None
        };
        let held = (delay < f.delay && f.delay_ms > 0).then(|| Duration::from_millis(f.delay_ms));
        (fault, held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(faults: &Faults, n: usize) -> Vec<(Option<Fault>, Option<Duration>)> {
        let injector = Injector::new(faults).unwrap();
        (0..n).map(|_| injector.draw()).collect()
    }

    #[test]
    fn same_seed_gives_same_faults_and_shares_are_close() {
        let faults = Faults::seeded(42)
            .throttle(0.2)
            .service_error(0.1)
            .delay(0.5, Duration::from_millis(5));
        let a = sequence(&faults, 10_000);
        assert_eq!(a, sequence(&faults, 10_000));
        assert_ne!(a, sequence(&Faults { seed: 43, ..faults }, 10_000));
        let throttles = a
            .iter()
            .filter(|(f, _)| matches!(f, Some(Fault::Throttle { .. })))
            .count();
        let errors = a
            .iter()
            .filter(|(f, _)| *f == Some(Fault::ServiceError))
            .count();
        let delays = a.iter().filter(|(_, d)| d.is_some()).count();
        assert!((1800..2200).contains(&throttles), "{throttles}");
        assert!((850..1150).contains(&errors), "{errors}");
        assert!((4700..5300).contains(&delays), "{delays}");
    }

    #[test]
    fn shares_out_of_range_name_the_field() {
        let error = Faults::seeded(1).throttle(1.5).validate("f").unwrap_err();
        assert!(error.to_string().contains("faults.throttle"), "{error}");
        let error = Faults::seeded(1)
            .throttle(0.6)
            .service_error(0.6)
            .validate("f")
            .unwrap_err();
        assert!(error.to_string().contains("at most 1.0"), "{error}");
        assert!(Injector::new(&Faults::seeded(1)).is_none());
    }
}
