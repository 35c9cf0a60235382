"""A unit-staff account without a unit would see every unit's instructions (a
missing unit reads as "no filter"): such accounts are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from core.auth.models import Role
from core.auth.passwords import hash_password
from core.auth.tables import UserRow
from core.errors import InvalidInput

pytestmark = pytest.mark.anyio


async def test_unit_staff_cannot_be_created_without_a_unit(app: FastAPI) -> None:
    with pytest.raises(InvalidInput) as err:
        await app.state.core.auth.create_user(
            "nounit", "a-long-password", Role.unit_staff, "无单位"
        )
    assert err.value.error_id == "unit-required"


async def test_a_unitless_unit_staff_account_made_by_sql_cannot_log_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.core.db.session() as s:
        s.add(
            UserRow(
                username="legacy",
                password_hash=hash_password("a-long-password"),
                role=Role.unit_staff.value,
                display_name="旧账号",
                unit_id=None,
                active=True,
                created_at=datetime.now(UTC),
            )
        )
    r = await client.post(
        "/api/v1/auth/token", data={"username": "legacy", "password": "a-long-password"}
    )
    assert (r.status_code, r.json()["error_id"]) == (401, "invalid-credentials")
