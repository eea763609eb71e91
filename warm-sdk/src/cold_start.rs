//! An opt-in response header for `lambda_http` services telling whether the response came
//! from the first invocation of its execution environment (a cold start), so that a load
//! test can count cold starts exactly. Needs the `http` feature.
//!
//! [`ColdStartHeaderLayer`] wraps the user's `lambda_http` service (inside the runtime);
//! [`WarmLayer`](crate::WarmLayer) wraps the runtime's invocation stack (outside). With both, a
//! response is never cold once a warm-up has reached its environment first:
//!
//! ```no_run
//! use lambda_http::lambda_runtime::layers::TracingLayer;
//! use lambda_http::{service_fn, Body, Error, Request, Response};
//! use tower_layer::Layer;
//! use warm_sdk::{ColdStartHeaderLayer, WarmLayer};
//!
//! async fn handler(_request: Request) -> Result<Response<Body>, Error> {
//!     Ok(Response::new(Body::from("hello")))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     lambda_http::tracing::init_default_subscriber();
//!     let service = ColdStartHeaderLayer::new().layer(service_fn(handler));
//!     lambda_http::runtime(service)
//!         .layer(WarmLayer::new())
//!         .layer(TracingLayer::new())
//!         .run()
//!         .await
//! }
//! ```
//!
//! The header is `x-warm-cold-start: true` or `x-warm-cold-start: false`. Requests without a
//! Lambda context (unit tests that build a bare `Request`) get no header.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use http::HeaderValue;
use lambda_http::{Request, RequestExt};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::environment::Environment;

/// The response header naming whether the response came from a cold start.
pub const COLD_START_HEADER: &str = "x-warm-cold-start";

/// A [`Layer`] adding [`COLD_START_HEADER`] to every response. See the [module docs](self).
#[derive(Clone, Copy, Debug, Default)]
pub struct ColdStartHeaderLayer {
    _private: (),
}

impl ColdStartHeaderLayer {
    /// The layer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for ColdStartHeaderLayer {
    type Service = ColdStartHeader<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ColdStartHeader::new(inner)
    }
}

/// The service [`ColdStartHeaderLayer`] builds. See the [module docs](self).
///
/// ```
/// use lambda_http::{Body, Request, RequestExt, Response};
/// use tower::{service_fn, ServiceExt};
/// use warm_sdk::{ColdStartHeader, COLD_START_HEADER};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let service = ColdStartHeader::new(service_fn(|_request: Request| async {
///     Ok::<_, std::convert::Infallible>(Response::new(Body::Empty))
/// }));
/// let mut context = lambda_http::Context::default();
/// context.request_id = "first-request-of-this-process".into();
/// let request = Request::default().with_lambda_context(context);
/// let response = service.oneshot(request).await.unwrap();
/// assert_eq!(response.headers()[COLD_START_HEADER], "true");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ColdStartHeader<S> {
    inner: S,
    environment: &'static Environment,
}

impl<S> ColdStartHeader<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self::with_environment(inner, Environment::global())
    }

    /// Wraps `inner`, asking `environment` instead of the process-wide one.
    fn with_environment(inner: S, environment: &'static Environment) -> Self {
        Self { inner, environment }
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, B> Service<Request> for ColdStartHeader<S>
where
    S: Service<Request, Response = http::Response<B>>,
{
    type Response = http::Response<B>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let cold = request
            .lambda_context_ref()
            .map(|context| self.environment.is_cold(&context.request_id));
        ResponseFuture {
            future: self.inner.call(request),
            cold,
        }
    }
}

pin_project! {
    /// The future of [`ColdStartHeader`]: the inner response with the header added.
    pub struct ResponseFuture<F> {
        #[pin]
        future: F,
        cold: Option<bool>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<B>, E>>,
{
    type Output = Result<http::Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = std::task::ready!(this.future.poll(cx))?;
        if let Some(cold) = *this.cold {
            let value = HeaderValue::from_static(if cold { "true" } else { "false" });
            response.headers_mut().insert(COLD_START_HEADER, value);
        }
        Poll::Ready(Ok(response))
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("cold", &self.cold)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::{Body, Context, Response};
    use std::convert::Infallible;
    use tower::{ServiceExt, service_fn};

    fn request(request_id: &str) -> Request {
        let mut context = Context::default();
        context.request_id = request_id.to_owned();
        Request::default().with_lambda_context(context)
    }

    async fn header_for(environment: &'static Environment, request: Request) -> Option<String> {
        let inner = service_fn(|_req: Request| async {
            Ok::<_, Infallible>(Response::new(Body::from("ok")))
        });
        let service = ColdStartHeader::with_environment(inner, environment);
        let response = service.oneshot(request).await.unwrap();
        response
            .headers()
            .get(COLD_START_HEADER)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[tokio::test]
    async fn only_the_first_request_of_the_environment_is_cold() {
        let environment: &'static Environment = Box::leak(Box::new(Environment::new()));
        let first = header_for(environment, request("first")).await;
        let second = header_for(environment, request("second")).await;
        let first_again = header_for(environment, request("first")).await;
        assert_eq!(first.as_deref(), Some("true"));
        assert_eq!(second.as_deref(), Some("false"));
        assert_eq!(first_again.as_deref(), Some("true"));
    }

    #[tokio::test]
    async fn warm_up_seen_first_makes_user_traffic_warm() {
        let environment: &'static Environment = Box::leak(Box::new(Environment::new()));
        // What WarmLayer does for a warm-up: it begins the invocation, the handler never runs.
        assert!(environment.begin_invocation("warm-up").cold);
        let header = header_for(environment, request("user")).await;
        assert_eq!(header.as_deref(), Some("false"));
    }

    #[tokio::test]
    async fn request_without_lambda_context_gets_no_header() {
        let environment: &'static Environment = Box::leak(Box::new(Environment::new()));
        assert_eq!(header_for(environment, Request::default()).await, None);
    }

    #[tokio::test]
    async fn inner_errors_pass_through() {
        let service = ColdStartHeader::new(service_fn(|_req: Request| async {
            Err::<Response<Body>, _>("boom")
        }));
        assert_eq!(service.oneshot(request("x")).await.unwrap_err(), "boom");
    }
}
