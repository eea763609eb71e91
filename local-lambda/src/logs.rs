//! Logs: one log stream per sandbox, as in CloudWatch Logs. The sandbox's stdout and stderr
//! (one pipe, so their order is kept) and the platform's `START`, `END` and `REPORT` lines go
//! to `LOGS_DIR/FUNCTION/YYYY/MM/DD/[VERSION]<32 hex>.log`; the last 4 KB of the running
//! invocation's lines are also kept for `X-Amz-Log-Type: Tail` (see `tail`).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use tokio::net::unix::pipe;

use crate::tail::Tail;

/// The most one [`LogStream::drain`] reads before it lets go of the stream: the largest a
/// pipe's buffer can be (`/proc/sys/fs/pipe-max-size`, 1 MiB by default), so that a call takes
/// at least what was in the pipe when it began, and a function that writes without end
/// cannot keep the stream locked.
const DRAIN_BYTES: usize = 1024 * 1024;

/// A new log stream name in Lambda's format: `YYYY/MM/DD/[VERSION]` (`[$LATEST]`, `[3]`) and
/// 32 hex digits.
pub(crate) fn new_stream_name(version: &str) -> String {
    let date = chrono::Utc::now().format("%Y/%m/%d");
    format!("{date}/[{version}]{}", uuid::Uuid::new_v4().simple())
}

/// The per-sandbox log stream: reads the sandbox's output pipe and writes the stream file.
#[derive(Debug)]
pub(crate) struct LogStream {
    name: String,
    /// The function version the sandbox runs, for `START` lines.
    version: String,
    pipe: pipe::Receiver,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    file: Option<File>,
    /// The end of the running invocation's log, kept only when the invoker asked for it.
    capture: Option<Tail>,
}

impl LogStream {
    /// Opens a new stream of `function`'s `version`, its file under `logs_dir` (if any), and
    /// takes the read end of the sandbox's output pipe.
    pub(crate) fn open(
        function: &str,
        version: &str,
        logs_dir: Option<&Path>,
        pipe: pipe::Receiver,
    ) -> io::Result<Self> {
        let name = new_stream_name(version);
        let file = match logs_dir {
            Some(dir) => {
                let path = stream_path(dir, function, &name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                Some(File::create(path)?)
            }
            None => None,
        };
        Ok(Self {
            name,
            version: version.to_owned(),
            pipe,
            inner: Mutex::new(Inner {
                file,
                capture: None,
            }),
        })
    }

    /// The log stream name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The function version whose sandbox writes this stream (`$LATEST`, `3`).
    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    /// Copies the sandbox's output into the stream until the pipe closes.
    pub(crate) async fn pump(&self) {
        loop {
            if self.pipe.readable().await.is_err() || self.drain() {
                return;
            }
        }
    }

    /// Takes the bytes already in the pipe (up to [`DRAIN_BYTES`]), without waiting; true at
    /// end of file.
    ///
    /// Called before `END` so that what the function wrote before it answered is in its
    /// invocation's log, whatever the order in which the reads were scheduled.
    pub(crate) fn drain(&self) -> bool {
        let mut inner = self.lock();
        let mut buf = [0u8; 16 * 1024];
        let mut taken = 0;
        while taken < DRAIN_BYTES {
            match self.pipe.try_read(&mut buf) {
                Ok(0) => return true,
                Ok(n) => {
                    inner.append(&buf[..n]);
                    taken += n;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return true,
            }
        }
        false
    }

    /// Writes `START` and begins keeping this invocation's lines if `tail` is asked for.
    pub(crate) fn start(&self, request_id: &str, tail: bool) {
        let mut inner = self.lock();
        inner.capture = tail.then(Tail::new);
        let version = &self.version;
        inner.append(format!("START RequestId: {request_id} Version: {version}\n").as_bytes());
    }

    /// Writes a line of the platform (e.g. a timeout notice) into the stream.
    pub(crate) fn platform_line(&self, line: &str) {
        self.lock().append(format!("{line}\n").as_bytes());
    }

    /// Writes `END` and `REPORT`, and returns the last 4 KB of the invocation's log if the
    /// tail was asked for.
    pub(crate) fn finish(&self, request_id: &str, report: &Report) -> Option<Vec<u8>> {
        self.drain();
        let mut inner = self.lock();
        let lines = format!("END RequestId: {request_id}\n{}\n", report.line(request_id));
        inner.append(lines.as_bytes());
        inner.capture.take().map(Tail::into_bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn append(&mut self, bytes: &[u8]) {
        if let Some(file) = &mut self.file {
            // A full disk must not fail the invocation; the stream just loses lines.
            let _ = file.write_all(bytes);
        }
        if let Some(capture) = &mut self.capture {
            capture.push(bytes);
        }
    }
}

/// The file of a log stream under `logs_dir`.
pub(crate) fn stream_path(logs_dir: &Path, function: &str, stream: &str) -> PathBuf {
    logs_dir.join(function).join(format!("{stream}.log"))
}

/// The figures of a `REPORT` line.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) duration: Duration,
    pub(crate) memory_mb: u32,
    pub(crate) max_memory_used_mb: u64,
    /// Set on the first invocation of a sandbox.
    pub(crate) init_duration: Option<Duration>,
    /// `timeout` or `error` when the invocation ended its sandbox.
    pub(crate) status: Option<&'static str>,
    pub(crate) error_type: Option<String>,
}

impl Report {
    /// The line in Lambda's format (tab separated, trailing tab).
    pub(crate) fn line(&self, request_id: &str) -> String {
        let duration_ms = self.duration.as_secs_f64() * 1000.0;
        let init_ms = self.init_duration.map(|d| d.as_secs_f64() * 1000.0);
        // Custom runtimes are billed for their init phase too.
        let billed = (duration_ms + init_ms.unwrap_or(0.0)).ceil().max(1.0) as u64;
        let mut line = format!(
            "REPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            self.memory_mb, self.max_memory_used_mb
        );
        if let Some(init_ms) = init_ms {
            line.push_str(&format!("Init Duration: {init_ms:.2} ms\t"));
        }
        if let Some(status) = self.status {
            line.push_str(&format!("Status: {status}\t"));
        }
        if let Some(error_type) = &self.error_type {
            line.push_str(&format!("Error Type: {error_type}\t"));
        }
        line
    }
}

/// Peak resident memory of a process in MB (`VmHWM`), 0 if it cannot be read.
pub(crate) fn max_memory_used_mb(pid: Option<u32>) -> u64 {
    let Some(pid) = pid else { return 0 };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_name_has_lambda_format() {
        let name = new_stream_name("$LATEST");
        let (date, id) = name.split_once("/[$LATEST]").unwrap();
        assert_eq!(date.len(), 10);
        assert_eq!(date.matches('/').count(), 2);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(name, new_stream_name("$LATEST"));
        assert!(new_stream_name("3").contains("/[3]"));
    }

    #[test]
    fn report_line_of_cold_start_has_init_duration() {
        let report = Report {
            duration: Duration::from_micros(1500),
            memory_mb: 128,
            max_memory_used_mb: 12,
            init_duration: Some(Duration::from_micros(20250)),
            status: None,
            error_type: None,
        };
        assert_eq!(
            report.line("abc"),
            "REPORT RequestId: abc\tDuration: 1.50 ms\tBilled Duration: 22 ms\tMemory Size: 128 MB\tMax Memory Used: 12 MB\tInit Duration: 20.25 ms\t"
        );
    }
}
