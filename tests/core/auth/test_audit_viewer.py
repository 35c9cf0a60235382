"""Finding 12 and the auditors' viewer: listing cases is audited, and auditors read
the audit log filtered, paged and as CSV; nobody else can."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.conftest import login

pytestmark = pytest.mark.anyio


async def test_a_case_list_with_full_phones_leaves_an_audit_entry(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    body = {"channel": "app", "sender": "13800009101", "text": "路灯坏了"}
    await client.post("/api/v1/contacts", headers=calltaker, json=body)
    assert (await client.get("/api/v1/cases?limit=200", headers=calltaker)).is_success
    auditor = await login(client, "auditor", "demo-auditor-110")
    r = await client.get("/api/v1/audit?action=cases.list", headers=auditor)
    [entry] = r.json()["items"]
    assert entry["actor"] == "calltaker"
    assert entry["details"]["full_phones"] is True and entry["details"]["count"] >= 1


async def test_auditors_filter_page_and_export_the_audit_log(
    client: httpx.AsyncClient, calltaker: dict[str, str]
) -> None:
    numbers = []
    for i in range(3):
        body = {"channel": "app", "sender": f"1380000920{i}", "text": "噪音扰民"}
        r = await client.post("/api/v1/contacts", headers=calltaker, json=body)
        numbers.append(r.json()["case_number"])
    leader = await login(client, "leader", "demo-leader-110")
    for n in numbers:
        await client.get(f"/api/v1/cases/{n}", headers=leader)
    await client.post("/api/v1/auth/token", data={"username": "=cmd|calc", "password": "x"})
    auditor = await login(client, "auditor", "demo-auditor-110")

    r = await client.get("/api/v1/audit", params={"user": "leader", "action": "case.*"},
                         headers=auditor)  # fmt: skip
    page = r.json()
    assert page["total"] == 3 and {i["target"] for i in page["items"]} == set(numbers)
    r = await client.get("/api/v1/audit", params={"case": numbers[1]}, headers=auditor)
    assert [i["action"] for i in r.json()["items"]] == ["case.view"]
    first = await client.get("/api/v1/audit?user=leader&limit=2", headers=auditor)
    second = await client.get("/api/v1/audit?user=leader&limit=2&offset=2", headers=auditor)
    ids = [i["id"] for i in first.json()["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 4  # login + 3 views: two pages, no overlap
    assert first.json()["total"] == 4
    r = await client.get(
        "/api/v1/audit", params={"since": "2000-01-01T00:00:00Z", "until": "2000-01-02T00:00:00Z"},
        headers=auditor,
    )  # fmt: skip
    assert r.json()["total"] == 0

    r = await client.get("/api/v1/audit?user=leader&format=csv", headers=auditor)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "at", "actor", "action"] and len(rows) == 5
    r = await client.get("/api/v1/audit?action=login.failed&format=csv", headers=auditor)
    [row] = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))[1:]
    assert row[2] == "'=cmd|calc"  # a formula-looking cell is plain text in Excel/WPS
    mine = await client.get("/api/v1/audit?user=auditor&action=audit.read", headers=auditor)
    assert mine.json()["total"] >= 5  # reading the log is itself logged

    for who, pw in (("leader", "demo-leader-110"), ("calltaker", "demo-calltaker-110")):
        h = await login(client, who, pw)
        assert (await client.get("/api/v1/audit", headers=h)).status_code == 403
