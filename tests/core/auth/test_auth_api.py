"""Logins, sessions with CSRF, RBAC and phone masking, production refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from channels.settings import ChannelsSettings
from core.auth.tables import AuditRow
from liandong.app import create_app
from liandong.settings import AuthSettings, Mode, Settings
from telephony.settings import TelephonySettings
from tests.conftest import login

pytestmark = pytest.mark.anyio

CONTACT = {
    "channel": "phone",
    "hotline": "110",
    "sender": "13812345678",
    "text": "我的电话13812345678，新仁乡有人打架",
}


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    a = await client.post("/api/v1/auth/token", data={"username": "calltaker", "password": "wrong"})
    b = await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert a.json()["error_id"] == "invalid-credentials"


async def test_requests_without_or_with_a_bad_token_are_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/queue")).status_code == 401
    r = await client.get("/api/v1/queue", headers={"Authorization": "Bearer forged"})
    assert (r.status_code, r.json()["error_id"]) == (401, "not-authenticated")


async def test_logout_revokes_the_token(client: httpx.AsyncClient) -> None:
    h = await login(client, "calltaker", "demo-calltaker-110")
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=h)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=h)).status_code == 401


async def test_browser_session_needs_the_csrf_token_for_changes(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login", data={"username": "calltaker", "password": "demo-calltaker-110"}
    )
    assert r.status_code == 200
    assert "httponly" in r.headers["set-cookie"].lower()
    csrf = r.json()["csrf_token"]
    assert (await client.get("/api/v1/queue")).status_code == 200  # reads need no token
    forged = await client.post("/api/v1/contacts", json=CONTACT)
    assert (forged.status_code, forged.json()["error_id"]) == (403, "csrf-failed")
    ok = await client.post("/api/v1/contacts", json=CONTACT, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


@pytest.mark.parametrize(
    ("user", "password", "status"),
    [
        ("calltaker", "demo-calltaker-110", 201),
        ("dispatcher", "demo-dispatcher-110", 201),
        ("gateway", "demo-gateway-110", 403),  # a phone call is not the gateway's to claim
        ("police", "demo-unit-110", 403),
        ("leader", "demo-leader-110", 403),
        ("auditor", "demo-auditor-110", 403),
    ],
)
async def test_who_may_post_contacts(
    client: httpx.AsyncClient, user: str, password: str, status: int
) -> None:
    h = await login(client, user, password)
    r = await client.post("/api/v1/contacts", headers=h, json=CONTACT)
    assert r.status_code == status
    if status == 403:
        expected = "channel-not-claimable" if user == "gateway" else "permission-denied"
        assert r.json()["error_id"] == expected


async def test_unit_staff_see_only_their_units_cases_and_phones_masked(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=CONTACT)).json()[
        "case_number"
    ]
    xinren = await login(client, "xinren", "demo-unit-110")
    police = await login(client, "police", "demo-unit-110")
    assert (await client.get(f"/api/v1/cases/{number}", headers=xinren)).status_code == 404
    me = (await client.get("/api/v1/auth/me", headers=xinren)).json()
    r = await client.post(
        f"/api/v1/cases/{number}/actions/dispatch",
        headers=calltaker,
        json={"lead_unit_id": me["unit_id"]},
    )
    assert r.status_code == 200, r.text
    seen = (await client.get(f"/api/v1/cases/{number}", headers=xinren)).json()
    assert seen["contacts"][0]["sender"] == "138****5678"
    assert "13812345678" not in seen["contacts"][0]["text"]
    assert (await client.get(f"/api/v1/cases/{number}", headers=police)).status_code == 404
    full = (await client.get(f"/api/v1/cases/{number}", headers=calltaker)).json()
    assert full["contacts"][0]["sender"] == "13812345678"
    # Unit staff act only for their own unit.
    r = await client.post(f"/api/v1/cases/{number}/actions/acknowledge", headers=xinren, json={})
    assert (r.status_code, r.json()["state"]) == (200, "acknowledged")


async def test_viewing_a_case_is_audited(
    client: httpx.AsyncClient, calltaker: dict[str, str], app: object
) -> None:
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=CONTACT)).json()[
        "case_number"
    ]
    await client.get(f"/api/v1/cases/{number}", headers=calltaker)
    async with app.state.core.db.session() as s:  # type: ignore[attr-defined]
        rows = (await s.scalars(select(AuditRow).where(AuditRow.action == "case.view"))).all()
    assert [(r.actor, r.target) for r in rows] == [("calltaker", number)]


def test_production_refuses_default_secrets() -> None:
    strong = AuthSettings(secret_key=SecretStr("x" * 40))
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(mode=Mode.production)
    with pytest.raises(ValidationError, match="ARI_PASSWORD"):
        Settings(mode=Mode.production, auth=strong)
    phones = TelephonySettings(ari_password=SecretStr("a" * 24), seat_secret=SecretStr("b" * 24))
    Settings(mode=Mode.production, auth=strong, telephony=phones)


@pytest.fixture
async def prod_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    prod = settings.model_copy(
        update={
            "mode": Mode.production,
            "auth": AuthSettings(secret_key=SecretStr("p" * 40), cookie_secure=True),
            "telephony": TelephonySettings(
                ari_password=SecretStr("a" * 24), seat_secret=SecretStr("b" * 24)
            ),
            # No channel adapters in this production: they would need real secrets.
            "channels": ChannelsSettings.model_validate(
                {name: {"enabled": False} for name in ("wechat", "sms", "stb", "weibo", "wecom")}
            ),
        }
    )
    app = create_app(prod)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c,
    ):
        yield c


async def test_production_refuses_demo_accounts(prod_client: httpx.AsyncClient) -> None:
    r = await prod_client.post(
        "/api/v1/auth/token", data={"username": "calltaker", "password": "demo-calltaker-110"}
    )
    assert (r.status_code, r.json()["error_id"]) == (401, "invalid-credentials")


async def test_failed_logins_are_audited(client: httpx.AsyncClient, app: object) -> None:
    await client.post("/api/v1/auth/token", data={"username": "leader", "password": "nope"})
    async with app.state.core.db.session() as s:  # type: ignore[attr-defined]
        rows = (await s.scalars(select(AuditRow).where(AuditRow.actor == "leader"))).all()
    assert [r.action for r in rows] == ["login.failed"]


async def test_unit_staff_list_their_own_open_instructions(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    xinren = await login(client, "xinren", "demo-unit-110")
    unit = (await client.get("/api/v1/auth/me", headers=xinren)).json()["unit_id"]
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=CONTACT)).json()[
        "case_number"
    ]
    await client.post(
        f"/api/v1/cases/{number}/actions/dispatch", headers=calltaker, json={"lead_unit_id": unit}
    )
    items = (await client.get("/api/v1/instructions", headers=xinren)).json()
    assert [(i["case_number"], i["state"], i["overdue"]) for i in items] == [
        (number, "sent", False)
    ]
    police = await login(client, "police", "demo-unit-110")
    assert (await client.get("/api/v1/instructions", headers=police)).json() == []
    r = await client.get(f"/api/v1/instructions?unit_id={unit}", headers=police)
    assert r.status_code == 422


async def test_unit_staff_see_phone_numbers_in_instruction_summaries_masked(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    xinren = await login(client, "xinren", "demo-unit-110")
    unit = (await client.get("/api/v1/auth/me", headers=xinren)).json()["unit_id"]
    body = {**CONTACT, "text": "邻居吵闹，请回电13912345678"}
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=body)).json()[
        "case_number"
    ]
    await client.post(
        f"/api/v1/cases/{number}/actions/dispatch", headers=calltaker, json={"lead_unit_id": unit}
    )
    (item,) = (await client.get("/api/v1/instructions", headers=xinren)).json()
    assert "139****5678" in item["case_summary"]
    assert "13912345678" not in item["case_summary"]
    full = (await client.get("/api/v1/instructions", headers=calltaker)).json()
    assert any("13912345678" in i["case_summary"] for i in full)
