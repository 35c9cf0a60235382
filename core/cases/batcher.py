"""Group commit: concurrent intakes share one transaction and one Redis round trip.

Under load each request would otherwise pay for its own BEGIN/COMMIT (an fsync
on PostgreSQL, the single write lock on SQLite) and its own XADD. The batcher
takes whatever has queued up while the previous batch was being written — no
artificial delay, so a lone request is written at once — and hands it to
``write`` as one list. Every caller still returns only after its own rows are
committed, so durability is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# ``write`` returns one result or one exception per item, in order.
Writer = Callable[[list[T]], Awaitable[list[R | BaseException]]]


class Batcher(Generic[T, R]):
    def __init__(self, write: Writer[T, R], *, max_batch: int = 64) -> None:
        self._write = write
        self._max = max_batch
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def submit(self, item: T) -> R:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="intake-batcher")
        fut: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        await self._queue.put((item, fut))
        return await fut

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            live = [(i, f) for i, f in batch if not f.cancelled()]
            if not live:
                continue
            try:
                results = await self._write([i for i, _ in live])
            except BaseException as exc:  # the writer failed as a whole: tell every caller
                for _, f in live:
                    if not f.done():
                        f.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            self.batches += 1
            self.items += len(live)
            for (_, f), r in zip(live, results, strict=True):
                if f.done():
                    continue
                if isinstance(r, BaseException):
                    f.set_exception(r)
                else:
                    f.set_result(r)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
