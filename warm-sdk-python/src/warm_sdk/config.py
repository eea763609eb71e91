"""How warm-ups are recognised and how long they may hold."""

from __future__ import annotations

from dataclasses import dataclass

#: The default flag key: a warm-up is a JSON object whose ``warmer`` field is ``true``.
DEFAULT_FLAG_KEY = "warmer"
#: The delay held when a warm-up names none, in milliseconds.
DEFAULT_DELAY_MS = 75
#: The most a warm-up may hold unless configured otherwise, in milliseconds.
DEFAULT_MAX_DELAY_MS = 10_000
#: The time kept free before the invocation's deadline, in milliseconds.
DEFAULT_DEADLINE_MARGIN_MS = 200


@dataclass(frozen=True)
class WarmConfig:
    """Settings for recognising and answering warm-ups; the defaults are warm-sdk's.

    >>> WarmConfig(max_delay_ms=2000).flag_key
    'warmer'
    >>> WarmConfig(default_delay_ms=-1)
    Traceback (most recent call last):
    ...
    ValueError: WarmConfig.default_delay_ms is -1: give a whole number of milliseconds, 0 or more (e.g. default_delay_ms=75)
    """

    flag_key: str = DEFAULT_FLAG_KEY
    default_delay_ms: int = DEFAULT_DELAY_MS
    max_delay_ms: int = DEFAULT_MAX_DELAY_MS
    deadline_margin_ms: int = DEFAULT_DEADLINE_MARGIN_MS

    def __post_init__(self) -> None:
        if not isinstance(self.flag_key, str) or not self.flag_key:
            raise ValueError(
                f"WarmConfig.flag_key is {self.flag_key!r}: give a non-empty string "
                f'(e.g. flag_key="warmer")'
            )
        for name, example in (
            ("default_delay_ms", DEFAULT_DELAY_MS),
            ("max_delay_ms", DEFAULT_MAX_DELAY_MS),
            ("deadline_margin_ms", DEFAULT_DEADLINE_MARGIN_MS),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"WarmConfig.{name} is {value!r}: give a whole number of milliseconds, "
                    f"0 or more (e.g. {name}={example})"
                )
