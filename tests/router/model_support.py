"""One deployed (hybrid) classifier for the router's tests (built once: ~1 s)."""

from __future__ import annotations

from functools import cache

from router.hybrid import HybridClassifier


@cache
def shared_hybrid() -> HybridClassifier:
    # Read-only after construction; sharing it across tests is safe.
    return HybridClassifier.from_data()
