"""The learned model as data: linear heads over ``router.features``, read with numpy.

Trained by ``router.training`` (scikit-learn, at ``liandong classify train``), stored in
``router/data/<lang>/model/`` as ``model.npz`` (vocabulary, one weight matrix, biases,
labels; no pickle) beside ``card.json`` (what it was trained on, when, how it scored,
and the blending policy chosen on the dev set). Using it needs numpy only.

One weight matrix holds every head, so a contact costs one gather and one sum::

    columns  [ categories (6) | emergency (1) | subtypes (n) ]
    row 0    zeros: the row of every feature the vocabulary does not know

Features are binary and the row sum is divided by the square root of how many known
features the contact has (the L2-normalised rows the heads were trained on).

Speed (``benchmarks/classifier_bench.py``): n-grams are not built as strings at run
time. Each 1-3-gram of the text is a 63-bit key made of its code points (21 bits
each), computed for the whole text at once with numpy; the distinct keys are looked up
in the sorted key array of the vocabulary (``searchsorted``). Only the category and
emergency columns are summed for every contact; subtype columns only when the
lexicon did not decide the subtype.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from router.errors import ModelError
from router.features import MAX_MODEL_CHARS

MODEL_FILE = "model.npz"
CARD_FILE = "card.json"
Floats = npt.NDArray[np.float32]
_SHORT = 60  # characters; see LinearModel.text_rows
_SHIFT = np.uint64(21)
_SHIFT2 = np.uint64(42)


def gram_key(feature: str) -> int | None:
    """The 63-bit key of a 1-3-character n-gram (None for hotline and cue features)."""
    if not 1 <= len(feature) <= 3 or feature[0] == "\x01":
        return None
    key = 0
    for i, ch in enumerate(feature):
        key |= ord(ch) << (21 * i)
    return key


@dataclass(frozen=True, slots=True)
class Policy:
    """How the model and the lexicon are combined; chosen on the dev set at training."""

    alpha: float  # weight of the lexicon's category scores against the model's log-odds
    emergency_threshold: float  # the model's P(emergency) at or above which it is one


class LinearModel:
    """Read-only after construction; ``scores`` keeps no state between calls."""

    def __init__(
        self,
        vocabulary: Sequence[str],
        weights: Floats,
        bias: Floats,
        categories: Sequence[str],
        subtypes: Sequence[str],
        policy: Policy,
        card: Mapping[str, Any] | None = None,
    ) -> None:
        k = len(categories) + 1 + len(subtypes)
        if weights.shape != (len(vocabulary) + 1, k) or bias.shape != (k,):
            raise ModelError(
                f"weights {weights.shape} / bias {bias.shape} do not fit "
                f"{len(vocabulary)} features and {k} outputs"
            )
        self.vocabulary = tuple(vocabulary)
        self._index = {f: i for i, f in enumerate(self.vocabulary, start=1)}
        self.weights = weights
        self.bias = bias
        self.categories = tuple(categories)
        self.subtypes = tuple(subtypes)
        self.emergency_column = len(self.categories)
        self.first_subtype = self.emergency_column + 1
        self.policy = policy
        self.card: Mapping[str, Any] = card or {}
        # The columns every contact needs as a float64 copy: ``take`` and ``sum`` over
        # float64 rows are the fastest path (measured: about half the time of float32
        # fancy indexing). The subtype columns, needed for some contacts only, are a
        # contiguous float32 copy (~18 MB): ``take`` on a strided view first copies the
        # whole matrix, which made every subtype lookup cost ~0.3 ms (measured).
        n_main = self.first_subtype
        self._main = np.ascontiguousarray(weights[:, :n_main], dtype=np.float64)
        self._main_bias = bias[:n_main].astype(np.float64)
        self._sub = np.ascontiguousarray(weights[:, n_main:])
        self._sub_bias = bias[n_main:].astype(np.float64)
        # How much each feature pushes each category against the others (evidence),
        # one contiguous row per category.
        cats = self._main[:, : len(self.categories)]
        self._push = np.ascontiguousarray((cats - cats.mean(axis=1, keepdims=True)).T)
        keys, rows = [], []
        for row, feature in enumerate(self.vocabulary, start=1):
            key = gram_key(feature)
            if key is not None:
                keys.append(key)
                rows.append(row)
        order = np.argsort(np.array(keys, dtype=np.uint64), kind="stable")
        self._keys = np.array(keys, dtype=np.uint64)[order]
        self._key_rows = np.array(rows, dtype=np.int64)[order]
        self._specials = {f: i for f, i in self._index.items() if gram_key(f) is None}

    def with_policy(self, policy: Policy) -> LinearModel:
        """The same weights (shared, not copied) combined another way (tuning)."""
        other = copy.copy(self)
        other.policy = policy
        return other

    def rows(self, features: Sequence[str]) -> tuple[list[int], int]:
        """Row indices of the distinct features (0 for unknown ones) and how many are
        known: the plain (slow) path, for training and tests; ``text_rows`` is the fast one."""
        idx = list(map(self._index.get, set(features), repeat(0)))
        return idx, len(idx) - idx.count(0)

    def text_rows(self, text: str, specials: Iterable[str] = ()) -> npt.NDArray[np.int64]:
        """Rows of the known features of a normalised text (its 1-3-grams, see
        ``router.features.grams``) and of ``specials`` (hotline and cue features)."""
        t = text[:MAX_MODEL_CHARS]
        n = len(t)
        if n <= _SHORT:
            # Short texts (most calls and messages): string slices and one dict are
            # cheaper than a dozen numpy calls. Same rows as the numpy path (tested).
            grams = {*t, *[t[i : i + 2] for i in range(n - 1)]}
            grams.update([t[i : i + 3] for i in range(n - 2)], specials)
            return np.fromiter(filter(None, map(self._index.get, grams)), np.int64)
        codes = np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        second = codes[1:] << _SHIFT
        parts = [codes, codes[:-1] | second]
        if n > 2:
            parts.append(codes[:-2] | second[:-1] | (codes[2:] << _SHIFT2))
        keys = np.unique(np.concatenate(parts))
        pos = np.searchsorted(self._keys, keys)
        pos[pos == len(self._keys)] = 0
        found: npt.NDArray[np.int64] = self._key_rows[pos[self._keys[pos] == keys]]
        extra = [r for r in map(self._specials.get, set(specials)) if r is not None]
        if extra:
            found = np.concatenate([found, np.array(extra, dtype=np.int64)])
        return found

    def main_scores(self, rows: npt.NDArray[np.int64]) -> list[float]:
        """Category and emergency logits (the columns every contact needs)."""
        total = self._main.take(rows, axis=0).sum(axis=0)
        if len(rows):
            total *= 1.0 / math.sqrt(len(rows))
        result: list[float] = (total + self._main_bias).tolist()
        return result

    def subtype_scores(self, rows: npt.NDArray[np.int64]) -> list[float]:
        total = self._sub.take(rows, axis=0).sum(axis=0, dtype=np.float64)
        if len(rows):
            total *= 1.0 / math.sqrt(len(rows))
        result: list[float] = (total + self._sub_bias).tolist()
        return result

    def scores(self, idx: Sequence[int], known: int) -> Floats:
        """Every head's raw score (logits) for one contact's feature rows (plain path)."""
        total = self.weights[list(idx)].sum(axis=0)
        if known:
            total *= 1.0 / math.sqrt(known)
        result: Floats = total + self.bias
        return result

    def evidence(self, rows: npt.NDArray[np.int64], column: int, top: int = 3) -> list[str]:
        """The features that pushed most towards ``column`` against the other categories."""
        push = self._push[column].take(rows)
        k = min(len(push), top * 4)
        if k == 0:
            return []
        best = np.argpartition(-push, k - 1)[:k] if len(push) > k else np.arange(k)
        order = best[np.argsort(-push[best], kind="stable")]
        chosen: list[str] = []
        for i in order.tolist():
            if push[i] <= 0:
                break
            feature = self.vocabulary[int(rows[i]) - 1]
            if len(feature) < 2 or "," in feature:
                continue  # a single character or a clause mark explains nothing
            # 着火 and 着火了 are one piece of evidence; keep the longer.
            if any(feature in c for c in chosen):
                continue
            chosen = [c for c in chosen if c not in feature]
            chosen.append(feature)
            if len(chosen) == top:
                break
        return chosen

    # -- storage ------------------------------------------------------------------------

    def save(self, directory: Path) -> str:
        """Write ``model.npz`` (deterministic bytes for the same model) and return its
        SHA-256; the caller writes the card, which records it."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        # np.savez writes zip entries with a fixed timestamp: same model, same bytes.
        np.savez_compressed(
            path,
            vocabulary=np.array(self.vocabulary, dtype=str),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            categories=np.array(self.categories, dtype=str),
            subtypes=np.array(self.subtypes, dtype=str),
            policy=np.array([self.policy.alpha, self.policy.emergency_threshold]),
        )
        return hashlib.sha256(path.read_bytes()).hexdigest()

    @classmethod
    def load(cls, directory: Traversable | Path) -> LinearModel:
        try:
            with (directory / MODEL_FILE).open("rb") as fh, np.load(fh) as data:
                vocabulary = data["vocabulary"].tolist()
                weights = data["weights"].astype(np.float32)
                bias = data["bias"].astype(np.float32)
                categories = data["categories"].tolist()
                subtypes = data["subtypes"].tolist()
                alpha, threshold = (float(x) for x in data["policy"])
            card = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"cannot read the model in {directory}: {exc}") from exc
        return cls(vocabulary, weights, bias, categories, subtypes, Policy(alpha, threshold), card)


def model_dir(lang: str = "zh") -> Traversable:
    """Where the versioned model of a language lives inside the package."""
    return resources.files("router") / "data" / lang / "model"
