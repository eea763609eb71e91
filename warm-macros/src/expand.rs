//! Code generation for `#[warmable]`: the checked handler becomes a function over
//! `LambdaEvent<WarmableEvent<T>>` that answers warm-ups and otherwise runs the user's body,
//! kept verbatim in an async block so that it sees the scope of the function it came from
//! (`Self`, the `impl`'s generics).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, Ident, Pat, PathArguments, Type, TypePath};

use crate::attr::Args;
use crate::handler::Handler;

/// The whole macro: parse the arguments and the item, then expand or report.
///
/// On a bad signature the user's function is emitted unchanged next to the errors; on bad
/// arguments the handler is still expanded with the defaults. Either way the rest of the crate
/// (and an IDE) keeps seeing a `handler` function, and only the real mistakes are reported.
pub(crate) fn warmable(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse2::<Args>(args);
    let handler = match Handler::parse(item.clone()) {
        Ok(handler) => handler,
        Err(mut error) => {
            if let Err(args_error) = args {
                error.combine(args_error);
            }
            return with_error(item, error);
        }
    };
    match args {
        Ok(args) => expand(&handler, &args),
        Err(error) => with_error(expand(&handler, &Args::default()), error),
    }
}

/// `tokens` followed by the compile errors of `error`.
fn with_error(mut tokens: TokenStream, error: syn::Error) -> TokenStream {
    tokens.extend(error.into_compile_error());
    tokens
}

/// Generates the outer handler (and its configuration type when arguments ask for one).
pub(crate) fn expand(handler: &Handler, args: &Args) -> TokenStream {
    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => quote!(::warm_sdk),
    };
    let item = &handler.item;
    let attrs = &item.attrs;
    let vis = &item.vis;
    let sig = &item.sig;
    let name = &sig.ident;
    let (generics, where_clause) = (&sig.generics, &sig.generics.where_clause);
    let (constness, asyncness, unsafety, abi) =
        (&sig.constness, &sig.asyncness, &sig.unsafety, &sig.abi);
    let payload = &handler.payload;
    let response = &handler.response;

    let (config, config_item) = if args.has_config() {
        let ident = format_ident!("__warmable_config_{}", name);
        let item = config_item(&ident, handler, args, &krate);
        (quote!(, #ident), item)
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let event = with_first_argument(
        &handler.event,
        quote!(#krate::warmable::WarmableEvent<#payload #config>),
    );
    let result = with_first_argument(
        &handler.result,
        quote!(#krate::warmable::WarmableResponse<#response>),
    );
    let arg = argument_name(&handler.pat);
    let pat = &handler.pat;
    let user_event = &handler.event;
    let block = &item.block;
    // Inner attributes of the body (`#![allow(...)]`) cannot stay inside an async block; as
    // outer attributes of the generated function they keep their meaning for the body.
    let attrs = attrs.iter().map(|attr| syn::Attribute {
        style: syn::AttrStyle::Outer,
        ..attr.clone()
    });

    // Spanned on the user's types, so a missing `Deserialize` or `Serialize` is reported on
    // `T` or `R` with a sentence saying what to derive.
    let checks = quote_spanned! {payload.span()=>
        #krate::warmable::__private::assert_event::<#payload>();
    };
    let response_check = quote_spanned! {response.span()=>
        #krate::warmable::__private::assert_response::<#response>();
    };
    let return_edge = return_edge(&handler.result);

    // The body runs in an async block inside the generated function, not in a nested `fn`, so
    // `Self`, the `impl`'s generic parameters and associated items stay in scope for it.
    quote! {
        #config_item
        #(#attrs)*
        #vis #constness #asyncness #unsafety #abi fn #name #generics(
            #arg: #event,
        ) -> #result #where_clause {
            #checks
            #response_check
            #krate::warmable::handle(#arg, |#pat: #user_event| async move {
                #return_edge
                #block
            })
            .await
        }
    }
}

/// A never-taken `return` of the user's return type, placed first in the async block.
///
/// An async block has no declared output, so without it `?` in the body could not tell which
/// error type to convert into, and a wrong value would be reported against an inferred type.
/// With it, the block's output is the type the user wrote, and mismatches point at it (the
/// "fake return edge" of `tracing-attributes`' `#[instrument]`).
fn return_edge(result: &TypePath) -> TokenStream {
    let value = Ident::new("__warmable_return", Span::mixed_site());
    quote_spanned! {result.span()=>
        #[allow(
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::needless_return
        )]
        if false {
            let #value: #result = loop {};
            return #value;
        }
    }
}

