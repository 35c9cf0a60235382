"""One history case at a time: contacts, a legal case log, instructions, ladder steps
and ratings, appended to a :class:`~liandong.demo.history.Batch` (see liandong.demo.history)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from core.ratings.models import STAGES
from liandong.demo.history import (
    ACK_MIN,
    ACTOR,
    CHANNELS,
    DEPT_FOR,
    DONE_H,
    HOTLINE,
    HOURS,
    SUMMARY,
    Batch,
    Ids,
    Unit,
    category_mix,
    digest,
    phone_for,
)

_HOURS = list(range(24))
_HOUR_CUM = list(accumulate(HOURS))
_CHANNELS = [c for c, _ in CHANNELS]
_CHANNEL_CUM = list(accumulate(w for _, w in CHANNELS))
DISPATCHER = "dispatcher"
REOPEN_FACTOR = 0.5
RATE_SHARE = 0.55  # citizens who answer the evaluation request
STAGE_SHARE = 0.3  # IVR surveys answered to the end (all four stages)


class CaseFactory:
    def __init__(
        self,
        townships: list[Unit],
        departments: dict[str, Unit],
        ids: Ids,
        prefix: str,
        tz: ZoneInfo,
        seed: int,
    ) -> None:
        self.townships = townships
        # Cumulative weights computed once: rng.choices would redo them per call.
        self.town_cum = list(accumulate(u.weight for u in townships))
        self.mix = {m: category_mix(m) for m in range(1, 13)}
        self.departments = departments
        self.others = [u for c, u in sorted(departments.items()) if c not in DEPT_FOR.values()]
        self.ids = ids
        self.prefix = prefix
        self.tz = tz
        self.seed = seed

    # --- one day ----------------------------------------------------------------------
    def day(self, day: date, contacts: int, batch: Batch) -> None:
        rng = random.Random(f"{self.seed}:{day.isoformat()}")
        start = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        times = sorted(
            start
            + timedelta(
                hours=rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0], seconds=rng.random() * 3600
            )
            for _ in range(contacts)
        )
        seq, i = 0, 0
        while i < len(times):
            extra = 0 if rng.random() < 0.86 else (1 if rng.random() < 0.8 else 2)
            extra = min(extra, len(times) - i - 1)
            seq += 1
            number = f"{self.prefix}-{day:%Y%m%d}-{seq:05d}"
            self.case(rng, number, times[i].astimezone(UTC), extra, batch)
            i += 1 + extra
        batch.counters[f"{day:%Y%m%d}"] = seq

    # --- one case ---------------------------------------------------------------------
    def case(self, rng: random.Random, number: str, t0: datetime, extra: int, b: Batch) -> None:
        ids = self.ids
        ids.case += 1
        cid = ids.case
        cats, cum = self.mix[t0.astimezone(self.tz).month]
        category = rng.choices(cats, cum_weights=cum)[0]
        town = rng.choices(self.townships, cum_weights=self.town_cum)[0]
        grid = rng.choice(town.grids) if town.grids else None
        emergency = category in ("fire", "medical") or (category == "police" and rng.random() < 0.2)
        priority = 1 if emergency else rng.choice((2, 3, 3, 3, 4))
        channel = "phone" if category != "government" else None
        if channel is None:
            channel = rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0]
        sender = self._sender(rng, channel)
        lat = town.lat + rng.uniform(-0.02, 0.02)
        lon = town.lon + rng.uniform(-0.02, 0.02)
        events: list[dict[str, Any]] = []
        state = {"state": "received", "reopen_count": 0}

        def ev(at: datetime, action: str, actor: str, after: dict[str, Any],
               data: dict[str, Any] | None = None) -> None:  # fmt: skip
            before = {k: state.get(k) for k in after if state.get(k) != after[k]}
            changed = {k: v for k, v in after.items() if k in before}
            state.update(after)
            ids.event += 1
            events.append({"id": ids.event, "case_id": cid, "seq": len(events) + 1, "at": at,
                           "actor": actor, "action": action, "before": before, "after": changed,
                           "data": data or {}})  # fmt: skip

        contact_ids = []
        for k in range(1 + extra):
            ids.contact += 1
            contact_ids.append(ids.contact)
            at = t0 + timedelta(minutes=7 * k * rng.random())
            b.contacts.append({
                "id": ids.contact, "channel": channel,
                "hotline": HOTLINE[category] if channel == "phone" else None,
                "sender": sender if k == 0 else self._sender(rng, channel),
                "text": SUMMARY[category], "media": [], "lat": lat, "lon": lon,
                "location_source": "gps" if channel in ("app", "grid") else "gazetteer",
                "live": False, "received_at": at, "raw_digest": digest(number, k),
                "case_id": cid, "created_by": ACTOR,
            })  # fmt: skip
        summary = SUMMARY[category]
        ev(t0, "create", f"channel:{channel}",
           {"number": number, "state": "received", "summary": summary, "priority": 3,
            "emergency": False, "reopen_count": 0}, {"contact_id": contact_ids[0]})  # fmt: skip
        ev(t0 + timedelta(seconds=2), "classify", "worker:history",
           {"category": category, "priority": priority, "emergency": emergency,
            "township_id": town.id, "grid_id": grid}, {"by": "lexicon"})  # fmt: skip
        for k, kid in enumerate(contact_ids[1:], 1):
            ev(t0 + timedelta(minutes=2 * k), "link_contact", "worker:history", {},
               {"contact_id": kid})  # fmt: skip
        now = t0 + timedelta(minutes=rng.uniform(1, 8))
        lead = self._lead(rng, category, town)
        if category == "government" and rng.random() < 0.12:
            ev(now, "resolve_directly", "calltaker", {"state": "completed"})
            now = self._rate_and_close(rng, b, cid, None, channel, sender, now, ev, state)
        else:
            now = self._work(rng, b, cid, lead, priority, now, ev, state, channel, sender, town)
        b.cases.append({
            "id": cid, "number": number, "state": state["state"], "category": category,
            "subtype": None, "emergency": emergency, "priority": priority, "summary": summary,
            "lat": lat, "lon": lon, "location_source": "gazetteer", "address": None,
            "township_id": town.id, "grid_id": grid, "merged_into_id": None,
            "reopen_count": state["reopen_count"], "taken_by": "calltaker", "queued": False,
            "created_at": t0, "updated_at": now, "version": len(events),
        })  # fmt: skip
        b.events.extend(events)

    def _sender(self, rng: random.Random, channel: str) -> str:
        if channel == "wechat":
            return f"o{digest(rng.random())[:27]}"
        if channel == "weibo":
            return str(rng.randrange(10**9, 10**10))
        if channel == "grid":
            return f"grid-worker-{rng.randrange(2011)}"
        if channel == "stb_alarm":
            return f"STB-{rng.randrange(5000):05d}"
        return phone_for(rng)

    def _lead(self, rng: random.Random, category: str, town: Unit) -> Unit:
        if category in DEPT_FOR:
            return self.departments[DEPT_FOR[category]]
        return town if rng.random() < 0.62 else rng.choice(self.others)

    def _send(self, b: Batch, cid: int, unit: Unit, priority: int, at: datetime,
              factor: float = 1.0) -> dict[str, Any]:  # fmt: skip
        self.ids.instruction += 1
        row = {
            "id": self.ids.instruction, "case_id": cid, "unit_id": unit.id, "role": "lead",
            "state": "sent", "sent_at": at,
            "ack_deadline": at + timedelta(minutes=ACK_MIN[priority]),
            "done_deadline": at + timedelta(hours=DONE_H[priority] * factor),
            "acknowledged_at": None, "completed_at": None, "reason": None,
        }  # fmt: skip
        b.instructions.append(row)
        return row

    def _escalate(self, b: Batch, cid: int, ins: dict[str, Any], unit: Unit,
                  steps: list[tuple[datetime, str, str]]) -> None:  # fmt: skip
        """The ladder row of an instruction that missed deadlines, with its steps."""
        self.ids.escalation += 1
        eid = self.ids.escalation
        last = steps[-1][0]
        b.escalations.append({
            "id": eid, "instruction_id": ins["id"], "case_id": cid, "unit_id": unit.id,
            "rule_id": None, "assignee_id": None, "assignee_how": "unit", "phase": "closed",
            "level": len(steps), "window_start": ins["sent_at"], "deadline": ins["done_deadline"],
            "working": False, "reminded": True, "ack_limit": "history", "done_limit": "history",
            "ack_grace": "history", "done_grace": "history", "next_due_at": None,
            "closed_reason": "completed", "closed_at": last, "created_at": ins["sent_at"],
            "updated_at": last,
        })  # fmt: skip
        for level, (due, cause, phase) in enumerate(steps, 1):
            self.ids.step += 1
            b.steps.append({
                "id": self.ids.step, "escalation_id": eid, "instruction_id": ins["id"],
                "case_id": cid, "step": f"escalate:{level}", "kind": "escalate", "level": level,
                "cause": cause, "due_at": due, "taken_at": due, "taken_by": "history",
                "notices": [], "notified_at": due,
            })  # fmt: skip
            del phase

    def _work(self, rng: random.Random, b: Batch, cid: int, lead: Unit, priority: int,
              now: datetime, ev: Any, state: dict[str, Any], channel: str, sender: str,
              town: Unit) -> datetime:  # fmt: skip
        ev(now, "dispatch", DISPATCHER, {"state": "dispatched"},
           {"lead_unit_id": lead.id, "assist_unit_ids": []})  # fmt: skip
        ins = self._send(b, cid, lead, priority, now)
        h = lead.habit
        if rng.random() < h.returns:  # 退单: sent back, re-dispatched elsewhere
            at = now + timedelta(minutes=rng.uniform(5, 90))
            ins["state"], ins["reason"] = "returned", "不属于本单位职责"
            ev(at, "return", f"unit:{lead.code}", {"state": "returned"},
               {"instruction_id": ins["id"], "unit_id": lead.id, "role": "lead",
                "on_time": at <= ins["done_deadline"], "reason": "不属于本单位职责"})  # fmt: skip
            lead = town if lead is not town else rng.choice(self.others)
            now = at + timedelta(minutes=rng.uniform(3, 20))
            ev(now, "dispatch", DISPATCHER, {"state": "dispatched"},
               {"lead_unit_id": lead.id, "assist_unit_ids": []})  # fmt: skip
            ins = self._send(b, cid, lead, priority, now)
        elif rng.random() < h.sits:  # sat on it: reassigned after the ack deadline
            at = ins["ack_deadline"] + timedelta(minutes=rng.uniform(10, 60))
            ins["state"] = "withdrawn"
            self._escalate(b, cid, ins, lead, [(ins["ack_deadline"], "ack_missed", "ack")])
            lead = town if lead is not town else rng.choice(self.others)
            reason = "逾期未签收，改派"
            ev(at, "reassign", DISPATCHER, {},
               {"lead_unit_id": lead.id, "assist_unit_ids": [], "reason": reason})  # fmt: skip
            now = at
            ins = self._send(b, cid, lead, priority, now)
        now = self._handle(rng, b, cid, ins, lead, ev)
        now = self._rate_and_close(rng, b, cid, lead, channel, sender, now, ev, state, ins=ins)
        if state["state"] == "dispatched":  # reopened (重办): the same unit once more
            ins = self._send(b, cid, lead, priority, now, REOPEN_FACTOR)
            now = self._handle(rng, b, cid, ins, lead, ev, better=True)
            now = self._rate_and_close(rng, b, cid, lead, channel, sender, now, ev, state,
                                       ins=ins, final=True)  # fmt: skip
        return now

    def _handle(self, rng: random.Random, b: Batch, cid: int, ins: dict[str, Any], unit: Unit,
                ev: Any, *, better: bool = False) -> datetime:  # fmt: skip
        h = unit.habit
        sent: datetime = ins["sent_at"]
        ack_dl: datetime = ins["ack_deadline"]
        done_dl: datetime = ins["done_deadline"]
        ack_limit, done_limit = ack_dl - sent, done_dl - sent
        steps: list[tuple[datetime, str, str]] = []
        if rng.random() < min(0.995, h.ack + (0.1 if better else 0)):
            ack = sent + ack_limit * rng.uniform(0.1, 0.95)
        else:
            late = rng.uniform(0.1, h.lateness)
            ack = ack_dl + ack_limit * late
            steps.append((ack_dl, "ack_missed", "ack"))
            if late > 2:
                steps.append((ack_dl + ack_limit * 2, "ack_missed", "ack"))
        if rng.random() < min(0.995, h.done + (0.1 if better else 0)):
            done = max(ack + timedelta(minutes=1), sent + done_limit * rng.uniform(0.3, 0.95))
        else:
            late = rng.uniform(0.1, h.lateness)
            done = max(ack, done_dl) + done_limit * late
            steps.append((done_dl, "done_missed", "done"))
            if late > 1.5:
                steps.append((done_dl + done_limit * 1.5, "done_missed", "done"))
            if late > 3:
                steps.append((done_dl + done_limit * 3, "done_missed", "done"))
        ins["state"], ins["acknowledged_at"], ins["completed_at"] = "completed", ack, done
        actor = f"unit:{unit.code}"
        ev(ack, "acknowledge", actor, {"state": "acknowledged"},
           {"instruction_id": ins["id"], "unit_id": unit.id, "role": "lead",
            "on_time": ack <= ack_dl})  # fmt: skip
        ev(done, "complete", actor, {"state": "completed"},
           {"instruction_id": ins["id"], "unit_id": unit.id, "role": "lead",
            "on_time": done <= done_dl})  # fmt: skip
        if steps:
            self._escalate(b, cid, ins, unit, sorted(steps)[:4])
        ins["ladder_late"] = bool(steps)
        return done

    def _rate_and_close(self, rng: random.Random, b: Batch, cid: int, unit: Unit | None,
                        channel: str, sender: str, now: datetime, ev: Any,
                        state: dict[str, Any], *, ins: dict[str, Any] | None = None,
                        final: bool = False) -> datetime:  # fmt: skip
        if rng.random() < RATE_SHARE:
            sat = unit.habit.satisfied if unit else 0.95
            if ins is not None and ins.get("ladder_late"):
                sat -= 0.15
            if final:
                sat = min(0.98, sat + 0.1)
            x = rng.random()
            rating = 1 if x < sat * 0.8 else (2 if x < sat else 3)
            now += timedelta(hours=rng.uniform(1, 30))
            source = (
                "ivr"
                if channel == "phone"
                else (channel if channel in ("sms", "wechat", "app", "weibo") else "staff")
            )
            actor = "ivr-survey:history" if source == "ivr" else f"{source}:{sender}"[:64]
            ev(now, "evaluate", actor, {"state": "evaluated"}, {"rating": rating})
            self.ids.rating += 1
            b.ratings.append({
                "id": self.ids.rating, "case_id": cid, "unit_id": unit.id if unit else None,
                "stage": "overall", "rating": rating, "source": source, "actor": actor,
                "rated_at": now, "case_event_id": self.ids.event,
            })  # fmt: skip
            if source == "ivr" and rng.random() < STAGE_SHARE:
                for stage in STAGES:
                    self.ids.rating += 1
                    wobble = rng.choice((0, 0, 0, -1, 1))
                    b.ratings.append({
                        "id": self.ids.rating, "case_id": cid,
                        "unit_id": unit.id if unit else None, "stage": stage.value,
                        "rating": min(3, max(1, rating + wobble)), "source": "ivr",
                        "actor": actor, "rated_at": now,
                    })  # fmt: skip
            if rating == 3 and unit is not None and not final:
                now += timedelta(minutes=30)  # the reopen hold
                if rng.random() < 0.8:
                    ev(now, "reopen", "system:feedback",
                       {"state": "dispatched", "reopen_count": state["reopen_count"] + 1},
                       {"lead_unit_id": unit.id, "assist_unit_ids": [],
                        "reason": "群众评价不满意，按规定重办（办理时限缩短）"})  # fmt: skip
                    return now
                now -= timedelta(minutes=rng.uniform(1, 25))
                ev(now, "close", "leader", {"state": "closed"},
                   {"reason": "否决重办：诉求超出政策范围，已向群众解释"})  # fmt: skip
                return now
        now += timedelta(hours=rng.uniform(2, 72))
        ev(now, "close", DISPATCHER, {"state": "closed"})
        return now
