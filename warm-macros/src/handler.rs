//! Checking the function under `#[warmable]`: an `async fn` taking one `LambdaEvent<T>` and
//! returning `Result<R, E>`.
//!
//! Every rule that fails becomes one error spanned on the token to change, so a handler with
//! several mistakes shows all of them at once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Item, ItemFn, Pat, PathArguments, ReturnType, Type, TypePath};

/// A handler that passed every check, with the parts of its signature the expansion rewrites.
#[derive(Debug)]
pub(crate) struct Handler {
    /// The function as written.
    pub(crate) item: ItemFn,
    /// The argument's pattern (`event`, `mut event`, `LambdaEvent { payload, .. }`).
    pub(crate) pat: Pat,
    /// `LambdaEvent<T>` as written (the path is kept, so the user's import stays in use).
    pub(crate) event: TypePath,
    /// `T`.
    pub(crate) payload: Type,
    /// `Result<R, E>` as written (`anyhow::Result<R>` and other aliases keep their shape).
    pub(crate) result: TypePath,
    /// `R`.
    pub(crate) response: Type,
}

impl Handler {
    /// Parses and checks the item under the attribute.
    pub(crate) fn parse(item: TokenStream) -> syn::Result<Self> {
        let item = match syn::parse2::<Item>(item)? {
            Item::Fn(item) => item,
            other => {
                return Err(syn::Error::new(
                    item_keyword_span(&other),
                    "#[warmable] can only be applied to an `async fn` handler, such as \
                     `async fn handler(event: LambdaEvent<T>) -> Result<R, E>`",
                ));
            }
        };
        check(item)
    }
}

/// Runs every signature rule, combining the errors.
fn check(item: ItemFn) -> syn::Result<Handler> {
    let sig = &item.sig;
    let mut errors = Errors::default();

    if sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            sig.fn_token.span,
            "the `async` keyword is missing from the function declaration: a #[warmable] \
             handler is an `async fn`",
        ));
    }

    for input in &sig.inputs {
        if let FnArg::Receiver(receiver) = input {
            errors.push(syn::Error::new_spanned(
                receiver,
                "#[warmable] handlers cannot take `self`: make the handler a free function \
                 and keep shared state in a `static` or a closure passed to `service_fn`",
            ));
        }
    }

    let typed: Vec<_> = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let mut event = None;
    match typed.as_slice() {
        [] => errors.push(syn::Error::new(
            sig.paren_token.span.join(),
            "the handler takes no argument: add one, `event: LambdaEvent<T>`, with your event \
             type as `T`",
        )),
        [only] => match lambda_event(&only.ty) {
            Some((path, payload)) => event = Some(((*only.pat).clone(), path, payload)),
            None => errors.push(syn::Error::new_spanned(
                &only.ty,
                format!(
                    "the handler's argument must be a `LambdaEvent<T>` (from `lambda_runtime`), \
                     not `{}`: write `event: LambdaEvent<{}>`",
                    tokens(&only.ty),
                    tokens(&only.ty),
                ),
            )),
        },
        [_, extra @ ..] => {
            let extra: TokenStream = extra.iter().map(|arg| arg.to_token_stream()).collect();
            errors.push(syn::Error::new_spanned(
                extra,
                format!(
                    "a #[warmable] handler takes exactly one argument, `event: LambdaEvent<T>`, \
                     but this one takes {}: remove the others (the invocation context is \
                     `event.context`)",
                    typed.len()
                ),
            ));
        }
    }

    let result = match &sig.output {
        ReturnType::Default => {
            errors.push(syn::Error::new(
                sig.paren_token.span.close(),
                "the handler has no return type: add `-> Result<R, E>` after the argument list, \
                 e.g. `-> Result<serde_json::Value, lambda_runtime::Error>`",
            ));
            None
        }
        ReturnType::Type(_, ty) => match result(ty) {
            Some(found) => Some(found),
            None => {
                errors.push(syn::Error::new_spanned(
                    ty,
                    format!(
                        "the handler must return a `Result<R, E>`, not `{}`: write \
                         `-> Result<{}, lambda_runtime::Error>` and answer with `Ok(...)`",
                        tokens(ty),
                        tokens(ty),
                    ),
                ));
                None
            }
        },
    };

    errors.finish()?;
    let ((pat, event, payload), (result, response)) = event
        .zip(result)
        .expect("every rule passed, so the argument and the return type were found");
    Ok(Handler {
        item,
        pat,
        event,
        payload,
        result,
        response,
    })
}

/// `LambdaEvent<T>` (any path ending in `LambdaEvent` with one type argument): the path and `T`.
fn lambda_event(ty: &Type) -> Option<(TypePath, Type)> {
    let (path, mut args) = last_segment_args(ty, "LambdaEvent")?;
    match (args.next(), args.next()) {
        (Some(payload), None) => Some((path, payload)),
        _ => None,
    }
}

/// `Result<R, ...>` (any path ending in `Result` whose first argument is a type): the path and `R`.
fn result(ty: &Type) -> Option<(TypePath, Type)> {
    let (path, mut args) = last_segment_args(ty, "Result")?;
    args.next().map(|response| (path, response))
}

