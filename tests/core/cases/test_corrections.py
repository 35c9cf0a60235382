"""A call taker's 分类 on the console is kept as a labelled example, with the text and
the suggestion it corrected, and ``liandong classify export-corrections`` writes it in
the training files' format."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core.cases.tables import ClassifyCorrectionRow
from liandong.settings import Settings
from tests.support.paths import ROOT

pytestmark = pytest.mark.anyio


async def test_a_correction_is_stored_as_a_labelled_example_and_exported(
    client: httpx.AsyncClient, app: Any, calltaker: dict[str, str], settings: Settings
) -> None:
    r = await client.post(
        "/api/v1/contacts",
        headers=calltaker,
        json={
            "channel": "phone",
            "hotline": "110",
            "sender": "13800000077",
            "text": "隔壁那家的狗天天晚上叫 吵得人睡不着",
        },
    )
    assert r.status_code == 201, r.text
    number = r.json()["case_number"]
    r = await client.post(
        f"/api/v1/cases/{number}/actions/classify",
        headers=calltaker,
        json={"category": "government", "subtype": "noise", "priority": 4, "emergency": False},
    )
    assert r.status_code == 200, r.text
    async with app.state.core.db.session() as s:
        rows = list(await s.scalars(select(ClassifyCorrectionRow)))
    assert len(rows) == 1
    row = rows[0]
    assert (row.category, row.subtype, row.emergency, row.priority) == (
        "government", "noise", False, 4,
    )  # fmt: skip
    assert row.text.startswith("隔壁那家的狗") and row.hotline == "110"
    assert row.actor == "calltaker" and row.changed

    env = {
        **os.environ,
        "LIANDONG_DATABASE__URL": settings.database.url,
        "LIANDONG_LOG_JSON": "false",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "liandong", "classify", "export-corrections",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, stderr.decode()
    exported = [json.loads(x) for x in stdout.decode("utf-8").splitlines()]
    assert len(exported) == 1
    ex = exported[0]
    assert {k: ex[k] for k in ("text", "hotline", "category", "subtype", "emergency", "slice")} == {
        "text": row.text, "hotline": "110", "category": "government", "subtype": "noise",
        "emergency": False, "slice": "correction",
    }  # fmt: skip
    assert ex["case_number"] == number and ex["corrected_by"] == "calltaker"
