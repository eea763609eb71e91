//! The front end: the Invoke API (2015-03-31) as the AWS SDKs and CLI call it, and the
//! `/_local/stats` endpoints. It validates the request, takes a lease from the worker
//! manager and answers in Lambda's wire format.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;

use crate::body::{self, BodyError};
use crate::errors::{ApiError, MAX_ASYNC_PAYLOAD, MAX_SYNC_PAYLOAD, ThrottleReason};
use crate::faults::Fault;
use crate::invoke::{self, Request};
use crate::service::Service;

/// The routes of the service.
pub(crate) fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .route("/_local/stats", get(all_stats))
        .route("/_local/stats/{name}", get(function_stats))
        .route("/_local/health", get(|| async { "ok" }))
        .merge(crate::control::routes())
        .fallback(|| async { ApiError::unknown_operation() })
        // Bodies are read by `read_request`, up to Lambda's limits.
        .layer(DefaultBodyLimit::disable())
        .with_state(service)
}

#[derive(Debug, Deserialize)]
struct InvokeQuery {
    #[serde(rename = "Qualifier")]
    qualifier: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

async fn invoke(
    State(service): State<Arc<Service>>,
    Path(name): Path<String>,
    Query(query): Query<InvokeQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let result = handle_invoke(&service, &name, query, &headers, body, &request_id).await;
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-RequestId", value);
    }
    response
}

