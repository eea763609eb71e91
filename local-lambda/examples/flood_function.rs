//! A misbehaving function for local-lambda's limit tests and its memory benchmark: it speaks
//! the Runtime API over plain HTTP/1.1 (no runtime library, so that nothing buffers what it
//! sends) and floods the service in the way `FLOOD` names:
//!
//! - `response`: posts a `/response` of `FLOOD_BYTES` bytes (default 300 MB) in chunked
//!   encoding, without a `Content-Length`;
//! - `error`: posts an `/error` of `FLOOD_BYTES` bytes with its `Content-Length`;
//! - `logs`: writes to stdout without end and never answers (the timeout ends it);
//! - `init-error`: posts an `/init/error` of `FLOOD_BYTES` bytes with its `Content-Length`
//!   instead of asking for an invocation, then waits to be killed.
//!
//! With `FLOOD_RECORD` set to a path, it appends what the Runtime API answered each post (the
//! status line and body, or the error that ended it) as one line. After each post it asks
//! `/next` again.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

const CHUNK: usize = 64 * 1024;

fn main() -> std::io::Result<()> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(std::io::Error::other)?;
    let mode = std::env::var("FLOOD").unwrap_or_else(|_| "response".to_owned());
    let bytes: u64 = std::env::var("FLOOD_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300_000_000);
    if mode == "init-error" {
        let answer = post_sized(&api, "/2018-06-01/runtime/init/error", bytes);
        record(answer)?;
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
    loop {
        let id = next(&api)?;
        let path = format!("/2018-06-01/runtime/invocation/{id}");
        let answer = match mode.as_str() {
            "error" => post_sized(&api, &format!("{path}/error"), bytes),
            "logs" => flood_stdout(),
            _ => post_chunked(&api, &format!("{path}/response"), bytes),
        };
        record(answer)?;
    }
}

/// Appends the answer to a post to `FLOOD_RECORD`, if set.
fn record(answer: std::io::Result<String>) -> std::io::Result<()> {
    let Ok(path) = std::env::var("FLOOD_RECORD") else {
        return Ok(());
    };
    let line = answer.unwrap_or_else(|e| format!("error: {e}"));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(file, "{line}")
}

/// The status line and body of the answer on `stream`, on one line.
fn answer(mut stream: TcpStream) -> std::io::Result<String> {
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    let status = text.lines().next().unwrap_or_default();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok(format!("{status} {body}"))
}

/// `GET /next`: the request id of the next invocation (its payload is read and dropped).
fn next(api: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(api)?;
    write!(
        stream,
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api}\r\nConnection: close\r\n\r\n"
    )?;
    let mut reader = BufReader::new(stream);
    let mut id = None;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("Lambda-Runtime-Aws-Request-Id")
        {
            id = Some(value.trim().to_owned());
        }
        line.clear();
    }
    std::io::copy(&mut reader, &mut std::io::sink())?;
    id.ok_or_else(|| std::io::Error::other("no request id from /next"))
}

/// Posts `bytes` bytes in 64 KiB chunks with `Transfer-Encoding: chunked`.
fn post_chunked(api: &str, path: &str, bytes: u64) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(api)?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {api}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )?;
    let chunk = [b'x'; CHUNK];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        write!(stream, "{n:x}\r\n")?;
        stream.write_all(&chunk[..n])?;
        stream.write_all(b"\r\n")?;
        left -= n as u64;
    }
    stream.write_all(b"0\r\n\r\n")?;
    answer(stream)
}

/// Posts an error JSON of `bytes` bytes in all, with its `Content-Length`.
fn post_sized(api: &str, path: &str, bytes: u64) -> std::io::Result<String> {
    let head = br#"{"errorType":"Flood","errorMessage":""#;
    let tail = br#""}"#;
    let filler = bytes.saturating_sub((head.len() + tail.len()) as u64);
    let length = head.len() as u64 + filler + tail.len() as u64;
    let mut stream = TcpStream::connect(api)?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\nLambda-Runtime-Function-Error-Type: Flood\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    )?;
    stream.write_all(head)?;
    let chunk = [b'x'; CHUNK];
    let mut left = filler;
    while left > 0 {
        let n = left.min(CHUNK as u64) as usize;
        stream.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    stream.write_all(tail)?;
    answer(stream)
}

/// Writes lines of 1 KiB to stdout until the process is killed.
fn flood_stdout() -> std::io::Result<String> {
    let mut line = vec![b'l'; 1023];
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    loop {
        out.write_all(&line)?;
    }
}
