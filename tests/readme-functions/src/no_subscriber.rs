//! A function whose `main` sets up no `tracing` subscriber: `WarmLayer` still writes each
//! warm-up's line to standard error (`warm_sdk::fallback_log`), in the format
//! `AWS_LAMBDA_LOG_FORMAT` names.
//!
//! Before it serves, it writes `instance id made during init: false` (or `true`) to standard
//! output: the instance id must not exist before the first invocation, however the layers
//! were built.

use std::process::ExitCode;

use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Error, LambdaEvent, Runtime, service_fn};
use serde_json::{Value, json};
use warm_sdk::{Environment, WarmLayer};

/// The line written once the layers are built, before the first invocation.
const INIT_LINE: &str = "instance id made during init:";

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({"handled": true, "event": event.payload}))
}

/// Builds the runtime with `WarmLayer` and `TracingLayer`, says whether the instance id exists
/// yet, and serves.
pub(crate) fn run() -> ExitCode {
    let tokio = match tokio::runtime::Runtime::new() {
        Ok(tokio) => tokio,
        Err(error) => {
            eprintln!("cannot start the Tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let served = tokio.block_on(async {
        let runtime = Runtime::new(service_fn(echo))
            .layer(WarmLayer::new())
            .layer(TracingLayer::new());
        println!("{INIT_LINE} {}", Environment::global().has_instance());
        runtime.run().await
    });
    std::process::Termination::report(served)
}
