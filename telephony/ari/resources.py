"""ARI's REST resources as typed methods: channels, bridges, playbacks, recordings,
snoop and external media. ``AriClient`` (``telephony.ari.client``) supplies the
transport (``_request``, ``_request_json``) and translates its errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from telephony.ari.errors import AriNotFound
from telephony.ari.events import Bridge, Channel, Playback


def _seg(value: str) -> str:
    # Channel ids contain dots only, but names like "PJSIP/seat01" contain "/".
    return quote(value, safe="")


class AriResources:
    """The REST surface; subclasses provide the two request methods."""

    async def _request(self, method: str, path: str, params: dict[str, str] | None = None) -> Any:
        raise NotImplementedError

    async def _request_json(
        self, method: str, path: str, params: dict[str, str], body: dict[str, Any]
    ) -> Any:
        raise NotImplementedError

    async def info(self) -> dict[str, Any]:
        data = await self._request("GET", "/asterisk/info")
        return dict(data)

    async def channels(self) -> list[Channel]:
        return [Channel.parse(c) for c in await self._request("GET", "/channels")]

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]:
        """``{"state": "online"|"offline"|"unknown", "channel_ids": [...], …}``; a PJSIP
        endpoint is online while it has a reachable registered contact."""
        return dict(await self._request("GET", f"/endpoints/{_seg(tech)}/{_seg(resource)}"))

    async def channel(self, channel_id: str) -> Channel:
        return Channel.parse(await self._request("GET", f"/channels/{_seg(channel_id)}"))

    async def ring(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{_seg(channel_id)}/ring")

    async def answer(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{_seg(channel_id)}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._request("DELETE", f"/channels/{_seg(channel_id)}", {"reason": reason})

    async def get_var(self, channel_id: str, name: str) -> str | None:
        """A channel variable or dialplan function; None when unset (ARI: 404)."""
        try:
            data = await self._request(
                "GET", f"/channels/{_seg(channel_id)}/variable", {"variable": name}
            )
        except AriNotFound:
            return None
        value = data.get("value") if isinstance(data, dict) else None
        return None if value is None else str(value)

    async def set_var(self, channel_id: str, name: str, value: str) -> None:
        await self._request(
            "POST", f"/channels/{_seg(channel_id)}/variable", {"variable": name, "value": value}
        )

    async def play(
        self, channel_id: str, media: list[str], *, playback_id: str | None = None
    ) -> Playback:
        # Several media URIs are played in order; ARI takes them comma-separated.
        path = f"/channels/{_seg(channel_id)}/play"
        if playback_id is not None:
            path += f"/{_seg(playback_id)}"
        return Playback.parse(await self._request("POST", path, {"media": ",".join(media)}))

    async def stop_playback(self, playback_id: str) -> None:
        await self._request("DELETE", f"/playbacks/{_seg(playback_id)}")

    async def create_bridge(self, bridge_id: str, kind: str = "mixing", name: str = "") -> Bridge:
        """Create (or fetch, when it exists) the bridge ``bridge_id``. ``kind`` is ARI's
        comma-separated type list: mixing, holding, dtmf_events, proxy_media …"""
        params = {"type": kind, **({"name": name} if name else {})}
        return Bridge.parse(await self._request("POST", f"/bridges/{_seg(bridge_id)}", params))

    async def bridge(self, bridge_id: str) -> Bridge:
        return Bridge.parse(await self._request("GET", f"/bridges/{_seg(bridge_id)}"))

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._request("DELETE", f"/bridges/{_seg(bridge_id)}")

    async def add_to_bridge(self, bridge_id: str, channel_id: str, role: str = "") -> None:
        params = {"channel": channel_id, **({"role": role} if role else {})}
        await self._request("POST", f"/bridges/{_seg(bridge_id)}/addChannel", params)

    async def remove_from_bridge(self, bridge_id: str, channel_id: str) -> None:
        await self._request(
            "POST", f"/bridges/{_seg(bridge_id)}/removeChannel", {"channel": channel_id}
        )

    async def continue_in_dialplan(
        self, channel_id: str, context: str, extension: str, priority: int = 1
    ) -> None:
        """Leave Stasis and go on at context,extension,priority (Stasis() then returns
        with STASISSTATUS=SUCCESS)."""
        params = {"context": context, "extension": extension, "priority": str(priority)}
        await self._request("POST", f"/channels/{_seg(channel_id)}/continue", params)

    # --- calls we place and media we tap --------------------------------------------
    async def originate(
        self,
        endpoint: str,
        *,
        app: str,
        app_args: str = "",
        caller_id: str = "",
        timeout_s: int = 30,
        channel_id: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> Channel:
        """Dial ``endpoint`` (e.g. ``PJSIP/seat01`` or ``PJSIP/13800000000@carrier``);
        when it answers the new channel enters Stasis ``app`` with ``app_args``.
        ``channel_id`` makes the call idempotent and lets events be matched to it
        before ARI answers (POST /channels/{channelId})."""
        params = {"endpoint": endpoint, "app": app, "timeout": str(timeout_s)}
        if app_args:
            params["appArgs"] = app_args
        if caller_id:
            params["callerId"] = caller_id
        path = "/channels" if channel_id is None else f"/channels/{_seg(channel_id)}"
        if variables:
            # ARI takes channel variables only in a JSON body {"variables": {...}}.
            return Channel.parse(
                await self._request_json("POST", path, params, {"variables": variables})
            )
        return Channel.parse(await self._request("POST", path, params))

    async def snoop(
        self,
        channel_id: str,
        *,
        app: str,
        spy: str = "in",
        snoop_id: str | None = None,
        app_args: str = "",
        whisper: str = "none",
    ) -> Channel:
        """A channel that hears ``channel_id`` (spy: in = what the caller says, out, both)
        and enters Stasis ``app``; used to feed live ASR without touching the call.
        ``whisper`` (out): what is said into the snoop is heard on ``channel_id``'s side
        only - the supervisor's 耳语 to a call taker."""
        params = {"app": app, "spy": spy, "whisper": whisper}
        if app_args:
            params["appArgs"] = app_args
        path = f"/channels/{_seg(channel_id)}/snoop"
        if snoop_id is not None:
            path += f"/{_seg(snoop_id)}"
        return Channel.parse(await self._request("POST", path, params))

    async def external_media(
        self,
        *,
        app: str,
        external_host: str,
        fmt: str = "slin16",
        encapsulation: str = "rtp",
        transport: str = "udp",
        data: str = "",
        channel_id: str | None = None,
    ) -> Channel:
        """A channel whose media goes to/comes from ``external_host`` (host:port):
        RTP over UDP, or AudioSocket over TCP with ``data`` = the stream's UUID."""
        params = {
            "app": app,
            "external_host": external_host,
            "format": fmt,
            "encapsulation": encapsulation,
            "transport": transport,
        }
        if data:
            params["data"] = data
        if channel_id is not None:
            params["channelId"] = channel_id
        return Channel.parse(await self._request("POST", "/channels/externalMedia", params))

    async def record_bridge(
        self, bridge_id: str, name: str, *, fmt: str = "wav", max_s: int = 0
    ) -> dict[str, Any]:
        """Record the bridge's mixed audio to recordings/``name``.``fmt`` (ARI stored
        recordings live under Asterisk's astspooldir/recording)."""
        params = {"name": name, "format": fmt, "ifExists": "overwrite", "beep": "false"}
        if max_s:
            params["maxDurationSeconds"] = str(max_s)
        data = await self._request("POST", f"/bridges/{_seg(bridge_id)}/record", params)
        return dict(data)

    async def record_channel(
        self, channel_id: str, name: str, *, fmt: str = "wav", max_s: int = 0
    ) -> dict[str, Any]:
        params = {"name": name, "format": fmt, "ifExists": "overwrite", "beep": "false"}
        if max_s:
            params["maxDurationSeconds"] = str(max_s)
        data = await self._request("POST", f"/channels/{_seg(channel_id)}/record", params)
        return dict(data)

    async def stop_recording(self, name: str) -> None:
        await self._request("POST", f"/recordings/live/{_seg(name)}/stop")

    async def send_dtmf(self, channel_id: str, dtmf: str, *, between_ms: int = 100) -> None:
        params = {"dtmf": dtmf, "between": str(between_ms)}
        await self._request("POST", f"/channels/{_seg(channel_id)}/dtmf", params)

    async def hold(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{_seg(channel_id)}/hold")

    async def unhold(self, channel_id: str) -> None:
        await self._request("DELETE", f"/channels/{_seg(channel_id)}/hold")

    async def moh_start(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{_seg(channel_id)}/moh")

    async def moh_stop(self, channel_id: str) -> None:
        await self._request("DELETE", f"/channels/{_seg(channel_id)}/moh")
