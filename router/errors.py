"""The router's errors. The router is pure: these are raised to its callers (the shell
at start-up, ``liandong classify``, the intake worker), which report them.

    ValueError
    └── LexiconError                 a lexicon file is malformed (start-up)
    LiandongError (core.errors)
    ├── ModelError                   500 classifier-model-unreadable (start-up)
    └── InvalidInput                 422
        └── TextTooLong              422 text-too-long (more than MAX_CLASSIFY_CHARS)
"""

from __future__ import annotations

from core.errors import InvalidInput, LiandongError


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the entry."""


class ModelError(LiandongError):
    """The trained model's files are missing or do not fit together."""

    error_id = "classifier-model-unreadable"


class TextTooLong(InvalidInput):
    """More text than one contact can hold; callers cut it (the intake worker) or report
    it (``liandong classify``)."""

    error_id = "text-too-long"
