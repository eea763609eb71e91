"""What this execution environment has served: an instance id fixed for the life of the
process, the invocation count, how Lambda initialized it, and which invocation was cold.

``cold`` is true for the environment's first invocation only when it waited for the init:
under ``AWS_LAMBDA_INITIALIZATION_TYPE`` ``on-demand`` (also when unset or unknown), never
under ``provisioned-concurrency``, ``snap-start`` or ``lambda-managed-instances``.

>>> env = Environment(init_type="on-demand")
>>> env.begin_invocation("a").cold, env.begin_invocation("b").cold
(True, False)
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from typing import Optional

INIT_TYPES = ("on-demand", "provisioned-concurrency", "snap-start", "lambda-managed-instances")
INITIALIZATION_TYPE_ENV = "AWS_LAMBDA_INITIALIZATION_TYPE"
MAX_CONCURRENCY_ENV = "AWS_LAMBDA_MAX_CONCURRENCY"


@dataclass(frozen=True)
class Invocation:
    """One invocation as the environment counted it: its number (1 for the first), and
    whether it was the cold one."""

    number: int
    cold: bool


def init_type_of(value: Optional[str]) -> str:
    """Lambda's name for the init type; unset is ``on-demand``, other values ``unknown``."""
    if value is None:
        return "on-demand"
    value = value.strip()
    return value if value in INIT_TYPES else "unknown"


def max_concurrency_of(value: Optional[str]) -> Optional[int]:
    """``AWS_LAMBDA_MAX_CONCURRENCY`` when it is a whole number above 1, else ``None``."""
    try:
        n = int((value or "").strip())
    except ValueError:
        return None
    return n if 1 < n < (1 << 32) else None


class Environment:
    """The state of one execution environment; :func:`current` is this process's."""

    def __init__(self, init_type: Optional[str] = None, max_concurrency: Optional[int] = None):
        self.init_type = init_type_of(init_type)
        self.max_concurrency = max_concurrency if (max_concurrency or 0) > 1 else None
        self._lock = threading.Lock()
        self._instance: Optional[str] = None
        self._invocations = 0
        self._first_request: Optional[str] = None
        self._held = 0

    @property
    def instance(self) -> str:
        """16 hex digits from the OS's entropy, made at the first invocation, never at import
        (a SnapStart snapshot is taken after init: each restored environment makes its own)."""
        with self._lock:
            if self._instance is None:
                self._instance = secrets.token_hex(8)
            return self._instance

    def begin_invocation(self, request_id: str) -> Invocation:
        """Counts an invocation, whatever its event, and tells whether it was the cold one."""
        self.instance  # made here, at the environment's first invocation
        with self._lock:
            self._invocations += 1
            number = self._invocations
            if self._first_request is None:
                self._first_request = request_id
            first = self._first_request == request_id and request_id != ""
        cold = first and self.init_type in ("on-demand", "unknown")
        return Invocation(number=number, cold=cold)

    def hold(self, delta: int) -> int:
        """Adds ``delta`` to the warm-ups being held; returns the count after."""
        with self._lock:
            self._held += delta
            return self._held


_CURRENT: Optional[Environment] = None
_CURRENT_LOCK = threading.Lock()


def current() -> Environment:
    """This process's environment, made on first use from Lambda's variables."""
    global _CURRENT
    with _CURRENT_LOCK:
        if _CURRENT is None:
            _CURRENT = Environment(
                os.environ.get(INITIALIZATION_TYPE_ENV),
                max_concurrency_of(os.environ.get(MAX_CONCURRENCY_ENV)),
            )
        return _CURRENT
