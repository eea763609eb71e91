"""The warm-up's log line, shaped as warm-sdk (Rust) writes it, to standard error.

Lambda sends a function's standard output and standard error to its log stream. The line is
JSON when ``AWS_LAMBDA_LOG_FORMAT`` is ``JSON`` (any case), text otherwise, as warm-sdk's:

- JSON: ``{"timestamp": "...Z", "level": "INFO", "fields": {"message": "warm-up answered",
  "function": ..., ...}}`` (the shape of ``lambda_runtime``'s default subscriber, so one
  Logs Insights query, ``filter fields.message = "warm-up answered"``, counts every runtime);
- text: ``2026-12-06T19:55:00.123Z INFO warm-up answered function=orders cold=true ...``.

A field without a value is left out. With the JSON log format, Lambda reads the line's
``level`` and RFC 3339 ``timestamp`` for log-level filtering: a function whose application log
level is ``WARN`` or above does not get the INFO line ("Log-level filtering": JSON objects
written to stdout or stderr "that contain a key value pair with the key "level"",
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any, Optional, Sequence, Tuple

LOG_FORMAT_ENV = "AWS_LAMBDA_LOG_FORMAT"
Fields = Sequence[Tuple[str, Any]]


def json_format() -> bool:
    """Whether ``AWS_LAMBDA_LOG_FORMAT`` asks for JSON."""
    return os.environ.get(LOG_FORMAT_ENV, "").lower() == "json"


def timestamp(now: float) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmmZ`` (UTC) for ``now`` in seconds since the epoch."""
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def format_line(level: str, message: str, fields: Fields, as_json: bool, now: float) -> str:
    """One line for ``message`` with ``fields`` in order.

    >>> format_line("INFO", "m", [("a", 1), ("b", None), ("c", "x y")], False, 0.005)
    '1970-01-01T00:00:00.005Z INFO m a=1 c=x y'
    """
    present = [(key, value) for key, value in fields if value is not None]
    if as_json:
        nested = dict([("message", message)] + present)
        line = {"timestamp": timestamp(now), "level": level, "fields": nested}
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))
    parts = [f"{timestamp(now)} {level} {message}"]
    for key, value in present:
        text = value if isinstance(value, str) else json.dumps(value)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def write_line(level: str, message: str, fields: Fields, now: Optional[float] = None) -> None:
    """Writes the line to standard error; a failed write is ignored (the warm-up is
    answered whether or not its line could be written)."""
    line = format_line(level, message, fields, json_format(), time.time() if now is None else now)
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
