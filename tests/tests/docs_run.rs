//! The docs are run: every shell block, console transcript and config example in README.md,
//! the crate READMEs and docs/*.md either runs here as written (offline, 127.0.0.1 only, dummy
//! credentials, a time limit per block) or carries `<!-- needs: aws|build|tools|input -->` on
//! the line before its fence; every block's `warmer` and `local-lambda` flags and `cargo`
//! packages, tests and benches must exist, and a console transcript's output must still be
//! what the command prints (numbers aside). A TOML example whose first line names it
//! (`# overlap.toml: ...`) is written under that name where the blocks of its page run. Facts
//! with one home (metrics, exit codes, the limits, the concurrency guard, the ramp) are written
//! there only, with the figures of the code's constants.

mod docs_support;

use std::time::Duration;

use docs_support::run::{Sandbox, missing_lines};
use docs_support::shell::{Helps, check_cargo, command_lines, commands, tool};
use docs_support::{Block, Lang, all_blocks, named_files, root};

/// The `WARMER_CONFIG` an empty event is read with.
const EMPTY_EVENT_CONFIG: &str = r#"[{"function": "orders", "concurrency": 1}]"#;

/// How long one block may run: the demo takes a few seconds, a command much less.
const BLOCK_LIMIT: Duration = Duration::from_secs(120);

fn helps() -> Helps {
    Helps::new(
        warm_tests::binary("warmer-cli", "warmer"),
        warm_tests::binary("local-lambda", "local-lambda"),
    )
}

/// The static problems of a shell or console block.
fn static_problems(block: &Block, helps: &mut Helps) -> Vec<String> {
    let mut problems = Vec::new();
    for words in commands(block) {
        if let Some((tool, args)) = tool(&words) {
            problems.extend(helps.check(tool, &args));
        } else if words[0] == "cargo" || words[0] == "scripts/test" {
            problems.extend(check_cargo(&words));
            if block.needs.is_none() {
                problems.push(format!(
                    "`{}` builds the workspace: mark the block <!-- needs: build -->",
                    words.join(" ")
                ));
            }
        }
    }
    problems
}

/// Runs an unmarked block; a console block command by command, its output compared.
fn run_problems(block: &Block, sandbox: &Sandbox) -> Vec<String> {
    if block.lang == Lang::Shell {
        let ran = sandbox.run(&block.text, BLOCK_LIMIT);
        return match ran.code {
            Some(0) => Vec::new(),
            code => vec![format!("exited {code:?}:\n{}", ran.output)],
        };
    }
    let mut problems = Vec::new();
    let commands = command_lines(block);
    let outputs = console_outputs(&block.text);
    for (command, quoted) in commands.iter().zip(outputs) {
        let ran = sandbox.run(command, BLOCK_LIMIT);
        if ran.code.is_none() {
            problems.push(format!("`{command}` did not end within {BLOCK_LIMIT:?}"));
        }
        let missing = missing_lines(&quoted, &ran.output);
        if !missing.is_empty() {
            problems.push(format!(
                "`{command}` no longer prints {missing:#?}; it printed:\n{}",
                ran.output
            ));
        }
    }
    problems
}

/// The output lines quoted after each `$ ` command of a console block.
fn console_outputs(text: &str) -> Vec<Vec<&str>> {
    let mut outputs: Vec<Vec<&str>> = Vec::new();
    let mut continued = false;
    for line in text.lines() {
        if line.starts_with("$ ") {
            outputs.push(Vec::new());
        } else if !continued && let Some(out) = outputs.last_mut() {
            out.push(line);
        }
        continued = line.trim_end().ends_with('\\');
    }
    outputs
}

