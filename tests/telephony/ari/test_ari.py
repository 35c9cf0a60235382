"""The ARI client's boundary: typed events in, vendor errors translated once."""

from __future__ import annotations

import httpx
import pytest

from telephony.ari.client import AriClient, backoff
from telephony.ari.errors import (
    AriAuthFailed,
    AriConflict,
    AriNotFound,
    AriProtocolError,
    AriRequestFailed,
    AriUnreachable,
)
from telephony.ari.events import (
    ChannelDtmfReceived,
    PlaybackFinished,
    StasisStart,
    UnknownEvent,
    parse_event,
)

pytestmark = pytest.mark.anyio

CHANNEL = {
    "id": "1795646969.1",
    "name": "PJSIP/carrier-00000000",
    "state": "Ring",
    "caller": {"name": "", "number": "13800000000"},
    "dialplan": {"context": "liandong-hotline", "exten": "119", "priority": 3},
    "language": "zh",
}


def test_stasis_start_carries_the_hotline_and_the_caller() -> None:
    ev = parse_event(
        {"type": "StasisStart", "application": "liandong", "args": ["119"], "channel": CHANNEL}
    )
    assert isinstance(ev, StasisStart)
    assert ev.args == ("119",)
    assert ev.channel.caller_number == "13800000000"
    assert ev.channel_id == "1795646969.1"


def test_playback_events_route_to_their_channel() -> None:
    ev = parse_event(
        {
            "type": "PlaybackFinished",
            "playback": {"id": "p1", "media_uri": "sound:x", "target_uri": "channel:1.2",
                         "state": "done"},
        }
    )  # fmt: skip
    assert isinstance(ev, PlaybackFinished)
    assert ev.channel_id == "1.2"


def test_dtmf_and_unknown_events() -> None:
    ev = parse_event({"type": "ChannelDtmfReceived", "digit": "1", "duration_ms": 120,
                      "channel": CHANNEL})  # fmt: skip
    assert isinstance(ev, ChannelDtmfReceived)
    assert ev.digit == "1"
    unknown = parse_event({"type": "ChannelTalkingStarted", "channel": CHANNEL})
    assert isinstance(unknown, UnknownEvent)
    assert unknown.data["type"] == "ChannelTalkingStarted"


@pytest.mark.parametrize("bad", [[], {"no": "type"}, {"type": "StasisStart"}])
def test_malformed_messages_raise_a_protocol_error(bad: object) -> None:
    with pytest.raises(AriProtocolError):
        parse_event(bad)


def test_backoff_doubles_up_to_the_cap() -> None:
    delays = backoff(0.5, 4.0)
    assert [next(delays) for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def _client(handler: httpx.MockTransport) -> AriClient:
    # Port 9 (discard) refuses connections: the websocket loop just keeps retrying.
    return AriClient(
        base_url="http://127.0.0.1:9", user="u", password="pw-xyz", app="t", transport=handler,
        reconnect_initial_s=5,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AriAuthFailed), (404, AriNotFound), (409, AriConflict), (500, AriRequestFailed)],
)
async def test_http_errors_become_the_telephony_error_tree(
    status: int, error: type[Exception]
) -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(status, json={"message": "Channel not found"})
    )
    async with _client(transport) as ari:
        with pytest.raises(error):
            await ari.answer("1.1")


async def test_an_unset_variable_is_none_and_credentials_go_in_a_header() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params["variable"] == "UNSET":
            return httpx.Response(404, json={"message": "Provided variable was not found"})
        return httpx.Response(200, json={"value": "13800000000"})

    async with _client(httpx.MockTransport(handle)) as ari:
        assert await ari.get_var("1.1", "UNSET") is None
        assert await ari.get_var("1.1", "CALLERID(num)") == "13800000000"
    assert seen[1].url.path == "/ari/channels/1.1/variable"
    assert seen[1].headers["authorization"].startswith("Basic ")
    assert "pw-xyz" not in str(seen[1].url)


async def test_an_unreachable_asterisk_is_ari_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with _client(httpx.MockTransport(refuse)) as ari:
        with pytest.raises(AriUnreachable):
            await ari.info()
        assert not ari.connected
