//! A Lambda function for local-lambda's tests and benchmarks, built on `lambda_runtime`.
//! What it does is chosen by the payload's `op`:
//!
//! - `echo` (default): answers with the payload and what the sandbox told it (log stream,
//!   request id, ARN, deadline, trace id, client context, Lambda's environment);
//! - `sleep` with `ms`: the same after sleeping;
//! - `print` with `text`: prints the text to stdout, then answers;
//! - `record` with `path`: appends the request id to the file, then answers;
//! - `error`: returns a handler error;
//! - `crash`: exits the process with status 1;
//! - `hang`: never answers;
//! - `big` with `bytes`: answers with a string of that many bytes;
//! - `noop`: answers `{}`;
//! - `limits`: answers the process's open-file limits (`soft`, `hard`);
//! - `setsid` with `path`: starts `sleep 300` in a new session (escaping the process group)
//!   and writes its pid to the file.
//!
//! Init behaviours by environment: `FIXTURE_INIT_ERROR` posts `/runtime/init/error`,
//! `FIXTURE_INIT_EXIT` exits with that status, `FIXTURE_INIT_SLEEP_MS` sleeps before the
//! runtime starts.

use std::io::Write;
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    if let Ok(ms) = std::env::var("FIXTURE_INIT_SLEEP_MS") {
        std::thread::sleep(Duration::from_millis(ms.parse()?));
    }
    if let Ok(code) = std::env::var("FIXTURE_INIT_EXIT") {
        std::process::exit(code.parse()?);
    }
    if let Ok(message) = std::env::var("FIXTURE_INIT_ERROR") {
        post_init_error(&message)?;
        // Lambda kills the process after an init error; wait for that.
        std::thread::sleep(Duration::from_secs(60));
    }
    lambda_runtime::run(service_fn(handle)).await
}

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    let op = payload.get("op").and_then(Value::as_str).unwrap_or("echo");
    match op {
        "noop" => return Ok(json!({})),
        "limits" => {
            let limits = std::fs::read_to_string("/proc/self/limits")?;
            let line = limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .ok_or("no open-file limit in /proc/self/limits")?;
            let fields: Vec<&str> = line.split_whitespace().collect();
            return Ok(json!({ "soft": fields[3], "hard": fields[4] }));
        }
        "setsid" => {
            let path = payload
                .get("path")
                .and_then(Value::as_str)
                .ok_or("setsid needs a path")?;
            let child = std::process::Command::new("setsid")
                .args(["sleep", "300"])
                .spawn()?;
            std::fs::write(path, child.id().to_string())?;
        }
        "sleep" => {
            let ms = payload.get("ms").and_then(Value::as_u64).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        "print" => {
            let text = payload.get("text").and_then(Value::as_str).unwrap_or("");
            println!("{text}");
            std::io::stdout().flush()?;
        }
        "record" => {
            let path = payload
                .get("path")
                .and_then(Value::as_str)
                .ok_or("record needs a path")?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            writeln!(file, "{}", context.request_id)?;
        }
        "error" => return Err("the fixture was asked to fail".into()),
        "crash" => std::process::exit(1),
        "hang" => std::future::pending::<()>().await,
        "big" => {
            let bytes = payload.get("bytes").and_then(Value::as_u64).unwrap_or(0);
            return Ok(json!({ "data": "x".repeat(bytes as usize) }));
        }
        _ => {}
    }
    let env = |key: &str| std::env::var(key).ok();
    Ok(json!({
        "payload": payload,
        "request_id": context.request_id,
        "log_stream": env("AWS_LAMBDA_LOG_STREAM_NAME"),
        "arn": context.invoked_function_arn,
        "deadline_ms": context.deadline,
        "trace_id": context.xray_trace_id,
        "client_context": context.client_context.map(|c| c.custom),
        "pid": std::process::id(),
        "env": {
            "AWS_LAMBDA_FUNCTION_NAME": env("AWS_LAMBDA_FUNCTION_NAME"),
            "AWS_LAMBDA_FUNCTION_VERSION": env("AWS_LAMBDA_FUNCTION_VERSION"),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            "AWS_LAMBDA_LOG_GROUP_NAME": env("AWS_LAMBDA_LOG_GROUP_NAME"),
            "AWS_LAMBDA_INITIALIZATION_TYPE": env("AWS_LAMBDA_INITIALIZATION_TYPE"),
            "AWS_REGION": env("AWS_REGION"),
            "AWS_ACCESS_KEY_ID": env("AWS_ACCESS_KEY_ID"),
            "FIXTURE_CUSTOM": env("FIXTURE_CUSTOM"),
        },
    }))
}

/// Posts `/runtime/init/error` with a plain HTTP/1.1 request (the runtime client has no call
/// for it before `run`).
fn post_init_error(message: &str) -> std::io::Result<()> {
    use std::io::Read;
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(std::io::Error::other)?;
    let body = json!({ "errorType": "Fixture.InitError", "errorMessage": message }).to_string();
    let mut stream = std::net::TcpStream::connect(&api)?;
    write!(
        stream,
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\nLambda-Runtime-Function-Error-Type: Fixture.InitError\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(())
}
