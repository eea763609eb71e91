//! Property: whatever the payload, an invocation that is not a warm-up reaches the handler
//! stack byte-identical (the very same buffer), and nothing else reaches it.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use lambda_runtime::{Context, LambdaInvocation};
use lambda_runtime_api_client::BoxError;
use proptest::prelude::*;
use serde_json::{Value, json};
use tower::{Service, ServiceExt, service_fn};
use tower_layer::Layer;
use warm_sdk::{WarmConfig, WarmLayer, detect};

/// Runs `payload` through `WarmLayer` in front of a recording service and returns what the
/// recording service received.
fn through_layer(payload: &Bytes) -> Vec<Bytes> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = {
        let seen = seen.clone();
        service_fn(move |invocation: LambdaInvocation| {
            seen.lock().unwrap().push(invocation.body);
            async { Ok::<(), BoxError>(()) }
        })
    };
    let (parts, ()) = http::Response::new(()).into_parts();
    let mut context = Context::default();
    context.request_id = "property".to_owned();
    let invocation = LambdaInvocation {
        parts,
        body: payload.clone(),
        context,
    };
    let mut service = WarmLayer::new().layer(recorder);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(async { service.ready().await?.call(invocation).await })
        .unwrap();
    seen.lock().unwrap().clone()
}

fn assert_passes_through(payload: Bytes) -> Result<(), TestCaseError> {
    prop_assert!(detect(&payload, &WarmConfig::default()).is_none());
    let seen = through_layer(&payload);
    prop_assert_eq!(seen.len(), 1);
    prop_assert_eq!(&seen[0], &payload);
    // Not a copy: the handler gets the runtime's own buffer.
    prop_assert_eq!(seen[0].as_ptr(), payload.as_ptr());
    Ok(())
}

/// Arbitrary JSON, with the warm-up markers likely to appear as keys and strings.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("warmer".to_owned()),
            Just("serverless-plugin-warmup".to_owned()),
            Just(r#"{"warmer": true}"#.to_owned()),
            ".{0,20}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("warmer".to_owned()),
        Just("source".to_owned()),
        Just("delay".to_owned()),
        Just("__WARMER_INVOCATION__".to_owned()),
        "[a-z_]{1,10}",
    ]
}

/// Is `value` a warm-up by the protocol's rules (top-level flag `true`, or the plugin source)?
fn is_warm_up(value: &Value) -> bool {
    value.get("warmer") == Some(&Value::Bool(true))
        || value.get("source") == Some(&Value::String("serverless-plugin-warmup".to_owned()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_that_are_not_warm_ups_reach_the_handler_byte_identical(
        payload in prop::collection::vec(any::<u8>(), 0..2048)
    ) {
        let payload = Bytes::from(payload);
        prop_assume!(detect(&payload, &WarmConfig::default()).is_none());
        assert_passes_through(payload)?;
    }

    #[test]
    fn json_that_is_not_a_warm_up_reaches_the_handler_byte_identical(value in json_value()) {
        prop_assume!(!is_warm_up(&value));
        assert_passes_through(Bytes::from(serde_json::to_vec(&value).unwrap()))?;
    }

    #[test]
    fn http_events_carrying_warm_up_bodies_reach_the_handler_byte_identical(
        body in json_value(),
        pretty in any::<bool>(),
    ) {
        let mut body_text = serde_json::to_string(&body).unwrap();
        if pretty {
            body_text = format!(r#"{{"warmer": true, "inner": {body_text}}}"#);
        }
        let event = json!({
            "version": "2.0",
            "routeKey": "POST /",
            "rawPath": "/",
            "headers": {"warmer": "true"},
            "requestContext": {"http": {"method": "POST", "path": "/"}},
            "body": body_text,
            "isBase64Encoded": false,
        });
        assert_passes_through(Bytes::from(serde_json::to_vec(&event).unwrap()))?;
    }
}

#[test]
fn empty_payload_reaches_the_handler() {
    assert_passes_through(Bytes::new()).unwrap();
}
