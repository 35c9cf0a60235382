"""The classifier port the intake pipeline and the desk depend on (``router`` implements
it; the shell's composition root hands the implementation in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# The most text one classification reads: a contact's text is capped at this by the API
# (core.cases.schemas); a longer transcript is cut to it by the intake worker. A
# classifier refuses more (router.errors.TextTooLong) rather than silently reading less.
MAX_CLASSIFY_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class Classification:
    category: str | None
    subtype: str | None
    emergency: bool
    priority: int  # 1 (most urgent) .. 4 (consultation)
    keywords: list[tuple[str, int, int]] = field(default_factory=list)  # word, start, end
    explanation: str = ""
    # Official name of the township-level unit the text mentions (新仁苗族乡 for
    # "新仁乡"), if any; a hint for location fusion, not a located point.
    town: str | None = None


@dataclass(frozen=True, slots=True)
class Label:
    """A category or subtype as the call taker's form shows it."""

    name: str
    label: str
    category: str | None = None  # a subtype's category


@dataclass(frozen=True, slots=True)
class Vocabulary:
    categories: tuple[Label, ...] = ()
    subtypes: tuple[Label, ...] = ()


class Classifier(Protocol):
    def classify(self, text: str, hotline: str | None) -> Classification:
        """At most ``MAX_CLASSIFY_CHARS`` characters; an empty text is classified by
        the hotline alone (a silent call is still a call)."""
        ...

    def vocabulary(self) -> Vocabulary:
        """The categories and subtypes the classifier knows, with their labels."""
        ...
