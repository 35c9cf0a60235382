"""Where is it? Gathers location evidence for a contact and fuses it (core.orgmap.location).

Evidence: the contact's own coordinates (PIDF-LO, GPS, typed), the household a
set-top box is registered to, the household registered to the caller's phone
(R2 caller registry), and place names in the text (gazetteer). The gazetteer is
loaded into memory once; household look-ups are indexed queries.

Besides the fused point (with its precision and uncertainty), a contact yields the
places it names — its township, gazetteer places, house and group numbers — which
merging uses to keep reports of different places apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.cases.tables import ContactRow
from core.orgmap.gazetteer import Gazetteer, Place
from core.orgmap.location import Candidate, Fix, device, fuse, mentioned
from core.orgmap.models import Placement
from core.orgmap.service import OrgMapService
from core.orgmap.tables import HouseholdRow, PlaceRow
from core.storage.engine import Database
from core.triage.merge import PlaceSignature, house_numbers

_SPECIFIC = {"address": "address", "village": "village", "township": "township"}
_PHONE_CHANNELS = frozenset({"phone", "sms"})


def _kind(place_kind: str) -> str:
    # schools, hospitals, markets, bridges … are all landmarks to the fuser
    return _SPECIFIC.get(place_kind, "landmark")


@dataclass(frozen=True, slots=True)
class Located:
    fix: Fix | None  # None: nothing placed it (places may still name its township)
    placement: Placement | None
    places: PlaceSignature = field(default_factory=PlaceSignature)


class ContactLocator:
    def __init__(self, db: Database, orgmap: OrgMapService) -> None:
        self.db = db
        self.orgmap = orgmap
        self.gazetteer = Gazetteer(())

    async def load(self) -> None:
        async with self.db.session() as s:
            rows = await s.execute(
                select(
                    PlaceRow.id,
                    PlaceRow.name,
                    PlaceRow.kind,
                    PlaceRow.lat,
                    PlaceRow.lon,
                    PlaceRow.township_id,
                    PlaceRow.aliases,
                )
            )
            places = [
                Place(pid, name, _kind(kind), lat, lon, tid, tuple(aliases or ()))
                for pid, name, kind, lat, lon, tid, aliases in rows
            ]
        self.gazetteer = Gazetteer(places)

    async def candidates(self, s: AsyncSession, contact: ContactRow) -> list[Candidate]:
        out: list[Candidate] = []
        if contact.lat is not None and contact.lon is not None:
            out.append(
                device(
                    contact.lat,
                    contact.lon,
                    contact.location_source or "manual",
                    contact.location_accuracy_m,
                    contact.address,
                )
            )
        if contact.channel == "stb_alarm":
            home = await s.scalar(
                select(HouseholdRow).where(HouseholdRow.stb_device_id == contact.sender)
            )
            if home is not None:
                out.append(device(home.lat, home.lon, "stb", None, home.address))
        elif contact.channel in _PHONE_CHANNELS:
            home = await s.scalar(
                select(HouseholdRow).where(HouseholdRow.phone == contact.sender).limit(1)
            )
            if home is not None:
                out.append(device(home.lat, home.lon, "registry", None, home.address))
        hit = self.gazetteer.best(contact.text or contact.transcript or "")
        if hit is not None:
            out.append(mentioned(hit.place.lat, hit.place.lon, hit.place.kind, hit.place.name))
        return out

    def places(self, text: str, town: str | None = None) -> PlaceSignature:
        """What the text names: township (the gazetteer's, else the classifier's
        ``town``), gazetteer places below a township, house and group numbers."""
        township: int | None = None
        specific: set[str] = set()
        for hit in self.gazetteer.find(text):
            if hit.place.kind == "township":
                township = township or hit.place.township_id
            else:
                specific.add(f"{hit.place.kind}:{hit.place.id}")
                township = township or hit.place.township_id
        if township is None and town is not None:
            township = self.orgmap.township_id(town)
        return PlaceSignature(township, frozenset(specific), house_numbers(text))

    async def locate(
        self, s: AsyncSession, contact: ContactRow, town: str | None = None
    ) -> Located | None:
        places = self.places(contact.text or contact.transcript or "", town)
        fix = fuse(await self.candidates(s, contact))
        if fix is None:
            return Located(None, None, places) if places.township is not None else None
        return Located(fix, self.orgmap.locate(fix.lat, fix.lon), places)
