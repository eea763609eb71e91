//! The fenced blocks of the workspace's documentation, and what a block needs to run.
//!
//! A block runs in the docs test as written unless the line before its fence is a marker
//! `<!-- needs: WHAT -->` (`aws`, `build`, `tools`, `input`; see [`Needs`]); a marked block is still
//! checked: every `warmer` and `local-lambda` flag it shows must exist, every package, test and
//! bench a `cargo` line names must exist.

pub(crate) mod run;
pub(crate) mod shell;

use std::path::{Path, PathBuf};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The documentation the test reads: README.md, each crate's README.md and docs/*.md.
pub(crate) fn doc_files() -> Vec<PathBuf> {
    let root = root();
    let mut files = vec![root.join("README.md")];
    for krate in [
        "warm-sdk",
        "warm-macros",
        "warmer-fn",
        "warmer-cli",
        "local-lambda",
    ] {
        files.push(root.join(krate).join("README.md"));
    }
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Why a block is not run, from its `<!-- needs: ... -->` marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// An AWS account (credentials, a deployed function, S3, CloudWatch).
    Aws,
    /// A build or test of the workspace: the test suite itself, too slow to run inside it.
    Build,
    /// A tool the test does not install (the AWS CLI, curl, terraform, npm, pip, checkov),
    /// or a service left running in a terminal of its own.
    Tools,
    /// An input the text describes but the docs do not show as a named example: the
    /// transcript's output is not compared.
    Input,
}

impl Needs {
    fn parse(line: &str) -> Option<Result<Self, String>> {
        let what = line
            .trim()
            .strip_prefix("<!-- needs:")?
            .strip_suffix("-->")?
            .trim();
        Some(match what {
            "aws" => Ok(Self::Aws),
            "build" => Ok(Self::Build),
            "tools" => Ok(Self::Tools),
            "input" => Ok(Self::Input),
            other => Err(format!(
                "unknown marker `needs: {other}`: write aws, build, tools or input"
            )),
        })
    }
}

/// What a fenced block holds, from its info string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// `sh`, `bash`, `shell`: commands.
    Shell,
    /// `console`: `$ ` commands followed by what they print.
    Console,
    /// `toml`: a config example.
    Toml,
    /// `json`: an event or a report.
    Json,
    /// Anything else (Rust is run by `readme_functions`; Logs Insights queries).
    Other,
}

/// One fenced block of one file.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The file, relative to the workspace root.
    pub(crate) file: String,
    /// The line of the opening fence (1-based).
    pub(crate) line: usize,
    /// What it holds.
    pub(crate) lang: Lang,
    /// Its text, without the fences.
    pub(crate) text: String,
    /// Its marker, if any (an unknown marker is an error naming it).
    pub(crate) needs: Option<Result<Needs, String>>,
}

impl Block {
    /// `file:line`, for messages.
    pub(crate) fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The file name a TOML example gives itself on its first line (`# overlap.toml: ...`):
    /// the blocks of the same page that run find it under that name.
    pub(crate) fn file_name(&self) -> Option<&str> {
        if self.lang != Lang::Toml {
            return None;
        }
        let first = self.text.lines().next()?.strip_prefix("# ")?;
        let name = first.split([':', ' ']).next()?;
        name.ends_with(".toml").then_some(name)
    }
}

/// The named TOML examples of `file`: name and text.
pub(crate) fn named_files<'a>(blocks: &'a [Block], file: &str) -> Vec<(&'a str, &'a str)> {
    blocks
        .iter()
        .filter(|b| b.file == file)
        .filter_map(|b| Some((b.file_name()?, b.text.as_str())))
        .collect()
}

/// Every fenced block of `path`.
pub(crate) fn blocks(path: &Path) -> Vec<Block> {
    let text = std::fs::read_to_string(path).expect("a doc file");
    let file = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(info) = lines[i].trim_start().strip_prefix("```") else {
            i += 1;
            continue;
        };
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with("```"))
            .unwrap_or(lines.len());
        let marker = lines[..i].iter().rev().find(|l| !l.trim().is_empty());
        out.push(Block {
            file: file.clone(),
            line: i + 1,
            lang: lang(info),
            text: lines[i + 1..end].join("\n"),
            needs: marker.and_then(|l| Needs::parse(l)),
        });
        i = end + 1;
    }
    out
}

fn lang(info: &str) -> Lang {
    match info.split([',', ' ']).next().unwrap_or("").trim() {
        "sh" | "bash" | "shell" => Lang::Shell,
        "console" => Lang::Console,
        "toml" => Lang::Toml,
        "json" => Lang::Json,
        _ => Lang::Other,
    }
}

/// Every block of every doc file.
pub(crate) fn all_blocks() -> Vec<Block> {
    doc_files().iter().flat_map(|f| blocks(f)).collect()
}
