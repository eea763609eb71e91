//! [`WarmLayer`]: answers warm-ups in front of any Lambda handler, before the event is
//! deserialized.
//!
//! The layer wraps the invocation stack of [`lambda_runtime::Runtime`] (through
//! [`Runtime::layer`](lambda_runtime::Runtime::layer)), so it sees each invocation's raw bytes.
//! A warm-up is answered right there: held for its delay, logged, and its
//! [`WarmupResponse`](crate::protocol::WarmupResponse) posted to the Runtime API. The handler,
//! and the deserialization of its event type, never run for it. Every other invocation goes
//! to the handler untouched (the same bytes, never re-serialized).
//!
//! A typed handler:
//!
//! ```no_run
//! use lambda_runtime::layers::TracingLayer;
//! use lambda_runtime::{service_fn, Error, LambdaEvent, Runtime};
//! use serde_json::Value;
//! use warm_sdk::WarmLayer;
//!
//! async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
//!     Ok(event.payload)
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     lambda_runtime::tracing::init_default_subscriber();
//!     Runtime::new(service_fn(handler))
//!         .layer(WarmLayer::new())
//!         .layer(TracingLayer::new())
//!         .run()
//!         .await
//! }
//! ```
//!
//! A `lambda_http` service (an API Gateway request type would otherwise reject the warm-up
//! payload with a deserialization error):
//!
//! ```no_run
//! use lambda_http::{service_fn, Body, Error, Request, Response};
//! use warm_sdk::WarmLayer;
//!
//! async fn handler(_request: Request) -> Result<Response<Body>, Error> {
//!     Ok(Response::new(Body::from("hello")))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     lambda_http::tracing::init_default_subscriber();
//!     lambda_http::runtime(service_fn(handler))
//!         .layer(WarmLayer::new())
//!         .layer(lambda_http::lambda_runtime::layers::TracingLayer::new())
//!         .run()
//!         .await
//! }
//! ```
//!
//! `TracingLayer` (what `lambda_runtime::run` adds by itself) goes last, so that it is the
//! outermost layer: every invocation, warm-ups included, runs inside its per-request span
//! (request id, X-Ray trace id). Add `WarmLayer` just before it, after any other layer, so
//! that it runs before them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context as TaskContext, Poll};

use http::{Method, Uri, header::CONTENT_TYPE};
use lambda_runtime::LambdaInvocation;
use lambda_runtime_api_client::{BoxError, PooledClient, body::Body};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::answer::answer;
use crate::config::WarmConfig;
use crate::detect::{Warmup, detect};
use crate::environment::{Environment, Invocation};

/// The environment variable holding the Runtime API's `host:port`, set by Lambda.
pub const RUNTIME_API_ENV: &str = "AWS_LAMBDA_RUNTIME_API";

/// Echoed on the response so that the Runtime API can reject answers to timed-out invocations.
const INVOCATION_ID_HEADER: &str = "lambda-runtime-invocation-id";

/// A [`Layer`] that answers warm-ups before the handler runs. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct WarmLayer {
    config: Arc<WarmConfig>,
    runtime_api: Arc<RuntimeApi>,
}

impl WarmLayer {
    /// A layer with the default [`WarmConfig`], answering through the Runtime API named by
    /// `AWS_LAMBDA_RUNTIME_API` (read at the first warm-up).
    pub fn new() -> Self {
        Self::with_config(WarmConfig::default())
    }

    /// A layer with the given settings.
    ///
    /// ```
    /// use std::time::Duration;
    /// use warm_sdk::{WarmConfig, WarmLayer};
    ///
    /// let layer = WarmLayer::with_config(WarmConfig::new().max_delay(Duration::from_secs(1)));
    /// assert_eq!(layer.config().get_max_delay(), Duration::from_secs(1));
    /// ```
    pub fn with_config(config: WarmConfig) -> Self {
        Self {
            config: Arc::new(config),
            runtime_api: Arc::new(RuntimeApi::new(None)),
        }
    }

    /// Answers warm-ups through the Runtime API at `endpoint` (`http://host:port` or
    /// `host:port`) instead of `AWS_LAMBDA_RUNTIME_API`.
    ///
    /// ```
    /// let layer = warm_sdk::WarmLayer::new().runtime_api("http://127.0.0.1:9001".parse().unwrap());
    /// # let _ = layer;
    /// ```
    pub fn runtime_api(mut self, endpoint: Uri) -> Self {
        self.runtime_api = Arc::new(RuntimeApi::new(Some(endpoint)));
        self
    }

    /// The layer's settings.
    pub fn config(&self) -> &WarmConfig {
        &self.config
    }
}

impl Default for WarmLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for WarmLayer {
    type Service = Warm<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Warm {
            inner,
            config: self.config.clone(),
            runtime_api: self.runtime_api.clone(),
        }
    }
}

/// The service [`WarmLayer`] builds around the invocation stack. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Warm<S> {
    inner: S,
    config: Arc<WarmConfig>,
    runtime_api: Arc<RuntimeApi>,
}