/// When `ty` is a path whose last segment is `name<...>`, the path and its type arguments.
fn last_segment_args(ty: &Type, name: &str) -> Option<(TypePath, impl Iterator<Item = Type>)> {
    let path = match ty {
        Type::Path(path) if path.qself.is_none() => path,
        Type::Group(group) => return last_segment_args(&group.elem, name),
        Type::Paren(paren) => return last_segment_args(&paren.elem, name),
        _ => return None,
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    let types: Vec<Type> = generics
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
        .collect();
    Some((path.clone(), types.into_iter()))
}

/// The span of the keyword that starts an item (`struct`, `impl`, `mod`...), or of the whole
/// item when it has none, so "not a function" underlines one token rather than a whole block.
fn item_keyword_span(item: &Item) -> proc_macro2::Span {
    match item {
        Item::Struct(item) => item.struct_token.span,
        Item::Enum(item) => item.enum_token.span,
        Item::Union(item) => item.union_token.span,
        Item::Impl(item) => item.impl_token.span,
        Item::Mod(item) => item.mod_token.span,
        Item::Trait(item) => item.trait_token.span,
        Item::Static(item) => item.static_token.span,
        Item::Const(item) => item.const_token.span,
        Item::Type(item) => item.type_token.span,
        Item::Use(item) => item.use_token.span,
        other => other.span(),
    }
}

/// A type as the user would write it, for error messages.
fn tokens(ty: &Type) -> String {
    ty.to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace("< ", "<")
        .replace(" ,", ",")
        .replace(" :: ", "::")
}

/// Several `syn::Error`s reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(item: TokenStream) -> Vec<String> {
        Handler::parse(item)
            .expect_err("the handler should be rejected")
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn typical_handler_is_accepted() {
        let handler = Handler::parse(quote! {
            pub async fn handler(event: LambdaEvent<Order>) -> Result<Receipt, Error> { todo!() }
        })
        .unwrap();
        assert_eq!(tokens(&handler.payload), "Order");
        assert_eq!(tokens(&handler.response), "Receipt");
        let pat = &handler.pat;
        assert_eq!(quote!(#pat).to_string(), "event");
    }

    #[test]
    fn full_paths_and_single_argument_results_are_accepted() {
        let handler = Handler::parse(quote! {
            async fn handler(
                lambda_runtime::LambdaEvent { payload, context }: lambda_runtime::LambdaEvent<serde_json::Value>,
            ) -> anyhow::Result<Vec<u8>> { todo!() }
        })
        .unwrap();
        assert_eq!(tokens(&handler.payload), "serde_json::Value");
        assert_eq!(tokens(&handler.response), "Vec<u8>");
        assert_eq!(
            tokens(&Type::Path(handler.result)),
            "anyhow::Result<Vec<u8>>"
        );
    }

    #[test]
    fn missing_async_is_reported() {
        let errors = errors(quote! { fn handler(e: LambdaEvent<V>) -> Result<V, E> { todo!() } });
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("the `async` keyword is missing"),
            "{errors:?}"
        );
    }

    #[test]
    fn non_function_items_are_rejected() {
        let errors = errors(quote! { struct Handler; });
        assert!(
            errors[0].contains("can only be applied to an `async fn`"),
            "{errors:?}"
        );
    }

    #[test]
    fn argument_count_must_be_one() {
        let none = errors(quote! { async fn handler() -> Result<V, E> { todo!() } });
        assert!(
            none[0].starts_with("the handler takes no argument"),
            "{none:?}"
        );
        let two = errors(quote! {
            async fn handler(e: LambdaEvent<V>, c: Context) -> Result<V, E> { todo!() }
        });
        assert!(two[0].contains("takes exactly one argument"), "{two:?}");
        assert!(two[0].contains("this one takes 2"), "{two:?}");
    }

    #[test]
    fn argument_must_be_a_lambda_event() {
        for ty in [
            quote!(Value),
            quote!(LambdaEvent),
            quote!(LambdaEvent<A, B>),
            quote!(&LambdaEvent<V>),
        ] {
            let errors = errors(quote! { async fn handler(e: #ty) -> Result<V, E> { todo!() } });
            assert!(
                errors[0].contains("must be a `LambdaEvent<T>`"),
                "{ty}: {errors:?}"
            );
        }
    }

    #[test]
    fn return_type_must_be_a_result() {
        let missing = errors(quote! { async fn handler(e: LambdaEvent<V>) { todo!() } });
        assert!(
            missing[0].starts_with("the handler has no return type"),
            "{missing:?}"
        );
        let other = errors(quote! { async fn handler(e: LambdaEvent<V>) -> Value { todo!() } });
        assert!(
            other[0].contains("must return a `Result<R, E>`, not `Value`"),
            "{other:?}"
        );
    }

    #[test]
    fn self_receiver_is_rejected() {
        let errors = errors(quote! {
            async fn handler(&self, e: LambdaEvent<V>) -> Result<V, E> { todo!() }
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("cannot take `self`"), "{errors:?}");
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let errors = errors(quote! { fn handler(a: u8, b: u8) {} });
        assert_eq!(errors.len(), 3, "{errors:?}");
    }
}
