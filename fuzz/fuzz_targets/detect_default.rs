//! `warm_sdk::detect` with the default config against the reference model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warm_sdk::WarmConfig;

fuzz_target!(|payload: &[u8]| {
    warm_oracle::detect::check_detect(payload, &WarmConfig::default());
});
