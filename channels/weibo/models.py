"""Weibo items as typed values (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Feed(StrEnum):
    mentions = "mentions"  # posts that @ the account (statuses/mentions)
    comments = "comments"  # comments on the account's posts (comments/to_me)
    messages = "messages"  # private messages, pushed by the fan-service platform


@dataclass(frozen=True, slots=True)
class WeiboItem:
    feed: Feed
    id: str  # idstr of the status / comment; for messages a derived id
    uid: str
    screen_name: str | None
    text: str
    status_id: str | None = None  # the post a comment belongs to (for replies)
    lat: float | None = None
    lon: float | None = None

    @property
    def idempotency_key(self) -> str:
        return f"weibo:{self.feed.value}:{self.id}"
