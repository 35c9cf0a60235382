"""ARI events as typed, frozen dataclasses. Nothing outside ``telephony`` sees ARI JSON.

ARI sends one JSON object per websocket text frame, with ``type``, ``application``,
``timestamp`` and, in Asterisk 22, ``asterisk_id`` (the entity id, one per Asterisk).
Events we do not model yet become :class:`UnknownEvent` with the raw data kept, so a
newer Asterisk never breaks the app. Two local events mark the connection itself:
:class:`AriConnected` (after every (re)connect: time to reconcile with GET /channels)
and :class:`AriDisconnected`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telephony.ari.errors import AriProtocolError


@dataclass(frozen=True, slots=True)
class Channel:
    id: str  # Asterisk's uniqueid, e.g. "1795646969.1"; stable for the channel's life
    name: str  # e.g. "PJSIP/carrier-00000000"
    state: str  # Down, Ring, Ringing, Up …
    caller_number: str
    caller_name: str
    exten: str  # the dialplan position the channel entered Stasis from
    context: str
    language: str = ""
    creationtime: str = ""

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> Channel:
        caller = d.get("caller") or {}
        dialplan = d.get("dialplan") or {}
        return cls(
            id=str(d["id"]),
            name=str(d.get("name", "")),
            state=str(d.get("state", "")),
            caller_number=str(caller.get("number", "")),
            caller_name=str(caller.get("name", "")),
            exten=str(dialplan.get("exten", "")),
            context=str(dialplan.get("context", "")),
            language=str(d.get("language", "")),
            creationtime=str(d.get("creationtime", "")),
        )


@dataclass(frozen=True, slots=True)
class Bridge:
    id: str
    bridge_type: str  # mixing, holding
    channels: tuple[str, ...] = ()

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> Bridge:
        return cls(
            id=str(d["id"]),
            bridge_type=str(d.get("bridge_type", "")),
            channels=tuple(str(c) for c in d.get("channels", ())),
        )


@dataclass(frozen=True, slots=True)
class Playback:
    id: str
    media_uri: str
    target_uri: str  # "channel:<id>" or "bridge:<id>"
    state: str  # queued, playing, done, failed …

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> Playback:
        return cls(
            id=str(d["id"]),
            media_uri=str(d.get("media_uri", "")),
            target_uri=str(d.get("target_uri", "")),
            state=str(d.get("state", "")),
        )

    @property
    def channel_id(self) -> str | None:
        kind, _, ident = self.target_uri.partition(":")
        return ident if kind == "channel" else None


@dataclass(frozen=True, slots=True)
class Recording:
    """A live or stored ARI recording; files are astspooldir/recording/<name>.<format>."""

    name: str
    format: str
    state: str  # queued, recording, paused, done, failed, canceled
    target_uri: str  # "channel:<id>" or "bridge:<id>"
    duration_s: int = 0

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> Recording:
        return cls(
            name=str(d["name"]),
            format=str(d.get("format", "")),
            state=str(d.get("state", "")),
            target_uri=str(d.get("target_uri", "")),
            duration_s=int(d.get("duration") or 0),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    type: str
    application: str = ""
    timestamp: str = ""
    asterisk_id: str = ""

    @property
    def channel_id(self) -> str | None:
        """The channel this event is about, for routing to that call's session."""
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent(Event):
    channel: Channel

    @property
    def channel_id(self) -> str | None:
        return self.channel.id


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisStart(ChannelEvent):
    args: tuple[str, ...] = ()  # Stasis(app,<args>): our dialplan passes the hotline
    replace_channel: Channel | None = None  # set when a masquerade replaced a channel


