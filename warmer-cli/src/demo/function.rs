//! The demo function: a real `lambda_http` handler with the handler side's `WarmLayer` and
//! cold-start header, run by the `warmer` binary itself (`warmer __demo-function`, a hidden
//! subcommand), so the demo needs nothing but this repository.
//!
//! Its init sleeps `WARMER_DEMO_INIT_MS` milliseconds before the runtime starts: the time a
//! real function spends loading configuration and opening connections. Each user request
//! sleeps `WARMER_DEMO_WORK_MS` milliseconds (default 0): the time a real handler spends on
//! its own calls, which is what makes requests overlap.

use std::time::Duration;

use lambda_http::{Body, Error, Request, Response};

/// The hidden `warmer` subcommand that runs the demo function.
pub const SUBCOMMAND: &str = "__demo-function";
/// The demo function's init cost in milliseconds.
pub const INIT_MS_ENV: &str = "WARMER_DEMO_INIT_MS";
/// The demo function's work per user request in milliseconds.
pub const WORK_MS_ENV: &str = "WARMER_DEMO_WORK_MS";

/// Milliseconds from the variable `name`, 0 when unset; an error naming it otherwise.
fn millis_from_env(name: &str) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Ok(text) => text.parse::<u64>().map_err(|_| {
            anyhow::anyhow!(
                "{name}={text:?} is not a number of milliseconds; set it like {name}=250"
            )
        }),
        Err(_) => Ok(0),
    }
}

/// Runs the demo function until the Runtime API goes away (exit status 0), or fails with a
/// bad `WARMER_DEMO_INIT_MS` or without a Lambda environment.
pub async fn serve() -> anyhow::Result<std::process::ExitCode> {
    // lambda_runtime panics without its environment; say what to run instead.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        anyhow::bail!(
            "`warmer {SUBCOMMAND}` is the demo's function and runs only under a Lambda Runtime API \
             (AWS_LAMBDA_RUNTIME_API is not set); run `warmer demo` instead"
        );
    }
    let init_ms = millis_from_env(INIT_MS_ENV)?;
    let work = Duration::from_millis(millis_from_env(WORK_MS_ENV)?);
    // Stands for loading configuration and opening connections before the first request.
    tokio::time::sleep(Duration::from_millis(init_ms)).await;
    let service = tower::ServiceBuilder::new()
        .layer(warm_sdk::ColdStartHeaderLayer::new())
        .service(lambda_http::service_fn(move |request| {
            handle(request, work)
        }));
    lambda_http::runtime(service)
        .layer(warm_sdk::layer::WarmLayer::new())
        .run()
        .await
        .map_err(|e| anyhow::anyhow!("the demo function stopped: {e}"))?;
    Ok(std::process::ExitCode::SUCCESS)
}

async fn handle(request: Request, work: Duration) -> Result<Response<Body>, Error> {
    tokio::time::sleep(work).await;
    let size = request.body().len();
    let body = serde_json::json!({
        "message": "hello from the warmer demo function",
        "request_bytes": size,
        "pid": std::process::id(),
    });
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))?)
}
