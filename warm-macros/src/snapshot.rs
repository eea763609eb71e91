//! Snapshot test of the expansion: every `tests/expand/<name>.rs` is expanded and compared with
//! `tests/expand/<name>.expanded.rs`, pretty-printed by prettyplease.
//!
//! A proc-macro crate's internals are only reachable from its own unit tests, hence this
//! module rather than an integration test. After an intended change to the expansion,
//! regenerate with `WARM_MACROS_SNAPSHOT=overwrite cargo test -p warm-macros snapshot` and
//! review the diff of the `.expanded.rs` files before committing it.

use std::path::{Path, PathBuf};

use quote::ToTokens;

/// Expands every `#[warmable]` function of a source file, leaving the other items alone.
fn expand_file(source: &str) -> String {
    let mut file: syn::File = syn::parse_str(source).expect("snapshot input parses");
    let mut items = Vec::new();
    for item in file.items.drain(..) {
        let syn::Item::Fn(mut function) = item else {
            items.push(item);
            continue;
        };
        let Some(position) = function
            .attrs
            .iter()
            .position(|attr| attr.path().is_ident("warmable"))
        else {
            items.push(syn::Item::Fn(function));
            continue;
        };
        let attr = function.attrs.remove(position);
        let args = match attr.meta {
            syn::Meta::List(list) => list.tokens,
            _ => proc_macro2::TokenStream::new(),
        };
        let expanded = crate::expand::warmable(args, function.into_token_stream());
        let expanded: syn::File = syn::parse2(expanded).expect("expansion parses as items");
        items.extend(expanded.items);
    }
    file.items = items;
    prettyplease::unparse(&file)
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn expansion_matches_snapshot() {
    let overwrite = std::env::var_os("WARM_MACROS_SNAPSHOT").is_some_and(|v| v == "overwrite");
    let inputs = inputs();
    assert!(!inputs.is_empty(), "no snapshot inputs in tests/expand");
    for input in inputs {
        let expected_path = input.with_extension("expanded.rs");
        let actual = expand_file(&std::fs::read_to_string(&input).expect("readable input"));
        if overwrite {
            std::fs::write(&expected_path, &actual).expect("writable snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `WARM_MACROS_SNAPSHOT=overwrite cargo test -p warm-macros \
                 snapshot` and review it",
                expected_path.display()
            )
        });
        assert!(
            actual == expected,
            "the expansion of {} changed; if intended, regenerate with \
             `WARM_MACROS_SNAPSHOT=overwrite cargo test -p warm-macros snapshot` and review the \
             diff.\n--- actual ---\n{actual}",
            input.display()
        );
    }
}
