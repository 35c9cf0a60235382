"""`liandong backup` and `restore` on SQLite and PostgreSQL: a restore brings back
the database and the media files exactly as they were saved."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from liandong.app import create_app
from liandong.settings import Settings
from telephony.settings import TelephonySettings
from tests.conftest import login, make_settings
from tests.liandong.reliability.helpers import env_for
from tests.support.paths import ROOT

pytestmark = pytest.mark.anyio
CONTACT = {"channel": "sms", "sender": "13800001111", "text": "新仁乡路灯坏了"}


async def _contact(settings: Settings, sender: str) -> str:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            h = await login(client, "calltaker", "demo-calltaker-110")
            r = await client.post("/api/v1/contacts", json={**CONTACT, "sender": sender}, headers=h)
            assert r.status_code == 201, r.text
            return str(r.json()["case_number"])


async def _case_exists(settings: Settings, number: str) -> bool:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            h = await login(client, "calltaker", "demo-calltaker-110")
            return (await client.get(f"/api/v1/cases/{number}", headers=h)).status_code == 200


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liandong", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


async def test_a_restore_brings_back_the_saved_cases_and_media(
    db_url: str, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    rec = tmp_path / "recordings"
    settings = make_settings(db_url, redis_url, redis_prefix).model_copy(
        update={"var_dir": tmp_path / "var", "telephony": TelephonySettings(recordings_dir=rec)}
    )
    env = {**env_for(settings), "LIANDONG_VAR_DIR": str(settings.var_dir),
           "LIANDONG_TELEPHONY__RECORDINGS_DIR": str(rec)}  # fmt: skip
    saved = await _contact(settings, "13800001111")
    photo = settings.var_dir / "uploads" / saved / "a.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 photo")
    rec.mkdir()
    (rec / "call-1.wav").write_bytes(b"RIFF recording")

    out = _cli(env, "backup", str(tmp_path / "bk"))
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    assert manifest["media"] == {"uploads": 1, "recordings": 1}

    # What happens after the backup is undone by the restore; lost files come back.
    later = await _contact(settings, "13800002222")
    photo.unlink()
    (rec / "call-1.wav").unlink()
    refused = _cli(env, "restore", str(tmp_path / "bk"))
    assert refused.returncode != 0 and "restore-refused" in refused.stderr
    out = _cli(env, "restore", str(tmp_path / "bk"), "--yes")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["rows"] == manifest["rows"]
    assert photo.read_bytes() == b"\xff\xd8 photo"
    assert (rec / "call-1.wav").read_bytes() == b"RIFF recording"
    assert await _case_exists(settings, saved)
    assert not await _case_exists(settings, later)
