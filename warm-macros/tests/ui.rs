//! Compile tests of `#[warmable]`: `ui/pass/*.rs` must build (and their `main` runs),
//! `ui/fail/*.rs` must fail with exactly the errors in the `.stderr` beside each.
//!
//! The `.stderr` files depend on the compiler's wording, so the test only runs on the
//! toolchain they were written with (Rust 1.95, the workspace's `rust-version`); on any other
//! it is reported as ignored, never as passed. After a compiler upgrade or an intended change
//! to an error, regenerate them with
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p warm-macros --test ui
//! ```
//!
//! and read the diff of every `.stderr` before committing it.

#[test]
#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files are written for Rust 1.95's wording"
)]
fn warmable_compile_errors_and_expansions() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
