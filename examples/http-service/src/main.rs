//! Example: a `lambda_http` service kept warm by `WarmLayer`, answering with the
//! `x-warm-cold-start` header so that a load test can count cold starts.
//!
//! User code answers JSON containing `"handled": true` and echoes the request's method, path,
//! `name` query parameter and body, so a test can tell that user code ran and what it saw.
//! `EXAMPLE_INIT_MS` (default 0) makes initialisation sleep that long, standing for SDK
//! clients and connection pools being set up.

use std::time::Duration;

use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};
use serde_json::json;
use tower_layer::Layer;
use warm_sdk::{ColdStartHeaderLayer, WarmConfig, WarmLayer};

/// The environment variable naming the simulated initialisation cost, in milliseconds.
const INIT_MS_ENV: &str = "EXAMPLE_INIT_MS";

/// The environment variable that turns on warm-sdk's EMF metrics of warm-ups and cold starts,
/// in the CloudWatch namespace it names (`warm_sdk::WarmConfig::metrics_namespace`).
const METRICS_NAMESPACE_ENV: &str = "EXAMPLE_METRICS_NAMESPACE";

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let init = init_cost(std::env::var(INIT_MS_ENV).ok().as_deref())?;
    tokio::time::sleep(init).await;

    let service = ColdStartHeaderLayer::new().layer(service_fn(handle));
    lambda_http::runtime(service)
        .layer(warm_layer(std::env::var(METRICS_NAMESPACE_ENV).ok()))
        // The per-request span `lambda_http::run` would add; outermost, so warm-ups run in it.
        .layer(lambda_http::lambda_runtime::layers::TracingLayer::new())
        .run()
        .await
}

/// The warm-up layer: warm-sdk's defaults, with its EMF metrics in `namespace` when one is
/// given (not empty).
fn warm_layer(namespace: Option<String>) -> WarmLayer {
    match namespace.filter(|n| !n.trim().is_empty()) {
        Some(namespace) => WarmLayer::with_config(WarmConfig::new().metrics_namespace(namespace)),
        None => WarmLayer::new(),
    }
}

/// Parses `EXAMPLE_INIT_MS`: unset or empty means no cost.
fn init_cost(raw: Option<&str>) -> Result<Duration, Error> {
    match raw.map(str::trim) {
        None | Some("") => Ok(Duration::ZERO),
        Some(raw) => raw.parse::<u64>().map(Duration::from_millis).map_err(|_| {
            format!("{INIT_MS_ENV}=`{raw}` is not a whole number of milliseconds: set e.g. {INIT_MS_ENV}=250")
                .into()
        }),
    }
}

/// The user code: echoes what it received.
async fn handle(request: Request) -> Result<Response<Body>, Error> {
    let name = request
        .query_string_parameters_ref()
        .and_then(|params| params.first("name"))
        .map(str::to_owned);
    let body = match request.body() {
        Body::Empty => String::new(),
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    let answer = json!({
        "handled": true,
        "method": request.method().as_str(),
        "path": request.raw_http_path(),
        "name": name,
        "body": body,
    });
    Ok(Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from(answer.to_string()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    async fn answer_json(request: Request) -> serde_json::Value {
        let response = handle(request).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("expected a text body, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn handler_marks_its_answer_as_handled_and_echoes_the_request() {
        let request = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/orders")
            .body(Body::from(r#"{"warmer": true}"#))
            .unwrap()
            .with_raw_http_path("/orders")
            .with_query_string_parameters(HashMap::from([("name".to_owned(), "ada".to_owned())]));
        let answer = answer_json(request).await;
        assert_eq!(answer["handled"], true);
        assert_eq!(answer["method"], "POST");
        assert_eq!(answer["path"], "/orders");
        assert_eq!(answer["name"], "ada");
        assert_eq!(answer["body"], r#"{"warmer": true}"#);
    }

    #[tokio::test]
    async fn handler_accepts_empty_and_binary_bodies() {
        let empty = answer_json(Request::default()).await;
        assert_eq!(empty["handled"], true);
        assert_eq!(empty["body"], "");
        assert_eq!(empty["name"], serde_json::Value::Null);

        let binary = Request::new(Body::Binary(vec![b'h', b'i', 0xff]));
        assert_eq!(answer_json(binary).await["body"], "hi\u{fffd}");
    }

    #[test]
    fn init_cost_defaults_to_zero_and_rejects_garbage() {
        assert_eq!(init_cost(None).unwrap(), Duration::ZERO);
        assert_eq!(init_cost(Some(" ")).unwrap(), Duration::ZERO);
        assert_eq!(init_cost(Some("250")).unwrap(), Duration::from_millis(250));
        let error = init_cost(Some("slow")).unwrap_err().to_string();
        assert!(error.contains("EXAMPLE_INIT_MS=`slow`"), "{error}");
        assert!(init_cost(Some("-1")).is_err());
    }
}