@dataclass(frozen=True, slots=True, kw_only=True)
class StasisEnd(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelStateChange(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDtmfReceived(ChannelEvent):
    digit: str
    duration_ms: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHangupRequest(ChannelEvent):
    cause: int | None = None  # Q.850 cause; 16 = normal clearing
    soft: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDestroyed(ChannelEvent):
    cause: int = 0
    cause_txt: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEnteredBridge(ChannelEvent):
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelLeftBridge(ChannelEvent):
    bridge: Bridge


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEvent(Event):
    playback: Playback

    @property
    def channel_id(self) -> str | None:
        return self.playback.channel_id


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackStarted(PlaybackEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackFinished(PlaybackEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingEvent(Event):
    """Recording events are not routed to a channel's session: a recording ends after
    its call (the caller hung up), when that session is already gone."""

    recording: Recording


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(RecordingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingFinished(RecordingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingFailed(RecordingEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationReplaced(Event):
    """Another websocket registered our app name: this connection gets no more events."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(Event):
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AriConnected(Event):
    """Local: the websocket is (re)connected and the app registered."""

    reconnect: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AriDisconnected(Event):
    """Local: the websocket was lost; events may have been missed until AriConnected."""

    reason: str = ""


def _common(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": str(d["type"]),
        "application": str(d.get("application", "")),
        "timestamp": str(d.get("timestamp", "")),
        "asterisk_id": str(d.get("asterisk_id", "")),
    }


def _channel(d: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {**_common(d), "channel": Channel.parse(d["channel"]), **extra}


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


_PARSERS: dict[str, Callable[[Mapping[str, Any]], Event]] = {
    "StasisStart": lambda d: StasisStart(
        **_channel(d),
        args=tuple(str(a) for a in d.get("args", ())),
        replace_channel=Channel.parse(d["replace_channel"]) if d.get("replace_channel") else None,
    ),
    "StasisEnd": lambda d: StasisEnd(**_channel(d)),
    "ChannelStateChange": lambda d: ChannelStateChange(**_channel(d)),
    "ChannelDtmfReceived": lambda d: ChannelDtmfReceived(
        **_channel(d), digit=str(d["digit"]), duration_ms=int(d.get("duration_ms", 0))
    ),
    "ChannelHangupRequest": lambda d: ChannelHangupRequest(
        **_channel(d), cause=_int_or_none(d.get("cause")), soft=bool(d.get("soft", False))
    ),
    "ChannelDestroyed": lambda d: ChannelDestroyed(
        **_channel(d), cause=int(d.get("cause", 0)), cause_txt=str(d.get("cause_txt", ""))
    ),
    "ChannelEnteredBridge": lambda d: ChannelEnteredBridge(
        **_channel(d), bridge=Bridge.parse(d["bridge"])
    ),
    "ChannelLeftBridge": lambda d: ChannelLeftBridge(
        **_channel(d), bridge=Bridge.parse(d["bridge"])
    ),
    "PlaybackStarted": lambda d: PlaybackStarted(
        **_common(d), playback=Playback.parse(d["playback"])
    ),
    "PlaybackFinished": lambda d: PlaybackFinished(
        **_common(d), playback=Playback.parse(d["playback"])
    ),
    "RecordingStarted": lambda d: RecordingStarted(
        **_common(d), recording=Recording.parse(d["recording"])
    ),
    "RecordingFinished": lambda d: RecordingFinished(
        **_common(d), recording=Recording.parse(d["recording"])
    ),
    "RecordingFailed": lambda d: RecordingFailed(
        **_common(d), recording=Recording.parse(d["recording"])
    ),
    "ApplicationReplaced": lambda d: ApplicationReplaced(**_common(d)),
}


def parse_event(data: Any) -> Event:
    """One decoded websocket message → a typed event. Raises AriProtocolError when the
    message is not an ARI event at all or a modelled event lacks a required field."""
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        raise AriProtocolError("ARI message without a type", details={"kind": type(data).__name__})
    parser = _PARSERS.get(data["type"])
    if parser is None:
        return UnknownEvent(**_common(data), data=dict(data))
    try:
        return parser(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise AriProtocolError(
            f"malformed {data['type']} event", details={"missing": str(exc)}
        ) from exc
