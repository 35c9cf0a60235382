"""ORM tables for what the admin console changes in dispatch without a restart: who is
on duty at a unit on one duty day (over the computed rotation), and a catalogue rule's
time limits (over ``catalogue.yaml``). ``core.escalation.dispatch.plan`` reads both on
every dispatch; the history of each change is ``admin_changes`` (``core.admin``).
Their foreign keys name ``units`` and ``people`` by table name: ``core.orgmap`` is a
sibling context, never imported here (the metadata registry brings both)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, utcnow


class DutyOverrideRow(Base):
    """On duty day ``day`` (days turn at the 08:00 handover) ``person_id`` keeps duty
    at ``unit_id`` instead of the rotation's choice."""

    __tablename__ = "duty_overrides"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2026-12-09, local
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CatalogueOverrideRow(Base):
    """A catalogue rule's acknowledge and completion limits as the admin set them
    (``Limit`` text such as ``30 minutes`` or ``5 working_days``)."""

    __tablename__ = "catalogue_overrides"

    rule_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    ack: Mapped[str] = mapped_column(String(32))
    done: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
