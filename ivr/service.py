"""The IVR engine: runs a hotline's flow on one call, as a stack of menus.

Pure: it talks to the caller only through :class:`~ivr.ports.IvrChannel` and to the
platform only through :class:`~ivr.ports.IvrBackend`, so the same engine runs over
FastAGI and under unit tests (events in, commands out).

Menus stack (the asyncari pattern): choosing a sub-menu pushes it; a key the top
menu does not handle bubbles down to the nearest enclosing menu that does, which
becomes the top again and acts on it. "0" style repeats are the flow's own keys;
timeouts and invalid keys count as failures, and after ``max_failures`` in a row
the menu's ``on_fail`` action runs - by default the queue, because a caller who
cannot use the menu must still reach a person.

At the end the engine sets IVR_RESULT (queue | status_done | callback | hangup) and
IVR_CATEGORY on the channel for the dialplan.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace

from core.clock import Clock
from ivr.errors import CallerHungUp
from ivr.flows import (
    BackAction,
    CallbackAction,
    EndAction,
    Flows,
    Menu,
    MenuAction,
    QueueAction,
    RepeatAction,
    Result,
    StatusAction,
)
from ivr.ports import CallInfo, CaseStatus, IvrBackend, IvrChannel, StaffedHours
from ivr.settings import IvrSettings
from prompts import ivr as prompts

log = logging.getLogger(__name__)

# Safety net over all menus of one call (repeats included): then ``on_fail``.
MAX_STEPS = 40
STATUS_ATTEMPTS = 3
_DTMF_CASE = re.compile(r"^(\d{8})(\d{1,7})$")
_Action = (
    QueueAction | MenuAction | StatusAction | CallbackAction | RepeatAction | BackAction | EndAction
)


def case_number_from_dtmf(digits: str, prefix: str) -> str | None:
    """The DTMF form of a case number is its digits: QX-20261126-00123 is typed
    ``2026112600123#``; leading zeros of the sequence may be left out
    (``20261126123#``). None when the digits cannot be a case number."""
    m = _DTMF_CASE.match(digits.strip().rstrip("#"))
    if m is None:
        return None
    day, seq = m.groups()
    month, dom = int(day[4:6]), int(day[6:8])
    if not (1 <= month <= 12 and 1 <= dom <= 31) or int(seq) == 0:
        return None
    return f"{prefix}-{day}-{int(seq):05d}"


def dtmf_form(number: str) -> str:
    """QX-20261126-00123 → 2026112600123 (what a caller types, and is read back)."""
    return "".join(ch for ch in number if ch.isdigit())


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Result
    category: str | None = None
    callback_case: str | None = None
    trace: tuple[str, ...] = ()
    # Case numbers whose status the caller heard (the call was served by the menu).
    enquired: tuple[str, ...] = ()


@dataclass
class _Run:
    ch: IvrChannel
    call: CallInfo
    trace: list[str] = field(default_factory=list)
    steps: int = 0
    pending: str | None = None  # a key pressed during a failure prompt
    enquired: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.trace.append(what)


class IvrService:
    def __init__(
        self,
        flows: Flows,
        backend: IvrBackend,
        hours: StaffedHours,
        settings: IvrSettings,
        *,
        case_prefix: str,
        clock: Clock,
    ) -> None:
        self.flows = flows
        self.backend = backend
        self.hours = hours
        self.settings = settings
        self.case_prefix = case_prefix
        self.clock = clock

    async def run(self, ch: IvrChannel, call: CallInfo) -> Outcome:
        run = _Run(ch, call)
        try:
            outcome = await self._run(run)
        except CallerHungUp:
            run.note("hangup")
            return Outcome(Result.hangup, trace=tuple(run.trace), enquired=tuple(run.enquired))
        outcome = Outcome(
            outcome.result,
            outcome.category,
            outcome.callback_case,
            tuple(run.trace),
            tuple(run.enquired),
        )
        try:
            await ch.set_variable("IVR_RESULT", outcome.result.value)
            await ch.set_variable("IVR_CATEGORY", outcome.category or "")
        except CallerHungUp:
            return replace(outcome, result=Result.hangup)
        return outcome

    # --- entry ------------------------------------------------------------------------
    async def _run(self, run: _Run) -> Outcome:
        flow = self.flows.flow(run.call.hotline)
        if flow.menu is None:
            run.note("direct")
            return Outcome(Result.queue)
        root = flow.menu
        if flow.after_hours and not self.hours.is_open(run.call.hotline, self.clock()):
            run.note("after-hours")
            root = flow.after_hours
        elif flow.overflow and await self._backlog() > self.settings.overflow_backlog:
            run.note("overflow")
            root = flow.overflow
        return await self._menus(run, [root])

    async def _backlog(self) -> int:
        try:
            return await self.backend.backlog()
        except CallerHungUp:
            raise
        except Exception:  # the queue's size is advice; never keep a caller from the menu
            log.warning("IVR could not read the queue backlog", exc_info=True)
            return 0

    # --- the menu stack ---------------------------------------------------------------
    async def _menus(self, run: _Run, stack: list[str]) -> Outcome:
        failures = 0
        while True:
            menu = self.flows.menus[stack[-1]]
            run.steps += 1
            if run.steps > MAX_STEPS:
                run.note("too-many-steps")
                return await self._fail(run, stack, menu)
            key, run.pending = run.pending, None
            if key is None:
                run.note(f"menu:{stack[-1]}")
                key = await run.ch.play(menu.prompts)
            if key is None:
                key = await run.ch.wait_key(menu.timeout_s)
            if key is None:
                failures += 1
                run.note("timeout")
                if failures >= menu.max_failures:
                    return await self._fail(run, stack, menu)
                run.pending = await run.ch.play([self.flows.timeout_prompt])
                continue
            found = self._resolve(stack, key)
            if found is None:
                failures += 1
                run.note(f"invalid:{key}")
                if failures >= menu.max_failures:
                    return await self._fail(run, stack, menu)
                run.pending = await run.ch.play([self.flows.invalid_prompt])
                continue
            level, action = found
            if level < len(stack) - 1:
                run.note(f"bubble:{key}:{stack[level]}")
                del stack[level + 1 :]
            else:
                run.note(f"key:{key}")
            failures = 0
            outcome = await self._act(run, stack, action, failed=False)
            if outcome is not None:
                return outcome

    async def _fail(self, run: _Run, stack: list[str], menu: Menu) -> Outcome:
        # Flows allow only ending actions in on_fail; the queue is the safe default.
        return await self._act(run, stack, menu.on_fail, failed=True) or Outcome(Result.queue)

    def _resolve(self, stack: list[str], key: str) -> tuple[int, _Action] | None:
        for level in range(len(stack) - 1, -1, -1):
            action = self.flows.menus[stack[level]].keys.get(key)
            if action is not None:
                return level, action
        return None

    async def _act(
        self, run: _Run, stack: list[str], action: _Action, *, failed: bool
    ) -> Outcome | None:
        """Run one action; an Outcome ends the IVR, None continues with the stack."""
        if isinstance(action, QueueAction):
            if failed:
                await run.ch.play([self.flows.to_agent_prompt], interruptible=False)
            run.note("queue")
            return Outcome(Result.queue, action.category)
        if isinstance(action, CallbackAction):
            return await self._callback(run, action.category)
        if isinstance(action, EndAction):
            if action.prompt:
                await run.ch.play([action.prompt], interruptible=False)
            run.note(f"end:{action.result}")
            return Outcome(Result(action.result))
        if isinstance(action, MenuAction):
            stack.append(action.menu)
        elif isinstance(action, BackAction):
            if len(stack) > 1:
                stack.pop()
        elif (
            isinstance(action, StatusAction)
            and await self._status(run)
            and action.then
            and stack[-1] != action.then
        ):
            stack.append(action.then)
        # RepeatAction: the loop plays the (top) menu again.
        return None

    # --- actions with the platform ----------------------------------------------------
    async def _callback(self, run: _Run, category: str | None) -> Outcome:
        try:
            number = await self.backend.book_callback(run.call, category)
        except CallerHungUp:
            raise
        except Exception:
            # Nothing booked: the caller goes to a person instead of being dropped.
            log.exception("IVR call-back booking failed", extra={"call": run.call.call_id})
            run.note("callback-failed")
            await run.ch.play(
                ["ivr-callback-failed", self.flows.to_agent_prompt], interruptible=False
            )
            return Outcome(Result.queue, category)
        run.note(f"callback:{number}")
        await run.ch.play(["ivr-callback-ok"], interruptible=False)
        return Outcome(Result.callback, category, callback_case=number)

    async def _status(self, run: _Run) -> bool:
        """Ask for a case number and speak its status. False when no valid number
        was typed after a few attempts (the caller is back in the menu)."""
        for attempt in range(STATUS_ATTEMPTS):
            digits = await run.ch.read_digits(
                "ivr-status-enter", timeout_s=self.settings.case_number_timeout_s, max_len=16
            )
            number = case_number_from_dtmf(digits, self.case_prefix)
            if number is None:
                run.note(f"status-bad:{digits}")
                if attempt < STATUS_ATTEMPTS - 1:
                    await run.ch.play(["ivr-status-bad-number"], interruptible=False)
                continue
            status = await self._lookup(number, run.call.caller)
            run.note(f"status:{number}:{status.state.value if status else 'not-found'}")
            try:
                await self.backend.status_enquired(run.call, number, status is not None)
            except CallerHungUp:
                raise
            except Exception:  # the log entry is secondary to answering the caller
                log.warning("status enquiry not recorded", exc_info=True)
            if status is None:
                await run.ch.play(["ivr-status-not-found"], interruptible=False)
            else:
                run.enquired.append(status.number)
                await run.ch.play(["ivr-status-case"], interruptible=False)
                await run.ch.say_digits(dtmf_form(status.number))
                await run.ch.play(_status_prompts(status), interruptible=False)
            return True
        return False

    async def _lookup(self, number: str, caller: str) -> CaseStatus | None:
        try:
            return await self.backend.case_status(number, caller)
        except CallerHungUp:
            raise
        except Exception:
            log.exception("case status lookup failed", extra={"case": number})
            return None


def _status_prompts(status: CaseStatus) -> list[str]:
    out = [prompts.state_prompt(status.state)]
    if status.merged_into is not None:
        out.append(prompts.state_prompt(status.merged_into.state))
    return out


__all__ = ["MAX_STEPS", "IvrService", "Outcome", "case_number_from_dtmf", "dtmf_form"]
