//! A JSON value as far as detection cares, read without building a tree.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value as far as detection cares: scalars kept (strings borrowed when unescaped),
/// arrays and objects skipped.
#[derive(Debug)]
pub(super) enum Scalar<'de> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    F64(f64),
    Str(Cow<'de, str>),
    Array,
    Object,
    /// Valid JSON that Rust cannot hold, kept as written: a number beyond `f64`'s range
    /// (`1e400`) or a string with a lone UTF-16 surrogate escape (`"\ud800"`).
    Unrepresentable(&'de str),
}

impl Scalar<'_> {
    /// A short description for warnings: `the string "soon"`, `-5`, `an array`.
    pub(super) fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".to_owned(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::U64(n) => n.to_string(),
            Scalar::I64(n) => n.to_string(),
            Scalar::F64(n) => n.to_string(),
            Scalar::Str(s) if s.len() > 40 => {
                let mut end = 40;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                format!("a string of {} bytes starting {:?}", s.len(), &s[..end])
            }
            Scalar::Str(s) => format!("the string {s:?}"),
            Scalar::Array => "an array".to_owned(),
            Scalar::Object => "an object".to_owned(),
            Scalar::Unrepresentable(raw) if raw.len() > 40 => {
                format!("{} bytes of JSON beyond what Rust can hold", raw.len())
            }
            Scalar::Unrepresentable(raw) => format!("{raw} (beyond what Rust can hold)"),
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

pub(super) struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Object)
    }
}

/// Reads a field's value, taken as written (which JSON's grammar has checked), as a
/// [`Scalar`]: a value Rust cannot hold becomes [`Scalar::Unrepresentable`] instead of failing
/// the whole payload, so it is judged like any other unusable value of that field (the same
/// number in a field detection skips never failed the payload either).
pub(super) fn read_field(text: &str) -> Scalar<'_> {
    let mut value = serde_json::Deserializer::from_str(text);
    <Scalar<'_> as de::Deserialize>::deserialize(&mut value)
        .unwrap_or(Scalar::Unrepresentable(text))
}
