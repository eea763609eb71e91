//! Lambda's errors on the wire: the Invoke API's service errors (status, `x-amzn-ErrorType`
//! and a JSON body the AWS SDKs parse) and the function error bodies sandboxes produce
//! (`Runtime.ExitError`, `Sandbox.Timedout`, ...).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Largest synchronous request and response payload (6 MB), as in Lambda.
pub(crate) const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) request payload (1 MB), as in Lambda.
pub(crate) const MAX_ASYNC_PAYLOAD: usize = 1024 * 1024;

/// Why an invoke is throttled; the `Reason` of a `TooManyRequestsException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThrottleReason {
    /// The function's reserved concurrency is in use.
    Reserved,
    /// The account's unreserved concurrency is in use.
    Account,
    /// The function needs a new sandbox faster than its scaling rate allows.
    ScalingRate,
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

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::user(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {limit} bytes for the InvokeFunction operation"),
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
            ThrottleReason::ScalingRate => None,
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
