"""From matched words to a decision: scores, emergency rules, priority, explanation.

``router.classifier`` finds the words; this module weighs them. Evidence is a plain
tuple ``(start, end, word, info, heard)`` over the normalised text — ``heard`` is
what the text says when the word was found by sound (着伙 for 着火), else "".
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from core.triage.ports import Classification
from router.lexicon import EmergencyRule, Lexicon, SubtypeSpec, Term, TermKind
from router.normalize import Normalized

_NO_CUES: frozenset[str] = frozenset()
_NOTHING: tuple[
    dict[str, float], dict[str, float], dict[str, float], list[tuple[str, frozenset[str]]]
] = (
    {},
    {},
    {},
    [],
)

# Cues that say an incident is happening and serious: an emergency turns on them,
# and their absence is what makes a sound-alike pass worth running on a decided text.
ALARM_CUES = frozenset({"injury", "danger", "urgent", "ongoing"})


# Roles of a word, as bits (tested in the hot loop).
KEYWORD, CUE, STOP, NEGATION, TOWN, STRONG = 1, 2, 4, 8, 16, 32


class Found:
    """What one lexicon word means, precomputed once per word (the hot path reads it)."""

    __slots__ = (
        "categories",
        "category_weights",
        "context",
        "cues",
        "keyword",
        "negation",
        "role",
        "stop",
        "strong",
        "subtype_weights",
        "town",
        "town_alias",
        "town_needs_context",
    )

    def __init__(self, terms: tuple[Term, ...], strong_weight: float) -> None:
        keywords = [t for t in terms if t.kind is TermKind.keyword]
        by_cat: dict[str, float] = {}
        by_sub: dict[str, float] = {}
        # A word is one piece of evidence per category and per subtype even when the
        # lexicon lists it twice (掉了 under theft and lost property): its best weight.
        for t in keywords:
            if t.category is None:  # the lexicon loader never builds one; be explicit
                raise ValueError(f"keyword {t.source!r} has no category")
            by_cat[t.category] = max(by_cat.get(t.category, 0.0), t.weight)
            if t.subtype is not None:
                by_sub[t.subtype] = max(by_sub.get(t.subtype, 0.0), t.weight)
        towns = [t for t in terms if t.kind is TermKind.town]
        self.keyword = bool(keywords)
        self.category_weights = tuple(by_cat.items())
        self.categories = frozenset(by_cat)
        self.strong = tuple((c, w) for c, w in by_cat.items() if w >= strong_weight)
        self.context = tuple((c, w) for c, w in by_cat.items() if w < strong_weight)
        self.subtype_weights = tuple(by_sub.items())
        self.cues = tuple(t.cue for t in terms if t.kind is TermKind.cue and t.cue)
        self.negation = any(t.kind is TermKind.negation for t in terms)
        self.stop = any(t.kind is TermKind.stop for t in terms)
        self.town = towns[0].town if towns else None
        self.town_alias = bool(towns) and towns[0].source != towns[0].town
        self.town_needs_context = bool(towns) and towns[0].needs_context
        self.role = (
            (KEYWORD if self.keyword else 0)
            | (CUE if self.cues else 0)
            | (STOP if self.stop else 0)
            | (NEGATION if self.negation else 0)
            | (TOWN if towns else 0)
            | (STRONG if self.strong else 0)
        )


Evidence = tuple[int, int, str, Found, str]


class Scan:
    """Everything matched in one text; filled by the classifier, read by the scorer."""

    __slots__ = (
        "active",
        "cues",
        "fuzzy_done",
        "keywords",
        "negated",
        "negations",
        "norm",
        "scores",
        "town",
        "visible",
    )

    def __init__(self, norm: Normalized) -> None:
        self.norm = norm
        self.keywords: list[Evidence] = []
        self.cues: list[Evidence] = []
        self.visible: list[Evidence] = []  # keywords and cues, one per span, text order
        self.negations: list[tuple[int, int]] = []
        self.negated: set[int] = set()  # start offsets of cancelled words
        self.town: str | None = None
        self.fuzzy_done = False
        # Left by Scorer.decide for a caller that blends the lexicon with something
        # else (router.hybrid): category scores with the hotline prior, active cues.
        self.scores: dict[str, float] = {}
        self.active: set[str] | frozenset[str] = _NO_CUES


class Scorer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self._rank = {name: -i for i, name in enumerate(lexicon.categories)}
        # Categories whose incidents can be declared over (火已经灭了): their words
        # weigh less then, so that what the caller still wants leads.
        self._resolvable = frozenset(
            s.category for s in lexicon.subtypes.values() if "resolved" in s.suppressed_by
        )
        self._label = {
            s.name: lexicon.categories[s.category].label + "·" + s.label
            for s in lexicon.subtypes.values()
        }
        self._sub_category = {s.name: s.category for s in lexicon.subtypes.values()}
        self._injury_upgrade = {s.name for s in lexicon.subtypes.values() if "injury" in s.upgrade}
        self._default = {
            name: lexicon.subtypes[cat.default_subtype] for name, cat in lexicon.categories.items()
        }
        self._min_subtype = lexicon.min_subtype_score - 1e-9
        self._fragments: dict[tuple[int, str, frozenset[str]], str] = {}
        # Only known hotlines get here (a prior exists), so this stays small.
        self._hotline_note: dict[tuple[str, str, bool], str] = {}

    def apply_negations(self, scan: Scan) -> None:
        """Cancel, for each negation, the first word after it that it can reach:
        at most ``window`` characters between, all ``transparent`` (没有(人员)受伤,
        but not 没发货人也联系不上 — there 没 belongs to 发货)."""
        t = scan.norm.text
        window = self.lex.negation_window
        transparent = self.lex.negation_transparent
        starts = sorted({h[0] for h in (*scan.keywords, *scan.cues)})
        for _ns, ne in scan.negations:
            for start in starts:
                if start < ne:
                    continue
                gap = t[ne:start]
                if len(gap) <= window and transparent.issuperset(gap):
                    scan.negated.add(start)
                break

    def active_cues(self, scan: Scan) -> set[str]:
        active: set[str] = set()
        negated = scan.negated
        for start, _e, _w, info, _h in scan.cues:
            if start not in negated:
                active.update(info.cues)
            elif "injury" in info.cues or "danger" in info.cues:
                active.add("calm")  # "没有人受伤" is itself reassurance
        return active

    def decide(
        self, scan: Scan, hotline: str | None, *, fuzzy: bool = True
    ) -> tuple[Classification, bool]:
        """The classification, and whether a sound-alike pass could still change it.

        Written as one pass with local lookups: it runs for every contact.
        """
        lex = self.lex
        negated = scan.negated
        active = self.active_cues(scan) if scan.cues else _NO_CUES
        scores, top, sub_scores, words = self._scores(scan, hotline) if scan.keywords else _NOTHING
        found_any = bool(scores)
        best = max(scores.values()) if found_any else 0.0
        if "resolved" in active:
            for name in self._resolvable & scores.keys():
                scores[name] *= lex.resolved_discount
        if "injury" in active:
            for name in scores:
                # A collision where someone is hurt is a traffic accident first,
                # whatever the injury words add to the medical side.
                sub = self._best_subtype(name, sub_scores)
                if sub is not None and sub.name in self._injury_upgrade:
                    scores[name] += lex.upgrade_bonus
        prior = lex.hotlines.get(hotline) if hotline else None
        if prior is not None:
            scores = dict(scores)
            scores[prior.category] = scores.get(prior.category, 0.0) + prior.weight
        winner = (
            next(iter(scores))
            if len(scores) == 1
            else self._winner(scores, top, prior.category if prior else None)
        )
        scan.scores, scan.active = scores, active
        if winner is None:  # nothing recognised, no hotline: a call for help or a question
            winner = "police" if active & {"urgent", "danger"} else "government"
        category = winner
        spec = self._best_subtype(category, sub_scores) or self._default[category]
        if spec.upgrade:
            for cue, target in spec.upgrade.items():
                if cue in active:
                    spec = lex.subtypes[target]
                    break
        emergency, held_back = _emergency(spec, active)
        if emergency:
            priority = 1
        elif "consult" in active and not held_back:
            priority = max(spec.priority, lex.categories[category].consult_priority)
        else:
            priority = spec.priority
        # The explanation, from cached fragments (see _fragment).
        parts = [self._label[spec.name]]
        shown = [w for w, cats in words if category in cats]
        if shown:
            parts.append("依据「" + "」「".join(dict.fromkeys(shown[:4])) + "」")
        if scan.fuzzy_done or negated:
            parts += self._rare_notes(scan)
        if active or emergency:
            state = 1 if emergency else 2 if held_back else 3
            parts.append(self._fragment(state, spec, frozenset(active)))
        if prior is not None and hotline:
            if not found_any or prior.category != category:
                key = (hotline, category, found_any)
                parts.append(self._hotline_note.get(key) or self._hotline_text(*key))
        elif not found_any:
            parts.append("未识别关键词，待人工确认")
        result = Classification(
            category,
            spec.name,
            emergency,
            priority,
            self._keywords(scan),
            "；".join(parts),
            scan.town,
        )
        # The sound-alike pass costs about as much as everything else together, so
        # it runs only when no word decided the category, or a township may be named
        # (镇/乡/街道 in the text) but none was found.
        could_change = (
            fuzzy
            and not scan.fuzzy_done
            and (best < lex.decisive_score or (scan.town is None and may_name_town(scan.norm.text)))
        )
        return result, could_change

    def _scores(
        self, scan: Scan, hotline: str | None
    ) -> tuple[
        dict[str, float], dict[str, float], dict[str, float], list[tuple[str, frozenset[str]]]
    ]:
        """Category scores (context capped), heaviest word per category, subtype
        scores, and (shown word, its categories) for the explanation."""
        lex = self.lex
        scores: dict[str, float] = {}
        context: dict[str, float] = {}
        top: dict[str, float] = {}
        sub: dict[str, float] = {}
        words: list[tuple[str, frozenset[str]]] = []
        seen: set[str] = set()
        negated = scan.negated
        for start, _e, word, info, heard in scan.keywords:
            # A word said twice ("着火了 着火了") is one piece of evidence, not two;
            # the number dialled, repeated in the text ("喂 120吗"), is the prior again.
            if word in seen or start in negated or word == hotline:
                continue
            seen.add(word)
            words.append((heard or word, info.categories))
            if heard:  # found by sound only: worth a little less
                factor = lex.fuzzy_discount
                for name, weight in info.category_weights:
                    weight *= factor
                    bucket = scores if weight >= lex.strong_weight else context
                    bucket[name] = bucket.get(name, 0.0) + weight
                    if weight > top.get(name, 0.0):
                        top[name] = weight
                for name, weight in info.subtype_weights:
                    sub[name] = sub.get(name, 0.0) + weight * factor
                continue
            for name, weight in info.strong:
                scores[name] = scores.get(name, 0.0) + weight
                if weight > top.get(name, 0.0):
                    top[name] = weight
            for name, weight in info.context:
                context[name] = context.get(name, 0.0) + weight
                if weight > top.get(name, 0.0):
                    top[name] = weight
            for name, weight in info.subtype_weights:
                sub[name] = sub.get(name, 0.0) + weight
        # Context words (车子, 高速, 买了) tilt a category but, however many, do not
        # outweigh one word that names the incident (着火).
        if context:
            cap = lex.context_cap
            for name, weight in context.items():
                scores[name] = scores.get(name, 0.0) + (weight if weight < cap else cap)
        return scores, top, sub, words

    def _winner(
        self, scores: dict[str, float], top: dict[str, float], favoured: str | None
    ) -> str | None:
        """Highest score; ties: the heaviest single word, the prior, the category order."""
        winner: str | None = None
        key: tuple[float, float, bool, int] = (-1.0, -1.0, False, -99)
        rank = self._rank
        for name, score in scores.items():
            candidate = (score, top.get(name, 0.0), name == favoured, rank[name])
            if candidate > key:
                winner, key = name, candidate
        return winner

    def _best_subtype(self, category: str, sub_scores: dict[str, float]) -> SubtypeSpec | None:
        # Context words alone (车子, 游泳) may tilt the category but do not name an
        # incident: below min_subtype_score the category's catch-all subtype is used.
        best: str | None = None
        best_score = self._min_subtype
        sub_category = self._sub_category
        for name, score in sub_scores.items():
            if score > best_score and sub_category[name] == category:
                best, best_score = name, score
        return self.lex.subtypes[best] if best is not None else None

    def _keywords(self, scan: Scan) -> list[tuple[str, int, int]]:
        negated = scan.negated
        drops = scan.norm.drops
        if drops:  # see Normalized.span; inlined, it runs for most spoken texts
            return [
                (h[2], h[0] + bisect_right(drops, h[0]), h[1] + bisect_right(drops, h[1] - 1))
                for h in scan.visible
                if h[0] not in negated
            ]
        return [(h[2], h[0], h[1]) for h in scan.visible if h[0] not in negated]

    def _fragment(self, state: int, spec: SubtypeSpec, active: frozenset[str]) -> str:
        """Cue wording for the explanation, cached per (state, subtype, cues)."""
        key = (state, spec.name, active)
        text = self._fragments.get(key)
        if text is None:
            labels = self.lex.cue_labels
            if state == 1:
                alarm = [labels[c] for c in sorted(active & ALARM_CUES)]
                text = "紧急" + (f"（{'、'.join(alarm)}）" if alarm else "")
            elif state == 2:
                calm = [labels[c] for c in sorted(spec.suppressed_by & active)]
                text = f"暂不按紧急处理（{'、'.join(calm)}）"
            else:
                text = "、".join(labels[c] for c in sorted(active))
            if len(self._fragments) < 4096:
                self._fragments[key] = text
        return text

    def _hotline_text(self, hotline: str, category: str, found_any: bool) -> str:
        if found_any:
            text = f"拨打{hotline}，但内容属{self.lex.categories[category].label}"
        else:
            text = f"未识别关键词，按拨打的{hotline}归类"
        self._hotline_note[(hotline, category, found_any)] = text
        return text

    def _rare_notes(self, scan: Scan) -> list[str]:
        notes = []
        evidence: Iterable[Evidence] = (*scan.keywords, *scan.cues)
        heard = {f"「{h[4]}」按「{h[2]}」": None for h in evidence if h[4]}
        if heard:
            notes.append("疑似同音：" + "，".join(list(heard)[:2]))
        if scan.negated:
            cancelled = {h[2]: None for h in (*scan.keywords, *scan.cues) if h[0] in scan.negated}
            notes.append("已否定「" + "」「".join(list(cancelled)[:3]) + "」")
        return notes


def _emergency(spec: SubtypeSpec, active: set[str] | frozenset[str]) -> tuple[bool, bool]:
    """(emergency, held_back): held back = would be one, but a cue says otherwise."""
    if spec.emergency is EmergencyRule.always:
        trigger = True
    elif spec.emergency is EmergencyRule.escalate:
        trigger = not spec.escalate_on.isdisjoint(active)
    else:
        return False, False
    if not trigger:
        return False, False
    if not spec.suppressed_by.isdisjoint(active) and "ongoing" not in active:
        return False, True
    return True, False


def may_name_town(text: str) -> bool:
    """Cheap pre-check before a sound-alike search for a township name."""
    return "镇" in text or "乡" in text or "街道" in text
