"""Fixtures shared by the org map unit tests."""

from __future__ import annotations

import pytest

from core.orgmap.demo import DemoData, generate_demo


@pytest.fixture(scope="session")
def demo() -> DemoData:
    # Generating the city takes a fraction of a second; share one copy (never mutated).
    return generate_demo()
