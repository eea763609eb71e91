//! Compile tests of `#[warmable]`: `ui/pass/*.rs` must build (and their `main` runs),
//! `ui/fail/*.rs` must fail with exactly the errors in the `.stderr` beside each.
//!
//! The `.stderr` files depend on the compiler's wording, so the test only runs on the
//! toolchain they were written with (`UI_TOOLCHAIN`). After a compiler upgrade or an intended
//! change to an error, regenerate them with
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p warm-macros --test ui
//! ```
//!
//! and read the diff of every `.stderr` before committing it.

use std::process::Command;

/// The toolchain the `.stderr` files were written with.
const UI_TOOLCHAIN: &str = "rustc 1.95.";

#[test]
fn warmable_compile_errors_and_expansions() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if !version.starts_with(UI_TOOLCHAIN) {
        eprintln!("skipped: the .stderr files are for {UI_TOOLCHAIN}x, this is {version}");
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
