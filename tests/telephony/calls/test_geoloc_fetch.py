"""SIP location by reference: the PIDF-LO behind a location URI, fetched over real
HTTP from a local server, and used for the contact."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from telephony.calls.egress import is_public
from telephony.calls.geoloc_fetch import LocationFetcher, parse_pidf
from telephony.settings import TelephonySettings

pytestmark = pytest.mark.anyio

PIDF = b"""<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
          xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
          xmlns:gml="http://www.opengis.net/gml"
          xmlns:gs="http://www.opengis.net/pidflo/1.0"
          entity="pres:13800000000@carrier.example">
  <tuple id="loc">
    <status>
      <gp:geopriv>
        <gp:location-info>
          <gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
            <gml:pos>27.0291 106.0342</gml:pos>
            <gs:radius uom="urn:ogc:def:uom:EPSG::9001">35</gs:radius>
          </gs:Circle>
        </gp:location-info>
        <gp:usage-rules/>
        <gp:method>A-GPS</gp:method>
      </gp:geopriv>
    </status>
  </tuple>
</presence>
"""
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<presence><pos>&lol2;</pos></presence>
"""


class _Handler(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    routes: ClassVar[dict[str, tuple[int, bytes, dict[str, str]]]] = {
        "/loc/1": (200, PIDF, {}),
        "/loc/bomb": (200, BOMB, {}),
        "/loc/huge": (200, PIDF + b" " * 200_000, {}),
        "/loc/moved": (302, b"", {"Location": "http://169.254.169.254/latest/meta-data"}),
        "/loc/here": (302, b"", {"Location": "/loc/1"}),
        "/loc/loop": (302, b"", {"Location": "/loc/loop"}),
    }

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.path.startswith("/to/"):  # a redirect to another local port
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.path[4:]}/loc/1")
            self.end_headers()
            return
        status, body, headers = self.routes.get(self.path, (404, b"", {}))
        self.send_response(status)
        self.send_header("Content-Type", "application/pidf+xml")
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve() -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def lis() -> Iterator[str]:
    """A carrier's location information server (LIS) on loopback."""
    _Handler.hits.clear()
    server, url = _serve()
    yield url
    server.shutdown()
    server.server_close()


def carrier(lis: str, **kw: object) -> TelephonySettings:
    """Settings naming ``lis`` as the carrier's location server (allow-listed)."""
    return TelephonySettings(location_servers=[lis.removeprefix("http://")], **kw)  # type: ignore[arg-type]


async def test_a_location_uri_is_dereferenced_into_the_callers_position(lis: str) -> None:
    async with LocationFetcher(carrier(lis)) as fetcher:
        loc = await fetcher.fetch(f"{lis}/loc/1")
    assert loc is not None
    assert (loc.lat, loc.lon, loc.accuracy_m, loc.method) == (27.0291, 106.0342, 35.0, "A-GPS")


@pytest.mark.parametrize(
    "path", ["/loc/bomb", "/loc/huge", "/loc/moved", "/loc/missing", "/loc/loop"]
)
async def test_hostile_or_broken_location_documents_give_no_location(lis: str, path: str) -> None:
    async with LocationFetcher(carrier(lis, location_max_bytes=64 * 1024)) as fetcher:
        assert await fetcher.fetch(f"{lis}{path}") is None


@pytest.mark.parametrize(
    "uri", ["file:///etc/passwd", "ftp://lis.example/loc", "sip:lis@example", "http://"]
)
async def test_only_http_and_https_uris_are_fetched(uri: str) -> None:
    async with LocationFetcher(TelephonySettings()) as fetcher:
        assert await fetcher.fetch(uri) is None


def test_a_point_without_radius_parses_and_garbage_does_not() -> None:
    doc = PIDF.replace(b"gs:Circle", b"gml:Point").replace(
        b'<gs:radius uom="urn:ogc:def:uom:EPSG::9001">35</gs:radius>', b""
    )
    loc = parse_pidf(doc)
    assert loc is not None and loc.accuracy_m is None
    assert parse_pidf(b"<not xml") is None
    assert parse_pidf(PIDF.replace(b"27.0291 106.0342", b"999 1")) is None


async def test_a_call_whose_invite_points_at_its_location_gets_that_location(lis: str) -> None:
    from tests.telephony.calls.test_service import FakeControl, FakeIntake, FakeStore, start

    class ByReference(FakeControl):
        async def get_var(self, channel_id: str, name: str) -> str | None:
            # What res_pjsip_geolocation leaves for a by-reference Geolocation header.
            return {
                "GEOLOC_PROFILE(format)": "URI",
                "GEOLOC_PROFILE(location_info)": f'URI="{lis}/loc/1"',
            }.get(name)

    from telephony.calls.service import CallService

    intake = FakeIntake()
    async with LocationFetcher(carrier(lis)) as fetcher:
        service = CallService(ByReference(), intake, FakeStore(), TelephonySettings(),
                              locate=fetcher.fetch)  # fmt: skip
        await service.handle(None, start("110"))
    [body] = intake.bodies
    assert body.location is not None
    assert (body.location.lat, body.location.lon, body.location.source) == (
        27.0291, 106.0342, "sip_pidf",
    )  # fmt: skip
    assert body.location.accuracy_m == 35.0


async def test_a_loopback_uri_not_on_the_carrier_list_is_never_requested(lis: str) -> None:
    async with LocationFetcher(TelephonySettings()) as fetcher:
        assert await fetcher.fetch(f"{lis}/loc/1") is None
        port = lis.rsplit(":", 1)[1]
        assert await fetcher.fetch(f"http://localhost:{port}/loc/1") is None
    assert _Handler.hits == []  # refused before connecting, by name and by address


async def test_every_redirect_hop_is_checked_like_the_first(lis: str) -> None:
    other, other_url = _serve()  # a second loopback service, not a carrier's
    try:
        async with LocationFetcher(carrier(lis)) as fetcher:
            assert await fetcher.fetch(f"{lis}/loc/here") is not None  # same server: fine
            _Handler.hits.clear()
            port = other_url.rsplit(":", 1)[1]
            assert await fetcher.fetch(f"{lis}/to/{port}") is None
        assert _Handler.hits == [f"/to/{port}"]  # the other service was never asked
    finally:
        other.shutdown()
        other.server_close()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.100.100.200", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a bind
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fd00:ec2::254", False),
        ("fe80::1", False),
        ("224.0.0.1", False),
        ("223.5.5.5", True),
        ("2400:3200::1", True),
    ],
)
def test_only_global_unicast_addresses_count_as_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
