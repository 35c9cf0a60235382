"""One classifier for the router's classifier tests (building it takes about a second).

Not a conftest: other router tests live in this folder and need none of this.
"""

from __future__ import annotations

from functools import cache

from router.classifier import LexiconClassifier
from tests.support.paths import DATA

DEV_SET = DATA / "router_dev.jsonl"


@cache
def shared_classifier() -> LexiconClassifier:
    # Read-only after construction; sharing it across tests is safe.
    return LexiconClassifier.from_data()
