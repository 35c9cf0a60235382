"""The router's errors: it is pure, so they are plain exceptions that its callers
(the shell, at start-up) report."""

from __future__ import annotations


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the entry."""
