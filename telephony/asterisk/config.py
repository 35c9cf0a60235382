"""Asterisk configuration rendered from settings: pure, settings in, file texts out.

The templates live in ``asterisk_conf/`` (commented Asterisk config with ``{{name}}``
placeholders); the repeated blocks (seats, DID map, trunks) are built here. ``render``
returns ``{file name: text}``; ``write_config`` is the only function that touches disk.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from core.cases.models import Hotline
from telephony.asterisk.errors import TelephonyConfigInvalid
from telephony.settings import TelephonySettings

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "asterisk_conf"
FILES = (
    "asterisk.conf",
    "modules.conf",
    "logger.conf",
    "http.conf",
    "ari.conf",
    "manager.conf",
    "pjsip.conf",
    "extensions.conf",
    "geolocation.conf",
    "rtp.conf",
    "indications.conf",
    "pjproject.conf",
    "websocket_client.conf",
    "cdr.conf",
    "cel.conf",
    "features.conf",
    "acl.conf",
    "udptl.conf",
    "ccss.conf",
)
# host:port of the FastAGI server (telephony/fastagi) the dialplan's IVR calls.
DEFAULT_AGI_ADDRESS = "127.0.0.1:4573"
# Files holding credentials are installed readable by root and the asterisk group only.
SECRET_FILES = frozenset({"ari.conf", "pjsip.conf"})
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
# Asterisk's config parser treats ";" as a comment and cannot hold a newline; a value
# with either would be cut short or inject lines.
_SAFE_VALUE = re.compile(r"^[^\s;\[\]\"\\]+$")


@dataclass(frozen=True, slots=True)
class InstancePaths:
    """Directories one Asterisk instance writes to, as seen inside the root."""

    etc_dir: str
    run_dir: str
    log_dir: str
    spool_dir: str
    lib_dir: str
    cache_dir: str

    @property
    def config_file(self) -> str:
        return f"{self.etc_dir}/asterisk.conf"

    @property
    def control_socket(self) -> str:
        return f"{self.run_dir}/asterisk.ctl"


def instance_paths(instance: str) -> InstancePaths:
    # "main" keeps Debian's stock paths, so `asterisk -rx` works without -C there.
    suffix = "" if instance == "main" else f"-{instance}"
    return InstancePaths(
        etc_dir=f"/etc/asterisk{suffix}",
        run_dir=f"/run/asterisk{suffix}",  # /var/run is a symlink to /run
        log_dir=f"/var/log/asterisk{suffix}",
        spool_dir=f"/var/spool/asterisk{suffix}",
        lib_dir=f"/var/lib/asterisk{suffix}" if suffix else "/var/lib/asterisk",
        cache_dir=f"/var/cache/asterisk{suffix}",
    )


def seat_names(count: int) -> list[str]:
    return [f"seat{i:02d}" for i in range(1, count + 1)]


def seat_password(secret: str, seat: str) -> str:
    """A seat's SIP password: HMAC-SHA256(secret, seat), 24 hex digits. One secret in
    the settings yields a distinct password per phone, and one leaked phone
    configuration reveals neither the secret nor the other seats' passwords."""
    return hmac.new(secret.encode(), seat.encode(), hashlib.sha256).hexdigest()[:24]


def hotline_dids(area_code: str) -> dict[str, str]:
    """Every dialled form the carrier may deliver → hotline. 110, 0857110 (with the
    area code) and 86857110 (international form without the trunk prefix 0)."""
    dids: dict[str, str] = {}
    for hotline in Hotline:
        short = hotline.value
        for form in (short, f"{area_code}{short}", f"86{area_code[1:]}{short}"):
            dids[form] = short
    return dids


def _safe(name: str, value: str) -> str:
    if not _SAFE_VALUE.match(value):
        raise TelephonyConfigInvalid(
            f"{name} may not contain whitespace, ';', brackets, quotes or backslashes",
            details={"setting": name},
        )
    return value


def _did_map(s: TelephonySettings) -> str:
    return "\n".join(
        f"exten => {did},1,Goto(liandong-hotline,{hotline},1)"
        for did, hotline in hotline_dids(s.area_code).items()
    )


def _trunk_match(s: TelephonySettings) -> str:
    lines = []
    for entry in s.trunk_match:
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise TelephonyConfigInvalid(
                f"trunk_match entry {entry!r} is not an IP address or network",
                details={"setting": "trunk_match"},
            ) from None
        lines.append(f"match = {net.with_prefixlen if net.num_addresses > 1 else net[0]}")
    return "\n".join(lines)


def _seat_block(seat: str, password: str, qualify_s: int = 30) -> str:
    number = seat.removeprefix("seat")
    return f"""[{seat}]
type = endpoint
transport = transport-udp
context = liandong-seats
identify_by = username,auth_username
auth = {seat}
aors = {seat}
callerid = "坐席{number}" <{seat}>
disallow = all
allow = alaw,ulaw
direct_media = no
; The caller's number is in the INVITE already; connected-line re-INVITEs/UPDATEs
; each time the app moves a channel between bridges only confuse desk phones.
send_connected_line = no
rtp_symmetric = yes
force_rport = yes
rewrite_contact = yes
allow_subscribe = no
language = zh

[{seat}]
type = auth
auth_type = digest
username = {seat}
password = {password}
realm = liandong

[{seat}]
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = {qualify_s}
"""


