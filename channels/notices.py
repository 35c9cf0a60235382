"""Notices to citizens as their cases move (R10): "dispatched" as a WeChat progress
template, "completed" by SMS (and WeChat) with how to evaluate.

The watcher tails the append-only case log by id with a persisted cursor, so
every event is seen once even across restarts; each notice is enqueued with a
dedupe key (event id + recipient), so a crash between enqueue and cursor save
re-enqueues nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from sqlalchemy import select

from channels.casestatus import EVALUATE_HINT
from channels.outbound import OutboundService
from channels.settings import ChannelsSettings
from channels.sms.models import split_long
from channels.tables import ChannelCursorRow
from core.cases.tables import CaseEventRow, CaseRow, ContactRow
from core.clock import Clock
from core.storage.engine import Database

log = logging.getLogger(__name__)
CURSOR = "notices:case_events"
DONE = frozenset({"complete", "resolve_directly"})
WATCHED = frozenset({"dispatch", *DONE})
MOBILE = re.compile(r"^1\d{10}$")
SMS_CHANNELS = frozenset({"sms", "phone", "app"})


class NoticeWatcher:
    def __init__(
        self,
        db: Database,
        outbound: OutboundService,
        settings: ChannelsSettings,
        clock: Clock,
        interval_s: float = 2.0,
    ) -> None:
        self.db = db
        self.outbound = outbound
        self.settings = settings
        self.clock = clock
        self.interval_s = interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                seen = await self.poll()
            except Exception:
                log.exception("notice round failed")
                seen = 0
            if seen == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval_s)

    async def poll(self, limit: int = 200) -> int:
        async with self.db.session() as s:
            cur = await s.get(ChannelCursorRow, CURSOR)
            after = int(cur.value) if cur else 0
            rows = (
                await s.execute(
                    select(CaseEventRow.id, CaseEventRow.action, CaseRow.number, CaseRow.id)
                    .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                    .where(CaseEventRow.id > after)
                    .order_by(CaseEventRow.id)
                    .limit(limit)
                )
            ).all()
        for event_id, action, number, case_id in rows:
            if action in WATCHED:
                await self._notify(event_id, action, number, case_id)
        if rows:
            async with self.db.session() as s:
                cur = await s.get(ChannelCursorRow, CURSOR)
                if cur is None:
                    cur = ChannelCursorRow(name=CURSOR, value="0")
                    s.add(cur)
                cur.value, cur.updated_at = str(rows[-1][0]), self.clock()
        return len(rows)

    async def _notify(self, event_id: int, action: str, number: str, case_id: int) -> None:
        async with self.db.session() as s:
            senders = set(
                (
                    await s.execute(
                        select(ContactRow.channel, ContactRow.sender).where(
                            ContactRow.case_id == case_id
                        )
                    )
                ).all()
            )
        done = action in DONE
        sms_on, wechat_on = self.settings.sms.enabled, self.settings.wechat.enabled
        for channel, sender in sorted(senders):
            key = f"n:{event_id}:{channel}:{sender}"
            if channel == "wechat" and wechat_on:
                await self.outbound.enqueue(
                    "wechat",
                    "template",
                    sender,
                    self._template(number, done),
                    case_number=number,
                    dedupe_key=key,
                )
            elif done and sms_on and channel in SMS_CHANNELS and MOBILE.match(sender):
                text = f"【黔西市联动中心】您反映的问题（工单 {number}）已办结。"
                text += EVALUATE_HINT.format(number=number)
                for i, part in enumerate(split_long(text, self.settings.sms.max_chars)):
                    await self.outbound.enqueue(
                        "sms",
                        "sms",
                        sender,
                        {"text": part},
                        case_number=number,
                        dedupe_key=f"{key}#{i}",
                    )

    def _template(self, number: str, done: bool) -> dict[str, Any]:
        w = self.settings.wechat
        if done:
            return {
                "template_id": w.evaluation_template_id,
                "data": {
                    "first": {"value": "您反映的问题已办结"},
                    "keyword1": {"value": number},
                    "keyword2": {"value": "办结"},
                    "remark": {"value": EVALUATE_HINT.format(number=number)},
                },
            }
        return {
            "template_id": w.progress_template_id,
            "data": {
                "first": {"value": "您反映的问题已派单处理"},
                "keyword1": {"value": number},
                "keyword2": {"value": "已派单"},
                "remark": {"value": "回复“查询”可查看进度"},
            },
        }
