"""Bad input gets a clear 4xx with a stable error id and writes nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from core.cases.tables import CaseRow, ContactRow
from core.queue.tables import OutboxRow

pytestmark = pytest.mark.anyio

GOOD = {"channel": "app", "sender": "13800000021", "text": "路灯坏了"}


async def rows(app: FastAPI) -> tuple[int, int, int]:
    async with app.state.core.db.session() as s:
        return tuple(  # type: ignore[return-value]
            [
                int(await s.scalar(select(func.count()).select_from(m)) or 0)
                for m in (ContactRow, CaseRow, OutboxRow)
            ]
        )


@pytest.mark.parametrize(
    ("kwargs", "status", "error_id"),
    [
        (
            {
                "content": b'{"channel": "app", "sender": ',
                "headers": {"content-type": "application/json"},
            },
            400,
            "malformed-json",
        ),
        ({"json": {**GOOD, "channel": "fax"}}, 422, "unknown-channel"),
        ({"json": {**GOOD, "channel": "phone", "hotline": "911"}}, 422, "unknown-hotline"),
        ({"json": {**GOOD, "hotline": "110"}}, 422, "invalid-request"),  # hotline only for calls
        ({"json": {"channel": "app", "text": "no sender"}}, 422, "invalid-request"),
        ({"json": {**GOOD, "location": {"lat": 200, "lon": 106}}}, 422, "invalid-request"),
        ({"json": {**GOOD, "surprise": 1}}, 422, "invalid-request"),
        ({"json": {**GOOD, "text": "  "}}, 422, "invalid-request"),
        (
            {
                "content": b'{"text": "' + b"x" * (1024 * 1024 + 10) + b'"}',
                "headers": {"content-type": "application/json"},
            },
            413,
            "body-too-large",
        ),
    ],
)
async def test_bad_contact_is_refused_with_a_stable_id_and_nothing_written(
    client: httpx.AsyncClient,
    calltaker: dict[str, str],
    app: FastAPI,
    kwargs: dict[str, object],
    status: int,
    error_id: str,
) -> None:
    before = await rows(app)
    headers = {**calltaker, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    r = await client.post("/api/v1/contacts", headers=headers, **kwargs)  # type: ignore[arg-type]
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error_id"] == error_id
    assert body["message"]
    assert await rows(app) == before


async def test_chunked_oversize_body_without_length_is_refused(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    r = await client.post(
        "/api/v1/contacts",
        headers={**calltaker, "content-type": "application/json"},
        content=chunks(),
    )
    assert r.status_code == 413
    assert r.json()["error_id"] == "body-too-large"


async def test_duplicate_idempotency_key_is_409_naming_the_original(
    client: httpx.AsyncClient, calltaker: dict[str, str], app: FastAPI
) -> None:
    body = {**GOOD, "idempotency_key": "app-req-77"}
    first = await client.post("/api/v1/contacts", headers=calltaker, json=body)
    assert first.status_code == 201
    before = await rows(app)
    again = await client.post("/api/v1/contacts", headers=calltaker, json=body)
    assert again.status_code == 409
    err = again.json()
    assert err["error_id"] == "duplicate-idempotency-key"
    assert err["details"]["case_number"] == first.json()["case_number"]
    assert err["details"]["same_payload"] is True
    other = await client.post(
        "/api/v1/contacts", headers=calltaker, json={**body, "text": "别的事"}
    )
    assert other.status_code == 409
    assert other.json()["details"]["same_payload"] is False
    assert await rows(app) == before


async def test_illegal_transition_over_http_is_409_with_allowed_actions(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=GOOD)).json()[
        "case_number"
    ]
    dispatcher = await _login(client, "dispatcher", "demo-dispatcher-110")
    r = await client.post(f"/api/v1/cases/{number}/actions/close", headers=dispatcher, json={})
    assert r.status_code == 409
    assert r.json()["error_id"] == "illegal-transition"
    assert "dispatch" in r.json()["details"]["allowed"]
    events = (await client.get(f"/api/v1/cases/{number}/events", headers=dispatcher)).json()
    assert [e["action"] for e in events] == ["create"]


async def test_unknown_action_and_missing_reason_have_their_own_ids(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=GOOD)).json()[
        "case_number"
    ]
    r = await client.post(f"/api/v1/cases/{number}/actions/teleport", headers=calltaker, json={})
    assert (r.status_code, r.json()["error_id"]) == (422, "unknown-action")
    other = (await client.post("/api/v1/contacts", headers=calltaker, json=GOOD)).json()[
        "case_number"
    ]
    r = await client.post(
        f"/api/v1/cases/{number}/actions/merge", headers=calltaker, json={"into": other}
    )
    assert (r.status_code, r.json()["error_id"]) == (422, "reason-required")


async def test_unknown_case_is_404_case_not_found(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    r = await client.get("/api/v1/cases/QX-20260101-99999", headers=calltaker)
    assert (r.status_code, r.json()["error_id"]) == (404, "case-not-found")


async def _login(client: httpx.AsyncClient, user: str, password: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": user, "password": password})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
