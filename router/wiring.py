"""How the composition root builds the router: one classifier per process."""

from __future__ import annotations

import functools

from core.triage.ports import Classification, Classifier, Vocabulary
from router.hybrid import HybridClassifier


@functools.cache
def default_classifier() -> Classifier:
    """Built on first use (about two seconds: lexicons, automata, pinyin keys, the
    learned model's arrays) and then shared; it is read-only, so every service in the
    process may use it."""
    return HybridClassifier.from_data(lang="zh", fuzzy=True)


class LazyClassifier:
    """The default classifier, built only if something classifies: for processes that
    rarely or never do (FastAGI, the telephony app), start-up stays fast."""

    def classify(self, text: str, hotline: str | None) -> Classification:
        return default_classifier().classify(text, hotline)

    def vocabulary(self) -> Vocabulary:
        return default_classifier().vocabulary()
