"""Answering a warm-up: hold for the capped delay, log one line, build the answer.

The hold is the requested delay capped by ``max_delay_ms`` and by the time left before the
invocation's deadline minus ``deadline_margin_ms``; a warm-up naming ``hold_until_ms``
holds until that instant instead, never negative and never longer than that cap.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional, Tuple

from .config import WarmConfig
from .environment import Environment, Invocation
from .log import write_line
from .warmup import Warmup

#: The message of the one INFO line logged per warm-up.
WARMUP_LOG_MESSAGE = "warm-up answered"


def effective_delay_ms(requested: int, config: WarmConfig, deadline_ms: int, now_ms: int) -> int:
    """``requested`` capped by the maximum and the time left before the deadline minus the
    margin (0 when that time has run out).

    >>> effective_delay_ms(5000, WarmConfig(), deadline_ms=1700, now_ms=1000)
    500
    """
    left = max(0, max(0, deadline_ms - now_ms) - config.deadline_margin_ms)
    return min(requested, config.max_delay_ms, left)


def hold_for(warmup: Warmup, config: WarmConfig, deadline_ms: int, now_ms: int) -> int:
    """How long ``warmup`` holds, in milliseconds (see the module docs)."""
    bound = effective_delay_ms(warmup.delay_ms, config, deadline_ms, now_ms)
    if warmup.hold_until_ms is None:
        return bound
    return min(max(0, warmup.hold_until_ms - now_ms), bound)


def _deadline_ms(context: Any, now_ms: int) -> int:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        # No Lambda context (a plain call): nothing but the maximum bounds the hold.
        return now_ms + (1 << 62)
    return now_ms + int(remaining())


def answer(
    warmup: Warmup,
    invocation: Invocation,
    context: Any,
    config: WarmConfig,
    environment: Environment,
) -> Dict[str, Any]:
    """Holds, logs the warm-up and returns the answer (warm-sdk's ``WarmupResponse``)."""
    held = environment.hold(1)
    try:
        now = time.time()
        now_ms = int(now * 1000)
        delay = hold_for(warmup, config, _deadline_ms(context, now_ms), now_ms)
        request_id = getattr(context, "aws_request_id", None)
        concurrent = held if held > 1 else None
        for warning in warmup.warnings:
            fields = [("request_id", request_id), ("instance", environment.instance)]
            write_line("WARN", str(warning), fields, now)
        fields = _log_fields(warmup, invocation, environment, request_id, delay, concurrent)
        write_line("INFO", WARMUP_LOG_MESSAGE, fields, now)
        started = time.monotonic()
        if delay > 0:
            time.sleep(delay / 1000)
        held_ms = int((time.monotonic() - started) * 1000)
        return _response(warmup, invocation, environment, held_ms, concurrent, now_ms)
    finally:
        environment.hold(-1)


def _env(name: str) -> str:
    return os.environ.get(name, "")


def _log_fields(
    warmup: Warmup,
    invocation: Invocation,
    environment: Environment,
    request_id: Optional[str],
    delay: int,
    concurrent: Optional[int],
) -> List[Tuple[str, Any]]:
    return [
        ("request_id", request_id),
        ("function", _env("AWS_LAMBDA_FUNCTION_NAME")),
        ("version", _env("AWS_LAMBDA_FUNCTION_VERSION")),
        ("log_stream", _env("AWS_LAMBDA_LOG_STREAM_NAME")),
        ("instance", environment.instance),
        ("init_type", environment.init_type),
        ("cold", invocation.cold),
        ("invocations", invocation.number),
        ("delay_ms", delay),
        ("requested_delay_ms", warmup.delay_ms),
        ("dialect", warmup.dialect),
        ("max_concurrency", environment.max_concurrency),
        ("concurrent_warm_ups", concurrent),
        ("correlation_id", warmup.correlation_id),
        ("index", warmup.index),
        ("fan_out_requested", warmup.fan_out),
    ]


def _response(
    warmup: Warmup,
    invocation: Invocation,
    environment: Environment,
    held_ms: int,
    concurrent: Optional[int],
    received_at_ms: int,
) -> Dict[str, Any]:
    response = {
        "warmed": True,
        "function": _env("AWS_LAMBDA_FUNCTION_NAME"),
        "version": _env("AWS_LAMBDA_FUNCTION_VERSION"),
        "log_stream": _env("AWS_LAMBDA_LOG_STREAM_NAME"),
        "instance": environment.instance,
        "cold": invocation.cold,
        "invocations": invocation.number,
        "delay_ms": held_ms,
        "correlation_id": warmup.correlation_id,
        "index": warmup.index,
        "max_concurrency": environment.max_concurrency,
        "concurrent_warm_ups": concurrent,
        "init_type": environment.init_type,
        "fan_out_requested": warmup.fan_out,
        "received_at_ms": received_at_ms,
    }
    return {key: value for key, value in response.items() if value is not None}
