"""The case log and the audit log are tamper-evident: an edited, deleted or
reordered row is found by ``liandong audit verify`` (exit 1, naming the first
broken case and event), on SQLite and on PostgreSQL alike."""

# ruff: noqa: S608 - the tampering SQL is the attack under test; ids are integers we read

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from core.cases.tables import CaseEventRow, CaseRow
from core.integrity.anchors import anchor_days
from core.integrity.approle import ensure_app_role
from core.integrity.verify import verify_all
from core.storage.engine import Database
from liandong.app import create_app
from tests.conftest import login, make_settings
from tests.liandong.reliability.helpers import ROOT

pytestmark = pytest.mark.anyio


@pytest.fixture
async def app(db_url: str, redis_url: str, redis_prefix: str) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(db_url, redis_url, redis_prefix))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def case(client: httpx.AsyncClient, calltaker: dict[str, str]) -> str:
    """A case with four events (create + three notes) and a second, untouched case."""
    body = {"channel": "app", "sender": "13800007001", "text": "路灯坏了"}
    number = (await client.post("/api/v1/contacts", headers=calltaker, json=body)).json()[
        "case_number"
    ]
    for note in ("已联系", "已派人", "已回访"):
        r = await client.post(
            f"/api/v1/cases/{number}/actions/note", headers=calltaker, json={"note": note}
        )
        assert r.status_code == 200, r.text
    other = {**body, "sender": "13800007002", "text": "噪音扰民"}
    assert (await client.post("/api/v1/contacts", headers=calltaker, json=other)).is_success
    return str(number)


async def _tamper(db: Database, *sql: str) -> None:
    """What an owner with SQL access could do: lift the append-only trigger, write."""
    async with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            await conn.execute(text("ALTER TABLE case_events DISABLE TRIGGER USER"))
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            for t in ("case_events", "audit_log"):
                for verb in ("update", "delete"):
                    await conn.execute(text(f"DROP TRIGGER IF EXISTS {t}_no_{verb}"))
        for stmt in sql:
            await conn.execute(text(stmt))


async def _case_id(db: Database, number: str) -> int:
    async with db.session() as s:
        cid = await s.scalar(select(CaseRow.id).where(CaseRow.number == number))
    assert cid is not None
    return int(cid)


