//! Lambda's errors on the wire: the Invoke API's service errors (status, `x-amzn-ErrorType`
//! and a JSON body the AWS SDKs parse) and the function error bodies sandboxes produce
//! (`Runtime.ExitError`, `Sandbox.Timedout`, ...).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Largest synchronous request payload (6 MB): "For synchronous invocations, the maximum
/// payload size is 6 MB" (<https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html>);
/// Lambda's refusal names 6291456 bytes.
pub(crate) const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) request payload: "For asynchronous invocations, the maximum
/// payload size is 1 MB" (API_Invoke, raised from 256 KB in 2025).
pub(crate) const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;
/// Largest body a function may post to the Runtime API's `/response`, `/error` or
/// `/init/error`: 6 MiB + 100 bytes, the `MaxPayloadSize` of Lambda's runtime interface
/// emulator (aws-lambda-runtime-interface-emulator `internal/lambda/interop/model.go`) and the
/// "maximum allowed payload size (6291556 bytes)" of Lambda's `Function.ResponseSizeTooLarge`.
/// Every response here is buffered (only `Invoke` is served, not `InvokeWithResponseStream`,
/// whose streamed responses may reach 200 MB), so a response posted in streaming mode is held
/// to it too.
pub(crate) const MAX_RESPONSE_PAYLOAD: usize = 6 * 1024 * 1024 + 100;

/// Why an invoke is throttled; the `Reason` of a `TooManyRequestsException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThrottleReason {
    /// The function's reserved concurrency is in use.
    Reserved,
    /// The account's unreserved concurrency is in use.
    Account,
    /// The function needs a new sandbox faster than its scaling rate allows.
    ScalingRate,
    /// The `Event` queue is full. Lambda documents no bound for its queue; the Invoke API's
    /// error for a throughput limit is `TooManyRequestsException`, without a `Reason` that
    /// the model would give this case.
    QueueFull,
}

/// A service error of the Invoke API, answered with Lambda's status, error type and body.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    status: StatusCode,
    error_type: &'static str,
    message: String,
    reason: Option<&'static str>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn resource_not_found(arn: &str) -> Self {
        Self::user(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {arn}"),
        )
    }

    pub(crate) fn invalid_content(message: impl Into<String>) -> Self {
        Self::user(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            message.into(),
        )
    }

    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::user(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValueException",
            message.into(),
        )
    }

    /// 413 `RequestTooLargeException`, the model's error for a request over "the `Invoke`
    /// request body JSON input quota", in Lambda's words for `operation` (`InvokeFunction`).
    pub(crate) fn too_large(operation: &str, limit: usize) -> Self {
        Self::user(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {limit} bytes for the {operation} operation"),
        )
    }

    /// 413 `RequestTooLargeException` for an `Event` payload over 1 MB, in the words Lambda
    /// uses for it (as reported in <https://github.com/faultline/faultline/issues/12>).
    pub(crate) fn event_too_large(size: u64) -> Self {
        Self::user(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!(
                "{size} byte payload is too large for the Event invocation type (limit {MAX_ASYNC_PAYLOAD} bytes)"
            ),
        )
    }

    /// `TooManyRequestsException` (429). `Reason` takes its values from the service
    /// model's `ThrottleReason` enum (aws-sdk-lambda `types/_throttle_reason.rs`): the
    /// concurrency limits have theirs. Lambda's documentation gives the scaling-rate throttle
    /// only as "a throttling error (429 status code)"
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>) and no model
    /// value names it, so that one carries no `Reason` rather than a guessed one.
    pub(crate) fn throttled(reason: ThrottleReason) -> Self {
        let mut error = Self::user(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Rate Exceeded.".to_owned(),
        );
        error.reason = match reason {
            ThrottleReason::Reserved => Some("ReservedFunctionConcurrentInvocationLimitExceeded"),
            ThrottleReason::Account => Some("ConcurrentInvocationLimitExceeded"),
            ThrottleReason::ScalingRate | ThrottleReason::QueueFull => None,
        };
        error
    }

    /// An injected rate-limit throttle: 429 `TooManyRequestsException` with the
    /// `Retry-After` header, which the service model binds to the exception's
    /// `retryAfterSeconds` member (aws-sdk-lambda
    /// `protocol_serde/shape_too_many_requests_exception.rs`).
    pub(crate) fn rate_limited(retry_after_secs: u64) -> Self {
        let mut error = Self::throttled(ThrottleReason::ScalingRate);
        error.retry_after = Some(retry_after_secs);
        error
    }

    pub(crate) fn service(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error_type: "ServiceException",
            message: message.into(),
            reason: None,
            retry_after: None,
        }
    }

    pub(crate) fn unknown_operation() -> Self {
        Self::user(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation".to_owned(),
        )
    }

    fn user(status: StatusCode, error_type: &'static str, message: String) -> Self {
        Self {
            status,
            error_type,
            message,
            reason: None,
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = if self.status.is_server_error() {
            "Service"
        } else {
            "User"
        };
        let mut body = json!({ "Type": kind, "message": self.message });
        if let Some(reason) = self.reason {
            body["Reason"] = reason.into();
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static(self.error_type),
        );
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert("Retry-After", HeaderValue::from(secs));
        }
        response
    }
}

/// A function error as the invoker sees it: the JSON body of a 200 response with
/// `X-Amz-Function-Error: Unhandled`.
pub(crate) fn function_error_body(error_type: &str, message: &str) -> bytes::Bytes {
    serde_json::to_vec(&json!({ "errorType": error_type, "errorMessage": message }))
        .unwrap_or_default()
        .into()
}

/// The invoker's answer when the function's response or error body was over
/// [`MAX_RESPONSE_PAYLOAD`]: Lambda's `Function.ResponseSizeTooLarge` and message (the runtime
/// interface emulator's `ErrorResponseTooLarge`). `size` is the body's `Content-Length`, or
/// what had arrived when it was refused.
pub(crate) fn response_too_large(size: u64) -> bytes::Bytes {
    function_error_body(
        "Function.ResponseSizeTooLarge",
        &format!(
            "Response payload size ({size} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_PAYLOAD} bytes)."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn throttle_error_carries_type_header_and_reason() {
        let response = ApiError::throttled(ThrottleReason::Reserved).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers()["x-amzn-ErrorType"],
            "TooManyRequestsException"
        );
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
        assert_eq!(body["Type"], "User");
    }

    #[test]
    fn function_error_body_has_lambda_field_names() {
        let body = function_error_body("Sandbox.Timedout", "Task timed out after 3.00 seconds");
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errorType"], "Sandbox.Timedout");
        assert_eq!(body["errorMessage"], "Task timed out after 3.00 seconds");
    }
}
