//! Test fixture: every Rust program of `README.md`, `warm-sdk/README.md` and
//! `warm-macros/README.md`, built as written
//! (see `build.rs`), plus one function that sets up no logging at all. One binary serves them
//! all: it runs the program named by `AWS_LAMBDA_FUNCTION_NAME`, so registering the binary in
//! local-lambda under a program's name runs that program as its own function.
//!
//! `readme-functions --list` prints one line per program: its name, the kind of user event it
//! takes (`event` or `http`) and how its runtime polls for invocations (`sequential`, or
//! `concurrent` for `run_concurrent`, Lambda Managed Instances).

use std::process::ExitCode;

mod no_subscriber;

include!(concat!(env!("OUT_DIR"), "/snippets.rs"));

/// One README program (see `build.rs`).
struct Snippet {
    /// The function name it runs under: `readme-N` or `sdk-readme-N`.
    name: &'static str,
    /// The user events it takes: `event` (plain JSON) or `http` (`lambda_http`).
    traffic: &'static str,
    /// How its runtime polls: `sequential`, or `concurrent` (`run_concurrent`).
    polling: &'static str,
    /// Its `main`.
    run: fn() -> ExitCode,
}

/// The function that sets up no `tracing` subscriber (see [`no_subscriber`]).
const NO_SUBSCRIBER: &str = "no-subscriber";

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--list") {
        for snippet in SNIPPETS {
            println!("{} {} {}", snippet.name, snippet.traffic, snippet.polling);
        }
        return ExitCode::SUCCESS;
    }
    let Ok(function) = std::env::var("AWS_LAMBDA_FUNCTION_NAME") else {
        eprintln!(
            "AWS_LAMBDA_FUNCTION_NAME is not set: run this binary as a Lambda function named \
             after a README program (`--list` shows them) or `{NO_SUBSCRIBER}`"
        );
        return ExitCode::from(2);
    };
    if function == NO_SUBSCRIBER {
        return no_subscriber::run();
    }
    match SNIPPETS.iter().find(|snippet| snippet.name == function) {
        Some(snippet) => (snippet.run)(),
        None => {
            let names: Vec<&str> = SNIPPETS.iter().map(|snippet| snippet.name).collect();
            eprintln!(
                "no README program is named `{function}`: name the function one of {names:?} \
                 or `{NO_SUBSCRIBER}`"
            );
            ExitCode::from(2)
        }
    }
}
