//! Fires the requests: N at once per wave (a barrier releases them together), K waves, each
//! response timed and classified.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::LogType;
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use indicatif::ProgressBar;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::classify::Classification;
use super::report::{Outcome, Report, Sample};

/// Where the requests go.
#[derive(Clone)]
pub enum Endpoint {
    /// HTTP `POST` to a URL (`http` or `https`), e.g. an API Gateway stage or a function URL.
    Http(Box<HttpEndpoint>),
    /// Synchronous Lambda invokes with `LogType::Tail`.
    Lambda {
        /// The client (its endpoint may be a local Lambda service).
        client: aws_sdk_lambda::Client,
        /// Function name or ARN, optionally `name:qualifier`.
        function: String,
    },
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Http(http) => f.debug_tuple("Http").field(&http.url).finish(),
            Endpoint::Lambda { function, .. } => f.debug_tuple("Lambda").field(function).finish(),
        }
    }
}

impl Endpoint {
    /// The URL or function name, for reports.
    pub fn name(&self) -> String {
        match self {
            Endpoint::Http(http) => http.url.to_string(),
            Endpoint::Lambda { function, .. } => function.clone(),
        }
    }
}

/// An HTTP endpoint with a connection-pooling client (rustls with the system's root
/// certificates for `https`).
#[derive(Clone)]
pub struct HttpEndpoint {
    url: http::Uri,
    client: HttpClient,
}

#[derive(Clone)]
enum HttpClient {
    Plain(Client<HttpConnector, Full<Bytes>>),
    Tls(Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>),
}

impl HttpEndpoint {
    /// Parses `url` and builds its client.
    ///
    /// ```
    /// let endpoint = warmer_cli::loadtest::runner::HttpEndpoint::new("http://127.0.0.1:9000/hello").unwrap();
    /// assert!(warmer_cli::loadtest::runner::HttpEndpoint::new("ftp://example.com").is_err());
    /// ```
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let uri: http::Uri = url.parse().with_context(|| {
            format!("--url {url:?} is not a URL; give one like https://abc.execute-api.eu-west-1.amazonaws.com/prod/")
        })?;
        let builder = Client::builder(TokioExecutor::new());
        let client = match uri.scheme_str() {
            Some("http") => HttpClient::Plain(builder.build_http()),
            Some("https") => {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .context("--url is https but no root certificates were found on this system (install ca-certificates)")?
                    .https_only()
                    .enable_all_versions()
                    .build();
                HttpClient::Tls(builder.build(connector))
            }
            _ => anyhow::bail!("--url {url:?} must start with http:// or https://"),
        };
        Ok(Self { url: uri, client })
    }

    async fn post(&self, body: Bytes) -> anyhow::Result<(http::HeaderMap, Bytes)> {
        let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
        let mut request = http::Request::post(self.url.clone());
        if is_json {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(body))?;
        let response = match &self.client {
            HttpClient::Plain(c) => c.request(request).await,
            HttpClient::Tls(c) => c.request(request).await,
        }
        .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        if parts.status.is_client_error() || parts.status.is_server_error() {
            anyhow::bail!("HTTP {}", parts.status);
        }
        Ok((parts.headers, body))
    }
}

/// A load test: `concurrency` requests at once, `waves` times.
#[derive(Debug, Clone)]
pub struct LoadTest {
    /// Where the requests go.
    pub endpoint: Endpoint,
    /// Requests per wave, started together.
    pub concurrency: u32,
    /// Number of waves; the next starts when every request of the last has ended.
    pub waves: u32,
    /// Request body (HTTP) or invoke payload (Lambda).
    pub body: Bytes,
    /// Latency at or above which a response without an exact cold/warm signal counts as cold.
    pub threshold: Duration,
    /// How long one request may take before it counts as an error.
    pub timeout: Duration,
}

