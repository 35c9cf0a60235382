"""Where a network-given URI may make us connect (SSRF guard for location fetches).

A location URI arrives in a caller's INVITE, so its host is the caller's choice. It
is resolved first and refused when any address it resolves to is not global
unicast: loopback, private (RFC 1918, ULA), link-local (169.254/16, where cloud
metadata services answer), shared (100.64/10, Alibaba's metadata at 100.100.100.200),
multicast and reserved ranges — IPv4-mapped IPv6 judged as the IPv4 it carries.
The carriers' own location servers, often on a private interconnect, are named in
``TelephonySettings.location_servers`` and are the only exception. The caller then
connects to the address that was checked (no second lookup an attacker's DNS could
answer differently).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EgressRefused(Exception):
    """The host resolves to an address we must not connect to (or does not resolve)."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    address: str  # the checked address to connect to


def allowed_server(host: str, port: int, servers: frozenset[str]) -> bool:
    return host.lower() in servers or f"{host.lower()}:{port}" in servers


async def resolve_target(host: str, port: int, servers: frozenset[str]) -> Target:
    """The address to connect to for ``host:port``, or ``EgressRefused``."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise EgressRefused(f"{host} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise EgressRefused(f"{host} does not resolve")
    if not allowed_server(host, port, servers) and not all(is_public(a) for a in addresses):
        # Every address must pass: a name with one public and one internal address
        # would otherwise let the connection pick the internal one.
        raise EgressRefused(f"{host} resolves to a non-public address")
    return Target(host, port, str(addresses[0]))
