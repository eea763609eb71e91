"""A parsed JSON value seen as warm-sdk (Rust) sees it: which kind of number, which string."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Tuple

U64_END = 1 << 64
I64_START = -(1 << 63)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# Kinds: null, bool, u64, i64, f64, str, array, object, unrepresentable.
Kind = Tuple[str, Any]


def kind(value: Any) -> Kind:
    """Classifies a value as Rust's ``serde_json`` reads it from the same JSON text.

    >>> kind(3), kind(-3), kind(3.0), kind(float("inf"))[0]
    (('u64', 3), ('i64', -3), ('f64', 3.0), 'unrepresentable')
    """
    if value is None:
        return ("null", None)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        if 0 <= value < U64_END:
            return ("u64", value)
        if I64_START <= value < 0:
            return ("i64", value)
        try:
            return _float(float(value))
        except OverflowError:
            return ("unrepresentable", value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        # json.loads joins surrogate pairs; one left is lone, which Rust cannot hold.
        if _LONE_SURROGATE.search(value):
            return ("unrepresentable", value)
        return ("str", value)
    if isinstance(value, (list, tuple)):
        return ("array", None)
    if isinstance(value, dict):
        return ("object", None)
    return ("unrepresentable", value)


def _float(value: float) -> Kind:
    return ("f64", value) if math.isfinite(value) else ("unrepresentable", value)


def saturating_ms(value: float) -> int:
    """A non-negative float of milliseconds rounded down, at most 2^64 - 1."""
    return min(int(value), U64_END - 1)


def describe(k: Kind) -> str:
    """A short description for warnings: ``the string "soon"``, ``-5``, ``an array``."""
    name, value = k
    if name == "null":
        return "null"
    if name == "bool":
        return "true" if value else "false"
    if name in ("u64", "i64"):
        return str(value)
    if name == "f64":
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if name == "str":
        size = len(value.encode("utf-8"))
        if size > 40:
            start = value.encode("utf-8")[:40].decode("utf-8", "ignore")
            return f"a string of {size} bytes starting {json.dumps(start, ensure_ascii=False)}"
        return f"the string {json.dumps(value, ensure_ascii=False)}"
    if name == "array":
        return "an array"
    if name == "object":
        return "an object"
    if isinstance(value, str):
        return "a string with a lone UTF-16 surrogate (beyond what Rust can hold)"
    return f"{value!r} (beyond what Rust can hold)"
