//! What `WarmLayer` costs per invocation, and how fast `detect` rejects payloads.
//!
//! `invocation/*`: one invocation through a tower stack like the runtime's (parse the API
//! Gateway v2 event with `lambda_http`, run a handler, serialize its response), without and
//! with `WarmLayer` in front, for a 1 KB and a 1 MB event. No network: the stack ends where the
//! runtime would post the response.
//!
//! `scan/*`: `detect` on payloads that do not contain the flag (the cost every user
//! invocation pays), reported as bytes per second.
//!
//! Run: `cargo bench -p warm-sdk --bench layer`. Results: BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lambda_http::{Body, Request, Response};
use lambda_runtime::{Context, LambdaInvocation};
use lambda_runtime_api_client::BoxError;
use tower::{Service, ServiceExt, service_fn};
use tower_layer::Layer;
use warm_sdk::{WarmConfig, WarmLayer, detect};

/// An API Gateway HTTP API (v2) event whose body is `body_len` bytes of JSON text (quotes and
/// all, so the byte scan sees what real bodies look like).
fn apigw_v2_event(body_len: usize) -> Bytes {
    let record = r#"{"id":1042,"name":"order","qty":3,"sku":"A-1","note":"deliver after 6pm"},"#;
    let mut body = record.repeat(body_len / record.len() + 1);
    body.truncate(body_len);
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /orders",
        "rawPath": "/orders",
        "rawQueryString": "name=ada",
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "bench/1.0",
            "x-forwarded-for": "203.0.113.7",
        },
        "queryStringParameters": {"name": "ada"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "POST",
                "path": "/orders",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "bench/1.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "POST /orders",
            "stage": "$default",
            "time": "26/Nov/2026:18:00:00 +0000",
            "timeEpoch": 1_795_716_000_000u64,
        },
        "body": body,
        "isBase64Encoded": false,
    });
    Bytes::from(serde_json::to_vec(&event).unwrap())
}

/// An event of about `total` bytes: the body fills it up (its quotes are escaped in the
/// event, so the body is sized by trial).
fn event_of_len(total: usize) -> Bytes {
    let mut body_len = total.saturating_sub(apigw_v2_event(0).len());
    loop {
        let event = apigw_v2_event(body_len);
        if event.len() <= total || body_len == 0 {
            return event;
        }
        body_len -= (event.len() - total).div_ceil(2).max(1);
    }
}

/// What the runtime's own stack does for a `lambda_http` handler, minus the network: parse
/// the event, convert it to an `http::Request`, run the handler, serialize the response.
fn runtime_stack() -> impl Service<LambdaInvocation, Response = (), Error = BoxError> + Clone {
    service_fn(|invocation: LambdaInvocation| async move {
        let request: Request =
            lambda_http::request::from_str(std::str::from_utf8(&invocation.body)?)?;
        let response = handler(request).await?;
        black_box(serde_json::to_vec(&serde_json::json!({
            "statusCode": response.status().as_u16(),
            "body": match response.body() {
                Body::Text(text) => text.as_str(),
                _ => "",
            },
        }))?);
        Ok::<(), BoxError>(())
    })
}

async fn handler(request: Request) -> Result<Response<Body>, BoxError> {
    let length = match request.body() {
        Body::Text(text) => text.len(),
        Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    Ok(Response::new(Body::from(format!(
        r#"{{"handled":true,"length":{length}}}"#
    ))))
}

fn invocation(body: &Bytes) -> LambdaInvocation {
    let (parts, ()) = http::Response::new(()).into_parts();
    let mut context = Context::default();
    context.request_id = "bench-request".to_owned();
    LambdaInvocation {
        parts,
        body: body.clone(),
        context,
    }
}

fn bench_invocation(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("invocation");
    for (label, size) in [("1KB", 1024), ("1MB", 1024 * 1024)] {
        let body = event_of_len(size);
        group.throughput(Throughput::Bytes(body.len() as u64));
        let bare = runtime_stack();
        group.bench_with_input(BenchmarkId::new("bare", label), &body, |b, body| {
            b.to_async(&runtime).iter(|| {
                let service = bare.clone();
                async move { service.oneshot(invocation(body)).await.unwrap() }
            })
        });
        let layered = WarmLayer::new().layer(runtime_stack());
        group.bench_with_input(BenchmarkId::new("warm_layer", label), &body, |b, body| {
            b.to_async(&runtime).iter(|| {
                let service = layered.clone();
                async move { service.oneshot(invocation(body)).await.unwrap() }
            })
        });
    }
    group.finish();
}

/// What the layer itself adds: `WarmLayer` around a service that does nothing, against that
/// service alone. Immune to the handler's own noise, so it states the overhead precisely.
fn bench_overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let noop = service_fn(|invocation: LambdaInvocation| async move {
        black_box(invocation);
        Ok::<(), BoxError>(())
    });
    let mut group = c.benchmark_group("overhead");
    for (label, size) in [("1KB", 1024), ("1MB", 1024 * 1024)] {
        let body = event_of_len(size);
        group.bench_with_input(BenchmarkId::new("noop", label), &body, |b, body| {
            b.to_async(&runtime).iter(|| {
                let service = noop;
                async move { service.oneshot(invocation(body)).await.unwrap() }
            })
        });
        let layered = WarmLayer::new().layer(noop);
        group.bench_with_input(
            BenchmarkId::new("warm_layer_noop", label),
            &body,
            |b, body| {
                b.to_async(&runtime).iter(|| {
                    let service = layered.clone();
                    async move { service.oneshot(invocation(body)).await.unwrap() }
                })
            },
        );
    }
    group.finish();
}

fn bench_scan(c: &mut Criterion) {
    let config = WarmConfig::default();
    let mut group = c.benchmark_group("scan");
    for (label, size) in [("1KB", 1024), ("64KB", 64 * 1024), ("1MB", 1024 * 1024)] {
        let event = event_of_len(size);
        assert!(detect(&event, &config).is_none());
        group.throughput(Throughput::Bytes(event.len() as u64));
        group.bench_with_input(BenchmarkId::new("apigw_v2", label), &event, |b, event| {
            b.iter(|| detect(black_box(event), &config))
        });
    }
    // A JSON-heavy payload (many short quoted keys), the hardest case for the byte scan.
    let records: Vec<_> = (0..12_000)
        .map(|i| serde_json::json!({"id": i, "name": "order", "qty": 3, "sku": "A-1"}))
        .collect();
    let dense = Bytes::from(serde_json::to_vec(&records).unwrap());
    assert!(detect(&dense, &config).is_none());
    group.throughput(Throughput::Bytes(dense.len() as u64));
    group.bench_with_input(
        BenchmarkId::new("dense_json", format!("{}KB", dense.len() / 1024)),
        &dense,
        |b, event| b.iter(|| detect(black_box(event), &config)),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench_invocation, bench_overhead, bench_scan
}
criterion_main!(benches);
