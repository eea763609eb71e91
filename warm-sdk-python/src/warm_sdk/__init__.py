"""Warm-up handlers for AWS Lambda functions in Python: answer a warmer with proof of which
execution environment answered, and pass every other event to the handler unchanged.

One protocol with warm-sdk (Rust) and warm-sdk-node: the same payloads are warm-ups, the
same answer and the same log line come back.

>>> from warm_sdk import warmable
>>> @warmable
... def handler(event, context):
...     return {"statusCode": 200}
>>> handler({"path": "/"}, None)
{'statusCode': 200}
>>> handler({"warmer": True, "delay": 0}, None)["warmed"]
True
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

from .answering import WARMUP_LOG_MESSAGE, answer, effective_delay_ms, hold_for
from .config import WarmConfig
from .detection import MAX_CORRELATION_ID_LEN, SERVERLESS_PLUGIN_WARMUP_SOURCE, detect
from .environment import Environment, Invocation, current
from .warmup import Warmup, WarmupWarning

__all__ = [
    "MAX_CORRELATION_ID_LEN",
    "SERVERLESS_PLUGIN_WARMUP_SOURCE",
    "WARMUP_LOG_MESSAGE",
    "Environment",
    "Invocation",
    "WarmConfig",
    "Warmup",
    "WarmupWarning",
    "answer",
    "current",
    "detect",
    "effective_delay_ms",
    "hold_for",
    "warmable",
]

Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


def warmable(handler: Optional[Handler] = None, *, config: Optional[WarmConfig] = None) -> Any:
    """Wraps a Lambda handler ``(event, context)``: a warm-up is answered here (the handler
    never runs), every other event reaches the handler unchanged.

    Use as ``@warmable`` or ``@warmable(config=WarmConfig(max_delay_ms=2000))``. Every
    invocation is counted, so the answer's ``invocations`` and ``cold`` are right.
    """
    if handler is None:
        return functools.partial(warmable, config=config)
    settings = config or WarmConfig()

    @functools.wraps(handler)
    def wrapper(event: Any, context: Any) -> Any:
        environment = current()
        request_id = getattr(context, "aws_request_id", "") or ""
        invocation = environment.begin_invocation(request_id)
        warmup = detect(event, settings)
        if warmup is None:
            return handler(event, context)
        return answer(warmup, invocation, context, settings, environment)

    return wrapper
