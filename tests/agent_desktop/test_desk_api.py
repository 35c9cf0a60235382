"""The desk's JSON and SSE routes without a browser: live feed RBAC, resume from
Last-Event-ID, Origin checks, masking, the audited reveal, progress photos, stats."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from PIL import Image
from redis.asyncio import Redis
from sqlalchemy import select

from core.auth.tables import AuditRow
from core.cases.tables import CaseEventRow, CaseRow
from core.storage.engine import Database
from liandong.settings import Settings
from tests.conftest import login, wait_in_queue

pytestmark = pytest.mark.anyio

CONTACT = {
    "channel": "wechat",
    "sender": "13812345678",
    "text": "我电话13812345678，新仁乡有人打架",
    "location": {"lat": 27.05, "lon": 106.0, "source": "gps"},
}


def events(body: str) -> list[tuple[str, str | None, Any]]:
    """(event, id, data) of an SSE body."""
    out = []
    for block in body.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":") or ":" not in line:
                continue
            k, v = line.split(":", 1)
            fields[k] = v.strip()
        if "event" in fields:
            out.append((fields["event"], fields.get("id"), json.loads(fields.get("data", "null"))))
    return out


async def _case(client: httpx.AsyncClient, h: dict[str, str]) -> str:
    r = await client.post("/api/v1/contacts", headers=h, json=CONTACT)
    assert r.status_code == 201, r.text
    return str(r.json()["case_number"])


async def _queued(client: httpx.AsyncClient, app: Any, h: dict[str, str]) -> str:
    """A case that the intake path put in the work queue (processed in-process here)."""
    from core.queue.streams import Entry
    from core.wiring import intake_processor

    number = await _case(client, h)
    c = app.state.core
    raw = await c.redis.xrange(c.streams.stream)
    proc = intake_processor(c, "test")
    for entry_id, fields in raw:
        f = {k.decode(): v.decode() for k, v in fields.items()}
        await proc(
            Entry(entry_id.decode(), f["topic"], int(f["outbox_id"]), json.loads(f["payload"]))
        )
    await wait_in_queue(client, h, number)
    return number


async def test_feed_sends_the_queue_with_phones_masked_for_leaders(
    client: httpx.AsyncClient, app: Any, calltaker: dict[str, str]
) -> None:
    number = await _queued(client, app, calltaker)
    r = await client.get("/api/v1/desk/events?max_s=0.3", headers=calltaker)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    got = events(r.text)
    assert got[0][0] == "hello"
    queue = next(d for e, _i, d in got if e == "queue")
    assert queue["reset"] is True
    [item] = [i for i in queue["upsert"] if i["case_number"] == number]
    assert "13812345678" in item["summary"]  # call takers hold phones:full
    leader = await login(client, "leader", "demo-leader-110")
    got = events((await client.get("/api/v1/desk/events?max_s=0.3", headers=leader)).text)
    queue = next(d for e, _i, d in got if e == "queue")
    assert "138****5678" in queue["upsert"][0]["summary"]


async def test_unit_staff_get_instruction_changes_and_no_queue(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    police = await login(client, "police", "demo-unit-110")
    got = events((await client.get("/api/v1/desk/events?max_s=0.3", headers=police)).text)
    kinds = [e for e, _i, _d in got]
    assert "queue" not in kinds and "call" not in kinds
    assert "instructions" in kinds


async def test_feed_resumes_call_events_after_last_event_id_and_masks_callers(
    client: httpx.AsyncClient, settings: Settings, redis_url: str
) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    key = f"{settings.redis.prefix}:tel:events"
    first = str(
        await redis.xadd(key, {"channel_id": "c1", "caller": "13900001111", "state": "queued"})
    )
    await redis.xadd(key, {"channel_id": "c2", "caller": "13900002222", "state": "queued"})
    await redis.aclose()
    leader = await login(client, "leader", "demo-leader-110")
    r = await client.get(
        "/api/v1/desk/events?max_s=0.3", headers={**leader, "Last-Event-ID": f"{first}|0-0"}
    )
    calls = [(i, d) for e, i, d in events(r.text) if e == "call"]
    assert [d["channel_id"] for _i, d in calls] == ["c2"]  # c1 was seen before
    assert calls[0][1]["caller"] == "139****2222"
    assert calls[0][0] is not None and calls[0][0].endswith("|0-0")


async def test_feed_refuses_another_sites_origin(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    r = await client.get(
        "/api/v1/desk/events?max_s=0.2", headers={**calltaker, "Origin": "https://evil.example"}
    )
    assert (r.status_code, r.json()["error_id"]) == (403, "origin-refused")
    ok = await client.get(
        "/api/v1/desk/events?max_s=0.2", headers={**calltaker, "Origin": "http://testserver"}
    )
    assert ok.status_code == 200


async def test_case_panel_masks_phones_and_reveal_is_audited_in_both_logs(
    client: httpx.AsyncClient, calltaker: dict[str, str], settings: Settings
) -> None:
    number = await _case(client, calltaker)
    panel = (await client.get(f"/api/v1/desk/cases/{number}", headers=calltaker)).json()
    assert panel["case"]["contacts"][0]["sender"] == "138****5678"
    assert panel["placement"] is not None and panel["cameras"]
    r = await client.post(f"/api/v1/desk/cases/{number}/reveal", headers=calltaker)
    assert r.status_code == 200
    assert r.json()["contacts"][0]["sender"] == "13812345678"
    db = Database(settings.database)
    try:
        async with db.session() as s:
            actions = set(await s.scalars(select(AuditRow.action).where(AuditRow.target == number)))
            notes = list(
                await s.scalars(
                    select(CaseEventRow.data)
                    .join(CaseRow, CaseRow.id == CaseEventRow.case_id)
                    .where(CaseRow.number == number, CaseEventRow.action == "note")
                )
            )
    finally:
        await db.close()
    assert {"case.view", "phone.reveal"} <= actions
    assert any("查看完整号码" in str(n) for n in notes)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


async def test_unit_progress_photos_are_checked_stored_and_scoped(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    number = await _case(client, calltaker)
    units = (await client.get("/api/v1/desk/units", headers=calltaker)).json()
    police_id = next(u["id"] for u in units if u["name"] == "市公安局指挥中心")
    r = await client.post(
        f"/api/v1/cases/{number}/actions/dispatch",
        headers=calltaker,
        json={"lead_unit_id": police_id},
    )
    assert r.status_code == 200, r.text
    police = await login(client, "police", "demo-unit-110")
    url = f"/api/v1/desk/cases/{number}/progress"
    ok = await client.post(
        url, headers=police, data={"note": "已到场"}, files={"photos": ("a.jpg", _jpeg())}
    )
    assert ok.status_code == 200, ok.text
    [name] = ok.json()["photos"]
    bad = await client.post(
        url, headers=police, data={"note": "x"}, files={"photos": ("a.jpg", b"<html>")}
    )
    assert (bad.status_code, bad.json()["error_id"]) == (422, "photo-type-refused")
    big = _jpeg() + b"\0" * (5 * 1024 * 1024)
    huge = await client.post(
        url, headers=police, data={"note": "x"}, files={"photos": ("b.jpg", big)}
    )
    assert huge.status_code == 413
    photo = await client.get(f"/api/v1/desk/cases/{number}/photos/{name}", headers=police)
    assert (photo.status_code, photo.headers["content-type"]) == (200, "image/jpeg")
    xinren = await login(client, "xinren", "demo-unit-110")
    other = await client.get(f"/api/v1/desk/cases/{number}/photos/{name}", headers=xinren)
    assert other.status_code == 404  # not their unit's case


async def test_stats_count_todays_contacts_by_channel(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    await _case(client, calltaker)
    leader = await login(client, "leader", "demo-leader-110")
    s = (await client.get("/api/v1/desk/stats", headers=leader)).json()
    assert s["contacts_today"] >= 1 and s["by_channel"]["wechat"] >= 1
    assert [e["level"] for e in s["escalations"]] == [0, 1, 2, 3, 4]


async def test_demo_cameras_serve_jpegs_outside_production(client: httpx.AsyncClient) -> None:
    r = await client.get("/demo/cameras/QX-CAM-0001/snapshot.jpg")
    assert r.status_code == 200 and r.content[:3] == b"\xff\xd8\xff"


async def test_desk_pages_carry_a_content_security_policy(client: httpx.AsyncClient) -> None:
    for page in ("/desk/", "/desk/portal.html", "/desk/screen.html", "/desk/desk.js"):
        r = await client.get(page)
        assert r.status_code == 200, page
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
