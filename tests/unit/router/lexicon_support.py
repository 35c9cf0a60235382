"""One classifier for the router's classifier tests (building it takes about a second).

Not a conftest: other router tests live in this folder and need none of this.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from router.classifier import LexiconClassifier

DEV_SET = Path(__file__).resolve().parents[2] / "data" / "router_dev.jsonl"


@cache
def shared_classifier() -> LexiconClassifier:
    # Read-only after construction; sharing it across tests is safe.
    return LexiconClassifier.from_data()
