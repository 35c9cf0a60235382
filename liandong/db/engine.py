"""Engine and session factory, created by the composition root (never at import)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from liandong.settings import DatabaseSettings


def _harden_sqlite(engine: AsyncEngine) -> None:
    # WAL lets readers run beside the single writer; NORMAL sync is durable
    # against process crashes (the WAL is fsynced at checkpoints) and fast.
    # BEGIN IMMEDIATE takes the write lock up front: with the driver's default
    # deferred BEGIN two processes upgrading read->write deadlock and SQLite
    # answers "database is locked" at once instead of waiting busy_timeout.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(settings: DatabaseSettings) -> AsyncEngine:
    url = make_url(settings.url)
    kwargs: dict[str, Any] = {"echo": settings.echo}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(
            pool_size=settings.pool_size, max_overflow=settings.pool_size, pool_pre_ping=True
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _harden_sqlite(engine)
    return engine


class Database:
    """Owns the engine; ``session()`` yields a transaction that commits on success."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.engine = build_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as s, s.begin():
            yield s

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
