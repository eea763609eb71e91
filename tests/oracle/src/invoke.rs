//! Checks of the invoke side's parsers: the warmer Lambda's input event, `WARMER_CONFIG`, and
//! `warmer.toml`.

use serde_json::Value;
use warmer_cli::config::Config;
use warmer_fn::lambda::targets_from_event;

/// Feeds `bytes` to the warmer Lambda's event parser (as the event and as `WARMER_CONFIG`):
/// it must never panic, and every target list it accepts must be non-empty and valid.
pub fn check_warmer_event(bytes: &[u8]) {
    if let Ok(event) = serde_json::from_slice::<Value>(bytes) {
        accepted(targets_from_event(&event, None));
        accepted(targets_from_event(
            &event,
            Some(r#"[{"function": "orders", "concurrency": 2}]"#),
        ));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        accepted(targets_from_event(&Value::Null, Some(text)));
        accepted(targets_from_event(&serde_json::json!({}), Some(text)));
    }
}

fn accepted(result: Result<Vec<warmer_fn::target::Target>, warmer_fn::lambda::EventError>) {
    match result {
        Ok(targets) => {
            assert!(!targets.is_empty(), "an empty target list was accepted");
            for target in &targets {
                assert_eq!(
                    target.validate(),
                    Ok(()),
                    "an invalid target was accepted: {target:?}"
                );
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

/// Feeds `bytes` to the `warmer.toml` parser: it must never panic; a config it accepts must
/// write back to TOML that reads back unchanged, and its checks and schedules must not panic.
pub fn check_config(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(config) = Config::from_toml_str(text) else {
        return;
    };
    let written = config.to_toml_string();
    let again = Config::from_toml_str(&written)
        .unwrap_or_else(|e| panic!("written config does not read back: {e}\n{written}"));
    assert_eq!(
        again, config,
        "config changed on the way through TOML:\n{written}"
    );
    let _ = config.check();
    for warmer in &config.warmers {
        let _ = warmer.schedules();
    }
}
