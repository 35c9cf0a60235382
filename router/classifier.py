"""The lexicon classifier: what a contact is about, how urgent it is, which town.

One pass of exact multi-pattern matching over normalised text finds keywords, cues,
negations, stop words and township names; a sound-alike pass (``router.fuzzy``)
runs only when the exact pass leaves the decision open. Then (``router.scoring``):

* **category** = the highest sum of keyword weights (context words capped), plus the
  dialled hotline's prior — a prior, not the answer: a 110 call about a fire is
  ``fire``; ties go to the category with the heaviest single word;
* **subtype** = the best-scoring subtype of that category, upgraded by cues (a
  collision with an injury cue becomes ``collision_injury``);
* **emergency** = the subtype's rule (always / never / escalate on cues) unless a
  suppressing cue says it is over, long ago, not serious or only a question — and
  an ``ongoing`` cue ("还在打") overrides that;
* **priority** 1 for emergencies, else the subtype's (a question: the category's
  consultation priority);
* a negation cancels the first word right after it (没有人受伤, 还没动手).

This runs for every contact, so the per-word facts (weights per category, cue
classes, town rules) are computed once per lexicon word (:class:`Found`) and the
scan is a single loop over the automaton's leftmost-longest matches.
"""

from __future__ import annotations

from core.triage.ports import Classification, Label, Vocabulary
from router.fuzzy import FuzzyMatcher, PinyinEncoder
from router.lexicon import Lexicon, load_lexicon
from router.matcher import Matcher
from router.normalize import Normalizer
from router.scoring import (
    CUE,
    KEYWORD,
    NEGATION,
    STOP,
    STRONG,
    TOWN,
    Evidence,
    Found,
    Scan,
    Scorer,
    may_name_town,
)


