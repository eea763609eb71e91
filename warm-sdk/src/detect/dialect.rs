//! Which warmer sent a warm-up: the payload families [`detect`](super::detect()) knows.

use std::fmt;

/// Which warmer sent a warm-up. See the [module docs](mod@crate::detect) for each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// This project's protocol: `{"warmer": true, "delay": 300, ...}`.
    Warm,
    /// jeremydaly/lambda-warmer's fan-out payload (`__WARMER_CORRELATIONID__`).
    LambdaWarmer,
    /// lambda-warmer-py's fan-out payload (`__WARMER_CORRELATION_ID__`).
    LambdaWarmerPy,
    /// serverless-plugin-warmup's default payload `{"source": "serverless-plugin-warmup"}`.
    ServerlessPluginWarmup,
}

impl Dialect {
    /// A short name for logs: `warm`, `lambda-warmer`, `lambda-warmer-py` or
    /// `serverless-plugin-warmup`.
    ///
    /// ```
    /// assert_eq!(warm_sdk::Dialect::LambdaWarmerPy.as_str(), "lambda-warmer-py");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::Warm => "warm",
            Dialect::LambdaWarmer => "lambda-warmer",
            Dialect::LambdaWarmerPy => "lambda-warmer-py",
            Dialect::ServerlessPluginWarmup => "serverless-plugin-warmup",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
