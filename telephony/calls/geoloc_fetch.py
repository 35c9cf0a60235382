"""SIP location by reference: fetch the PIDF-LO a location URI points at.

Asterisk's res_pjsip_geolocation passes a by-reference location (``Geolocation:
<https://lis.example/loc/123>``) on as ``GEOLOC_PROFILE(location_info)`` =
``URI="..."``; dereferencing it is ours (RFC 6442 §3 leaves the method to the
URI scheme; HELD over https is the usual one, a plain GET returns the PIDF-LO).

The URI comes from the network, so the fetch is hardened: only http and https; the
host resolved and refused unless every address is public or it is one of the
carriers' location servers (``telephony.calls.egress``), and the connection made to
the checked address; at most ``MAX_REDIRECTS`` redirects, each hop checked the same
way; a short timeout, a size limit counted while reading, and XML parsed with
defusedxml (no entities, no external DTDs). Anything wrong means "no location": the
call goes on without it.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self
from xml.etree.ElementTree import Element

import httpx
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from telephony.calls.egress import EgressRefused, resolve_target
from telephony.calls.geoloc import CallerLocation, _point
from telephony.settings import TelephonySettings

log = logging.getLogger(__name__)

PIDF_TYPES = ("application/pidf+xml", "application/xml", "text/xml")
MAX_REDIRECTS = 3


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_pidf(xml: bytes) -> CallerLocation | None:
    """The first GML Point/Circle of a PIDF-LO document (RFC 4119, RFC 5491)."""
    try:
        root: Element = SafeET.fromstring(xml)
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return None
    method = next((e.text for e in root.iter() if _local(e.tag) == "method" and e.text), None)
    for shape in root.iter():
        if _local(shape.tag) not in ("Point", "Circle", "Sphere"):
            continue
        pos = next((e.text for e in shape.iter() if _local(e.tag) == "pos" and e.text), None)
        point = _point(pos or "")
        if point is None:
            continue
        radius = next((e.text for e in shape.iter() if _local(e.tag) == "radius"), None)
        try:
            accuracy = float(radius) if radius else None
        except ValueError:
            accuracy = None
        return CallerLocation(point[0], point[1], accuracy, method.strip() if method else None)
    return None


class LocationFetcher:
    def __init__(
        self, settings: TelephonySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.timeout_s = settings.location_fetch_timeout_s
        self.max_bytes = settings.location_max_bytes
        self.servers = frozenset(h.lower() for h in settings.location_servers)
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        self._http = httpx.AsyncClient(
            timeout=self.timeout_s,
            follow_redirects=False,
            transport=self._transport,
            headers={"Accept": ", ".join(PIDF_TYPES)},
            trust_env=False,  # no proxy from the environment for a network-given URI
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def fetch(self, uri: str) -> CallerLocation | None:
        if self._http is None:
            raise RuntimeError("LocationFetcher used outside 'async with'")
        url = httpx.URL(uri) if uri.startswith(("http://", "https://")) else None
        for _hop in range(MAX_REDIRECTS + 1):
            if url is None or url.scheme not in ("http", "https") or not url.host:
                log.info("location URI scheme not fetched", extra={"uri": uri[:100]})
                return None
            try:
                status, body, location = await self._get(url)
            except EgressRefused as exc:
                log.warning("location URI refused: %s", exc, extra={"uri": uri[:100]})
                return None
            except httpx.HTTPError as exc:
                log.info("location URI not fetched: %s", type(exc).__name__)
                return None
            if status in (301, 302, 303, 307, 308) and location:
                url = url.join(location)
                continue
            if status != 200 or body is None:
                log.info("location URI answered %s", status)
                return None
            return parse_pidf(body)
        log.info("location URI redirected too often", extra={"uri": uri[:100]})
        return None

    async def _get(self, url: httpx.URL) -> tuple[int, bytes | None, str | None]:
        """One GET to the checked address of ``url``'s host (status, body, Location)."""
        if self._http is None:
            raise RuntimeError("LocationFetcher used outside 'async with'")
        port = url.port or (443 if url.scheme == "https" else 80)
        target = await resolve_target(url.host, port, self.servers)
        pinned = url.copy_with(host=target.address)
        # Host header and TLS server name stay the original host: virtual hosting
        # and certificate checks work while the socket goes where we checked.
        headers = {"Host": url.netloc.decode("ascii")}
        ext = {"sni_hostname": url.host} if url.scheme == "https" else {}
        async with self._http.stream("GET", pinned, headers=headers, extensions=ext) as r:
            if r.status_code != 200:
                return r.status_code, None, r.headers.get("location")
            body = bytearray()
            async for chunk in r.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    log.warning("location document too large", extra={"uri": str(url)[:100]})
                    return r.status_code, None, None
            return r.status_code, bytes(body), None
