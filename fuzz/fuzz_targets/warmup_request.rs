//! `WarmupRequest` parsing and writing, and `detect` on what it writes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    warm_oracle::detect::check_warmup_request(payload);
});