/// The zero-sized type carrying this handler's warm-up configuration, and its
/// `WarmableConfig` impl. It has the handler's visibility and `#[cfg]`s, since it appears in
/// the handler's signature.
fn config_item(ident: &Ident, handler: &Handler, args: &Args, krate: &TokenStream) -> TokenStream {
    let vis = &handler.item.vis;
    let cfgs: Vec<_> = handler
        .item
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect();
    let mut settings = TokenStream::new();
    if let Some(flag) = &args.flag {
        settings.extend(quote!(.flag_key(#flag)));
    }
    if let Some(delay) = &args.max_delay {
        let millis = proc_macro2::Literal::u64_unsuffixed(delay.millis);
        settings.extend(quote_spanned!(delay.lit.span()=>
            .max_delay(::core::time::Duration::from_millis(#millis))
        ));
    }
    let doc = format!(
        "Warm-up configuration of `{}`, generated by `#[warmable]`.",
        handler.item.sig.ident
    );
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #ident;

        #(#cfgs)*
        impl #krate::warmable::WarmableConfig for #ident {
            fn config() -> &'static #krate::config::WarmConfig {
                static CONFIG: ::std::sync::OnceLock<#krate::config::WarmConfig> =
                    ::std::sync::OnceLock::new();
                CONFIG.get_or_init(|| #krate::config::WarmConfig::new() #settings)
            }
        }
    }
}

/// `path` with its last segment's first type argument replaced by `ty`
/// (`LambdaEvent<T>` → `LambdaEvent<ty>`, `Result<R, E>` → `Result<ty, E>`).
fn with_first_argument(path: &TypePath, ty: TokenStream) -> TypePath {
    let mut path = path.clone();
    let replacement: Type = syn::parse2(ty).expect("generated type is valid");
    if let Some(last) = path.path.segments.last_mut()
        && let PathArguments::AngleBracketed(generics) = &mut last.arguments
        && let Some(first) = generics
            .args
            .iter_mut()
            .find(|arg| matches!(arg, GenericArgument::Type(_)))
    {
        *first = GenericArgument::Type(replacement);
    }
    path
}

/// The generated function's parameter name: the user's own when it is a plain binding
/// (`event`, `mut event`), else `event` (destructuring stays in the closure that runs the
/// body), with mixed-site hygiene so that the body cannot name it by accident.
fn argument_name(pat: &Pat) -> Ident {
    match pat {
        // Cloned, not rebuilt from its text: `Ident::new("r#ref", ..)` panics on a raw identifier.
        Pat::Ident(binding) if binding.subpat.is_none() => binding.ident.clone(),
        _ => Ident::new("event", Span::mixed_site()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(args: &str, item: &str) -> String {
        warmable(args.parse().unwrap(), item.parse().unwrap()).to_string()
    }

    #[test]
    fn raw_identifier_argument_is_kept_without_panicking() {
        let expanded = expand_str(
            "",
            "async fn handler(r#ref: LambdaEvent<Value>) -> Result<Value, Error> { Ok(r#ref.payload) }",
        );
        assert!(expanded.contains("r#ref : LambdaEvent"), "{expanded}");
        assert!(!expanded.contains("compile_error"), "{expanded}");
    }

    #[test]
    fn raw_identifier_handler_name_gets_a_plain_config_name() {
        let expanded = expand_str(
            r#"flag = "ping""#,
            "async fn r#match(event: LambdaEvent<Value>) -> Result<Value, Error> { Ok(event.payload) }",
        );
        assert!(expanded.contains("__warmable_config_match"), "{expanded}");
        assert!(expanded.contains("fn r#match"), "{expanded}");
    }

    #[test]
    fn inner_attributes_of_the_body_become_outer_attributes() {
        let expanded = expand_str(
            "",
            "async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> { \
             #![allow(unused_variables)] let unused = (); Ok(event.payload) }",
        );
        assert!(!expanded.contains("# !"), "{expanded}");
        assert!(
            expanded.starts_with("# [allow (unused_variables)] async fn handler"),
            "{expanded}"
        );
    }

    #[test]
    fn body_runs_in_an_async_block_not_a_nested_fn() {
        let expanded = expand_str(
            "",
            "async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> { Self::helper(event) }",
        );
        assert_eq!(expanded.matches("fn handle").count(), 1, "{expanded}");
        assert!(expanded.contains("async move"), "{expanded}");
        assert!(expanded.contains("Self :: helper (event)"), "{expanded}");
    }
}
