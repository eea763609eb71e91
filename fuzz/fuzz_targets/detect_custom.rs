//! `warm_sdk::detect` with a fuzzed config (flag key, default delay) against the reference
//! model; see `oracle::split_custom` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((config, payload)) = warm_oracle::detect::split_custom(data) {
        warm_oracle::detect::check_detect(payload, &config);
    }
});
