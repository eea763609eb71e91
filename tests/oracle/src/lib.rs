//! Reference checks shared by the fuzz targets (`fuzz/fuzz_targets/`) and the property tests
//! (`tests/tests/properties.rs`): each check panics when the code under test misbehaves, so
//! every input the fuzzer saves replays as a regression test in the normal test run.
//!
//! - [`detect`]: a slow, obvious model of warm-up detection, compared with `warm_sdk::detect`;
//! - [`invoke`] (feature `invoke-side`): the warmer Lambda's event, `WARMER_CONFIG` and
//!   `warmer.toml` parsers never panic and accept only valid targets.
//!
//! ```
//! use warm_sdk::WarmConfig;
//! // Agrees with `detect` on a warm-up and on user traffic, or panics.
//! assert!(warm_oracle::detect::check_detect(br#"{"warmer": true}"#, &WarmConfig::default()).is_some());
//! assert!(warm_oracle::detect::check_detect(br#"{"body": "{\"warmer\": true}"}"#, &WarmConfig::default()).is_none());
//! ```

pub mod detect;

#[cfg(feature = "invoke-side")]
pub mod invoke;
