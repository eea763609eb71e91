//! The commands of a shell or console block, split as the shell would split them, and the
//! static checks of the ones this workspace provides: `warmer` and `local-lambda` flags against
//! their `--help`, `cargo` packages, tests and benches against the workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Block, Lang, root};

/// The simple commands of a block, each as its words (quotes removed, leading `VAR=value`
/// assignments and redirections dropped).
pub(crate) fn commands(block: &Block) -> Vec<Vec<String>> {
    command_lines(block)
        .iter()
        .flat_map(|line| split_simple(&strip_comment(line)))
        .filter(|words| !words.is_empty())
        .collect()
}

/// The command lines, continuations joined; for a console block only the `$ ` lines.
pub(crate) fn command_lines(block: &Block) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in block.text.lines() {
        let line = match (&current, block.lang) {
            (Some(_), _) => line,
            (None, Lang::Console) => match line.strip_prefix("$ ") {
                Some(command) => command,
                None => continue,
            },
            (None, _) => line,
        };
        let (text, continues) = match line.trim_end().strip_suffix('\\') {
            Some(head) => (head, true),
            None => (line, false),
        };
        let joined = current.take().unwrap_or_default() + text;
        if continues {
            current = Some(joined + " ");
        } else {
            out.push(joined);
        }
    }
    out.extend(current);
    out
}

/// The line up to a `#` that starts a word outside quotes.
fn strip_comment(line: &str) -> String {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev.is_whitespace() => return line[..i].to_owned(),
            _ => {}
        }
        prev = c;
    }
    line.to_owned()
}

/// Splits on `|`, `&&`, `||`, `;` and `&` outside quotes, into words.
fn split_simple(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word: Option<String> = None;
    let mut quote = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, c) if c.is_whitespace() => commands.last_mut().unwrap().extend(word.take()),
            (None, '|' | '&' | ';') => {
                commands.last_mut().unwrap().extend(word.take());
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    commands.last_mut().unwrap().extend(word);
    commands.into_iter().map(clean).collect()
}

/// Drops leading `VAR=value` assignments and redirections with their targets.
fn clean(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for word in words {
        if skip_next {
            skip_next = false;
        } else if matches!(word.as_str(), ">" | ">>" | "<" | "2>" | "2>&1") {
            skip_next = word != "2>&1";
        } else if out.is_empty() && is_assignment(&word) {
        } else {
            out.push(word);
        }
    }
    out
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A command of this workspace's binaries: which one, and its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tool {
    /// `warmer` (also `cargo run -p warmer-cli -- ...`).
    Warmer,
    /// `local-lambda` (also `target/debug/local-lambda`).
    LocalLambda,
}

/// The tool a command runs, with its arguments, if it is one of ours.
pub(crate) fn tool(words: &[String]) -> Option<(Tool, Vec<String>)> {
    let program = words.first()?;
    if program == "warmer" {
        return Some((Tool::Warmer, words[1..].to_vec()));
    }
    if program == "local-lambda" || program.ends_with("/local-lambda") {
        return Some((Tool::LocalLambda, words[1..].to_vec()));
    }
    let is_run = program == "cargo" && words.get(1).is_some_and(|w| w == "run");
    let dash = words.iter().position(|w| w == "--")?;
    let package = words
        .windows(2)
        .find(|w| w[0] == "-p")
        .map(|w| w[1].as_str());
    (is_run && package == Some("warmer-cli")).then(|| (Tool::Warmer, words[dash + 1..].to_vec()))
}

/// `--help` texts of the workspace's binaries, asked once per subcommand path.
#[derive(Debug)]
pub(crate) struct Helps {
    binaries: HashMap<Tool, PathBuf>,
    cache: HashMap<(Tool, Vec<String>), String>,
}

impl Helps {
    /// Helps of the binaries at these paths.
    pub(crate) fn new(warmer: PathBuf, local_lambda: PathBuf) -> Self {
        let binaries = HashMap::from([(Tool::Warmer, warmer), (Tool::LocalLambda, local_lambda)]);
        Self {
            binaries,
            cache: HashMap::new(),
        }
    }

    fn help(&mut self, tool: Tool, path: &[String]) -> String {
        let binary = &self.binaries[&tool];
        self.cache
            .entry((tool, path.to_vec()))
            .or_insert_with(|| {
                let out = Command::new(binary)
                    .args(path)
                    .arg("--help")
                    .output()
                    .expect("run --help");
                String::from_utf8_lossy(&out.stdout).into_owned()
            })
            .clone()
    }

    /// The problems of one command: an unknown subcommand or flag, each named.
    pub(crate) fn check(&mut self, tool: Tool, args: &[String]) -> Vec<String> {
        let mut path = Vec::new();
        for arg in args.iter().take_while(|a| !a.starts_with('-')) {
            if subcommands(&self.help(tool, &path)).contains(arg) {
                path.push(arg.clone());
            } else {
                break;
            }
        }
        let help = self.help(tool, &path);
        let name = format!("{tool:?} {}", path.join(" "));
        let mut problems = Vec::new();
        if subcommands(&help).iter().any(|s| s != "help") {
            problems.push(format!("`{name}` needs a subcommand: {args:?}"));
        }
        for flag in args.iter().filter(|a| a.starts_with("--") && a.len() > 2) {
            let flag = flag.split('=').next().unwrap_or(flag);
            if !has_flag(&help, flag) {
                problems.push(format!("`{name}` has no flag {flag}"));
            }
        }
        problems
    }
}

/// The names under `Commands:` in a clap help text.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn has_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(i, _)| {
        let next = help[i + flag.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// The problems of a `cargo` or `scripts/test` command: packages, tests, benches and paths
/// it names that the workspace does not have.
pub(crate) fn check_cargo(words: &[String]) -> Vec<String> {
    let members = members();
    let mut problems = Vec::new();
    for pair in words.windows(2) {
        let (flag, value) = (pair[0].as_str(), pair[1].as_str());
        let known = match flag {
            "-p" | "--package" => members.iter().any(|(name, _)| name == value),
            "--test" => has_target(&members, "tests", value),
            "--bench" => has_target(&members, "benches", value),
            "--path" => root().join(value).join("Cargo.toml").exists(),
            _ => true,
        };
        if !known {
            problems.push(format!("{flag} {value}: no such thing in the workspace"));
        }
    }
    problems
}

/// Whether some member has `dir/NAME.rs`, `dir/NAME/main.rs` or a target named NAME.
fn has_target(members: &[(String, PathBuf)], dir: &str, name: &str) -> bool {
    members.iter().any(|(_, path)| {
        let manifest = std::fs::read_to_string(path.join("Cargo.toml")).unwrap_or_default();
        path.join(dir).join(format!("{name}.rs")).exists()
            || path.join(dir).join(name).join("main.rs").exists()
            || manifest.contains(&format!("name = \"{name}\""))
    })
}

/// The workspace's packages: name and folder.
fn members() -> Vec<(String, PathBuf)> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let list = manifest
        .split("members = [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_default();
    list.split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .filter_map(|m| {
            let dir = root().join(m);
            Some((package_name(&dir)?, dir))
        })
        .collect()
}

fn package_name(dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let line = manifest.lines().find(|l| l.starts_with("name = "))?;
    Some(
        line.trim_start_matches("name = ")
            .trim_matches('"')
            .to_owned(),
    )
}
