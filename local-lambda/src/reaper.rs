//! Ending a sandbox's processes: the function, everything it forked, and what escaped its
//! process group with `setsid`, as Lambda ends a whole execution environment.
//!
//! The sandbox's process group is killed first. A process that called `setsid` left that
//! group, so two more nets catch it: the sandbox process's descendants (walked through
//! `/proc` before the kill), and — because the service makes itself a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`), so orphans are re-parented to it rather than to init — any
//! descendant of the service whose environment carries the sandbox's own
//! `AWS_LAMBDA_LOG_STREAM_NAME`, which every process of a sandbox inherits. A process that
//! both escapes with `setsid` and clears its environment after its parent died is not found
//! until the service itself stops (see the README's differences from Lambda).

use std::collections::HashSet;

use rustix::process::{Pid, Signal, WaitOptions};

/// Makes this process the subreaper of its descendants (Linux), so that a sandbox's orphaned
/// helpers stay findable. Failure is logged, not fatal: only `setsid` escapees are affected.
pub(crate) fn become_subreaper() {
    if let Err(e) = rustix::process::set_child_subreaper(Some(rustix::process::getpid())) {
        tracing::warn!(
            "cannot become a child subreaper ({e}); helpers that call setsid may outlive their sandbox"
        );
    }
}

/// Kills the sandbox whose main process is `pid` and whose log stream is `stream`, with
/// everything it started. `orphans` also looks among this process's own children for the
/// sandbox's helpers re-parented here; a service-wide stop leaves that to [`end_strays`],
/// which does it once for every sandbox.
pub(crate) fn end_sandbox(pid: Option<u32>, stream: &str, orphans: bool) {
    let mut doomed: Vec<u32> = pid.map(descendants).unwrap_or_default();
    if orphans {
        let marker = format!("AWS_LAMBDA_LOG_STREAM_NAME={stream}");
        doomed.extend(
            children_of(std::process::id())
                .into_iter()
                .filter(|p| Some(*p) != pid && has_env(*p, |entry| entry == marker.as_bytes())),
        );
    }
    if let Some(group) = pid.and_then(to_pid) {
        let _ = rustix::process::kill_process_group(group, Signal::KILL);
    }
    kill_and_reap(&doomed, pid);
}

/// Kills every descendant of this process that belongs to one of `streams` (the log streams
/// of the sandboxes this service started): what escaped its sandbox's process group and
/// outlived it. Processes of other services in the same process are left alone.
pub(crate) fn end_strays(streams: &HashSet<String>) {
    if streams.is_empty() {
        return;
    }
    let prefix = b"AWS_LAMBDA_LOG_STREAM_NAME=";
    let doomed: Vec<u32> = descendants(std::process::id())
        .into_iter()
        .filter(|p| {
            has_env(*p, |entry| {
                entry.strip_prefix(prefix.as_slice()).is_some_and(|stream| {
                    std::str::from_utf8(stream).is_ok_and(|s| streams.contains(s))
                })
            })
        })
        .collect();
    kill_and_reap(&doomed, None);
}

/// SIGKILLs `doomed`, then collects the exit of those that are this process's children (the
/// re-parented orphans; `owned` is waited for by its own task) so none stays a zombie.
fn kill_and_reap(doomed: &[u32], owned: Option<u32>) {
    for p in doomed.iter().filter_map(|p| to_pid(*p)) {
        let _ = rustix::process::kill_process(p, Signal::KILL);
    }
    let me = std::process::id();
    let mine: Vec<Pid> = doomed
        .iter()
        .filter(|p| Some(**p) != owned && parent_of(**p) == Some(me))
        .filter_map(|p| to_pid(*p))
        .collect();
    if !mine.is_empty() {
        reap(mine);
    }
}

/// Waits (up to about 2 s) for killed orphans so that none stays a zombie.
fn reap(mut orphans: Vec<Pid>) {
    for _ in 0..200 {
        orphans.retain(|p| {
            matches!(
                rustix::process::waitpid(Some(*p), WaitOptions::NOHANG),
                Ok(None)
            )
        });
        if orphans.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn to_pid(pid: u32) -> Option<Pid> {
    i32::try_from(pid).ok().and_then(Pid::from_raw)
}

/// The children of `pid`, from `/proc/PID/task/*/children` (each thread lists the children
/// it forked or that were re-parented to it).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The parent of `pid`: the fourth field of `/proc/PID/stat`, read after the command name's
/// closing parenthesis (a name may itself hold spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// All descendants of `root` (not `root` itself).
fn descendants(root: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for child in children_of(parent) {
            if !found.contains(&child) {
                found.push(child);
                frontier.push(child);
            }
        }
    }
    found
}

fn has_env(pid: u32, matches: impl Fn(&[u8]) -> bool) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|environ| environ.split(|b| *b == 0).any(&matches))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descendants_include_grandchildren() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let mut found = Vec::new();
        for _ in 0..100 {
            found = descendants(std::process::id());
            if found.len() >= 2 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(found.contains(&child.id()), "{found:?}");
        let grandchildren = children_of(child.id());
        assert_eq!(grandchildren.len(), 1, "{grandchildren:?}");
        assert!(found.contains(&grandchildren[0]));
        let _ = rustix::process::kill_process(to_pid(grandchildren[0]).unwrap(), Signal::KILL);
        let _ = child.kill();
        let _ = child.wait();
    }

    #[test]
    fn parent_of_this_process_is_read_from_proc() {
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