impl<S> Warm<S> {
    /// Wraps `inner` with the given settings (what [`WarmLayer::layer`](Layer::layer) does).
    pub fn new(inner: S, config: WarmConfig) -> Self {
        WarmLayer::with_config(config).layer(inner)
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S> Service<LambdaInvocation> for Warm<S>
where
    S: Service<LambdaInvocation, Response = (), Error = BoxError>,
{
    type Response = ();
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let begun = Environment::global().begin_invocation(&invocation.context.request_id);
        match detect(&invocation.body, &self.config) {
            None => ResponseFuture {
                kind: Kind::Inner {
                    // Counts a user invocation that started cold, when metrics are on.
                    future: {
                        crate::metrics::user_invocation(begun, &invocation.context, &self.config);
                        self.inner.call(invocation)
                    },
                },
            },
            Some(warmup) => ResponseFuture {
                kind: Kind::Warmup {
                    future: Box::pin(answer_and_post(
                        warmup,
                        begun,
                        invocation,
                        self.config.clone(),
                        self.runtime_api.clone(),
                    )),
                },
            },
        }
    }
}

pin_project! {
    /// The future of [`Warm`]: the handler's own, or the answer to a warm-up.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

type WarmupFuture = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner { #[pin] future: F },
        Warmup { future: WarmupFuture },
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<(), BoxError>>,
{
    type Output = Result<(), BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future } => future.poll(cx),
            KindProj::Warmup { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            Kind::Inner { .. } => "handler",
            Kind::Warmup { .. } => "warm-up",
        };
        f.debug_struct("ResponseFuture")
            .field("kind", &kind)
            .finish()
    }
}

async fn answer_and_post(
    warmup: Warmup,
    begun: Invocation,
    invocation: LambdaInvocation,
    config: Arc<WarmConfig>,
    runtime_api: Arc<RuntimeApi>,
) -> Result<(), BoxError> {
    // Fail before holding when the answer could not be delivered anyway.
    let client = runtime_api.client()?;
    let response = answer(&warmup, begun, &invocation.context, &config).await;
    let uri = format!(
        "/2018-06-01/runtime/invocation/{}/response",
        invocation.context.request_id
    );
    let mut request = lambda_runtime_api_client::build_request()
        .method(Method::POST)
        .uri(uri)
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&response)?))?;
    if let Some(id) = invocation.parts.headers.get(INVOCATION_ID_HEADER) {
        request
            .headers_mut()
            .insert(INVOCATION_ID_HEADER, id.clone());
    }
    let reply = client.call(request).await.inspect_err(|error| {
        tracing::error!(%error, "posting the warm-up answer to the Lambda Runtime API failed");
    })?;
    // Like the runtime itself: a rejected answer (e.g. 410 after a timeout) is logged and the
    // runtime goes on to the next invocation.
    if !reply.status().is_success() {
        tracing::error!(
            status = %reply.status(),
            request_id = %invocation.context.request_id,
            "the Lambda Runtime API rejected the warm-up answer"
        );
    }
    Ok(())
}

/// The Runtime API client, built at the first warm-up and shared by clones of the layer.
struct RuntimeApi {
    endpoint: Option<Uri>,
    client: OnceLock<Result<PooledClient, String>>,
}

impl RuntimeApi {
    fn new(endpoint: Option<Uri>) -> Self {
        Self {
            endpoint,
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&PooledClient, BoxError> {
        self.client
            .get_or_init(|| {
                let endpoint = match &self.endpoint {
                    Some(endpoint) => endpoint.clone(),
                    None => endpoint_from_env(std::env::var(RUNTIME_API_ENV).ok())?,
                };
                if endpoint.authority().is_none() {
                    return Err(format!(
                        "the Runtime API endpoint `{endpoint}` has no host: give `host:port` or `http://host:port`"
                    ));
                }
                Ok(PooledClient::builder().with_endpoint(endpoint).build())
            })
            .as_ref()
            .map_err(|message| BoxError::from(message.clone()))
    }
}

/// The Runtime API endpoint from the value of `AWS_LAMBDA_RUNTIME_API`.
fn endpoint_from_env(raw: Option<String>) -> Result<Uri, String> {
    let raw = raw.ok_or_else(|| {
        format!(
            "{RUNTIME_API_ENV} is not set: WarmLayer answers warm-ups through the Lambda Runtime API, \
             so run it in a Lambda environment (or a local one that sets {RUNTIME_API_ENV}), \
             or give the endpoint with WarmLayer::runtime_api"
        )
    })?;
    raw.parse::<Uri>().map_err(|error| {
        format!(
            "{RUNTIME_API_ENV}=`{raw}` is not a `host:port` address ({error}): fix the variable"
        )
    })
}

impl fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeApi")
            .field("endpoint", &self.endpoint)
            .field("connected", &self.client.get().is_some_and(Result::is_ok))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use lambda_runtime::Context;
    use std::sync::Mutex;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tower::{ServiceExt, service_fn};

    type Seen = Arc<Mutex<Vec<Bytes>>>;

    fn recorder() -> (
        Seen,
        impl Service<LambdaInvocation, Response = (), Error = BoxError> + Clone,
    ) {
        let seen: Seen = Arc::default();
        let service = {
            let seen = seen.clone();
            service_fn(move |invocation: LambdaInvocation| {
                seen.lock().unwrap().push(invocation.body);
                async { Ok::<(), BoxError>(()) }
            })
        };
        (seen, service)
    }

    fn invocation(request_id: &str, body: &'static str) -> LambdaInvocation {
        let (mut parts, ()) = http::Response::new(()).into_parts();
        parts
            .headers
            .insert(INVOCATION_ID_HEADER, "invocation-1".parse().unwrap());
        let mut context = Context::default();
        context.request_id = request_id.to_owned();
        let deadline = SystemTime::now() + Duration::from_secs(10);
        context.deadline = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        LambdaInvocation {
            parts,
            body: Bytes::from_static(body.as_bytes()),
            context,
        }
    }

    #[tokio::test]
    async fn user_invocations_reach_the_inner_service_and_are_counted() {
        let (seen, inner) = recorder();
        let before = Environment::global().invocations();
        let body = r#"{"version": "2.0", "body": "{\"warmer\": true}"}"#;
        WarmLayer::new()
            .layer(inner)
            .oneshot(invocation("user-1", body))
            .await
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            vec![Bytes::from_static(body.as_bytes())]
        );
        assert!(Environment::global().invocations() > before);
    }

