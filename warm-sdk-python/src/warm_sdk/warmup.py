"""What detection found: the recognised warm-up and the warnings about unusable fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

#: The dialects, as logged: which warmer sent a warm-up.
WARM = "warm"
LAMBDA_WARMER = "lambda-warmer"
LAMBDA_WARMER_PY = "lambda-warmer-py"
SERVERLESS_PLUGIN_WARMUP = "serverless-plugin-warmup"


@dataclass(frozen=True)
class WarmupWarning:
    """A warm-up field that was present but unusable; the warm-up is still answered.

    ``kind`` is ``invalid_delay``, ``invalid_field`` (``field`` names it) or
    ``fan_out_not_done`` (``requested`` is the fan-out asked for).
    """

    kind: str
    field: Optional[str] = None
    found: str = ""
    expected: str = ""
    default_ms: int = 0
    requested: int = 0

    def __str__(self) -> str:
        if self.kind == "invalid_delay":
            return (
                f"warm-up field `delay` is {self.found}, not a non-negative number of "
                f'milliseconds (send e.g. "delay": 300); holding the default {self.default_ms} ms'
            )
        if self.kind == "invalid_field":
            return (
                f"warm-up field `{self.field}` is {self.found}, not {self.expected}; "
                "the field is ignored"
            )
        n = self.requested
        return (
            f"warm-up asked this function to fan out to {n} environments (`concurrency` "
            "without `__WARMER_INVOCATION__`, as lambda-warmer's schedule pings send); this "
            "function does not invoke itself, so only this environment is warm: have the "
            f"warmer send {n} concurrent warm-ups instead (the `warmer` engine's "
            "`concurrency` setting)"
        )


@dataclass
class Warmup:
    """A recognised warm-up. ``delay_ms`` is as requested (or the default), not yet capped."""

    dialect: str
    delay_ms: int
    hold_until_ms: Optional[int] = None
    correlation_id: Optional[str] = None
    index: Optional[int] = None
    concurrency: Optional[int] = None
    fan_out: Optional[int] = None
    warnings: List[WarmupWarning] = field(default_factory=list)
