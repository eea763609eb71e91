//! Runs one invocation on a lease: the cold start if the lease has no sandbox, the
//! invocation with its timeout, the `START`/`END`/`REPORT` lines, and Lambda's function
//! errors when the sandbox fails. Shared by `RequestResponse` and `Event` invocations.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;

use crate::errors;
use crate::logs::Report;
use crate::pool::Lease;
use crate::runtime_api::{Failure, Invocation};
use crate::sandbox::InvokeResult;

/// What the invoker sent, ready for a sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) function_arn: String,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
    /// Keep the invocation's log for `X-Amz-Log-Result`.
    pub(crate) tail: bool,
}

/// What the invoker gets back.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) body: Bytes,
    /// Set for `X-Amz-Function-Error: Unhandled`.
    pub(crate) function_error: bool,
    /// The last 4 KB of the invocation's log, if asked for.
    pub(crate) log_tail: Option<Vec<u8>>,
}

/// Runs `request` on the lease's sandbox, placing one first if needed.
pub(crate) async fn execute(mut lease: Lease, request: Request) -> Response {
    let config = lease.pool.config.clone();
    let cold = lease.sandbox().is_none();
    let init = if cold {
        Some(lease.place().await)
    } else {
        None
    };
    let Some(sandbox) = lease.sandbox().cloned() else {
        // The process could not even be started: no log stream exists.
        let message = match init {
            Some(Err(Failure::Spawn(reason))) => reason,
            _ => "the sandbox could not be started".to_owned(),
        };
        lease.pool.count_invocation(cold, true);
        return Response {
            body: errors::function_error_body("Runtime.InvalidEntrypoint", &message),
            function_error: true,
            log_tail: None,
        };
    };
    sandbox.log.start(&request.request_id, request.tail);
    let started = Instant::now();
    let init_duration = match init {
        Some(Ok(duration)) => Some(duration),
        Some(Err(failure)) => {
            // Init failed: the invocation gets the init's error and the sandbox is gone.
            let (error_type, body) =
                failure_body(&failure, &request.request_id, &config.init_timeout);
            let report = Report {
                duration: started.elapsed(),
                memory_mb: config.memory_mb,
                max_memory_used_mb: sandbox.max_memory_used_mb(),
                init_duration: None,
                status: Some(if matches!(failure, Failure::Timeout) {
                    "timeout"
                } else {
                    "error"
                }),
                error_type: Some(error_type),
            };
            let log_tail = sandbox.log.finish(&request.request_id, &report);
            lease.pool.count_invocation(cold, true);
            return Response {
                body,
                function_error: true,
                log_tail,
            };
        }
        None => None,
    };
    let deadline_ms = epoch_ms() + config.timeout.as_millis() as u64;
    let request_id = request.request_id.clone();
    let result = sandbox
        .invoke(
            |respond| Invocation {
                request_id: request.request_id.clone(),
                payload: request.payload.clone(),
                deadline_ms,
                function_arn: request.function_arn.clone(),
                trace_id: request.trace_id.clone(),
                client_context: request.client_context.clone(),
                respond,
            },
            config.timeout,
        )
        .await;
    let duration = started.elapsed();
    let mut report = Report {
        duration,
        memory_mb: config.memory_mb,
        max_memory_used_mb: sandbox.max_memory_used_mb(),
        init_duration,
        status: None,
        error_type: None,
    };
    let (body, function_error) = match result {
        // The Runtime API refused the body once it passed Lambda's limit.
        InvokeResult::TooLarge(size) => {
            lease.keep();
            (errors::response_too_large(size), true)
        }
        InvokeResult::Response(body) => {
            lease.keep();
            (body, false)
        }
        InvokeResult::FunctionError(body) => {
            lease.keep();
            (body, true)
        }
        InvokeResult::Failed(failure) => {
            if matches!(failure, Failure::Timeout) {
                sandbox.log.platform_line(&format!(
                    "{} {request_id} Task timed out after {:.2} seconds",
                    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    config.timeout.as_secs_f64()
                ));
            }
            let (error_type, body) = failure_body(&failure, &request_id, &config.timeout);
            report.status = Some(if matches!(failure, Failure::Timeout) {
                "timeout"
            } else {
                "error"
            });
            report.error_type = Some(error_type);
            (body, true)
        }
    };
    let log_tail = sandbox.log.finish(&request_id, &report);
    lease.pool.count_invocation(cold, function_error);
    Response {
        body,
        function_error,
        log_tail,
    }
}

/// Lambda's error type and invoker-facing body for a sandbox failure.
fn failure_body(failure: &Failure, request_id: &str, limit: &Duration) -> (String, Bytes) {
    match failure {
        Failure::InitError { error_type, body } => (error_type.clone(), body.clone()),
        Failure::Exited(status) => {
            let message = if status == "exit status 0" {
                format!("RequestId: {request_id} Error: Runtime exited without providing a reason")
            } else {
                format!("RequestId: {request_id} Error: Runtime exited with error: {status}")
            };
            (
                "Runtime.ExitError".to_owned(),
                errors::function_error_body("Runtime.ExitError", &message),
            )
        }
        Failure::Spawn(reason) => (
            "Runtime.InvalidEntrypoint".to_owned(),
            errors::function_error_body("Runtime.InvalidEntrypoint", reason),
        ),
        Failure::Timeout => {
            let message = format!(
                "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                limit.as_secs_f64()
            );
            (
                "Sandbox.Timedout".to_owned(),
                errors::function_error_body("Sandbox.Timedout", &message),
            )
        }
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
