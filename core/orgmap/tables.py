"""ORM tables for the org map (unit tree, people), gazetteer, cameras and households."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.storage.base import Base, BigId


class UnitRow(Base):
    """One node of the unit tree: center, department, township, village or grid."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    short_name: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    # street / town / ethnic_township for township-level units
    subkind: Mapped[str | None] = mapped_column(String(24))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Duty tier 1/2/3 (R8) and duty hours 24/12/8 for departments and townships.
    tier: Mapped[int | None] = mapped_column(Integer)
    duty_hours: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(32))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # GeoJSON Polygon coordinates ([[[lon, lat], ...]]) for townships, villages, grids.
    polygon: Mapped[list[Any] | None]
    # True where the name could not be confirmed against a public source.
    placeholder: Mapped[bool] = mapped_column(Boolean, default=False)


class PersonRow(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(24), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(String(64))


class PlaceRow(Base):
    """Gazetteer entry: an official name with aliases and a point."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    lat: Mapped[float]
    lon: Mapped[float]
    township_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class CameraRow(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float]
    lon: Mapped[float]
    stream_url: Mapped[str] = mapped_column(String(300))
    snapshot_url: Mapped[str] = mapped_column(String(300))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))


class HouseholdRow(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32), index=True)
    members: Mapped[int] = mapped_column(Integer, default=1)
    lat: Mapped[float]
    lon: Mapped[float]
    grid_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # Registered TV set-top box with the one-click alarm (R4), if any.
    stb_device_id: Mapped[str | None] = mapped_column(String(64), unique=True)