def _cli_verify(db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIANDONG_DATABASE__URL": db_url, "LIANDONG_LOG_JSON": "false"}
    return subprocess.run(
        [sys.executable, "-m", "liandong", "audit", "verify"],
        cwd=ROOT, env=env, text=True, capture_output=True, timeout=120, check=False,
    )  # fmt: skip


async def test_intact_logs_verify_and_the_command_says_so_in_one_line(
    app: FastAPI, case: str, db_url: str
) -> None:
    report = await verify_all(app.state.core.db)
    assert report.ok, report.summary()
    assert report.events >= 5 and report.cases >= 2 and report.audit_rows >= 1
    out = _cli_verify(db_url)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("ok:") and len(out.stdout.strip().splitlines()) == 1


@pytest.mark.parametrize("tampering", ["edited", "deleted", "reordered", "ids-swapped"])
async def test_a_tampered_case_log_names_the_first_broken_case_and_event(
    app: FastAPI, case: str, db_url: str, tampering: str
) -> None:
    db: Database = app.state.core.db
    cid = await _case_id(db, case)
    where = f"case_id = {cid} AND seq"
    async with db.session() as s:
        ids = dict(
            (
                await s.execute(
                    select(CaseEventRow.seq, CaseEventRow.id).where(CaseEventRow.case_id == cid)
                )
            ).all()
        )
    sql = {
        "edited": [f"UPDATE case_events SET actor = 'someone-else' WHERE {where} = 2"],
        "deleted": [f"DELETE FROM case_events WHERE {where} = 2"],
        "reordered": [
            f"UPDATE case_events SET seq = 1000 WHERE {where} = 2",
            f"UPDATE case_events SET seq = 2 WHERE {where} = 3",
            f"UPDATE case_events SET seq = 3 WHERE {where} = 1000",
        ],
        # Same seq and content, but the rows' storage order (ids) exchanged.
        "ids-swapped": [
            f"UPDATE case_events SET id = -1 WHERE {where} = 2",
            f"UPDATE case_events SET id = {ids[2]} WHERE {where} = 3",
            f"UPDATE case_events SET id = {ids[3]} WHERE {where} = 2",
        ],
    }[tampering]
    await _tamper(db, *sql)
    report = await verify_all(db)
    assert report.broken is not None
    # A gap or a row stored too early shows at the event after it.
    expected_seq = {"deleted": 3, "ids-swapped": 3}.get(tampering, 2)
    assert (report.broken.case_number, report.broken.seq) == (case, expected_seq)
    out = _cli_verify(db_url)
    assert out.returncode == 1
    assert f"case {case} event" in out.stdout and out.stdout.startswith("BROKEN:")


async def test_an_edited_audit_entry_is_found(
    app: FastAPI, client: httpx.AsyncClient, case: str
) -> None:
    leader = await login(client, "leader", "demo-leader-110")
    assert (await client.get(f"/api/v1/cases/{case}", headers=leader)).is_success
    db: Database = app.state.core.db
    await _tamper(db, "UPDATE audit_log SET actor = 'nobody' WHERE action = 'case.view'")
    report = await verify_all(db)
    assert report.broken is not None and report.broken.log == "audit_log"
    assert "edited" in report.broken.reason


async def test_deleting_a_cases_last_events_is_caught_by_the_daily_anchor(
    app: FastAPI, case: str
) -> None:
    db: Database = app.state.core.db
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    made = await anchor_days(db, tomorrow)
    assert {a.log for a in made} == {"case_events", "audit_log"}
    assert (await verify_all(db)).ok
    cid = await _case_id(db, case)
    # The chain itself still holds without its tail: only the anchor can tell.
    await _tamper(db, f"DELETE FROM case_events WHERE case_id = {cid} AND seq = 4")
    report = await verify_all(db)
    assert report.broken is not None and report.broken.log == "log_anchors"
    assert "now" in report.broken.reason


async def test_truncate_is_refused_and_the_app_role_may_only_append_to_the_logs(
    pg_url: str, redis_url: str, redis_prefix: str
) -> None:
    db = Database(make_settings(pg_url, redis_url, redis_prefix).database)
    try:
        with pytest.raises(Exception, match="append-only"):
            async with db.engine.begin() as conn:
                await conn.execute(text("TRUNCATE case_events CASCADE"))
        role = f"ld_app_{uuid.uuid4().hex[:8]}"
        await ensure_app_role(db, role, "app-pass-1")
        dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
        host_db = dsn.split("@", 1)[1]
        conn = await asyncpg.connect(f"postgresql://{role}:app-pass-1@{host_db}")
        try:
            assert await conn.fetchval("SELECT count(*) FROM case_events") >= 0
            await conn.execute("UPDATE cases SET priority = priority WHERE false")  # allowed
            for sql in (
                "UPDATE case_events SET actor = 'x'",
                "DELETE FROM audit_log",
                "TRUNCATE case_events CASCADE",
                "DROP TRIGGER case_events_append_only ON case_events",
                "ALTER TABLE case_events DISABLE TRIGGER USER",
            ):
                with pytest.raises(asyncpg.PostgresError) as err:
                    await conn.execute(sql)
                assert isinstance(
                    err.value,
                    asyncpg.InsufficientPrivilegeError,
                ), (sql, err.value)
        finally:
            await conn.close()
            async with db.engine.begin() as c:
                await c.execute(text(f"DROP OWNED BY {role}"))
                await c.execute(text(f"DROP ROLE {role}"))
    finally:
        await db.close()


async def test_events_written_by_every_path_carry_their_chain(app: FastAPI, case: str) -> None:
    async with app.state.core.db.session() as s:
        rows = (await s.scalars(select(CaseEventRow).order_by(CaseEventRow.id))).all()
    assert rows and all(r.hash and r.prev_hash for r in rows)
