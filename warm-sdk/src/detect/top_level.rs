//! Walking the payload's top-level object, keeping the fields a warm-up may carry as
//! written (escaped key spellings are other keys).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::scalar::{Scalar, ScalarVisitor, read_field};

/// Where `part`, a slice of `whole`, starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The key as written, quotes included, in the text between the previous value's end and a
/// value's start (`{ "key" :` or `, "key" :`): only whitespace and punctuation surround it.
fn written_key(between: &str) -> &str {
    match (between.find('"'), between.rfind('"')) {
        (Some(open), Some(close)) if open < close => &between[open..=close],
        _ => "",
    }
}

/// An object key, borrowed from the payload when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The top-level fields detection reads; for a repeated key the last one wins.
#[derive(Debug, Default)]
pub(super) struct Fields<'de> {
    pub(super) flag: Option<Scalar<'de>>,
    pub(super) source: Option<Scalar<'de>>,
    pub(super) delay: Option<Scalar<'de>>,
    pub(super) hold_until_ms: Option<Scalar<'de>>,
    pub(super) correlation_id: Option<Scalar<'de>>,
    pub(super) index: Option<Scalar<'de>>,
    pub(super) concurrency: Option<Scalar<'de>>,
    pub(super) warmer_invocation: Option<Scalar<'de>>,
    pub(super) warmer_concurrency: Option<Scalar<'de>>,
    pub(super) warmer_correlationid: Option<Scalar<'de>>,
    pub(super) warmer_correlation_id: Option<Scalar<'de>>,
}

/// Parses a top-level object into [`Fields`]; any other top-level value yields `None`.
pub(super) struct TopLevel<'de, 'k> {
    /// The whole payload, to find an escaped key's spelling.
    pub(super) payload: &'de str,
    pub(super) flag_key: &'k str,
    /// The flag key as a JSON writer spells it, quotes included.
    pub(super) flag_written: &'k [u8],
}

impl<'de> DeserializeSeed<'de> for TopLevel<'de, '_> {
    type Value = Option<Fields<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'de, '_> {
    type Value = Option<Fields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Fields::default();
        // Where the previous value ended: an escaped key is spelled between it and its value.
        let mut previous_end = 0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let value = map.next_value::<&'de RawValue>()?.get();
            let start = offset_in(self.payload, value);
            let between = self.payload.get(previous_end..start).unwrap_or_default();
            previous_end = start + value.len();
            // A key spelled as written is borrowed, except a flag key that JSON must escape
            // (a quote, a control character): that one is compared as written.
            let written = match &key {
                Cow::Borrowed(_) => true,
                Cow::Owned(_) => {
                    key == self.flag_key && written_key(between).as_bytes() == self.flag_written
                }
            };
            if !written {
                continue;
            }
            let slot = if key == self.flag_key {
                &mut fields.flag
            } else {
                match key.as_ref() {
                    "source" => &mut fields.source,
                    "delay" => &mut fields.delay,
                    "hold_until_ms" => &mut fields.hold_until_ms,
                    "correlation_id" => &mut fields.correlation_id,
                    "index" => &mut fields.index,
                    "concurrency" => &mut fields.concurrency,
                    "__WARMER_INVOCATION__" => &mut fields.warmer_invocation,
                    "__WARMER_CONCURRENCY__" => &mut fields.warmer_concurrency,
                    "__WARMER_CORRELATIONID__" => &mut fields.warmer_correlationid,
                    "__WARMER_CORRELATION_ID__" => &mut fields.warmer_correlation_id,
                    _ => continue,
                }
            };
            *slot = Some(read_field(value));
        }
        Ok(Some(fields))
    }

    // Any other top-level value: consume it so that `end()` can check for trailing bytes.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarVisitor.visit_seq(seq).map(|_| None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}
