//! `warmer.toml` parsing, writing back, checks and schedules.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    warm_oracle::invoke::check_config(bytes);
});
