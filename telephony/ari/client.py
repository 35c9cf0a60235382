"""A thin, typed asyncio client for the Asterisk REST Interface (ARI).

REST over httpx, events over one websocket (``/ari/events?app=<app>``). Lifecycle::

    async with ari_client(settings.telephony) as ari:   # telephony.wiring
        async for event in ari.events():
            ...

The client owns a task group: the websocket loop runs in it, and so do the handler
tasks started with :meth:`AriClient.spawn`, so nothing outlives the ``async with``.
The websocket is pinged every ``ping_interval_s``; a lost connection (Asterisk
restarted, network cut, missed pong) is re-opened with capped exponential backoff,
and each (re)connection yields :class:`~telephony.ari.events.AriConnected` so the app can
reconcile with ``GET /channels`` (a channel in Stasis survives a lost websocket).

httpx and websockets errors are translated here, once, into ``telephony.ari.errors``.
The REST resources (channels, bridges, recordings …) are ``telephony.ari.resources``.
Credentials travel in an ``Authorization: Basic`` header, never in a URL (ARI also
accepts ``?api_key=user:password``, which would end up in logs).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Coroutine, Iterator
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from telephony.ari.errors import (
    AriAuthFailed,
    AriConflict,
    AriError,
    AriNotFound,
    AriProtocolError,
    AriRequestFailed,
    AriUnreachable,
)
from telephony.ari.events import AriConnected, AriDisconnected, Event
from telephony.ari.events import parse_event as _parse_event
from telephony.ari.resources import AriResources

log = logging.getLogger(__name__)


def backoff(initial: float, cap: float) -> Iterator[float]:
    """Reconnect delays: initial, 2×, 4× … capped. No jitter: one client per Asterisk,
    so there is no herd of clients to spread out."""
    delay = initial
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


class AriClient(AriResources):
    def __init__(
        self,
        *,
        base_url: str,
        user: str,
        password: str,
        app: str,
        ping_interval_s: float = 10.0,
        ping_timeout_s: float = 10.0,
        reconnect_initial_s: float = 0.5,
        reconnect_max_s: float = 15.0,
        request_timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._user = user
        self._password = password
        self._ping = (ping_interval_s, ping_timeout_s)
        self._reconnect = (reconnect_initial_s, reconnect_max_s)
        self._timeout = request_timeout_s
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._connected = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections = 0  # successful websocket connections so far

    # --- lifecycle -------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        self._http = httpx.AsyncClient(
            base_url=f"{self.base_url}/ari",
            auth=(self._user, self._password),
            timeout=self._timeout,
            transport=self._transport,
        )
        self._tg = asyncio.TaskGroup()
        await self._tg.__aenter__()
        self._ws_task = self._tg.create_task(self._websocket_loop(), name="ari-websocket")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tg is None or self._http is None:
            raise RuntimeError("AriClient.__aexit__ without __aenter__")
        # Leaving the block ends everything the client runs: the websocket loop and
        # every spawned handler. Calls stay in Asterisk; their state is in Redis.
        for task in (self._ws_task, *self._tasks):
            task.cancel()
        try:
            await self._tg.__aexit__(exc_type, exc, tb)
        finally:
            await self._http.aclose()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``coro`` in the client's task group. An exception escaping it cancels
        the whole client, so handlers catch their own per-call errors."""
        if self._tg is None:
            raise RuntimeError("AriClient.spawn outside 'async with'")
        task = self._tg.create_task(coro, name=name)
        self._tasks.add(task)  # a held reference; dropped when the task is done
        task.add_done_callback(self._tasks.discard)
        return task

    async def events(self) -> AsyncIterator[Event]:
        while True:
            yield await self._events.get()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, limit_s: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), limit_s)
        except TimeoutError:
            raise AriUnreachable(f"ARI websocket not connected within {limit_s} s") from None

    async def drop_connection(self) -> None:
        """Close the websocket as if the network cut it (tests and operators use it to
        check that the app reconnects and reconciles)."""
        if self._ws is not None:
            await self._ws.close()

    # --- websocket -------------------------------------------------------------------
    def _ws_url(self) -> str:
        scheme, _, rest = self.base_url.partition("://")
        ws_scheme = "wss" if scheme == "https" else "ws"
        query = urlencode({"app": self.app, "subscribeAll": "false"})
        return f"{ws_scheme}://{rest}/ari/events?{query}"

    def _auth_header(self) -> str:
        token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
        return f"Basic {token}"

    async def _websocket_loop(self) -> None:
        delays = backoff(*self._reconnect)
        while True:
            reason = ""
            try:
                async with connect(
                    self._ws_url(),
                    additional_headers={"Authorization": self._auth_header()},
                    ping_interval=self._ping[0],
                    ping_timeout=self._ping[1],
                    open_timeout=self._timeout,
                    max_size=2**22,
                ) as ws:
                    self._ws = ws
                    self.connections += 1
                    delays = backoff(*self._reconnect)  # a good connection resets it
                    self._connected.set()
                    log.info("ARI websocket connected", extra={"app": self.app})
                    await self._events.put(
                        AriConnected(type="AriConnected", reconnect=self.connections > 1)
                    )
                    await self._read(ws)
                    reason = "closed by Asterisk"
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status in (401, 403):
                    raise AriAuthFailed(
                        "Asterisk refused the ARI credentials",
                        details={"status": status, "user": self._user},
                    ) from exc
                reason = f"upgrade refused with HTTP {status}"
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = f"{type(exc).__name__}: {exc}"[:200]
            finally:
                self._ws = None
            if self._connected.is_set():
                self._connected.clear()
                await self._events.put(AriDisconnected(type="AriDisconnected", reason=reason))
            delay = next(delays)
            log.warning(
                "ARI websocket unavailable; retrying",
                extra={"reason": reason, "retry_in_s": delay},
            )
            await asyncio.sleep(delay)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                try:
                    event = _parse_event(json.loads(message))
                except (ValueError, AriProtocolError):
                    # One unreadable frame must not cost the connection (and every call).
                    log.warning("unreadable ARI event skipped", exc_info=True)
                    continue
                await self._events.put(event)
        except ConnectionClosed:
            return

    # --- REST ------------------------------------------------------------------------
    async def _request(self, method: str, path: str, params: dict[str, str] | None = None) -> Any:
        if self._http is None:
            raise RuntimeError("AriClient used outside 'async with'")
        try:
            r = await self._http.request(method, path, params=params)
        except httpx.TimeoutException as exc:
            raise AriUnreachable(f"ARI {method} timed out", details={"path": path}) from exc
        except httpx.TransportError as exc:
            raise AriUnreachable(
                f"ARI unreachable: {type(exc).__name__}", details={"path": path}
            ) from exc
        if r.status_code >= 400:
            raise self._error(method, path, r)
        if r.status_code == 204 or not r.content:
            return None
        try:
            return r.json()
        except ValueError as exc:
            raise AriProtocolError(
                "ARI answered with invalid JSON", details={"path": path}
            ) from exc

    @staticmethod
    def _error(method: str, path: str, r: httpx.Response) -> AriError:
        try:
            message = str(r.json().get("message", ""))
        except (ValueError, AttributeError):
            message = r.text[:200]
        details = {"path": path, "ari_message": message}
        if r.status_code in (401, 403):
            return AriAuthFailed("ARI refused the credentials", details=details)
        cls = {404: AriNotFound, 409: AriConflict}.get(r.status_code, AriRequestFailed)
        return cls(
            f"ARI {method} failed ({r.status_code})", ari_status=r.status_code, details=details
        )

    async def _request_json(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any]
    ) -> Any:
        if self._http is None:
            raise RuntimeError("AriClient used outside 'async with'")
        try:
            r = await self._http.request(method, path, params=params, json=body)
        except httpx.TimeoutException as exc:
            raise AriUnreachable(f"ARI {method} timed out", details={"path": path}) from exc
        except httpx.TransportError as exc:
            raise AriUnreachable(
                f"ARI unreachable: {type(exc).__name__}", details={"path": path}
            ) from exc
        if r.status_code >= 400:
            raise self._error(method, path, r)
        return r.json() if r.content else None