impl LoadTest {
    /// Runs every wave and returns the report; `progress` is advanced once per request.
    pub async fn run(&self, progress: &ProgressBar) -> Report {
        let shared = Arc::new(self.clone());
        let started = Instant::now();
        let mut samples = Vec::with_capacity((self.concurrency * self.waves) as usize);
        for wave in 0..self.waves {
            let barrier = Arc::new(Barrier::new(self.concurrency as usize));
            let mut tasks = JoinSet::new();
            for index in 0..self.concurrency {
                let test = Arc::clone(&shared);
                let barrier = Arc::clone(&barrier);
                tasks.spawn(async move {
                    barrier.wait().await;
                    let sent = Instant::now();
                    let outcome = test.one().await;
                    Sample::new(wave, index, sent - started, sent.elapsed(), outcome)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                progress.inc(1);
                match joined {
                    Ok(sample) => samples.push(sample),
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }
        }
        Report::new(
            self.endpoint.name(),
            self.concurrency,
            self.waves,
            self.threshold,
            samples,
        )
    }

    async fn one(&self) -> Outcome {
        let sent = Instant::now();
        let result = tokio::time::timeout(self.timeout, async {
            match &self.endpoint {
                Endpoint::Http(http) => {
                    let (headers, body) = http.post(self.body.clone()).await?;
                    Ok(Classification::of_http(
                        &headers,
                        &body,
                        sent.elapsed(),
                        self.threshold,
                    ))
                }
                Endpoint::Lambda { client, function } => {
                    invoke(client, function, self.body.clone(), sent, self.threshold).await
                }
            }
        })
        .await;
        match result {
            Ok(Ok(classification)) => Outcome::Classified(classification),
            Ok(Err(e)) => Outcome::Failed(format!("{e:#}")),
            Err(_) => Outcome::Failed(format!("no response within {:?}", self.timeout)),
        }
    }
}

async fn invoke(
    client: &aws_sdk_lambda::Client,
    function: &str,
    body: Bytes,
    sent: Instant,
    threshold: Duration,
) -> anyhow::Result<Classification> {
    invoke_classified(client, function, body, sent, threshold)
        .await
        .map_err(|failure| anyhow::anyhow!("{failure}"))
}

/// Why a synchronous invoke gave no answer to classify.
#[derive(Debug)]
pub(super) enum InvokeFailure {
    /// Lambda refused the invoke with HTTP 429 (`TooManyRequestsException`).
    Throttled(String),
    /// Any other failure: the function's error, or the request's.
    Failed(String),
}

impl std::fmt::Display for InvokeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeFailure::Throttled(text) | InvokeFailure::Failed(text) => f.write_str(text),
        }
    }
}

/// One synchronous invoke with `LogType::Tail`, its answer classified cold or warm; `sent` is
/// when the request started, for the latency.
pub(super) async fn invoke_classified(
    client: &aws_sdk_lambda::Client,
    function: &str,
    body: Bytes,
    sent: Instant,
    threshold: Duration,
) -> Result<Classification, InvokeFailure> {
    let output = client
        .invoke()
        .function_name(function)
        .payload(Blob::new(body))
        .log_type(LogType::Tail)
        .send()
        .await
        .map_err(|e| {
            let throttled = e
                .raw_response()
                .is_some_and(|raw| raw.status().as_u16() == 429);
            let text = aws_sdk_lambda::error::DisplayErrorContext(e).to_string();
            if throttled {
                InvokeFailure::Throttled(text)
            } else {
                InvokeFailure::Failed(text)
            }
        })?;
    let latency = sent.elapsed();
    let payload = output.payload().map(Blob::as_ref).unwrap_or_default();
    if let Some(kind) = output.function_error() {
        let text = String::from_utf8_lossy(payload);
        return Err(InvokeFailure::Failed(format!(
            "function error ({kind}): {}",
            text.chars().take(200).collect::<String>()
        )));
    }
    let tail = output
        .log_result()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    Ok(Classification::of_lambda(
        payload,
        tail.as_deref(),
        latency,
        threshold,
    ))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// A progress bar over `total` requests on stderr, or a hidden one when `visible` is false.
pub fn progress_bar(total: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} requests",
        )
        .expect("valid progress template"),
    );
    bar
}
