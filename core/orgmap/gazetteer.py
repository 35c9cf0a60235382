"""Place names in free text → places (pure; Aho-Corasick over names and aliases).

Citizens name places loosely: "钟山" for 钟山镇, "鸭池河桥" for 鸭池河大桥, a village
without its township. Rules, in order of trust: a full household address beats a
landmark, which beats a village, which beats a township. A village name that
exists in several townships counts only when the text also names one of them.
Some township short names are ordinary words (洪水 "flood", 重新 "again",
绿化 "greening", 谷里 in 山谷里 …): those count only with their suffix (洪水镇).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

KIND_RANK = {"address": 4, "landmark": 3, "village": 2, "township": 1}
# Short names that are everyday words; they must carry 镇/乡/街道 to count as a place.
AMBIGUOUS_SHORT_NAMES = frozenset(
    [
        "重新",
        "协和",
        "花溪",
        "大关",
        "太来",
        "中建",
        "定新",
        "仁和",
        "绿化",
        "五里",
        "洪水",
        "杜鹃",
        "谷里",
        "铁石",
        "金碧",
        "金兰",
    ]
)


@dataclass(frozen=True, slots=True)
class Place:
    id: int
    name: str
    kind: str  # address | landmark | village | township (landmark covers school, bridge …)
    lat: float
    lon: float
    township_id: int | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaceHit:
    place: Place
    start: int
    end: int
    matched: str


class Gazetteer:
    def __init__(self, places: Iterable[Place]) -> None:
        self._auto = ahocorasick.Automaton()
        index: dict[str, list[Place]] = {}
        for p in places:
            for name in {p.name, *p.aliases}:
                if len(name) < 2 or (p.kind == "township" and name in AMBIGUOUS_SHORT_NAMES):
                    continue
                index.setdefault(name, []).append(p)
        for name, found in index.items():
            self._auto.add_word(name, (name, tuple(found)))
        self._empty = not index
        if not self._empty:
            self._auto.make_automaton()

    def find(self, text: str) -> list[PlaceHit]:
        """Non-overlapping mentions, longest first, resolved to one place each."""
        if self._empty or not text:
            return []
        raw: list[tuple[int, int, str, tuple[Place, ...]]] = []
        for end, (name, places) in self._auto.iter(text):
            raw.append((end - len(name) + 1, end + 1, name, places))
        raw.sort(key=lambda r: (-(r[1] - r[0]), r[0]))
        taken: list[tuple[int, int]] = []
        chosen: list[tuple[int, int, str, tuple[Place, ...]]] = []
        for start, end, name, places in raw:
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                chosen.append((start, end, name, places))
        townships = {p.id for *_x, places in chosen for p in places if p.kind == "township"}
        hits = []
        for start, end, name, places in sorted(chosen):
            place = _resolve(places, townships)
            if place is not None:
                hits.append(PlaceHit(place, start, end, name))
        return hits

    def best(self, text: str) -> PlaceHit | None:
        """The most specific mention (address > landmark > village > township)."""
        hits = self.find(text)
        return max(
            hits, key=lambda h: (KIND_RANK.get(h.place.kind, 0), h.end - h.start), default=None
        )


def _resolve(places: tuple[Place, ...], mentioned_townships: set[int]) -> Place | None:
    if len(places) == 1:
        return places[0]
    # The same name in several townships: the text's township decides, else nothing.
    inside = [p for p in places if p.township_id in mentioned_townships]
    return inside[0] if len(inside) == 1 else None
