"""The FastAGI server: asyncio TCP, one task per AGI connection, scripts by path.

Each connection: read the agi_* header (``header_timeout_s``), pick the script by
the URL's path (``lookup``, ``ivr``, ``fallback``), run it within
``session_timeout_s``, close.
A caller who hangs up ends the session quietly; an unknown script, a garbled header
or a full server closes the socket at once, and the dialplan (AGISTATUS != SUCCESS
or no IVR_RESULT) sends the caller straight to the queue - never dead air.

``telephony.fastagi.wiring.build_scripts`` gives it its scripts; the shell runs it as
a process (``liandong agi serve``, ``liandong.processes.fastagi``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType

from core.cases.schemas import LocationIn
from ivr.flows import Result
from ivr.ports import CallInfo
from ivr.service import IvrService, Outcome
from telephony.calls.geoloc import CallerLocation, parse_location
from telephony.fastagi.channel import AgiIvrChannel
from telephony.fastagi.contacts import IvrContacts
from telephony.fastagi.errors import AgiCommandFailed, AgiError, AgiHangup
from telephony.fastagi.lookup import CallerLookup
from telephony.fastagi.session import AgiSession
from telephony.fastagi.settings import FastAgiSettings

log = logging.getLogger(__name__)
Script = Callable[[AgiSession], Awaitable[None]]


class FastAgiServer:
    def __init__(self, settings: FastAgiSettings, scripts: Mapping[str, Script]) -> None:
        self.settings = settings
        self.scripts = dict(scripts)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sessions_total = 0

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the FastAGI server is not listening")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def active(self) -> int:
        return len(self._tasks)

    async def __aenter__(self) -> FastAgiServer:
        self._server = await asyncio.start_server(
            self._accept, self.settings.host, self.settings.port, reuse_address=True
        )
        log.info("FastAGI listening", extra={"host": self.settings.host, "port": self.port})
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._tasks) >= self.settings.max_sessions:
            log.warning("FastAGI full; connection refused", extra={"active": len(self._tasks)})
            writer.close()
            return
        task = asyncio.create_task(self._session(reader, writer))
        self._tasks.add(task)  # held: a task without a reference may be collected
        task.add_done_callback(self._tasks.discard)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        s = self.settings
        session = AgiSession(reader, writer, command_timeout_s=s.command_timeout_s)
        self.sessions_total += 1
        script_name = "?"
        try:
            env = await session.read_environment(s.header_timeout_s)
            script_name = env.script
            script = self.scripts.get(script_name)
            if script is None:
                log.warning("unknown AGI script", extra={"script": script_name[:64]})
                return
            await asyncio.wait_for(script(session), s.session_timeout_s)
        except AgiHangup:
            log.info("AGI channel hung up", extra={"script": script_name})
        except TimeoutError:
            log.warning("AGI session timed out", extra={"script": script_name})
        except AgiError as exc:
            log.warning(
                "AGI session failed",
                extra={"script": script_name, "error_id": exc.error_id, "reason": exc.message},
            )
        except Exception:
            # One session's failure must never stop the server (or other calls).
            log.exception("AGI script crashed", extra={"script": script_name})
        finally:
            await session.close()


# --- the scripts ------------------------------------------------------------------------
def lookup_script(lookup: CallerLookup) -> Script:
    async def run(session: AgiSession) -> None:
        env = session.env
        facts = await lookup.lookup(env.callerid, env.uniqueid)
        for name, value in facts.variables().items():
            await session.set_variable(name, value)
        log.info(
            "AGI lookup",
            extra={
                "channel": env.uniqueid,
                "repeat_24h": facts.repeat_24h,
                "blocked": facts.blocklisted,
            },
        )

    return run


def ivr_script(service: IvrService, contacts: IvrContacts | None = None) -> Script:
    late: set[asyncio.Task[int | None]] = set()  # held: tasks must not be collected

    async def run(session: AgiSession) -> None:
        env = session.env
        hotline = (env.args[0] if env.args and env.args[0] else env.extension).strip()
        call = CallInfo(hotline=hotline, caller=env.callerid, call_id=env.uniqueid)
        started = time.monotonic()
        # The call takers see the caller from the first second, not after the menu.
        contact_id = None
        location: LocationIn | None = None
        if contacts is not None and call.call_id:
            try:
                location = await _caller_location(session)
            except AgiCommandFailed:  # an Asterisk without res_geolocation
                location = None
            contact_id = await contacts.arrived(call, location)
        outcome: Outcome | None = None
        try:
            outcome = await service.run(AgiIvrChannel(session), call)
        finally:
            # Also when the script fails or times out (the dialplan then queues).
            if contacts is not None and contact_id is not None:
                await contacts.left(contact_id, outcome, time.monotonic() - started)
        if (
            contacts is not None
            and contact_id is None
            and call.call_id
            and outcome.result is Result.hangup
            and not outcome.enquired
        ):
            # The intake was too slow to register the caller in time (a surge) and the
            # caller left in the menu, so no Stasis app will ever see them: recorded
            # now, in the background, as a call-back item (found by `liandong drill`).
            task = asyncio.create_task(contacts.cut_off(call, location, reason="hung_up"))
            late.add(task)
            task.add_done_callback(late.discard)
        # The session log: what the caller did and where the call went.
        log.info(
            "AGI ivr",
            extra={
                "channel": env.uniqueid,
                "hotline": hotline,
                "contact_id": contact_id,
                "result": outcome.result.value,
                "category": outcome.category,
                "callback_case": outcome.callback_case,
                "trace": list(outcome.trace),
            },
        )

    return run


def fallback_script(contacts: IvrContacts) -> Script:
    """``agi://…/fallback,<hotline>`` from the liandong-fallback dialplan (the Stasis app
    is down): the caller becomes a contact and a call-back item. The script returns at
    once and the recording goes on in the background, so the hunt for a seat never
    waits for a busy database."""
    recording: set[asyncio.Task[int | None]] = set()  # held: tasks must not be collected

    async def run(session: AgiSession) -> None:
        env = session.env
        hotline = (env.args[0] if env.args and env.args[0] else env.extension).strip()
        call = CallInfo(hotline=hotline, caller=env.callerid, call_id=env.uniqueid)
        try:
            location = await _caller_location(session)
        except AgiCommandFailed:
            location = None
        if not call.call_id:
            return
        task = asyncio.create_task(
            contacts.cut_off(call, location, reason="fallback"), name=f"fallback-{call.call_id}"
        )
        recording.add(task)
        task.add_done_callback(recording.discard)
        log.warning(
            "AGI fallback: recording a call while the Stasis app is down",
            extra={"channel": env.uniqueid, "hotline": hotline},
        )

    return run


async def _caller_location(session: AgiSession) -> LocationIn | None:
    """The INVITE's PIDF-LO, read as the Stasis app reads it (GEOLOC_PROFILE): the
    menu's contact is the one the Stasis app adopts, so it must carry the location.
    Most calls carry none: one GET VARIABLE. A location by reference is not fetched."""
    fmt = await session.get_variable("GEOLOC_PROFILE(format)")
    if not fmt:
        return None
    info = await session.get_variable("GEOLOC_PROFILE(location_info)")
    method = await session.get_variable("GEOLOC_PROFILE(method)")
    loc = parse_location(fmt, info, method)
    if not isinstance(loc, CallerLocation):
        return None
    return LocationIn(lat=loc.lat, lon=loc.lon, source="sip_pidf", accuracy_m=loc.accuracy_m)
