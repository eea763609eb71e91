"""Recognising a warm-up in an invocation's event, as warm-sdk (Rust) does.

The event is the payload as the runtime parsed it (a ``dict`` for a JSON object). Only
top-level keys count: an API Gateway event whose ``body`` is ``{"warmer": true}`` is user
traffic. The flag must be the boolean ``true``. The payloads of jeremydaly/lambda-warmer,
lambda-warmer-py and serverless-plugin-warmup (``{"source": "serverless-plugin-warmup"}``)
are recognised too. A field present but unusable keeps its default and adds a warning.

>>> detect({"warmer": True, "delay": 300, "index": 2}).delay_ms
300
>>> detect({"body": '{"warmer": true}'}) is None
True
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence

from .config import WarmConfig
from .values import describe, kind, saturating_ms
from .warmup import (
    LAMBDA_WARMER,
    LAMBDA_WARMER_PY,
    SERVERLESS_PLUGIN_WARMUP,
    WARM,
    Warmup,
    WarmupWarning,
)

#: The ``source`` value of serverless-plugin-warmup's default payload.
SERVERLESS_PLUGIN_WARMUP_SOURCE = "serverless-plugin-warmup"
#: The longest correlation id echoed back, in UTF-8 bytes.
MAX_CORRELATION_ID_LEN = 256
U32_MAX = (1 << 32) - 1
_MISSING = object()
_EPOCH_MS = (
    "a whole number of milliseconds since the Unix epoch (the warm-up holds for its "
    "`delay` instead)"
)


def detect(event: Any, config: Optional[WarmConfig] = None) -> Optional[Warmup]:
    """The warm-up ``event`` is, or ``None`` for user traffic. Never raises."""
    config = config or WarmConfig()
    if not isinstance(event, Mapping):
        return None
    key = config.flag_key
    if event.get(key, _MISSING) is True:
        return _read(event, config, plugin=False)
    if key != "source" and event.get("source") == SERVERLESS_PLUGIN_WARMUP_SOURCE:
        return _read(event, config, plugin=True)
    return None


def _read(event: Mapping, config: WarmConfig, plugin: bool) -> Warmup:
    def field(name: str) -> Any:
        # A field named like the flag key is the flag, whatever else it could mean.
        return _MISSING if name == config.flag_key else event.get(name, _MISSING)

    def present(name: str) -> bool:
        return field(name) is not _MISSING

    warnings: List[WarmupWarning] = []
    js, py = present("__WARMER_CORRELATIONID__"), present("__WARMER_CORRELATION_ID__")
    dialect = WARM
    if plugin:
        dialect = SERVERLESS_PLUGIN_WARMUP
    elif js and not py and not present("delay"):
        dialect = LAMBDA_WARMER
    elif py and not js and not present("delay"):
        dialect = LAMBDA_WARMER_PY
    fan_out = _fan_out(field("concurrency"), present("index") or present("__WARMER_INVOCATION__"))
    if fan_out is not None:
        warnings.append(WarmupWarning("fan_out_not_done", requested=fan_out))
    delay = _delay(field("delay"), config.default_delay_ms, warnings)
    hold = field("hold_until_ms")
    hold_until = None if hold is _MISSING else _epoch_ms(hold, warnings)
    correlation = _first(
        field, ["correlation_id", "__WARMER_CORRELATIONID__", "__WARMER_CORRELATION_ID__"]
    )
    index = _first(field, ["index", "__WARMER_INVOCATION__"])
    concurrency = _first(field, ["__WARMER_CONCURRENCY__", "concurrency"])
    return Warmup(
        dialect=dialect,
        delay_ms=delay,
        hold_until_ms=hold_until,
        correlation_id=correlation and _correlation_id(*correlation, warnings),
        index=index and _count(*index, warnings),
        concurrency=concurrency and _count(*concurrency, warnings),
        fan_out=fan_out,
        warnings=warnings,
    )


def _first(field: Any, names: Sequence[str]) -> Optional[tuple]:
    """The first of ``names`` present, with its value."""
    for name in names:
        value = field(name)
        if value is not _MISSING:
            return (name, value)
    return None


def _fan_out(concurrency: Any, positioned: bool) -> Optional[int]:
    if concurrency is _MISSING or positioned:
        return None
    name, n = kind(concurrency)
    return min(n, U32_MAX) if name == "u64" and n > 1 else None


def _delay(value: Any, default: int, warnings: List[WarmupWarning]) -> int:
    if value is _MISSING:
        return default
    k = kind(value)
    if k[0] == "u64":
        return k[1]
    if k[0] == "f64" and k[1] >= 0:
        return saturating_ms(k[1])
    warnings.append(WarmupWarning("invalid_delay", found=describe(k), default_ms=default))
    return default


def _epoch_ms(value: Any, warnings: List[WarmupWarning]) -> Optional[int]:
    k = kind(value)
    if k[0] == "u64":
        return k[1]
    if k[0] == "f64" and k[1] >= 0:
        return saturating_ms(k[1])
    warnings.append(WarmupWarning("invalid_field", "hold_until_ms", describe(k), _EPOCH_MS))
    return None


def _count(name: str, value: Any, warnings: List[WarmupWarning]) -> Optional[int]:
    k = kind(value)
    if k[0] == "u64" and k[1] <= U32_MAX:
        return k[1]
    expected = "a whole number from 0 to 4294967295"
    warnings.append(WarmupWarning("invalid_field", name, describe(k), expected))
    return None


def _correlation_id(name: str, value: Any, warnings: List[WarmupWarning]) -> Optional[str]:
    k = kind(value)
    if k[0] == "str" and len(k[1].encode("utf-8")) <= MAX_CORRELATION_ID_LEN:
        return k[1]
    if k[0] in ("u64", "i64"):
        return str(k[1])
    expected = "a string of at most 256 bytes"
    warnings.append(WarmupWarning("invalid_field", name, describe(k), expected))
    return None