    /// Accepts one HTTP request on 127.0.0.1, answers 202 and returns the raw request.
    async fn one_request_server() -> (Uri, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        let handle = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read until the body announced by Content-Length has arrived.
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
                assert!(n > 0, "connection closed early");
            }
            socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8(request).unwrap()
        });
        (endpoint, handle)
    }

    #[tokio::test]
    async fn warm_up_is_posted_to_the_runtime_api_without_calling_the_inner_service() {
        let (seen, inner) = recorder();
        let (endpoint, server) = one_request_server().await;
        let layer = WarmLayer::new().runtime_api(endpoint);
        layer
            .layer(inner)
            .oneshot(invocation(
                "warm-1",
                r#"{"warmer": true, "delay": 0, "index": 5}"#,
            ))
            .await
            .unwrap();
        assert!(
            seen.lock().unwrap().is_empty(),
            "the handler ran for a warm-up"
        );
        let request = tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
        let (head, body) = request.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("POST /2018-06-01/runtime/invocation/warm-1/response HTTP/1.1"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase()
                .contains("lambda-runtime-invocation-id: invocation-1")
        );
        let answer: crate::protocol::WarmupResponse = serde_json::from_str(body).unwrap();
        assert!(answer.warmed);
        assert_eq!(answer.index, Some(5));
        assert_eq!(answer.instance, Environment::global().instance());
    }

    #[tokio::test]
    async fn warm_up_without_a_usable_runtime_api_fails_clearly_and_skips_the_handler() {
        let (seen, inner) = recorder();
        let layer = WarmLayer::new().runtime_api("/no-host".parse().unwrap());
        let error = layer
            .layer(inner)
            .oneshot(invocation("warm-2", r#"{"warmer": true}"#))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("has no host"), "{error}");
        assert!(seen.lock().unwrap().is_empty());
    }

    #[test]
    fn runtime_api_endpoint_errors_name_the_variable_and_the_fix() {
        let missing = endpoint_from_env(None).unwrap_err();
        assert!(
            missing.contains("AWS_LAMBDA_RUNTIME_API is not set"),
            "{missing}"
        );
        assert!(missing.contains("WarmLayer::runtime_api"), "{missing}");
        let garbage = endpoint_from_env(Some("not a uri".to_owned())).unwrap_err();
        assert!(
            garbage.contains("AWS_LAMBDA_RUNTIME_API=`not a uri`"),
            "{garbage}"
        );
        assert_eq!(
            endpoint_from_env(Some("127.0.0.1:9001".to_owned())).unwrap(),
            "127.0.0.1:9001"
        );
    }

    /// What `Runtime::run_concurrent` (Lambda Managed Instances) asks of the service stack:
    /// one clone per worker task, each sent to its own task.
    #[test]
    fn layer_and_service_can_serve_concurrent_workers() {
        fn concurrent<T: Clone + Send + Sync + 'static>(_: &T) {}
        fn sendable<T: Send + 'static>(_: &T) {}
        let layer = WarmLayer::new();
        concurrent(&layer);
        let inner = service_fn(|_: LambdaInvocation| std::future::ready(Ok::<(), BoxError>(())));
        let mut service = layer.layer(inner);
        concurrent(&service);
        sendable(&service.call(invocation("concurrent-1", "{}")));
    }

    #[test]
    fn layer_and_future_are_debuggable() {
        let layer = WarmLayer::new();
        assert!(format!("{layer:?}").contains("WarmLayer"));
        let (_, inner) = recorder();
        let mut service = layer.layer(inner);
        let future = service.call(invocation("debug-1", "{}"));
        assert_eq!(
            format!("{future:?}"),
            r#"ResponseFuture { kind: "handler" }"#
        );
    }
}
