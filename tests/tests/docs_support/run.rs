//! Running a block as written: `bash -e -o pipefail` in a fresh folder holding
//! `warmer.example.toml`, a copy of it as `warmer.toml`, and `target/` linked to the test's own, with the
//! workspace's binaries first on `PATH`, no AWS settings or credentials from the machine, a
//! time limit, and every process the block started ended afterwards.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

/// What a block printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Ran {
    /// Standard output and standard error, in that order.
    pub(crate) output: String,
    /// The exit code (`None`: killed at the time limit).
    pub(crate) code: Option<i32>,
}

/// A fresh folder to run blocks in.
#[derive(Debug)]
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
    bin_dir: PathBuf,
}

impl Sandbox {
    /// A folder with `warmer.toml`, `target/` and the page's named examples (`files`);
    /// `bin_dir` holds the built binaries.
    pub(crate) fn new(bin_dir: &Path, files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["warmer.toml", "warmer.example.toml"] {
            std::fs::copy(root().join("warmer.example.toml"), dir.path().join(name))
                .expect("copy warmer.example.toml");
        }
        let target = bin_dir.parent().expect("target dir");
        std::os::unix::fs::symlink(target, dir.path().join("target")).expect("link target/");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write a named example");
        }
        Self {
            dir,
            bin_dir: bin_dir.to_path_buf(),
        }
    }

    /// Runs `script` with bash, at most `limit`; ends whatever it left running.
    pub(crate) fn run(&self, script: &str, limit: Duration) -> Ran {
        let out = self.dir.path().join(".stdout");
        let err = self.dir.path().join(".stderr");
        let mut command = Command::new("bash");
        command
            .args(["-e", "-o", "pipefail", "-c", script])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("stdout file"))
            .stderr(std::fs::File::create(&err).expect("stderr file"))
            .process_group(0);
        for (key, _) in std::env::vars() {
            if key.starts_with("AWS_") {
                command.env_remove(key);
            }
        }
        let path = std::env::var("PATH").unwrap_or_default();
        command
            .env("PATH", format!("{}:{path}", self.bin_dir.display()))
            .env("HOME", self.dir.path())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        let mut child = command.spawn().expect("bash");
        let deadline = Instant::now() + limit;
        // Wait for bash to end without reaping it: while it is a zombie its pid, and so the
        // process group id, cannot be given to another process, and the kill below reaches
        // only what this block started.
        let mut timed_out = false;
        while !has_exited(child.id()) {
            if Instant::now() > deadline {
                timed_out = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        kill_group(child.id());
        let status = child.wait().expect("wait");
        let code = if timed_out { None } else { status.code() };
        let output = std::fs::read_to_string(&out).unwrap_or_default()
            + &std::fs::read_to_string(&err).unwrap_or_default();
        Ran { output, code }
    }
}

/// SIGKILLs the process group `pgid` through killpg(2) itself. Never through the `kill`
/// command: procps-ng 4.0's reads `kill -KILL -12345` as `kill(-1, SIGKILL)`, every process
/// the user may signal (<https://github.com/vanillagreencom/kendex/pull/1543>).
fn kill_group(pgid: u32) {
    let group = i32::try_from(pgid)
        .ok()
        .filter(|g| *g > 1)
        .and_then(rustix::process::Pid::from_raw);
    if let Some(group) = group {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
}

/// Whether the process `pid` (a child of this one) has ended: a zombie, or gone.
fn has_exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with(['Z', 'X'])
    })
}

/// A line as compared: numbers as `#`, runs of spaces as one, table rules dropped.
pub(crate) fn normalize(line: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in line.trim().chars() {
        let digit = c.is_ascii_digit() || (in_number && (c == '.' || c == ','));
        if digit && !in_number {
            out.push('#');
        } else if !(digit || (c == ' ' && out.ends_with(' '))) {
            out.push(c);
        }
        in_number = digit;
    }
    out
}

/// The quoted lines that are not in `actual`, in order (quoted output may leave lines out).
pub(crate) fn missing_lines(quoted: &[&str], actual: &str) -> Vec<String> {
    let actual: Vec<String> = actual.lines().map(normalize).collect();
    let mut from = 0;
    let mut missing = Vec::new();
    for line in quoted.iter().filter(|l| !l.trim().is_empty()) {
        let want = normalize(line);
        match actual[from..].iter().position(|a| *a == want) {
            Some(i) => from += i + 1,
            None => missing.push((*line).to_owned()),
        }
    }
    missing
}