#[test]
fn every_shell_block_runs_as_written_or_says_what_it_needs() {
    let mut helps = helps();
    let bin_dir = warm_tests::binary("warmer-cli", "warmer")
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let mut problems = Vec::new();
    let blocks = all_blocks();
    for block in &blocks {
        if !matches!(block.lang, Lang::Shell | Lang::Console) {
            continue;
        }
        let block = block.clone();
        let mut found = static_problems(&block, &mut helps);
        let builds = commands(&block)
            .iter()
            .any(|w| w[0] == "cargo" || w[0] == "scripts/test");
        match &block.needs {
            Some(Err(e)) => found.push(e.clone()),
            Some(Ok(_)) => {}
            None if builds => {}
            None => {
                eprintln!("running {}", block.at());
                let sandbox = Sandbox::new(&bin_dir, &named_files(&blocks, &block.file));
                found.extend(run_problems(&block, &sandbox))
            }
        }
        problems.extend(found.into_iter().map(|p| format!("{}: {p}", block.at())));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_config_example_is_read_by_what_it_configures() {
    let warmer = warm_tests::binary("warmer-cli", "warmer");
    let mut problems = Vec::new();
    let blocks = all_blocks();
    for block in &blocks {
        let run_by_a_transcript = block.file_name().is_some_and(|name| {
            blocks
                .iter()
                .any(|b| b.file == block.file && b.lang == Lang::Console && b.text.contains(name))
        });
        let problem = match (block.lang, &block.needs) {
            (_, Some(_)) => None,
            // Checked by the transcript that runs it, whose quoted output may be a refusal.
            (Lang::Toml, None) if run_by_a_transcript => None,
            (Lang::Toml, None) => toml_problem(block, &warmer),
            (Lang::Json, None) => json_problem(block),
            _ => None,
        };
        problems.extend(problem.map(|p| format!("{}: {p}", block.at())));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Checks a TOML example with what reads it: `warmer config check`, local-lambda's
/// `ConfigFile`, or warm-sdk's features for a `[dependencies]` snippet.
fn toml_problem(block: &Block, warmer: &std::path::Path) -> Option<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("example.toml");
    let text = &block.text;
    if text.contains("[dependencies]") {
        return dependency_problem(text);
    }
    if text.contains("[functions.") {
        std::fs::write(&file, text).expect("write");
        return local_lambda::ConfigFile::load(&file)
            .err()
            .map(|e| format!("local-lambda does not read it: {e}"));
    }
    let whole = if text.trim_start().starts_with("[[warmers.targets]]") {
        format!("[[warmers]]\nname = \"api\"\nschedule = \"rate(5 minutes)\"\n\n{text}")
    } else if text.contains("[[warmers]]") {
        text.clone()
    } else {
        return Some(
            "a TOML example of unknown kind: show warmer.toml, local-lambda.toml or Cargo.toml"
                .into(),
        );
    };
    std::fs::write(&file, whole).expect("write");
    let out = std::process::Command::new(warmer)
        .args(["config", "check"])
        .arg(&file)
        .output()
        .expect("warmer config check");
    (!out.status.success()).then(|| {
        format!(
            "`warmer config check` refuses it:\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// A `[dependencies]` snippet: warm-sdk's version and features must be the crate's.
fn dependency_problem(text: &str) -> Option<String> {
    let manifest = std::fs::read_to_string(root().join("warm-sdk/Cargo.toml")).expect("manifest");
    let line = text
        .lines()
        .map(|l| l.trim_start_matches("# "))
        .filter(|l| l.starts_with("warm-sdk"))
        .find(|l| {
            let features = l.split("features = [").nth(1).unwrap_or("]");
            let features = features.split(']').next().unwrap_or("");
            !l.contains("\"0.1\"")
                || features
                    .split(',')
                    .map(|f| f.trim().trim_matches('"'))
                    .filter(|f| !f.is_empty())
                    .any(|f| !manifest.contains(&format!("\n{f} = [")))
        })?;
    Some(format!("warm-sdk has no such version or feature: {line}"))
}

/// A JSON example: one warmer Lambda event per line, each accepted as it is.
fn json_problem(block: &Block) -> Option<String> {
    let problems: Vec<String> = block
        .text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let event: serde_json::Value = match serde_json::from_str(line) {
                Ok(event) => event,
                Err(e) => return Some(format!("{line}: not JSON: {e}")),
            };
            let request = warmer_fn::lambda::request_from_event(&event, Some(EMPTY_EVENT_CONFIG));
            request
                .err()
                .map(|e| format!("{line}: the warmer refuses it: {e}"))
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("\n"))
}

#[test]
fn the_metrics_and_exit_codes_each_have_one_home() {
    let home = std::fs::read_to_string(root().join("warmer-fn/README.md")).expect("readme");
    let all = warmer_fn::engine::EMF_METRICS
        .iter()
        .chain(&warmer_fn::engine::AUTO_EMF_METRICS)
        .chain(&warmer_fn::heartbeat::HEARTBEAT_METRICS);
    for metric in all {
        assert!(
            home.contains(&format!("| `{metric}` |")),
            "warmer-fn/README.md's metrics table lacks `{metric}`"
        );
    }
    let cli = std::fs::read_to_string(root().join("warmer-cli/README.md")).expect("readme");
    for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |"] {
        assert!(
            cli.contains(code),
            "warmer-cli/README.md's exit codes lack {code}"
        );
    }
    let mut elsewhere = Vec::new();
    let mut files = docs_support::doc_files();
    files.push(root().join("warmer.example.toml"));
    for file in files {
        let text = std::fs::read_to_string(&file).expect("doc");
        let name = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        for (i, line) in text.lines().enumerate() {
            let metrics = ["Requested", "Reached", "Throttled", "Shortfall"];
            let lists_metrics = metrics.iter().filter(|m| line.contains(*m)).count() >= 3;
            let lists_codes = line.contains("exit status is 0");
            if (lists_metrics && name != "warmer-fn/README.md")
                || (lists_codes && name != "warmer-cli/README.md")
            {
                elsewhere.push(format!("{name}:{}: {line}", i + 1));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "link to the one home instead (metrics: warmer-fn/README.md#metrics, exit codes: \
         warmer-cli/README.md#exit-status):\n{}",
        elsewhere.join("\n")
    );
}

/// `1234567` as `1,234,567`, as the docs write figures.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The `## title` section of a Markdown page, without the heading.
fn section<'a>(page: &'a str, title: &str) -> &'a str {
    page.split("\n## ")
        .find_map(|s| s.strip_prefix(title)?.strip_prefix('\n'))
        .unwrap_or_else(|| panic!("no section `## {title}`"))
}

/// Whether `line` holds `phrase`, in which `#` stands for a figure (`800`, `1,000`, `0.8`).
fn holds(line: &str, phrase: &str) -> bool {
    let Some((before, after)) = phrase.split_once('#') else {
        return line.contains(phrase);
    };
    line.match_indices(before).any(|(at, _)| {
        let rest = &line[at + before.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
            .unwrap_or(rest.len());
        // A `.` or `,` after the figure ends the sentence or the clause.
        let figure = rest[..end].trim_end_matches(['.', ',']);
        figure.starts_with(|c: char| c.is_ascii_digit()) && rest[figure.len()..].starts_with(after)
    })
}

/// How a line restates one of the facts with one home: the fact, a word that says the line is
/// about it, and phrases that give its figures.
const RESTATEMENTS: [(&str, &[&str], &[&str]); 10] = [
    ("the limits", &[""], &["(0, 1]", "1 to 900", "1-900"]),
    (
        "the limits",
        &["shard_size", "shard size"],
        &[
            "# by default",
            "default #",
            "# when left out",
            "1 to #",
            "1-#",
        ],
    ),
    (
        "the limits",
        &["max_share", "share"],
        &["# by default", "default #", "# when left out"],
    ),
    ("the limits", &["in flight"], &["# warm-ups", "at most #"]),
    (
        "the limits",
        &["per target", "concurrency"],
        &["at most #", "up to #", "1 to #"],
    ),
    (
        "the limits",
        &["payload", "warm-up fields"],
        &[
            "at most # bytes",
            "# KB of",
            "within # bytes",
            "capped at # KB",
        ],
    ),
    (
        "the limits",
        &["delay"],
        &["at most # ms", "milliseconds, at most #", "0 to # ms"],
    ),
    ("the concurrency guard", &["unreserved"], &["share"]),
    (
        "the concurrency guard",
        &["GetFunctionConcurrency"],
        &["max_share"],
    ),
    (
        "the ramp",
        &["ramp", "round"],
        &["# new", "every # s", "per # s", "# s apart", "ramps at #"],
    ),
];

#[test]
fn the_limits_the_guard_and_the_ramp_each_have_one_home_with_the_codes_figures() {
    use warmer_fn::rules::*;
    let home = std::fs::read_to_string(root().join("warmer-fn/README.md")).expect("readme");
    let max_delay = warm_sdk::protocol::DEFAULT_MAX_DELAY_MS;
    let limits = section(&home, "Limits");
    for row in [
        format!(
            "| N of one target (`concurrency`) | 1 to {} |",
            thousands(MAX_CONCURRENCY.into())
        ),
        format!("| targets of one run | 1 to {MAX_TARGETS} |"),
        format!(
            "| N summed over the targets of one run | at most {} |",
            thousands(MAX_TOTAL_CONCURRENCY)
        ),
        format!(
            "| warm-ups in flight in one process | {DEFAULT_MAX_IN_FLIGHT} in the warmer Lambda"
        ),
        format!("| 1 to {DEFAULT_MAX_IN_FLIGHT}, default {DEFAULT_SHARD_SIZE} |"),
        format!("| a fraction in (0, 1], default {DEFAULT_MAX_SHARE} |"),
        format!(
            "| at most {} bytes of JSON,",
            thousands(MAX_PAYLOAD_BYTES as u64)
        ),
        format!("or a fixed 0 to {} ms |", thousands(max_delay)),
    ] {
        assert!(
            limits.contains(&row),
            "warmer-fn/README.md#limits lacks `{row}`"
        );
    }
    let guard = section(&home, "The concurrency guard");
    let timeout = warmer_fn::engine::guard::READ_TIMEOUT.as_secs();
    for fact in [
        "`lambda:GetFunctionConcurrency`".to_string(),
        "`lambda:GetAccountSettings`".into(),
        "`floor(R × max_share)`".into(),
        "`floor(U × max_share)`".into(),
        format!("slower than {timeout} s"),
    ] {
        assert!(
            guard.contains(&fact),
            "warmer-fn/README.md#the-concurrency-guard lacks `{fact}`"
        );
    }
    let ramp = section(&home, "The ramp");
    let rate = thousands(SCALING_ENVIRONMENTS.into());
    let budget = (f64::from(SCALING_ENVIRONMENTS) * DEFAULT_MAX_SHARE).floor();
    for fact in [
        format!(
            "most {rate} new execution environments per function every {SCALING_PERIOD_SECS} s"
        ),
        format!("**N up to {rate}**"),
        format!("`floor({rate} × max_share)` more ({budget} with the default share)"),
        format!(
            "within {} minutes",
            warmer_fn::engine::RECENT.as_secs() / 60
        ),
    ] {
        assert!(
            ramp.contains(&fact),
            "warmer-fn/README.md#the-ramp lacks `{fact}`"
        );
    }

    let mut elsewhere = Vec::new();
    let mut files = docs_support::doc_files();
    files.push(root().join("warmer.example.toml"));
    for file in files {
        let name = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        // The hostile catalogue's rows quote what its test observes, error messages included.
        if name == "warmer-fn/README.md" || name == "docs/hostile-inputs.md" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("doc");
        for (i, line) in text.lines().enumerate() {
            for (fact, words, phrases) in RESTATEMENTS {
                if words.iter().any(|w| line.contains(w)) && phrases.iter().any(|p| holds(line, p))
                {
                    elsewhere.push(format!("{name}:{}: {fact}: {line}", i + 1));
                }
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "link to the one home instead (warmer-fn/README.md#limits, \
         #the-concurrency-guard, #the-ramp):\n{}",
        elsewhere.join("\n")
    );
}

#[test]
fn a_figure_is_read_where_it_stands() {
    assert_eq!(thousands(1_000), "1,000");
    assert_eq!(thousands(20_000), "20,000");
    assert_eq!(thousands(900), "900");
    assert!(holds("ramps at 800 new environments", "ramps at #"));
    assert!(holds("adds 1,000 new ones", "# new"));
    assert!(holds("rounds 10 s apart", "# s apart"));
    assert!(holds("0.8 by default", "# by default"));
    assert!(!holds("a share by default", "# by default"));
    assert!(holds("(0, 1]", "(0, 1]"));
}
