//! The Runtime API (2018-06-01) of one sandbox, served on its own port on 127.0.0.1: the
//! function process long-polls `/next` for its invocation and posts the answer to
//! `/response` or `/error`, or `/init/error` when its init fails. It can only answer the
//! invocation it was given.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::{mpsc, oneshot, watch};

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
                // The invoker may have given up (timeout); the answer is then dropped.
                let _ = respond.send(outcome);
                (StatusCode::ACCEPTED, axum::Json(json!({ "status": "OK" }))).into_response()
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
    body: Bytes,
) -> Response {
    api.answer(&id, Outcome::Response(body))
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    api.answer(&id, Outcome::Error(body))
}

async fn init_error(
    State(api): State<Arc<RuntimeApi>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let error_type = headers
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("Runtime.Unknown")
        .to_owned();
    let accepted = api.phase.send_if_modified(|phase| {
        if matches!(phase, Phase::Initializing) {
            *phase = Phase::Failed(Failure::InitError { error_type, body });
            true
        } else {
            false
        }
    });
    if accepted {
        (StatusCode::ACCEPTED, axum::Json(json!({ "status": "OK" }))).into_response()
    } else {
        runtime_error(
            StatusCode::FORBIDDEN,
            "InvalidStateTransition",
            "init is over: /init/error is only allowed before the first /next",
        )
    }
}

fn runtime_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "errorType": error_type, "errorMessage": message })),
    )
        .into_response()
}
