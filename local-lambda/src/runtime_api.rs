//! The Runtime API (2018-06-01) of one sandbox, served on its own port on 127.0.0.1: the
//! function process long-polls `/next` for its invocation and posts the answer to
//! `/response` or `/error`, or `/init/error` when its init fails. It can only answer the
//! invocation it was given. A posted body over Lambda's 6 MB limit
//! ([`MAX_RESPONSE_PAYLOAD`]) is refused as Lambda refuses it: the invoker gets
//! `Function.ResponseSizeTooLarge` at once, then the rest of the body is read and dropped
//! (never held) and the runtime gets 413 `RequestEntityTooLarge`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};

use crate::body::{self, BodyError, DISCARD_LIMIT};
use crate::errors::{self, MAX_RESPONSE_PAYLOAD};

/// An invocation handed to the sandbox's `/next`.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) deadline_ms: u64,
    pub(crate) function_arn: String,
    pub(crate) trace_id: String,
    /// The decoded client context JSON, if the invoker sent one.
    pub(crate) client_context: Option<String>,
    pub(crate) respond: oneshot::Sender<Outcome>,
}

/// What the function answered.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// `/response`: the result payload.
    Response(Bytes),
    /// `/error`: the error JSON the function reported.
    Error(Bytes),
    /// `/response` or `/error` with a body over [`MAX_RESPONSE_PAYLOAD`]: its declared size,
    /// or the bytes that had arrived when it was refused.
    TooLarge { size: u64 },
}

/// Where a sandbox is in its life.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// Process started, no `/next` yet.
    Initializing,
    /// The first `/next` came at this instant.
    Ready(Instant),
    /// The sandbox is over (or must be ended) for this reason.
    Failed(Failure),
}

/// Why a sandbox ended.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    /// The function posted `/init/error` with this body and error type.
    InitError { error_type: String, body: Bytes },
    /// The process exited; the text is Lambda's wording of the status.
    Exited(String),
    /// The process could not be started.
    Spawn(String),
    /// Init or the invocation ran over its time limit.
    Timeout,
}

/// The state behind one sandbox's Runtime API.
#[derive(Debug)]
pub(crate) struct RuntimeApi {
    next: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    current: Mutex<Option<(String, oneshot::Sender<Outcome>)>>,
    phase: watch::Sender<Phase>,
}

impl RuntimeApi {
    pub(crate) fn new(next: mpsc::Receiver<Invocation>, phase: watch::Sender<Phase>) -> Self {
        Self {
            next: tokio::sync::Mutex::new(next),
            current: Mutex::new(None),
            phase,
        }
    }

    /// The Runtime API routes.
    pub(crate) fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            // Bodies are read by `body::read`, up to Lambda's limit.
            .layer(DefaultBodyLimit::disable())
            .with_state(self)
    }

    fn answer(&self, request_id: &str, outcome: Outcome) -> Response {
        let pending = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take_if(|(id, _)| id == request_id);
        match pending {
            Some((_, respond)) => {
                let too_large = matches!(outcome, Outcome::TooLarge { .. });
                // The invoker may have given up (timeout); the answer is then dropped.
                let _ = respond.send(outcome);
                if too_large {
                    entity_too_large()
                } else {
                    accepted()
                }
            }
            None => runtime_error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestID",
                &format!("Invalid request ID: {request_id} is not this sandbox's invocation"),
            ),
        }
    }
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    api.phase.send_if_modified(|phase| {
        if matches!(phase, Phase::Initializing) {
            *phase = Phase::Ready(Instant::now());
            true
        } else {
            false
        }
    });
    let invocation = api.next.lock().await.recv().await;
    let Some(invocation) = invocation else {
        return runtime_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "the sandbox is shutting down",
        );
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set("Lambda-Runtime-Aws-Request-Id", &invocation.request_id);
    set(
        "Lambda-Runtime-Deadline-Ms",
        &invocation.deadline_ms.to_string(),
    );
    set(
        "Lambda-Runtime-Invoked-Function-Arn",
        &invocation.function_arn,
    );
    set("Lambda-Runtime-Trace-Id", &invocation.trace_id);
    if let Some(context) = &invocation.client_context {
        set("Lambda-Runtime-Client-Context", context);
    }
    set("Content-Type", "application/json");
    *api.current.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((invocation.request_id, invocation.respond));
    (headers, invocation.payload).into_response()
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    deliver(&api, &id, body, Outcome::Response).await
}

async fn error(State(api): State<Arc<RuntimeApi>>, Path(id): Path<String>, body: Body) -> Response {
    deliver(&api, &id, body, Outcome::Error).await
}

/// Reads a `/response` or `/error` body up to Lambda's limit and answers the invocation.
async fn deliver(
    api: &RuntimeApi,
    id: &str,
    mut body: Body,
    outcome: fn(Bytes) -> Outcome,
) -> Response {
    let outcome = match body::read(&mut body, MAX_RESPONSE_PAYLOAD).await {
        Ok(bytes) => outcome(bytes),
        Err(BodyError::TooLarge { size }) => Outcome::TooLarge { size },
        Err(BodyError::Truncated(reason)) => return truncated(&reason),
    };
    // The invoker is answered first; the runtime once the rest is gone.
    let answer = api.answer(id, outcome);
    body::discard(body, DISCARD_LIMIT).await;
    answer
}

async fn init_error(
    State(api): State<Arc<RuntimeApi>>,
    headers: HeaderMap,
    mut body: Body,
) -> Response {
    let error_type = headers
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Runtime.Unknown")
        .to_owned();
    // An init error reaches the invoker as its response, under the same limit.
    let (failure, too_large) = match body::read(&mut body, MAX_RESPONSE_PAYLOAD).await {
        Ok(body) => (Failure::InitError { error_type, body }, false),
        Err(BodyError::TooLarge { size }) => (
            Failure::InitError {
                error_type: "Function.ResponseSizeTooLarge".to_owned(),
                body: errors::response_too_large(size),
            },
            true,
        ),
        Err(BodyError::Truncated(reason)) => return truncated(&reason),
    };
    let taken = api.phase.send_if_modified(|phase| {
        if matches!(phase, Phase::Initializing) {
            *phase = Phase::Failed(failure);
            true
        } else {
            false
        }
    });
    body::discard(body, DISCARD_LIMIT).await;
    if taken && too_large {
        entity_too_large()
    } else if taken {
        accepted()
    } else {
        runtime_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "init is over: /init/error is only allowed before the first /next",
        )
    }
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({ "status": "OK" }))).into_response()
}

/// What Lambda's runtime interface emulator answers a body over its limit
/// (`rapi/rendering`, `RenderRequestEntityTooLarge`).
fn entity_too_large() -> Response {
    runtime_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_PAYLOAD} bytes)."),
    )
}

/// A body cut short (the connection broke, or bad chunked framing); the invocation stays
/// unanswered, as if nothing had been posted.
fn truncated(reason: &str) -> Response {
    runtime_error(
        StatusCode::BAD_REQUEST,
        "TruncatedHTTPRequest",
        &format!("the request body ended early: {reason}"),
    )
}

fn runtime_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "errorType": error_type, "errorMessage": message })),
    )
        .into_response()
}
