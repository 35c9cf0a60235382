"""Baseline classifier for the spine: the hotline dialled as a prior plus a short
list of unmistakable emergency words. It exists so the queue is ordered sensibly
from day one; the router issue's lexicon classifier supersedes it."""

from __future__ import annotations

from router.ports import Classification

_HOTLINE = {
    "110": "police",
    "119": "fire",
    "120": "medical",
    "122": "traffic",
    "12315": "consumer",
    "12345": "government",
}

# word -> (category, subtype). Checked in order; the first hit wins the category.
_EMERGENCY_WORDS: tuple[tuple[str, str, str], ...] = (
    ("着火", "fire", "building_fire"),
    ("失火", "fire", "building_fire"),
    ("火灾", "fire", "building_fire"),
    ("煤气泄漏", "fire", "gas_leak"),
    ("被困", "fire", "person_trapped"),
    ("溺水", "fire", "water_rescue"),
    ("昏迷", "medical", "unconscious"),
    ("晕倒", "medical", "unconscious"),
    ("胸痛", "medical", "chest_pain"),
    ("要生了", "medical", "childbirth"),
    ("中毒", "medical", "poisoning"),
    ("抢劫", "police", "robbery"),
    ("杀人", "police", "homicide"),
    ("持刀", "police", "armed"),
    ("打架", "police", "fight"),
    ("打人", "police", "fight"),
    ("家暴", "police", "domestic_violence"),
    ("走失", "police", "missing_person"),
    ("车祸", "traffic", "collision_injury"),
    ("撞人", "traffic", "collision_injury"),
    ("救命", "police", "call_for_help"),
)


class HotlinePriorClassifier:
    def classify(self, text: str, hotline: str | None) -> Classification:
        prior = _HOTLINE.get(hotline or "")
        hits = [(w, cat, sub, text.find(w)) for w, cat, sub in _EMERGENCY_WORDS if w in text]
        if hits:
            word, cat, sub, _start = min(hits, key=lambda h: h[3])
            return Classification(
                category=cat,
                subtype=sub,
                emergency=True,
                priority=1,
                keywords=[(w, s, s + len(w)) for w, _c, _s, s in hits],
                explanation=f"紧急关键词「{word}」",
            )
        if prior is None:
            return Classification(None, None, False, 3, [], "未识别，待人工分类")
        priority = 4 if prior in ("consumer", "government") else 2
        return Classification(prior, None, False, priority, [], f"按拨打的{hotline}热线归类")
