"""Lexicons as data: loading and validating ``router/data/<lang>/*.yaml``.

Files (see ``router/data/zh/README.md`` for the format):

* ``categories.yaml`` — the six categories, their labels, the hotline priors and the
  scoring constants;
* one file per category (``police.yaml`` …) — subtypes with weighted keywords and
  their emergency rules;
* ``cues.yaml`` — negations, stop words (false friends such as 恼火) and the cue
  classes the emergency rules refer to (injury, ongoing, past …);
* ``dialect.yaml`` — Guizhou speech: every word containing a standard form is also
  matched with the local forms (被偷 → 遭偷, 没有 → 莫得, 小孩 → 娃儿), extra
  character variants for normalisation, the pinyin mergers for fuzzy matching;
* ``towns.yaml`` — which township short names are also ordinary words and need a
  place word after them. The names themselves come from ``core.orgmap.qianxi``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from router.errors import LexiconError
from router.fuzzy import PinyinRules

CUE_NAMES = frozenset(
    {"injury", "danger", "ongoing", "urgent", "past", "habitual", "resolved", "calm"}
    | {"consult", "report", "stale"}
)


# Only words that say something on their own are looked up by sound: a sound-alike
# of a context word (车子, 买了) would add noise, not evidence.
FUZZY_MIN_WEIGHT = 3.0


class TermKind(StrEnum):
    keyword = "keyword"  # evidence for a category (and maybe a subtype)
    cue = "cue"  # evidence for urgency or against it (injury, past, resolved ...)
    negation = "negation"  # 没有 / 莫得: cancels the next keyword or cue
    stop = "stop"  # a word that contains a keyword but means something else
    town = "town"  # a township-level unit, by full name, alias or village


class EmergencyRule(StrEnum):
    always = "always"  # inherently an emergency (a fire, an unconscious person)
    never = "never"
    escalate = "escalate"  # an emergency when one of ``escalate_on`` cues is present


@dataclass(frozen=True, slots=True)
class Term:
    kind: TermKind
    source: str  # the lexicon word this pattern came from (before dialect expansion)
    category: str | None = None
    subtype: str | None = None
    weight: float = 0.0
    cue: str | None = None
    town: str | None = None
    needs_context: bool = False


@dataclass(frozen=True, slots=True)
class SubtypeSpec:
    category: str
    name: str
    label: str
    priority: int
    emergency: EmergencyRule
    escalate_on: frozenset[str]
    suppressed_by: frozenset[str]
    upgrade: Mapping[str, str]  # cue name -> subtype (collision + injury -> collision_injury)


@dataclass(frozen=True, slots=True)
class CategorySpec:
    name: str
    label: str
    default_subtype: str
    consult_priority: int  # priority when the contact is a question, not an incident


@dataclass(frozen=True, slots=True)
class HotlinePrior:
    category: str
    weight: float


@dataclass(frozen=True, slots=True)
class TownEntry:
    """A township-level unit and the names citizens use for it."""

    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    language: str
    categories: Mapping[str, CategorySpec]
    subtypes: Mapping[str, SubtypeSpec]
    hotlines: Mapping[str, HotlinePrior]
    terms: Mapping[str, tuple[Term, ...]]  # pattern -> its roles
    fuzzy_terms: Mapping[str, tuple[Term, ...]]  # the subset matched by sound too
    cue_labels: Mapping[str, str]
    char_map: Mapping[str, str]
    pinyin_rules: PinyinRules
    fuzzy_stop: frozenset[str]
    fuzzy_weak_chars: str
    negation_window: int = 4
    decisive_score: float = 3.0
    fuzzy_discount: float = 0.8
    resolved_discount: float = 0.5
    min_subtype_score: float = 2.0
    strong_weight: float = 2.0
    context_cap: float = 1.5
    upgrade_bonus: float = 2.0
    negation_transparent: frozenset[str] = field(default_factory=frozenset)
    town_context_after: tuple[str, ...] = ()
    town_reject_after: frozenset[str] = field(default_factory=frozenset)


def qianxi_towns() -> list[TownEntry]:
    """Qianxi's 30 township-level units with their aliases and real villages.

    Imported lazily: ``core.orgmap`` is pure data here but its package imports
    the ORM, which the router should not pay for unless it asks for the gazetteer.
    """
    from core.orgmap.qianxi import REAL_VILLAGES, TOWNSHIPS

    entries = []
    for unit in TOWNSHIPS:
        names = [unit.short_name, *unit.aliases]
        for village in REAL_VILLAGES.get(unit.name, ()):
            names += [village, village.removesuffix("村")]
        entries.append(TownEntry(unit.name, tuple(dict.fromkeys(n for n in names if n))))
    return entries


class _StrictLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; in a lexicon that drops a
    whole weight group (two ``2:`` lists), so a repeated key is an error here."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"repeated key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(root: Traversable | Path, name: str) -> dict[str, Any]:
    path = root / name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise LexiconError(f"{name}: {exc}") from exc
    if not isinstance(data, dict):
        raise LexiconError(f"{name}: expected a mapping at the top level")
    return data


def _weighted(where: str, block: Any) -> Iterable[tuple[str, float]]:
    """``{3: [word, ...], 1.5: [...]}`` → (word, weight) pairs."""
    if not isinstance(block, dict):
        raise LexiconError(f"{where}: keywords must map a weight to a list of words")
    for weight, words in block.items():
        if not isinstance(weight, int | float) or not isinstance(words, list):
            raise LexiconError(f"{where}: bad keyword group {weight!r}")
        for word in words:
            if not isinstance(word, str) or not word:
                raise LexiconError(f"{where}: bad word {word!r}")
            yield word, float(weight)


class _Builder:
    def __init__(self, expansions: Mapping[str, Sequence[str]]) -> None:
        self.expansions = expansions
        self.terms: dict[str, list[Term]] = {}

    def variants(self, word: str) -> list[str]:
        """The word and its dialect forms (each rule applied to all forms so far)."""
        forms = [word]
        for standard, local_forms in self.expansions.items():
            for form in list(forms):
                if standard in form:
                    forms += [form.replace(standard, local) for local in local_forms]
        return list(dict.fromkeys(forms))

    def add(self, word: str, term: Term, *, expand: bool = True) -> None:
        for form in self.variants(word) if expand else [word]:
            roles = self.terms.setdefault(form, [])
            same = [r for r in roles if _same_role(r, term)]
            if not same:
                roles.append(term)
            elif same[0].weight < term.weight:
                roles[roles.index(same[0])] = term


def _same_role(a: Term, b: Term) -> bool:
    return (a.kind, a.category, a.subtype, a.cue, a.town) == (
        b.kind,
        b.category,
        b.subtype,
        b.cue,
        b.town,
    )


def _subtype(
    category: str, name: str, spec: dict[str, Any], defaults: dict[str, Any]
) -> SubtypeSpec:
    merged = {**defaults, **spec}
    where = f"{category}.{name}"
    cues = [*merged.get("escalate_on", []), *merged.get("suppressed_by", [])]
    cues += list(merged.get("upgrade", {}))
    unknown = set(cues) - CUE_NAMES
    if unknown:
        raise LexiconError(f"{where}: unknown cue(s) {sorted(unknown)}")
    try:
        rule = EmergencyRule(merged.get("emergency", "never"))
    except ValueError as exc:
        raise LexiconError(f"{where}: {exc}") from exc
    priority = int(merged.get("priority", 3))
    if not 1 <= priority <= 4:
        raise LexiconError(f"{where}: priority must be 1..4")
    return SubtypeSpec(
        category=category,
        name=name,
        label=str(merged.get("label", name)),
        priority=priority,
        emergency=rule,
        escalate_on=frozenset(merged.get("escalate_on", [])),
        suppressed_by=frozenset(merged.get("suppressed_by", [])),
        upgrade=dict(merged.get("upgrade", {})),
    )


def load_lexicon(
    lang: str = "zh",
    towns: Sequence[TownEntry] | None = None,
    *,
    root: Traversable | Path | None = None,
) -> Lexicon:
    """Read and validate one language's lexicon (``router/data/<lang>``, or ``root``);
    ``towns`` defaults to Qianxi's."""
    base: Traversable | Path = (
        root if root is not None else resources.files("router") / "data" / lang
    )
    meta = _read(base, "categories.yaml")
    cues = _read(base, "cues.yaml")
    dialect = _read(base, "dialect.yaml")
    town_rules = _read(base, "towns.yaml")
    builder = _Builder(dialect.get("expansions") or {})
    fuzzy_sources: set[str] = set()

    categories: dict[str, CategorySpec] = {}
    subtypes: dict[str, SubtypeSpec] = {}
    for cat_name, cat_meta in (meta.get("categories") or {}).items():
        data = _read(base, f"{cat_name}.yaml")
        defaults = data.get("defaults") or {}
        for sub_name, spec in (data.get("subtypes") or {}).items():
            if sub_name in subtypes:
                raise LexiconError(f"{cat_name}.{sub_name}: subtype name used twice")
            subtypes[sub_name] = _subtype(cat_name, sub_name, spec, defaults)
            for word, weight in _weighted(f"{cat_name}.{sub_name}", spec.get("keywords", {})):
                builder.add(word, Term(TermKind.keyword, word, cat_name, sub_name, weight))
                if weight >= FUZZY_MIN_WEIGHT:
                    fuzzy_sources.add(word)
        for word, weight in _weighted(f"{cat_name}.generic", data.get("generic") or {}):
            builder.add(word, Term(TermKind.keyword, word, cat_name, None, weight))
        default_sub = str(cat_meta.get("default_subtype", ""))
        if default_sub not in subtypes or subtypes[default_sub].category != cat_name:
            raise LexiconError(f"{cat_name}: default_subtype {default_sub!r} is not its subtype")
        categories[cat_name] = CategorySpec(
            cat_name, str(cat_meta["label"]), default_sub, int(cat_meta.get("consult_priority", 4))
        )

    hotlines = {}
    for number, prior in (meta.get("hotlines") or {}).items():
        if prior["category"] not in categories:
            raise LexiconError(f"hotline {number}: unknown category {prior['category']!r}")
        hotlines[str(number)] = HotlinePrior(prior["category"], float(prior["weight"]))

    cue_labels: dict[str, str] = {}
    for cue_name, spec in (cues.get("cues") or {}).items():
        if cue_name not in CUE_NAMES:
            raise LexiconError(f"cues.yaml: unknown cue class {cue_name!r}")
        cue_labels[cue_name] = str(spec.get("label", cue_name))
        for word in spec.get("words", []):
            builder.add(word, Term(TermKind.cue, word, cue=cue_name))
            if spec.get("fuzzy", False):
                fuzzy_sources.add(word)
    for word in (cues.get("negation") or {}).get("words", []):
        builder.add(word, Term(TermKind.negation, word))
    for word in cues.get("stop", []):
        builder.add(word, Term(TermKind.stop, word))

    ambiguous = set(town_rules.get("needs_context", []))
    for entry in towns if towns is not None else qianxi_towns():
        builder.add(entry.name, Term(TermKind.town, entry.name, town=entry.name), expand=False)
        fuzzy_sources.add(entry.name)
        for alias in entry.aliases:
            term = Term(TermKind.town, alias, town=entry.name, needs_context=alias in ambiguous)
            builder.add(alias, term, expand=False)
            if len(alias) >= 3 and alias[-1] in "镇乡道办":
                fuzzy_sources.add(alias)

    terms = {word: tuple(roles) for word, roles in builder.terms.items()}
    fuzzy_terms = {
        word: roles
        for word, roles in terms.items()
        if any(r.source == word for r in roles) and word in fuzzy_sources
    }
    fuzzy = dialect.get("fuzzy") or {}
    scoring = meta.get("scoring") or {}
    return Lexicon(
        language=lang,
        categories=categories,
        subtypes=subtypes,
        hotlines=hotlines,
        terms=terms,
        fuzzy_terms=fuzzy_terms,
        cue_labels=cue_labels,
        char_map=dict(dialect.get("char_map") or {}),
        pinyin_rules=PinyinRules(fuzzy.get("initials") or {}, fuzzy.get("finals") or {}),
        fuzzy_stop=frozenset([*(fuzzy.get("stop") or []), *cues.get("stop", [])]),
        fuzzy_weak_chars=str(fuzzy.get("weak_chars", "")),
        negation_window=int((cues.get("negation") or {}).get("window", 4)),
        decisive_score=float(scoring.get("decisive", 3.0)),
        fuzzy_discount=float(scoring.get("fuzzy_discount", 0.8)),
        resolved_discount=float(scoring.get("resolved_discount", 0.5)),
        min_subtype_score=float(scoring.get("min_subtype_score", 2.0)),
        strong_weight=float(scoring.get("strong_weight", 2.0)),
        context_cap=float(scoring.get("context_cap", 1.5)),
        upgrade_bonus=float(scoring.get("upgrade_bonus", 2.0)),
        negation_transparent=frozenset((cues.get("negation") or {}).get("transparent", "")),
        town_context_after=tuple(town_rules.get("context_after", [])),
        town_reject_after=frozenset(town_rules.get("reject_after", [])),
    )


MIN_KEYWORD_WEIGHT = 3.0  # the lexicon's strongest evidence only


def emergency_keywords(language: str = "zh") -> list[str]:
    """Keywords of subtypes that are always an emergency, at full weight."""
    lex = load_lexicon(language)
    words: set[str] = set()
    for terms in lex.terms.values():
        for t in terms:
            if t.kind is not TermKind.keyword or t.weight < MIN_KEYWORD_WEIGHT or t.subtype is None:
                continue
            if lex.subtypes[t.subtype].emergency is EmergencyRule.always:
                words.add(t.source)
    return sorted(words)
