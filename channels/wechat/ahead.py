"""Write-ahead for WeChat pushes the database cannot take in time (issue 13).

WeChat waits 5 s for an answer, then retries (three times) and finally shows the
follower "该公众号暂时无法提供服务". When the contact cannot be committed within
``WeChatSettings.reply_within_s`` (the database is slow or down), the webhook writes
the decrypted message to the Redis stream ``{prefix}:wechat:ahead`` and answers
``success`` (no passive reply, no retry). A consumer group (``liandong worker``)
replays each entry through the same handler — idempotent on the message's MsgId, so
a message the web process did commit meanwhile is still one case — and sends the
reply text as a customer-service message (the follower has just written: inside
WeChat's 48-hour window), once per MsgId. Redis down as well: the webhook waits for
the database as before.
"""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.outbound import OutboundService
from channels.wechat.parser import parse_message
from channels.wechat.service import WeChatService
from core.queue.consumer import StreamConsumer
from core.queue.streams import Entry, RedisStreams

log = logging.getLogger(__name__)
TOPIC = "wechat-push"


class WeChatAheadStream(RedisStreams):
    def __init__(self, redis: Redis, *, prefix: str) -> None:
        super().__init__(redis, prefix=prefix, group="wechat-ahead", maxlen=100_000)
        self.stream = f"{prefix}:wechat:ahead"
        self.dead = f"{prefix}:wechat:ahead:dead"


class WeChatWriteAhead:
    def __init__(self, streams: WeChatAheadStream) -> None:
        self.streams = streams

    async def write(self, xml: str, key: str) -> bool:
        """True once the push is in Redis; False when Redis cannot take it either."""
        try:
            await self.streams.publish(0, TOPIC, {"xml": xml, "key": key})
        except (RedisError, OSError) as exc:
            log.warning("wechat write-ahead failed", extra={"error": str(exc)})
            return False
        return True


class WeChatAheadReplayer:
    """Replays written-ahead pushes and answers each once by customer-service text."""

    def __init__(
        self, streams: WeChatAheadStream, service: WeChatService, outbound: OutboundService
    ) -> None:
        self.streams = streams
        self.service = service
        self.outbound = outbound

    async def handle(self, entry: Entry) -> None:
        msg = parse_message(str(entry.payload["xml"]))
        text = await self.service.handle(msg)
        if text:
            await self.outbound.enqueue(
                "wechat",
                "text",
                msg.from_user,
                {"content": text},
                dedupe_key=f"wx-ahead:{entry.payload['key']}",
            )

    async def run(self, stop: asyncio.Event, name: str = "wechat-ahead") -> None:
        consumer = StreamConsumer(
            self.streams, name, self.handle, claim_idle_ms=10_000, max_deliveries=10
        )
        await consumer.run(stop)
