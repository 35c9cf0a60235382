"""``liandong backup`` / ``restore``: the database and the media files, one directory.

    <dir>/manifest.json        what was saved, when, row counts to check a restore by
    <dir>/database.dump        PostgreSQL: ``pg_dump -Fc`` (restored with pg_restore)
    <dir>/database.sqlite      SQLite: an online copy (sqlite3's backup API)
    <dir>/media.tar.gz         uploads/ (progress photos), media/ (voice messages),
                               recordings/ (call recordings)

The password goes to pg_dump and pg_restore in PGPASSWORD, never on a command line.
A restore replaces what the target holds: it asks for ``--yes``; stop the platform's
processes first (SQLite is overwritten as a file).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.cases.tables import CaseRow, ContactRow
from core.storage.engine import Database
from liandong.errors import BackupFailed, RestoreRefused
from liandong.settings import Settings
from telephony.calls.recording import recordings_dir


def media_dirs(settings: Settings) -> dict[str, Path]:
    var = settings.var_dir
    return {
        "uploads": var / "uploads",
        "media": var / settings.channels.media_dir,
        "recordings": recordings_dir(settings.telephony),
    }


def _pg(settings: Settings) -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment of the configured PostgreSQL."""
    url = make_url(settings.database.url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    args += ["-U", url.username or "postgres", "-d", url.database or ""]
    return args, {**os.environ, "PGPASSWORD": url.password or ""}


def _sqlite_path(settings: Settings) -> Path:
    return Path(make_url(settings.database.url).database or "")


def _run(args: list[str], env: dict[str, str]) -> None:
    out = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if out.returncode != 0:
        raise BackupFailed(f"{args[0]} failed", details={"stderr": out.stderr[-1000:]})


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as s:
        cases = await s.scalar(select(func.count()).select_from(CaseRow))
        contacts = await s.scalar(select(func.count()).select_from(ContactRow))
    return {"cases": int(cases or 0), "contacts": int(contacts or 0)}


def _save(settings: Settings, target: Path, dialect: str) -> dict[str, int]:
    target.mkdir(parents=True, exist_ok=True)
    if dialect == "postgresql":
        args, env = _pg(settings)
        _run(["pg_dump", "-Fc", "-f", str(target / "database.dump"), *args], env)
    else:
        src = sqlite3.connect(_sqlite_path(settings))
        dst = sqlite3.connect(target / "database.sqlite")
        try:
            src.backup(dst)  # consistent while the platform keeps writing
        finally:
            dst.close()
            src.close()
    files: dict[str, int] = {}
    with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
        for name, path in media_dirs(settings).items():
            if path.is_dir():
                tar.add(path, arcname=name)
                files[name] = sum(1 for p in path.rglob("*") if p.is_file())
    return files


def _load(settings: Settings, source: Path, dialect: str) -> None:
    if dialect == "postgresql":
        args, env = _pg(settings)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              *args, str(source / "database.dump")], env)  # fmt: skip
    else:
        path = _sqlite_path(settings)
        for suffix in ("-wal", "-shm"):  # a stale WAL would be replayed over the copy
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source / "database.sqlite", path)
    dirs = media_dirs(settings)
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        for member in tar.getmembers():
            top = member.name.split("/", 1)[0]
            if top in dirs:
                dest = dirs[top].parent
                dest.mkdir(parents=True, exist_ok=True)
                member.name = f"{dirs[top].name}{member.name[len(top) :]}"
                tar.extract(member, dest, filter="data")  # no absolute paths, no links out


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise RestoreRefused(f"no backup manifest in {source}") from exc
    return manifest


async def backup(settings: Settings, target: Path) -> dict[str, Any]:
    db = Database(settings.database)
    try:
        rows = await counts(db)
        dialect = db.dialect
    finally:
        await db.close()
    files = await asyncio.to_thread(_save, settings, target, dialect)
    manifest = {"created_at": time.time(), "dialect": dialect, "rows": rows, "media": files}
    text = json.dumps(manifest, indent=2)
    await asyncio.to_thread((target / "manifest.json").write_text, text)
    return manifest


async def restore(settings: Settings, source: Path, *, yes: bool) -> dict[str, Any]:
    manifest = await asyncio.to_thread(_manifest, source)
    db = Database(settings.database)
    dialect = db.dialect
    await db.close()
    if manifest["dialect"] != dialect:
        raise RestoreRefused(
            "the backup is of another database kind",
            details={"backup": manifest["dialect"], "target": dialect},
        )
    if not yes:
        raise RestoreRefused("a restore replaces the target's data: pass --yes")
    await asyncio.to_thread(_load, settings, source, dialect)
    db = Database(settings.database)
    try:
        rows = await counts(db)
    finally:
        await db.close()
    if rows != manifest["rows"]:
        raise BackupFailed("restored row counts differ", details={"got": rows, **manifest})
    return {"restored": str(source), "rows": rows, "media": manifest["media"]}


__all__ = ["backup", "media_dirs", "restore"]
