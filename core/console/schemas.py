"""API shapes of the console's search, export and timeline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SearchQuery(BaseModel):
    """The query string of ``GET /api/v1/cases/search``; unknown parameters are refused
    (a misspelt filter must not silently return everything)."""

    model_config = ConfigDict(extra="forbid")
    q: str | None = Field(None, max_length=200, description="a fragment of the text or transcript")
    number: str | None = Field(None, max_length=32, description="case number or its prefix")
    phone: str | None = Field(None, pattern=r"^\+?[0-9-]{3,32}$", description="audited")
    category: str | None = Field(None, max_length=16)
    township_id: int | None = None
    grid_id: int | None = None
    unit_id: int | None = Field(None, description="a unit that holds or held an instruction")
    state: str | None = Field(None, max_length=16)
    date_from: date | None = Field(None, description="first day (center's time zone)")
    date_to: date | None = Field(None, description="last day, included")
    channel: str | None = Field(None, max_length=16)
    hotline: str | None = Field(None, max_length=8)
    overdue: bool = False
    escalated: bool = False
    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(50, ge=1, le=200)


class ExportQuery(SearchQuery):
    format: Literal["csv", "xlsx"] = "csv"


class SearchItem(BaseModel):
    number: str
    phone: str | None = Field(description="the first contact's sender, always masked")
    summary: str
    state: str
    state_label: str
    category: str | None
    priority: int
    emergency: bool
    township: str | None
    township_id: int | None
    channel: str | None
    hotline: str | None
    created_at: datetime


class SearchPage(BaseModel):
    items: list[SearchItem]
    total: int = Field(description="matching cases; at most COUNT_CAP + 1 (see total_capped)")
    total_capped: bool = Field(False, description="more than 10,000 match: total is 10,001")
    offset: int
    limit: int
    note: str | None = Field(None, description="set when the search narrowed the filters")


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    text: str
    actor: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Timeline(BaseModel):
    number: str
    items: list[TimelineItem]
