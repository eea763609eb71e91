//! The warmer Lambda's input event and `WARMER_CONFIG` parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    warm_oracle::invoke::check_warmer_event(bytes);
});
