"""Finding 13: guessing the phone behind a case number is limited per case."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import login

pytestmark = pytest.mark.anyio

PHONE = "13985710081"


async def test_wrong_phones_for_a_case_number_run_out_and_other_cases_still_answer(
    ch_client: httpx.AsyncClient,
) -> None:
    gateway = await login(ch_client, "gateway", "demo-gateway-110")

    async def report(rid: str) -> str:
        body = {"report_id": rid, "phone": PHONE, "text": "小区垃圾没人清运"}
        r = await ch_client.post("/api/v1/channels/app/reports", json=body, headers=gateway)
        return str(r.json()["case_number"])

    number, other = await report("look-1"), await report("look-2")
    url = f"/api/v1/channels/app/cases/{number}"
    for guess in range(5):
        r = await ch_client.get(url, params={"phone": f"1398571{guess:04d}"}, headers=gateway)
        assert r.status_code == 404
    r = await ch_client.get(url, params={"phone": PHONE}, headers=gateway)
    assert (r.status_code, r.json()["error_id"]) == (429, "too-many-attempts")
    rating = {"phone": PHONE, "rating": 1}
    r = await ch_client.post(f"{url}/evaluation", json=rating, headers=gateway)
    assert r.status_code == 429  # the evaluation route is the same oracle
    r = await ch_client.get(
        f"/api/v1/channels/app/cases/{other}", params={"phone": PHONE}, headers=gateway
    )
    assert r.status_code == 200