def _trunk_block(s: TelephonySettings) -> str:
    blocks = []
    for t in s.outbound_trunks:
        blocks.append(f"""; {t.label}
[{t.name}]
type = endpoint
transport = transport-udp
context = liandong-none
identify_by = ip
aors = {t.name}
disallow = all
allow = alaw,ulaw
direct_media = no
send_connected_line = no
; Pass the citizen's number on, asserted, so the unit sees who called.
send_pai = yes
trust_id_outbound = yes

[{t.name}]
type = aor
contact = {_safe("outbound_trunks.contact", t.contact)}
""")
    return "\n".join(blocks)


def _bench_block(s: TelephonySettings) -> str:
    if s.bench_match is None:
        return "; (no benchmark endpoint: LIANDONG_TELEPHONY__BENCH_MATCH is unset)"
    addr = ipaddress.ip_address(s.bench_match)
    if not addr.is_loopback:
        raise TelephonyConfigInvalid(
            "bench_match must be a loopback address", details={"setting": "bench_match"}
        )
    return f"""; Benchmark baseline: INVITEs from {addr} run the plain dialplan of liandong-bench.
[bench]
type = endpoint
transport = transport-udp
context = liandong-bench
identify_by = ip
disallow = all
allow = alaw,ulaw
direct_media = no
rtp_symmetric = yes

[bench]
type = identify
endpoint = bench
match = {addr}
"""


def placeholders(s: TelephonySettings) -> dict[str, str]:
    paths = instance_paths(s.instance)
    seats = seat_names(s.seats)
    secret = s.seat_secret.get_secret_value()
    return {
        "instance": s.instance,
        "etc_dir": paths.etc_dir,
        "run_dir": paths.run_dir,
        "log_dir": paths.log_dir,
        "spool_dir": paths.spool_dir,
        "lib_dir": paths.lib_dir,
        "cache_dir": paths.cache_dir,
        "http_port": str(s.http_port),
        "ari_user": s.ari_user,
        "ari_password": _safe("ari_password", s.ari_password.get_secret_value()),
        "app": s.app,
        "sip_bind": str(ipaddress.ip_address(s.sip_bind)),
        "sip_port": str(s.sip_port),
        "rtp_start": str(s.rtp_ports[0]),
        "rtp_end": str(s.rtp_ports[1]),
        "trunk_match": _trunk_match(s),
        "seat_endpoints": "\n".join(
            _seat_block(n, seat_password(secret, n), s.seat_qualify_s) for n in seats
        ),
        "outbound_trunks": _trunk_block(s),
        "bench_endpoint": _bench_block(s),
        "did_map": _did_map(s),
        "seat_dial": "&".join(f"PJSIP/{n}" for n in seats),
        "fallback_ring_s": str(s.fallback_ring_s),
        "trunk_globals": "\n".join(
            f"TRUNK_{hotline} = {trunk}" for hotline, trunk in sorted(s.hotline_trunks.items())
        ),
    }


def render(
    s: TelephonySettings,
    *,
    production: bool = False,
    template_dir: Path = TEMPLATE_DIR,
    agi_address: str = DEFAULT_AGI_ADDRESS,
) -> dict[str, str]:
    """Every configuration file Asterisk needs, as ``{file name: text}``."""
    if production and s.has_default_secrets:
        raise TelephonyConfigInvalid(
            "production needs LIANDONG_TELEPHONY__ARI_PASSWORD and __SEAT_SECRET set",
            details={"settings": ["telephony.ari_password", "telephony.seat_secret"]},
        )
    values = placeholders(s)
    # FastAGI server of the IVR (LIANDONG_FASTAGI__*: the server and the dialplan
    # must agree, so the caller's settings pass it in).
    values["agi_address"] = _safe("fastagi address", agi_address)
    out: dict[str, str] = {}
    for name in FILES:
        text = (template_dir / name).read_text(encoding="utf-8")
        values["banner"] = (
            f"Rendered by telephony/asterisk/config.py from asterisk_conf/{name} for instance "
            f'"{s.instance}". Do not edit here: change the template or LIANDONG_TELEPHONY__*.'
        )

        def fill(m: re.Match[str], name: str = name) -> str:
            key = m.group(1)
            if key not in values:
                raise TelephonyConfigInvalid(
                    f"asterisk_conf/{name} uses unknown placeholder {{{{{key}}}}}",
                    details={"file": name},
                )
            return values[key]

        out[name] = _PLACEHOLDER.sub(fill, text)
    return out


def write_config(files: Mapping[str, str], target: Path) -> list[Path]:
    """Write rendered files into ``target``; secret files get mode 0640, others 0644.
    Returns the paths whose content changed."""
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in files.items():
        path = target / name
        mode = 0o640 if name in SECRET_FILES else 0o644
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.chmod(mode)
            tmp.replace(path)
            changed.append(path)
        else:
            path.chmod(mode)
    return changed