async fn handle_invoke(
    service: &Service,
    name: &str,
    query: InvokeQuery,
    headers: &HeaderMap,
    body: Body,
    request_id: &str,
) -> Result<Response, ApiError> {
    let (function, qualifier) = parse_function_name(name, query.qualifier.as_deref());
    let arn = service.function_arn(&function, qualifier.as_deref());
    // An unknown function, or a qualifier that is no alias or version of it.
    let Some((pool, version)) = service.manager.pool(&function).and_then(|pool| {
        let version = pool.config.version_of(qualifier.as_deref())?.to_owned();
        Some((pool, version))
    }) else {
        return Err(ApiError::resource_not_found(&arn));
    };
    let invocation_type = match header(headers, "X-Amz-Invocation-Type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return Err(ApiError::invalid_parameter(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
    };
    let payload = read_payload(body, invocation_type).await?;
    if !payload.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err() {
        return Err(ApiError::invalid_content(
            "Could not parse request body into json: Could not parse payload into json: the payload is not valid JSON",
        ));
    }
    let payload = if payload.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        payload
    };
    let client_context = match header(headers, "X-Amz-Client-Context") {
        None => None,
        Some(encoded) => Some(decode_client_context(encoded)?),
    };
    if invocation_type == InvocationType::DryRun {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    if let Some(injector) = &pool.faults {
        let (fault, held) = injector.draw();
        if let Some(held) = held {
            tokio::time::sleep(held).await;
        }
        match fault {
            None => {}
            Some(Fault::Throttle { retry_after_secs }) => {
                pool.count_throttle();
                return Err(ApiError::rate_limited(retry_after_secs));
            }
            Some(Fault::ServiceError) => {
                return Err(ApiError::service(
                    "An internal error occurred (injected fault).",
                ));
            }
            // What a proxy or load balancer in front of the service answers: no Lambda
            // error type, an HTML-free plain body.
            Some(Fault::BadGateway) => {
                return Ok((StatusCode::BAD_GATEWAY, "Bad Gateway").into_response());
            }
        }
    }
    let request = Request {
        request_id: request_id.to_owned(),
        payload,
        function_arn: arn,
        trace_id: trace_id(header(headers, "X-Amzn-Trace-Id")),
        client_context,
        tail: invocation_type == InvocationType::RequestResponse
            && header(headers, "X-Amz-Log-Type") == Some("Tail"),
    };
    if invocation_type == InvocationType::Event {
        if service.events.push(function, version, request).is_err() {
            pool.count_throttle();
            return Err(ApiError::throttled(ThrottleReason::QueueFull));
        }
        return Ok(StatusCode::ACCEPTED.into_response());
    }
    let lease = service
        .manager
        .acquire(&pool, &version)
        .map_err(ApiError::throttled)?;
    // Run apart from this request, so that an invoker that hangs up does not cut the
    // invocation short (Lambda runs it to its end).
    let response = tokio::spawn(invoke::execute(lease, request))
        .await
        .map_err(|e| ApiError::service(format!("the invocation failed: {e}")))?;
    let mut http = Response::new(Body::from(response.body));
    let out = http.headers_mut();
    out.insert("Content-Type", HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(&version) {
        out.insert("X-Amz-Executed-Version", value);
    }
    if response.function_error {
        out.insert(
            "X-Amz-Function-Error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    if let Some(Ok(value)) = response
        .log_tail
        .map(|tail| HeaderValue::from_str(&BASE64.encode(tail)))
    {
        out.insert("X-Amz-Log-Result", value);
    }
    Ok(http)
}

/// Splits the `FunctionName` forms Lambda accepts: `name`, `name:qualifier`,
/// `ACCOUNT:function:name[:qualifier]` and the full ARN. A qualifier in the name wins over
/// the query's.
pub(crate) fn parse_function_name(name: &str, qualifier: Option<&str>) -> (String, Option<String>) {
    let parts: Vec<&str> = name.split(':').collect();
    let (function, in_name) = match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", f, rest @ ..] => (*f, rest.first().copied()),
        [_, "function", f, rest @ ..] => (*f, rest.first().copied()),
        [f, q] => (*f, Some(*q)),
        _ => (name, None),
    };
    (
        function.to_owned(),
        in_name.or(qualifier).map(str::to_owned),
    )
}

/// The invoke payload, up to Lambda's limit for the invocation type.
async fn read_payload(body: Body, invocation_type: InvocationType) -> Result<Bytes, ApiError> {
    if invocation_type != InvocationType::Event {
        return read_request(body, MAX_SYNC_PAYLOAD, "InvokeFunction").await;
    }
    match body::read_or_discard(body, MAX_ASYNC_PAYLOAD).await {
        Err(BodyError::TooLarge { size }) => Err(ApiError::event_too_large(size)),
        other => other.map_err(|e| request_error(e, MAX_ASYNC_PAYLOAD, "InvokeFunction")),
    }
}

/// A request body of the Invoke API or the control plane, up to `limit` bytes; an oversized
/// one is read to its end and dropped, never held, and refused with 413
/// `RequestTooLargeException` in Lambda's words for `operation`.
pub(crate) async fn read_request(
    body: Body,
    limit: usize,
    operation: &str,
) -> Result<Bytes, ApiError> {
    body::read_or_discard(body, limit)
        .await
        .map_err(|e| request_error(e, limit, operation))
}

fn request_error(error: BodyError, limit: usize, operation: &str) -> ApiError {
    match error {
        BodyError::TooLarge { .. } => ApiError::too_large(operation, limit),
        BodyError::Truncated(reason) => {
            ApiError::invalid_content(format!("the request body could not be read: {reason}"))
        }
    }
}

fn decode_client_context(encoded: &str) -> Result<String, ApiError> {
    let invalid = || {
        ApiError::invalid_parameter("Client context must be a valid Base64-encoded JSON object.")
    };
    let decoded = BASE64.decode(encoded).map_err(|_| invalid())?;
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&decoded)
        .map_err(|_| invalid())?;
    String::from_utf8(decoded).map_err(|_| invalid())
}

/// The invoker's X-Ray trace header if it has a root, else a new one in X-Ray's format.
fn trace_id(given: Option<&str>) -> String {
    if let Some(given) = given.filter(|t| t.contains("Root=")) {
        return given.to_owned();
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string();
    let epoch = chrono::Utc::now().timestamp();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        &id[..24],
        &parent[..16]
    )
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn all_stats(State(service): State<Arc<Service>>) -> Response {
    axum::Json(service.service_stats()).into_response()
}

async fn function_stats(State(service): State<Arc<Service>>, Path(name): Path<String>) -> Response {
    match service.manager.pool(&name) {
        Some(pool) => axum::Json(pool.stats()).into_response(),
        None => ApiError::resource_not_found(&service.function_arn(&name, None)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_name_forms_resolve_to_name_and_qualifier() {
        let cases = [
            ("orders", None, ("orders", None)),
            ("orders:$LATEST", None, ("orders", Some("$LATEST"))),
            ("orders", Some("prod"), ("orders", Some("prod"))),
            (
                "arn:aws:lambda:us-east-1:000000000000:function:orders",
                None,
                ("orders", None),
            ),
            (
                "arn:aws:lambda:us-east-1:000000000000:function:orders:live",
                None,
                ("orders", Some("live")),
            ),
            ("000000000000:function:orders", None, ("orders", None)),
        ];
        for (name, query, (function, qualifier)) in cases {
            let parsed = parse_function_name(name, query);
            assert_eq!(
                parsed,
                (function.to_owned(), qualifier.map(str::to_owned)),
                "{name}"
            );
        }
    }

    #[test]
    fn generated_trace_id_has_xray_format() {
        let id = trace_id(None);
        assert!(id.starts_with("Root=1-"), "{id}");
        assert!(id.ends_with(";Sampled=0"), "{id}");
        assert_eq!(trace_id(Some("Root=1-a-b")), "Root=1-a-b");
    }

    #[test]
    fn client_context_must_be_base64_json_object() {
        let encoded = BASE64.encode(r#"{"custom":{"k":"v"}}"#);
        assert_eq!(
            decode_client_context(&encoded).unwrap(),
            r#"{"custom":{"k":"v"}}"#
        );
        assert!(decode_client_context("not base64!").is_err());
        assert!(decode_client_context(&BASE64.encode("[1]")).is_err());
    }
}
