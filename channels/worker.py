"""The channels' background work, for the worker process: outbound sender, media
fetcher, set-top-box supervisor and citizen notices, under one task group.

    channels = await build_channels(core, settings.channels, stack)
    await channels.worker.run(channels, stop)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from channels.media import MediaFetcher, MediaSource
from channels.notices import NoticeWatcher
from channels.wiring import Channels


def coroutines(ch: Channels, stop: asyncio.Event) -> dict[str, Coroutine[Any, Any, None]]:
    c = ch.core
    sources: dict[str, MediaSource] = {}
    if ch.wechat_api is not None:
        sources["wechat"] = ch.wechat_api
    work: dict[str, Coroutine[Any, Any, None]] = {
        "channels-outbound": ch.outbound_sender().run(stop),
        "channels-media": MediaFetcher(c.db, sources, ch.media_dir, c.clock).run(stop),
        "channels-notices": NoticeWatcher(c.db, ch.outbound, ch.settings, c.clock).run(stop),
    }
    if ch.weibo is not None and ch.settings.weibo.polls:
        work["channels-weibo"] = ch.weibo.run(stop)
    if ch.wechat_ahead is not None:
        work["channels-wechat-ahead"] = ch.wechat_ahead.run(stop)
    if ch.stb is not None:
        work["channels-stb-supervisor"] = ch.stb.run(stop)
    return work


async def run(ch: Channels, stop: asyncio.Event) -> None:
    """Run the channels' background tasks until ``stop`` is set."""
    async with asyncio.TaskGroup() as tg:
        for name, coro in coroutines(ch, stop).items():
            tg.create_task(coro, name=name)
