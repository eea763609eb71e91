//! Per-invocation cost of `#[warmable]`: the same handler with and without the attribute,
//! each doing what `lambda_runtime` does for one invocation (deserialize the payload as it
//! does, call the handler, serialize the answer), for a 1 KB and a 1 MB event.
//!
//! ```text
//! cargo bench -p warm-sdk --bench warmable
//! ```
//!
//! Compare `plain` and `warmable` within each group; BENCHMARKS.md records the ratio.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lambda_runtime::{Context, Error, LambdaEvent};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use warm_sdk::warmable;

#[derive(Serialize, Deserialize)]
struct Order {
    order_id: String,
    customer: String,
    items: Vec<Item>,
}

#[derive(Serialize, Deserialize)]
struct Item {
    sku: String,
    quantity: u32,
    unit_cents: u64,
    note: String,
}

#[derive(Serialize)]
struct Priced {
    handled: bool,
    order_id: String,
    total_cents: u64,
}

/// The work both handlers do: the same body, with and without `#[warmable]`.
fn price(order: Order) -> Result<Priced, Error> {
    let total_cents = order
        .items
        .iter()
        .map(|i| i.unit_cents * u64::from(i.quantity))
        .sum();
    Ok(Priced {
        handled: true,
        order_id: order.order_id,
        total_cents,
    })
}

async fn plain(event: LambdaEvent<Order>) -> Result<Priced, Error> {
    price(event.payload)
}

#[warmable]
async fn warm(event: LambdaEvent<Order>) -> Result<Priced, Error> {
    price(event.payload)
}

/// An order whose JSON is about `bytes` long.
fn order_json(bytes: usize) -> Vec<u8> {
    let item = |i: usize| Item {
        sku: format!("sku-{i:06}"),
        quantity: 1 + (i % 5) as u32,
        unit_cents: 100 + i as u64,
        note: "gift wrap, leave at the door".to_owned(),
    };
    let per_item = serde_json::to_vec(&item(0)).unwrap().len() + 1;
    let order = Order {
        order_id: "o-42".to_owned(),
        customer: "c-7".to_owned(),
        items: (0..bytes / per_item).map(item).collect(),
    };
    serde_json::to_vec(&order).unwrap()
}

/// Deserializes `body` exactly as `lambda_runtime` 1.x does for every invocation.
fn runtime_deserialize<T: DeserializeOwned>(body: &[u8]) -> T {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).expect("the benchmark event deserializes")
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let context = Context::default();
    for (label, size) in [("1KB", 1_024), ("1MB", 1_024 * 1_024)] {
        let body = order_json(size);
        let mut group = c.benchmark_group(format!("warmable/{label}"));
        group.throughput(Throughput::Bytes(body.len() as u64));
        if size > 100_000 {
            group.sample_size(30);
        }
        group.bench_function(BenchmarkId::from_parameter("plain"), |b| {
            b.to_async(&runtime).iter(|| async {
                let order: Order = runtime_deserialize(black_box(&body));
                let answer = plain(LambdaEvent::new(order, context.clone()))
                    .await
                    .unwrap();
                black_box(serde_json::to_vec(&answer).unwrap())
            });
        });
        group.bench_function(BenchmarkId::from_parameter("warmable"), |b| {
            b.to_async(&runtime).iter(|| async {
                let event = runtime_deserialize(black_box(&body));
                let answer = warm(LambdaEvent::new(event, context.clone()))
                    .await
                    .unwrap();
                black_box(serde_json::to_vec(&answer).unwrap())
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
