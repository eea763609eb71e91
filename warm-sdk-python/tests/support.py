"""Test support: the package from ``src/`` and the shared corpus of warm-sdk."""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

#: The corpus warm-sdk (Rust) and warm-sdk-node run too; WARM_CORPUS_DIR overrides.
CORPUS = Path(os.environ.get("WARM_CORPUS_DIR", HERE.parent.parent / "warm-sdk" / "tests" / "corpus"))

#: What a handler given the parsed event cannot see (see detect.json's `about`).
UNSEEN = {"raw_bytes"}


def corpus(name):
    with open(CORPUS / name, encoding="utf-8") as file:
        return json.load(file)


def config_of(case):
    from warm_sdk import WarmConfig

    return WarmConfig(**case.get("config", {}))


class Context:
    """The attributes of awslambdaric's LambdaContext that warm_sdk reads."""

    def __init__(self, request_id="request-1", remaining_ms=30_000):
        self.aws_request_id = request_id
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self._remaining_ms
