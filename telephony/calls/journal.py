"""Every call event in the case log (接处警记录), through the case service.

Each entry is an ``Action.note`` on the call's case, written by
``CaseService.act`` (the case's version and log, like any other note) with the call
taker who asked as the actor, or ``system:telephony``. Writes go through one queue
in order, off the call's path: a slow database never delays a bridge or a hold.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from core.auth.models import Principal, Role
from core.cases.lifecycle import Action
from core.cases.schemas import CaseActionIn
from telephony.calls.state import Call, CallEvent

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:telephony"
SUPERVISE_LABELS = {"listen": "监听", "whisper": "耳语", "barge": "强插"}


class CaseNotes(Protocol):
    async def act(
        self, number: str, action: Action, body: CaseActionIn, actor: Principal
    ) -> object: ...


def describe(call: Call, label: str = "") -> str | None:
    """The case-log line of a call event, in Chinese; None for events not logged."""
    seat = call.seat or ""
    peer = label or call.peer or ""
    ev = CallEvent(call.event) if call.event in CallEvent.__members__ else None
    try:
        ev = CallEvent(call.event)
    except ValueError:
        return None
    if ev is CallEvent.hung_up and call.direction == "in" and not call.seat:
        return None  # nobody answered: the missed-call entry (漏接) says it already
    texts: dict[CallEvent, str] = {
        CallEvent.take: f"电话：{seat} 接起来电，正在呼叫坐席话机",
        CallEvent.seat_answered: f"电话：坐席 {seat} 接通来电",
        CallEvent.seat_failed: "电话：坐席未接通，来电回到队列",
        CallEvent.seat_left: "电话：坐席话机断开时来电处于保持，来电回到队列",
        CallEvent.held: "电话：通话保持",
        CallEvent.resumed: "电话：恢复通话",
        CallEvent.transfer_blind: f"电话：盲转（直接转接）至 {peer}",
        CallEvent.transfer_started: f"电话：咨询转接至 {peer}，来电保持",
        CallEvent.transfer_completed: f"电话：转接完成，来电已转至 {peer}",
        CallEvent.transfer_cancelled: f"电话：取消转接 {peer}，恢复与来电通话",
        CallEvent.transfer_failed: f"电话：转接 {peer} 未接通，来电回到队列",
        CallEvent.conference_started: f"电话：三方通话，邀请 {peer}",
        CallEvent.peer_left: f"电话：{peer} 退出三方通话",
        CallEvent.callback_seat_answered: f"电话：回拨，坐席 {seat} 已接通，正在呼叫群众",
        CallEvent.citizen_answered: "电话：回拨接通",
        CallEvent.hung_up: f"电话：通话结束，时长 {call.updated_at - call.arrived_at:.0f} 秒",
        CallEvent.supervise_started: (
            f"班长席：{call.actor or ''} 在 {call.supervisor or ''} "
            f"{SUPERVISE_LABELS.get(call.super_mode or '', '')}"
        ),
        CallEvent.supervise_ended: "班长席：结束监听",
    }
    return texts.get(ev)


class CaseJournal:
    def __init__(self, cases: CaseNotes) -> None:
        self.cases = cases
        self._queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()

    def call_event(self, call: Call, label: str = "") -> None:
        text = describe(call, label)
        if text is not None:
            self.write(call, text)

    def write(self, call: Call, text: str) -> None:
        if call.case_number is None:
            return
        actor = call.actor if call.event != CallEvent.hung_up else call.actor or SYSTEM_ACTOR
        self._queue.put_nowait((call.case_number, text, actor or SYSTEM_ACTOR))

    async def drain(self) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        await self._queue.join()

    async def run(self) -> None:
        while True:
            number, text, actor = await self._queue.get()
            try:
                role = Role.admin if actor.startswith("system:") else Role.call_taker
                await self.cases.act(
                    number,
                    Action.note,
                    CaseActionIn(note=text),
                    Principal(0, actor[:64], role, "电话系统"),
                )
            except Exception:  # the call goes on; the log line is lost, and says so
                log.exception("case log entry not written", extra={"case": number})
            finally:
                self._queue.task_done()
