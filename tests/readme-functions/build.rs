//! Turns every Rust program shown in `README.md`, `warm-sdk/README.md` and
//! `warm-macros/README.md` (a ```` ```rust ```` block with a `fn main`) into a module of this
//! crate's binary, as written: the lines rustdoc hides (`# ...`) are kept without their `# `, as
//! rustdoc compiles them; nothing else changes.
//!
//! `$OUT_DIR/snippets.rs` holds one module per program, named after the README and the
//! program's rank in it (`readme_1`, `sdk_readme_2`, ...), and the table `SNIPPETS` the binary
//! dispatches on.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The READMEs whose programs are built, with the prefix of their programs' names.
const READMES: &[(&str, &str)] = &[
    ("readme", "../../README.md"),
    ("sdk-readme", "../../warm-sdk/README.md"),
    ("macros-readme", "../../warm-macros/README.md"),
];

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut modules = String::new();
    let mut table = String::from(
        "/// Every README program, in README order.\npub(crate) const SNIPPETS: &[Snippet] = &[\n",
    );
    for (prefix, path) in READMES {
        println!("cargo::rerun-if-changed={path}");
        let text = std::fs::read_to_string(Path::new(path))
            .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
        let programs = rust_blocks(&text)
            .into_iter()
            .map(|block| compiled_text(&block))
            .filter(|code| code.contains("fn main"));
        for (rank, code) in programs.enumerate() {
            let name = format!("{prefix}-{}", rank + 1);
            let module = name.replace('-', "_");
            let traffic = if code.contains("lambda_http") {
                "http"
            } else {
                "event"
            };
            let polling = if code.contains("run_concurrent") {
                "concurrent"
            } else {
                "sequential"
            };
            writeln!(
                modules,
                "/// Program {} of `{path}`, as written.\nmod {module} {{\n{code}\n\
                 pub(crate) fn __readme_run() -> std::process::ExitCode {{\n    \
                 std::process::Termination::report(main())\n}}\n}}\n",
                rank + 1
            )
            .unwrap();
            writeln!(
                table,
                "    Snippet {{ name: {name:?}, traffic: {traffic:?}, polling: {polling:?}, \
                 run: {module}::__readme_run }},"
            )
            .unwrap();
        }
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("snippets.rs"), modules + &table).expect("write snippets.rs");
}

/// The bodies of the fenced blocks whose info string starts with `rust`.
fn rust_blocks(markdown: &str) -> Vec<String> {
    enum State {
        Outside,
        Rust(String),
        Other,
    }
    let mut blocks = Vec::new();
    let mut state = State::Outside;
    for line in markdown.lines() {
        let fence = line.trim_start().strip_prefix("```");
        state = match (state, fence) {
            (State::Outside, Some(info)) if info.trim().split(',').next() == Some("rust") => {
                State::Rust(String::new())
            }
            (State::Outside, Some(_)) => State::Other,
            (State::Rust(block), Some(_)) => {
                blocks.push(block);
                State::Outside
            }
            (State::Other, Some(_)) => State::Outside,
            (State::Rust(mut block), None) => {
                block.push_str(line);
                block.push('\n');
                State::Rust(block)
            }
            (state, None) => state,
        };
    }
    blocks
}

/// The code rustdoc compiles for a block: `# line` and `#` lines lose their marker, `##`
/// stands for `#`.
fn compiled_text(block: &str) -> String {
    block
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed == "#" {
                ""
            } else if let Some(rest) = trimmed.strip_prefix("# ") {
                rest
            } else if trimmed.starts_with("##") {
                &trimmed[1..]
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
