"""The deployed classifier: the lexicon and the learned model, each covering the other.

The lexicon (``router.classifier``) knows the words it was given and says why; it is
blind to phrasing nobody wrote into it (撞飞, 翻到坎下头, 没知觉). The model
(``router.model``) has read thousands of contacts and generalises, but it has no hard
rules and cannot cite a dictionary. Combined:

* **category** = argmax over categories of the model's log-probability plus ``alpha`` ×
  the lexicon's score (keyword weights and hotline prior). A strong lexicon word still
  decides; where the lexicon found nothing (or only the hotline), the model does.
  ``alpha`` is chosen on the dev set at training (``Policy``);
* **subtype**: the lexicon's when it decided that category on evidence of its own,
  else the model's best subtype inside the category;
* **emergency** (its own decision, recall first): the lexicon's hard rules when the
  lexicon decided that subtype (negation, past tense, 已经处理 and "not serious" cues
  apply as before), **or** the model's P(emergency) at or above the threshold chosen on
  the dev set for recall (``Policy.emergency_threshold``). The model reads the lexicon's
  cue classes (past, resolved, a negated injury …) as features, so it learned what they
  do from labelled contacts, not from a rule;
* **explanation**: the lexicon's words and cues, plus the model's main evidence (the
  n-grams that pushed most towards the chosen category) and its confidence.

``town`` and the keyword spans are the lexicon's (place names are exact knowledge).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from core.triage.ports import MAX_CLASSIFY_CHARS, Classification, Vocabulary
from router.classifier import LexiconClassifier
from router.errors import TextTooLong
from router.features import readable, specials
from router.model import LinearModel, model_dir
from router.scoring import Scan, _emergency


@dataclass(frozen=True, slots=True)
class Decision:
    """A classification and the two emergency signals it was made of (for evaluation:
    the precision/recall curve of ``liandong classify --eval`` and threshold tuning)."""

    classification: Classification
    by_rule: bool  # the lexicon's hard rule fired for the chosen subtype
    p_emergency: float  # the model's probability that this is an emergency
    p_category: float  # the model's own probability of the chosen category


class HybridClassifier:
    """Implements :class:`core.triage.ports.Classifier`. Build once, share (read-only)."""

    def __init__(self, lexicon: LexiconClassifier, model: LinearModel) -> None:
        self.lexicon = lexicon
        self.model = model
        lex = lexicon.lexicon
        unknown = set(model.categories) - set(lex.categories)
        unknown |= set(model.subtypes) - set(lex.subtypes)
        if unknown:
            raise ValueError(f"the model knows labels the lexicon does not: {sorted(unknown)}")
        first = model.first_subtype
        # Per category: (column, subtype name) of its subtypes, for the subtype head.
        self._subtype_columns: dict[str, list[tuple[int, str]]] = {c: [] for c in lex.categories}
        for j, name in enumerate(model.subtypes):
            self._subtype_columns[lex.subtypes[name].category].append((first + j, name))
        self._labels = {
            s.name: lex.categories[s.category].label + "·" + s.label for s in lex.subtypes.values()
        }
        self._defaults = {name: c.default_subtype for name, c in lex.categories.items()}

    @classmethod
    def from_data(cls, lang: str = "zh", *, fuzzy: bool = True) -> HybridClassifier:
        return cls(
            LexiconClassifier.from_data(lang, fuzzy=fuzzy), LinearModel.load(model_dir(lang))
        )

    def vocabulary(self) -> Vocabulary:
        return self.lexicon.vocabulary()

    def info(self) -> dict[str, Any]:
        """The model card: data, date, figures, policy."""
        return dict(self.model.card)

    # -- the port -----------------------------------------------------------------------

    def classify(self, text: str, hotline: str | None) -> Classification:
        return self.decide(text, hotline).classification

    def decide(self, text: str, hotline: str | None) -> Decision:
        if len(text) > MAX_CLASSIFY_CHARS:
            raise TextTooLong(
                f"text of {len(text)} characters; at most {MAX_CLASSIFY_CHARS}",
                details={"length": len(text), "limit": MAX_CLASSIFY_CHARS},
            )
        lex, scan = self.lexicon.analyse(text, hotline)
        model = self.model
        negated = (
            [c for h in scan.cues if h[0] in scan.negated for c in h[3].cues]
            if scan.negated
            else ()
        )
        extra = specials(hotline, scan.active, negated, (lex.category, lex.emergency))
        rows = model.text_rows(scan.norm.text, extra)
        out = model.main_scores(rows)
        categories = model.categories
        # log-softmax of the category head, plus the lexicon's scores
        top = max(out[: len(categories)])
        log_z = top + math.log(sum(math.exp(v - top) for v in out[: len(categories)]))
        alpha = model.policy.alpha
        lex_scores = scan.scores
        best_i, best_v = 0, -math.inf
        for i, name in enumerate(categories):
            v = out[i] - log_z + alpha * lex_scores.get(name, 0.0)
            if v > best_v:
                best_i, best_v = i, v
        category = categories[best_i]
        p_category = math.exp(out[best_i] - log_z)
        p_emergency = 1.0 / (1.0 + math.exp(-out[model.emergency_column]))

        lex_own = lex.category == category and lex.subtype != self._defaults[category]
        columns = self._subtype_columns[category]
        if lex_own or (lex.category == category and not columns):
            subtype = str(lex.subtype)
        elif columns:
            sub = model.subtype_scores(rows)
            first = model.first_subtype
            subtype = max(columns, key=lambda cn: sub[cn[0] - first])[1]
        else:
            subtype = self._defaults[category]
        spec = self.lexicon.lexicon.subtypes[subtype]
        if subtype == lex.subtype and category == lex.category:
            by_rule = lex.emergency
        elif lex_own:
            by_rule = _emergency(spec, scan.active)[0]
        else:
            by_rule = False  # the lexicon did not decide this subtype: its rule says nothing
        by_model = p_emergency >= model.policy.emergency_threshold
        emergency = by_rule or by_model
        if emergency:
            priority = 1
        elif category == lex.category and subtype == lex.subtype:
            priority = lex.priority  # not an emergency by rule: the lexicon's own priority
        else:
            priority = spec.priority
            if "consult" in scan.active:
                consult = self.lexicon.lexicon.categories[category].consult_priority
                priority = max(priority, consult)
        explanation = self._explain(
            lex, scan, category, subtype, emergency, by_rule, p_category, p_emergency, rows, best_i
        )
        result = Classification(
            category, subtype, emergency, priority, lex.keywords, explanation, lex.town
        )
        return Decision(result, by_rule, p_emergency, p_category)

    def _explain(
        self,
        lex: Classification,
        scan: Scan,
        category: str,
        subtype: str,
        emergency: bool,
        by_rule: bool,
        p_category: float,
        p_emergency: float,
        rows: npt.NDArray[np.int64],
        column: int,
    ) -> str:
        evidence = self.model.evidence(rows, column)
        said = "模型依据" + "".join(f"「{readable(f)}」" for f in evidence) if evidence else "模型"
        model_note = f"{said}（把握{p_category:.2f}）"
        if category == lex.category and subtype == lex.subtype and emergency == lex.emergency:
            return f"{lex.explanation}；{model_note}"
        parts = [self._labels[subtype]]
        words = [
            h[2] for h in scan.keywords if h[0] not in scan.negated and category in h[3].categories
        ]
        if words:
            parts.append("依据「" + "」「".join(dict.fromkeys(words[:4])) + "」")
        parts.append(model_note)
        if lex.category != category:
            parts.append(
                f"词表倾向{self.lexicon.lexicon.categories[str(lex.category)].label}，模型改判"
            )
        if emergency:
            parts.append(
                "紧急（词表规则）" if by_rule else f"紧急（模型判断危险，概率{p_emergency:.2f}）"
            )
        elif lex.emergency:
            parts.append(f"模型判断非紧急（概率{p_emergency:.2f}）")
        return "；".join(parts)
