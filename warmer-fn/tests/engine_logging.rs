//! The warmer Lambda's log lines: one per target, its whole report as fields, at WARN when the
//! target is not ok, in the format Lambda's log settings ask for.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::Level;
use warmer_fn::engine::{RunReport, TargetReport};
use warmer_fn::logging::{LogFormat, LogSettings, log_report, subscriber};
use warmer_fn::target::Mode;

/// A writer into a shared buffer, so the test reads back exactly what was logged.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

fn report() -> RunReport {
    let mut ok = TargetReport::new("orders", Mode::Verify, 3);
    ok.reached = 3;
    ok.finish();
    let mut short = TargetReport::new("ghost", Mode::Verify, 2);
    short.failed = 2;
    short
        .failure_types
        .insert("ResourceNotFoundException".into(), 2);
    short.error = Some("function `ghost` not found".into());
    short.finish();
    RunReport::new("run-7", vec![ok, short], 10)
}

fn logged(settings: LogSettings) -> String {
    let buffer = Buffer::default();
    tracing::subscriber::with_default(subscriber(settings, buffer.clone()), || {
        log_report(&report())
    });
    String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
}

#[test]
fn json_format_writes_one_line_per_target_with_timestamp_level_and_the_report() {
    let text = logged(LogSettings::from_values(Some("JSON"), None, None));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let (ok, short) = (&lines[0], &lines[1]);
    assert!(ok["timestamp"].is_string(), "{ok}");
    assert_eq!(
        (ok["level"].as_str(), ok["status"].as_str()),
        (Some("INFO"), Some("ok"))
    );
    assert_eq!(ok["reached"], 3);
    assert_eq!(ok["shortfall"], "0");
    assert_eq!(short["level"], "WARN");
    assert_eq!(short["status"], "error");
    assert_eq!(short["function"], "ghost");
    assert_eq!(short["correlation_id"], "run-7");
    assert!(
        short["failure_types"]
            .as_str()
            .unwrap()
            .contains("ResourceNotFoundException"),
        "{short}"
    );
    assert!(
        short["error"].as_str().unwrap().contains("not found"),
        "{short}"
    );
}

#[test]
fn warn_level_keeps_only_the_targets_that_are_not_ok() {
    let text = logged(LogSettings::from_values(Some("JSON"), Some("WARN"), None));
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"ghost\""), "{text}");
}

#[test]
fn text_format_writes_the_fields_as_key_values() {
    let text = logged(LogSettings::from_values(Some("Text"), None, None));
    let short = text.lines().find(|l| l.contains("ghost")).unwrap();
    assert!(short.contains("WARN"), "{short}");
    assert!(
        short.contains("status=\"error\"") || short.contains("status=error"),
        "{short}"
    );
}

#[test]
fn lambda_log_levels_are_read_including_fatal() {
    let read = |level| LogSettings::from_values(None, Some(level), None).level;
    assert_eq!(read("FATAL"), Level::ERROR);
    assert_eq!(read("DEBUG"), Level::DEBUG);
    assert_eq!(read("nonsense"), Level::INFO);
    let settings = LogSettings::from_values(Some("json"), None, Some("trace"));
    assert_eq!(
        (settings.format, settings.level),
        (LogFormat::Json, Level::TRACE)
    );
}