class LexiconClassifier:
    """Implements :class:`core.triage.ports.Classifier`. Build once (about a second), share:
    ``classify`` keeps no state between calls (only caches of explanation wording)."""

    def __init__(self, lexicon: Lexicon, *, fuzzy: bool = True) -> None:
        self.lexicon = lexicon
        self._normalizer = Normalizer(lexicon.char_map)
        strong = lexicon.strong_weight
        patterns = {word: Found(terms, strong) for word, terms in lexicon.terms.items()}
        # Two automata, each matched leftmost-longest, so that words compete for
        # characters only with their peers: words that name the incident (strong
        # keywords, towns, negations) on one side; cues and context words on the
        # other. Otherwise the cue 在冒 would hide the keyword 冒火 in 在冒火, the
        # keyword 头破血流 the injury cue 血流, and the context word 三轮车 the keyword
        # 车翻了 in 三轮车翻了. Stop words silence both sides.
        self._words: Matcher[Found] = Matcher(
            {w: p for w, p in patterns.items() if p.role & (STRONG | TOWN | NEGATION | STOP)}
        )
        self._context: Matcher[Found] = Matcher(
            {
                w: p
                for w, p in patterns.items()
                if p.role & (CUE | STOP) or (p.role & KEYWORD and not p.role & STRONG)
            }
        )
        self._fuzzy: FuzzyMatcher[Found] | None = None
        if fuzzy:
            self._fuzzy = FuzzyMatcher(
                {w: patterns[w] for w in lexicon.fuzzy_terms},
                PinyinEncoder(lexicon.pinyin_rules),
                stop=lexicon.fuzzy_stop,
                weak_chars=lexicon.fuzzy_weak_chars,
            )
        self._scorer = Scorer(lexicon)
        self._context_after = lexicon.town_context_after
        self._reject_after = lexicon.town_reject_after

    @classmethod
    def from_data(cls, lang: str = "zh", *, fuzzy: bool = True) -> LexiconClassifier:
        return cls(load_lexicon(lang), fuzzy=fuzzy)

    def vocabulary(self) -> Vocabulary:
        lex = self.lexicon
        return Vocabulary(
            categories=tuple(Label(k, v.label) for k, v in lex.categories.items()),
            subtypes=tuple(Label(k, v.label, v.category) for k, v in lex.subtypes.items()),
        )

    def patterns(self) -> list[str]:
        """Every exact pattern the automata look for (for baselines and tests)."""
        return list(self.lexicon.terms)

    def find_words(self, text: str) -> list[str]:
        """The lexicon words found in ``text`` (both automata, exact only) — matching
        without deciding, e.g. to compare matching engines or to debug a lexicon."""
        t = self._normalizer.normalize(text).text
        found = [word for _end, (_n, word, _p) in self._words.scan_longest(t)]
        found += [word for _end, (_n, word, _p) in self._context.scan_longest(t)]
        return found

    # -- the port -------------------------------------------------------------------

    def classify(self, text: str, hotline: str | None) -> Classification:
        return self.analyse(text, hotline)[0]

    def analyse(self, text: str, hotline: str | None) -> tuple[Classification, Scan]:
        """The classification and what it was decided from (normalised text, scores with
        the hotline prior, active cues): for a classifier that blends in a model."""
        scan = self._scan(text)
        result, could_change = self._scorer.decide(scan, hotline, fuzzy=self._fuzzy is not None)
        if could_change:
            self._add_fuzzy(scan)
            result, _ = self._scorer.decide(scan, hotline, fuzzy=False)
        return result, scan

    @property
    def scorer(self) -> Scorer:
        return self._scorer

    def town(self, text: str) -> str | None:
        """Official name of the township-level unit the text mentions, or None."""
        scan = self._scan(text)
        if scan.town is None and self._fuzzy is not None and may_name_town(scan.norm.text):
            self._add_fuzzy(scan)
        return scan.town

    # -- matching -------------------------------------------------------------------

    def _scan(self, text: str) -> Scan:
        norm = self._normalizer.normalize(text)
        t = norm.text
        scan = Scan(norm)
        keywords = scan.keywords
        for end, (length, word, p) in self._words.scan_longest(t):
            end += 1
            role = p.role
            if role & TOWN and self._town_ok(p, t, end):
                if scan.town is None:
                    scan.town = p.town
            elif role & STRONG:
                keywords.append((end - length, end, word, p, ""))
            elif role & NEGATION:
                scan.negations.append((end - length, end))
        cues = scan.cues
        strong = list(keywords)
        weak: list[tuple[int, int]] = []
        for end, (length, word, p) in self._context.scan_longest(t):
            role = p.role
            if role & (CUE | KEYWORD) and not role & STRONG:
                hit = (end + 1 - length, end + 1, word, p, "")
                weak.append((hit[0], hit[1]))
                if role & KEYWORD and not _inside(hit, strong):
                    keywords.append(hit)  # 晕 inside 头晕 is the same evidence, once
                if role & CUE:
                    cues.append(hit)
            elif role & CUE:  # a strong keyword that is also a cue (受伤): cue side
                cues.append((end + 1 - length, end + 1, word, p, ""))
                weak.append((end + 1 - length, end + 1))
        scan.visible = _merge(keywords, cues) if weak else keywords
        if scan.negations:
            if weak:  # a negation inside a cue or context word (没事, 没人管) is not one
                scan.negations = [
                    n for n in scan.negations if not any(s <= n[0] and n[1] <= e for s, e in weak)
                ]
            self._scorer.apply_negations(scan)
        return scan

    def _town_ok(self, p: Found, t: str, end: int) -> bool:
        # A short name followed by 区/县/市 belongs to another place (贵阳花溪区).
        if p.town_alias and t[end : end + 1] in self._reject_after:
            return False
        return not p.town_needs_context or t.startswith(self._context_after, end)

    def _add_fuzzy(self, scan: Scan) -> None:
        scan.fuzzy_done = True
        if self._fuzzy is None:
            return
        taken = [(h[0], h[1]) for h in scan.visible]
        added = False
        for fh in self._fuzzy.find(scan.norm.text):
            if any(fh.start < e and s < fh.end for s, e in taken):
                continue  # the text literally says something else there
            p = fh.value
            if p.role & TOWN:
                if scan.town is None:
                    scan.town = p.town
                continue
            hit = (fh.start, fh.end, fh.word, p, fh.heard)
            if p.role & KEYWORD:
                scan.keywords.append(hit)
            if p.role & CUE:
                scan.cues.append(hit)
            taken.append((fh.start, fh.end))
            added = True
        if added:
            scan.visible = _merge(scan.keywords, scan.cues)
            if scan.negations:
                self._scorer.apply_negations(scan)


def _merge(keywords: list[Evidence], cues: list[Evidence]) -> list[Evidence]:
    """Keywords and cues in text order, one entry per span (受伤 is both)."""
    by_span = {(h[0], h[1]): h for h in cues}
    by_span.update({(h[0], h[1]): h for h in keywords})
    return [by_span[k] for k in sorted(by_span)]


def _inside(hit: Evidence, others: list[Evidence]) -> bool:
    return any(o[0] <= hit[0] and hit[1] <= o[1] for o in others)
