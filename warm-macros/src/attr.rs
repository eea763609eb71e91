//! Parsing of the `#[warmable(...)]` arguments.
//!
//! ```text
//! #[warmable(flag = "warmer", max_delay = "10s", crate = "warm_sdk")]
//! ```

use std::time::Duration;

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{LitStr, Path, Token};

mod kw {
    syn::custom_keyword!(flag);
    syn::custom_keyword!(max_delay);
}

/// The valid argument names, as an error message lists them.
const VALID: &str = "`flag`, `max_delay` and `crate`";

/// The arguments of one `#[warmable]` attribute; every field is optional.
#[derive(Debug, Default)]
pub(crate) struct Args {
    /// `flag = "..."`: the top-level key that marks a payload as a warm-up.
    pub(crate) flag: Option<LitStr>,
    /// `max_delay = "..."`: the longest a warm-up may hold, parsed at compile time.
    pub(crate) max_delay: Option<MaxDelay>,
    /// `crate = "..."`: the path of `warm_sdk` when the dependency is renamed.
    pub(crate) krate: Option<Path>,
}

/// A `max_delay` literal and the duration it names.
#[derive(Debug)]
pub(crate) struct MaxDelay {
    /// The literal as written, so errors and expansions can point at it.
    pub(crate) lit: LitStr,
    /// The duration, whole milliseconds.
    pub(crate) millis: u64,
}

impl Args {
    /// `true` when the handler needs its own warm-up configuration (anything but the defaults).
    pub(crate) fn has_config(&self) -> bool {
        self.flag.is_some() || self.max_delay.is_some()
    }
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::flag) {
                let key = input.parse::<kw::flag>()?;
                let lit = parse_value(input)?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "the flag key must not be empty: name the top-level field that marks a \
                         warm-up, e.g. `flag = \"warmer\"`",
                    ));
                }
                set_once(&mut args.flag, lit, key.span, "flag")?;
            } else if lookahead.peek(kw::max_delay) {
                let key = input.parse::<kw::max_delay>()?;
                let lit = parse_value(input)?;
                let millis = parse_duration(&lit)?;
                set_once(
                    &mut args.max_delay,
                    MaxDelay { lit, millis },
                    key.span,
                    "max_delay",
                )?;
            } else if lookahead.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?;
                let lit = parse_value(input)?;
                let path = lit.parse::<Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        format!(
                            "`{}` is not a path: give the name under which the `warm_sdk` crate \
                             is a dependency, e.g. `crate = \"warm_sdk\"`",
                            lit.value()
                        ),
                    )
                })?;
                set_once(&mut args.krate, path, key.span, "crate")?;
            } else if input.peek(syn::Ident) {
                let ident: syn::Ident = input.parse()?;
                return Err(syn::Error::new(
                    ident.span(),
                    format!("unknown argument `{ident}`: the valid arguments are {VALID}"),
                ));
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// Parses `= "literal"` after an argument name.
fn parse_value(input: ParseStream<'_>) -> syn::Result<LitStr> {
    input.parse::<Token![=]>()?;
    input.parse::<LitStr>()
}

/// Stores `value` in `slot`, or fails on the second occurrence of the argument `name`.
///
/// The one place that says "specified more than once", so every argument reports it alike.
fn set_once<T>(slot: &mut Option<T>, value: T, span: Span, name: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("`{name}` is specified more than once: remove one of them"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

/// Parses a `max_delay` literal ("10s", "1500ms", "2m") into whole milliseconds.
fn parse_duration(lit: &LitStr) -> syn::Result<u64> {
    let text = lit.value();
    let duration: Duration = humantime::parse_duration(&text).map_err(|err| {
        syn::Error::new(
            lit.span(),
            format!(
                "`{text}` is not a duration ({err}): write a number and a unit, e.g. \
                 `max_delay = \"10s\"` or `max_delay = \"1500ms\"`"
            ),
        )
    })?;
    u64::try_from(duration.as_millis()).map_err(|_| {
        syn::Error::new(
            lit.span(),
            format!("`{text}` is too long for a delay: use at most a few minutes, e.g. `\"10s\"`"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<Args> {
        syn::parse_str::<Args>(tokens)
    }

    fn error(tokens: &str) -> String {
        parse(tokens)
            .expect_err("the arguments should be rejected")
            .to_string()
    }

    #[test]
    fn no_arguments_means_defaults() {
        let args = parse("").unwrap();
        assert!(args.flag.is_none() && args.max_delay.is_none() && args.krate.is_none());
        assert!(!args.has_config());
    }

    #[test]
    fn all_arguments_are_parsed() {
        let args = parse(r#"flag = "ping", max_delay = "2s", crate = "warm""#).unwrap();
        assert_eq!(args.flag.unwrap().value(), "ping");
        assert_eq!(args.max_delay.unwrap().millis, 2_000);
        let krate = args.krate.unwrap();
        assert_eq!(quote::quote!(#krate).to_string(), "warm");
    }

    #[test]
    fn trailing_comma_is_accepted() {
        assert!(parse(r#"flag = "ping","#).unwrap().has_config());
    }

    #[test]
    fn crate_alone_needs_no_config() {
        assert!(!parse(r#"crate = "::my_warm""#).unwrap().has_config());
    }

    #[test]
    fn durations_accept_humantime_units() {
        for (text, millis) in [
            ("1500ms", 1_500),
            ("10s", 10_000),
            ("2m", 120_000),
            ("0s", 0),
        ] {
            let args = parse(&format!(r#"max_delay = "{text}""#)).unwrap();
            assert_eq!(args.max_delay.unwrap().millis, millis, "{text}");
        }
    }

    #[test]
    fn bad_duration_says_how_to_write_one() {
        let message = error(r#"max_delay = "ten seconds""#);
        assert!(
            message.contains("`ten seconds` is not a duration"),
            "{message}"
        );
        assert!(
            message.contains(r#"max_delay = \"10s\""#) || message.contains("\"10s\""),
            "{message}"
        );
    }

    #[test]
    fn bare_number_is_not_a_duration() {
        assert!(error(r#"max_delay = "300""#).contains("is not a duration"));
    }

    #[test]
    fn unknown_argument_names_the_valid_ones() {
        let message = error(r#"delay = "1s""#);
        assert_eq!(
            message,
            "unknown argument `delay`: the valid arguments are `flag`, `max_delay` and `crate`"
        );
    }

    #[test]
    fn repeated_argument_is_rejected() {
        for args in [
            r#"flag = "a", flag = "b""#,
            r#"max_delay = "1s", max_delay = "2s""#,
            r#"crate = "a", crate = "b""#,
        ] {
            let message = error(args);
            assert!(message.contains("is specified more than once"), "{message}");
        }
    }

    #[test]
    fn empty_flag_is_rejected() {
        assert!(error(r#"flag = """#).contains("must not be empty"));
    }

    #[test]
    fn value_must_be_a_string_literal() {
        assert!(parse("max_delay = 10").is_err());
        assert!(parse("flag").is_err());
    }

    #[test]
    fn crate_must_be_a_path() {
        assert!(error(r#"crate = "not a path""#).contains("is not a path"));
    }
}
