"""Findings 8, 9, 10 and 15: token kinds, case existence, id ranges, headers."""

from __future__ import annotations

import httpx
import pytest

from liandong.app import create_app
from tests.conftest import login, make_settings

pytestmark = pytest.mark.anyio

BIG = 2**63  # one past BIGINT


async def test_a_bearer_token_is_not_a_session_cookie_even_while_cached(
    client: httpx.AsyncClient,
) -> None:
    h = await login(client, "calltaker", "demo-calltaker-110")
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200  # now cached
    token = h["Authorization"].removeprefix("Bearer ")
    r = await client.get("/api/v1/auth/me", headers={"Cookie": f"ld_session={token}"})
    assert (r.status_code, r.json()["error_id"]) == (401, "not-authenticated")
    r = await client.post(
        "/api/v1/auth/login", data={"username": "dispatcher", "password": "demo-dispatcher-110"}
    )
    session = r.cookies["ld_session"]
    assert (await client.get("/api/v1/auth/me")).status_code == 200  # the cookie, cached
    client.cookies.clear()
    r = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {session}"})
    assert r.status_code == 401


async def test_another_units_case_and_a_missing_case_get_the_same_answer(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    body = {"channel": "app", "sender": "13800008001", "text": "路灯坏了"}
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=body)).json()[
        "case_number"
    ]
    police = await login(client, "police", "demo-unit-110")
    missing = number[:-5] + "99999"
    for path in ("", "/events"):
        theirs = await client.get(f"/api/v1/cases/{number}{path}", headers=police)
        none = await client.get(f"/api/v1/cases/{missing}{path}", headers=police)
        assert theirs.status_code == none.status_code == 404
        assert theirs.json() == {
            **none.json(),
            "message": none.json()["message"].replace(missing, number),
            "details": {"number": number},
        }


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/escalations/{BIG}",
        f"/api/v1/escalations?unit_id={BIG}",
        f"/api/v1/instructions?unit_id={BIG}",
        f"/api/v1/desk/map/grids?grid_id={BIG}",
        f"/api/v1/desk/map/grids?township_id={-BIG}",
    ],
)
async def test_ids_past_64_bits_are_a_422_not_a_500(client: httpx.AsyncClient, path: str) -> None:
    admin = await login(client, "admin", "demo-admin-110")
    r = await client.get(path, headers=admin)
    assert (r.status_code, r.json()["error_id"]) == (422, "invalid-request")


async def test_an_id_past_64_bits_in_a_body_is_a_422_and_nothing_is_written(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    application = create_app(make_settings(db_url, redis_url, redis_prefix))
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://t"
        ) as client,
    ):
        calltaker = await login(client, "calltaker", "demo-calltaker-110")
        await _dispatch_too_big(client, calltaker)


async def _dispatch_too_big(client: httpx.AsyncClient, calltaker: dict[str, str]) -> None:
    body = {"channel": "app", "sender": "13800008002", "text": "路灯坏了"}
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=body)).json()[
        "case_number"
    ]
    r = await client.post(
        f"/api/v1/cases/{number}/actions/dispatch",
        headers=calltaker,
        json={"lead_unit_id": BIG},
    )
    assert r.status_code == 422, r.text
    case = (await client.get(f"/api/v1/cases/{number}", headers=calltaker)).json()
    assert case["state"] == "received" and case["version"] == 1
