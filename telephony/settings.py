"""Telephony settings: where Asterisk's ARI is, and what the rendered Asterisk looks like.

Nested under the root settings as ``telephony`` (env ``LIANDONG_TELEPHONY__*``), e.g.
``LIANDONG_TELEPHONY__ARI_PASSWORD`` or ``LIANDONG_TELEPHONY__SIP_PORT``.

Two ways to run:
- development / CI: ``liandong asterisk setup|start`` builds a Debian sid root under
  ``rootfs`` and runs Asterisk 22 from it with the configuration rendered from these
  settings (``telephony.asterisk.config``);
- production: ``ari_url`` points at the center's existing Asterisk; the rendered files
  in ``asterisk_conf/`` are the reference its administrators install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, Field, SecretStr, model_validator

from telephony.notify.settings import VoiceNoticeSettings

DEV_ARI_PASSWORD = "dev-ari-change-me"  # noqa: S105 - the sentinel production refuses
DEV_SEAT_SECRET = "dev-seats-change-me"  # noqa: S105 - ditto

# Hotline → the outbound trunk a caller is sent to when nobody in the center can take
# the call (fallback) and where a call taker transfers to.
DEFAULT_HOTLINE_TRUNKS = {"110": "police", "122": "police", "119": "fire", "120": "medical"}


class OutboundTrunk(BaseModel):
    """A SIP peer we only call out to (no ``identify``: it can never call in)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}$")
    label: str  # shown to call takers, e.g. 公安指挥中心
    contact: str = Field(pattern=r"^sips?:")  # e.g. sip:10.20.0.5:5060
    # The number dialled on this trunk when a call is transferred to it by name
    # (police → 110). Empty: the caller's own hotline.
    dial: str = Field("", pattern=r"^[0-9]{0,20}$")


def _default_trunks() -> list[OutboundTrunk]:
    return [
        OutboundTrunk(
            name="police", label="公安指挥中心", contact="sip:127.0.0.1:5071", dial="110"
        ),
        OutboundTrunk(name="fire", label="119指挥中心", contact="sip:127.0.0.1:5072", dial="119"),
        OutboundTrunk(
            name="medical", label="120急救中心", contact="sip:127.0.0.1:5073", dial="120"
        ),
        # The carrier's outgoing side: department phones and call-backs to citizens.
        OutboundTrunk(name="carrier-out", label="运营商出局", contact="sip:127.0.0.1:5074"),
    ]


class TelephonySettings(BaseModel):
    # --- ARI (used by the Stasis app, in every deployment) ---------------------------
    # Base URL of Asterisk's HTTP server; "/ari/..." is appended. Unset: the rendered,
    # loopback-only Asterisk on ``http_port``.
    ari_url: str | None = None
    ari_user: str = Field("liandong", pattern=r"^[a-z][a-z0-9_-]{1,31}$")
    ari_password: SecretStr = SecretStr(DEV_ARI_PASSWORD)
    app: str = Field("liandong", pattern=r"^[a-z][a-z0-9_-]{1,31}$")  # Stasis app name
    # The websocket is pinged this often; a missing pong for ``ping_timeout_s`` counts
    # as a dead connection and triggers a reconnect.
    ping_interval_s: float = Field(10.0, gt=0)
    ping_timeout_s: float = Field(10.0, gt=0)
    reconnect_initial_s: float = Field(0.5, gt=0)
    reconnect_max_s: float = Field(15.0, gt=0)
    request_timeout_s: float = Field(5.0, gt=0)
    # Call state per channel in Redis lives this long after the last change.
    state_ttl_s: int = Field(24 * 3600, ge=60)

    # --- call control (call takers, transfers, call-backs) ---------------------------
    # How long the API waits for the Stasis app process to carry out a command before
    # answering 503 telephony-unavailable. Below the Redis socket timeout (5 s).
    command_timeout_s: float = Field(4.0, gt=0, le=4.5)
    seat_ring_s: int = Field(20, ge=5, le=120)  # a seat phone that does not answer
    peer_ring_s: int = Field(45, ge=5, le=180)  # a unit that does not answer a transfer
    # The outbound trunk for department phone numbers and call-backs to citizens.
    carrier_out: str = Field("carrier-out", pattern=r"^[a-z][a-z0-9-]{1,30}$")
    # Where this host sees Asterisk's ARI recordings (astspooldir/recording), for the
    # transcription jobs. Unset: the development root's spool directory.
    recordings_dir: Path | None = None
    # SIP location by reference (PIDF-LO URI): fetched with these limits.
    location_fetch_timeout_s: float = Field(2.0, gt=0, le=10)
    location_max_bytes: int = Field(64 * 1024, ge=1024, le=1024 * 1024)
    # The carriers' location servers ("host" or "host:port"): fetched even when they
    # resolve to private addresses. Any other host must resolve to public addresses
    # only (no loopback, private, link-local or metadata ranges; telephony.calls.egress).
    location_servers: list[str] = Field(default_factory=list, max_length=50)

    # --- the rendered Asterisk ------------------------------------------------------
    # PJSIP UDP transport. Loopback for development and CI; a site whose SBC is on
    # the LAN binds the Asterisk host's LAN address.
    sip_bind: str = "127.0.0.1"
    sip_port: int = Field(5060, ge=1, le=65535)
    http_port: int = Field(8088, ge=1, le=65535)  # HTTP server (ARI) on 127.0.0.1
    rtp_ports: tuple[int, int] = (10000, 10999)
    # Source addresses (IP or CIDR) of the carrier's SBC; INVITEs from there are the
    # hotline trunk. Everything else must authenticate as a seat or is rejected.
    trunk_match: list[str] = Field(default_factory=lambda: ["127.0.0.1"], min_length=1)
    # Long forms of the hotline DIDs the carrier may deliver: 0857110, 86857110 ...
    area_code: str = Field("0857", pattern=r"^0[1-9][0-9]{1,3}$")  # 毕节 (Qianxi)
    seats: int = Field(4, ge=1, le=99)  # agent phones seat01 … seatNN
    # Asterisk checks each registered seat phone this often (SIP OPTIONS) and rings
    # only reachable ones; 0 turns it off (test phones that do not answer OPTIONS).
    seat_qualify_s: int = Field(30, ge=0, le=3600)
    # Each seat's SIP password is derived from this secret (see config.seat_password);
    # ``liandong asterisk seats`` prints them for provisioning the phones.
    seat_secret: SecretStr = SecretStr(DEV_SEAT_SECRET)
    outbound_trunks: list[OutboundTrunk] = Field(default_factory=_default_trunks)
    hotline_trunks: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_HOTLINE_TRUNKS))
    # Benchmarks only (benchmarks/telephony_bench.py): a loopback source address whose
    # INVITEs go to the plain-dialplan baseline context liandong-bench. Unset (always,
    # outside a benchmark run): no such endpoint is rendered, the context is unreachable.
    bench_match: str | None = None
    # Automatic call distribution (telephony.seats): waiting calls ring a ready seat by
    # themselves; off = only the call takers' pull "take".
    acd: bool = True
    # 话后处理: a seat whose call ended stays in wrap-up this long, then is ready again.
    wrap_up_s: int = Field(15, ge=0, le=600)
    # The distributor runs on every call / seat change and at least this often.
    acd_tick_s: float = Field(1.0, gt=0, le=10)
    # Overflow: a call waiting this long may ring any ready seat, skill or not (0: never).
    acd_overflow_s: int = Field(60, ge=0, le=3600)
    # Fallback (app not registered): ring every seat this long before the trunk.
    fallback_ring_s: int = Field(20, ge=5, le=120)

    # --- the development / CI Asterisk built with debootstrap ----------------------
    rootfs: Path = Path("var/asterisk-root")
    # Several Asterisks may share one root (make run and a test session): each has its
    # own etc/run/log/spool directories and pid file. "main" uses the stock paths.
    instance: str = Field("main", pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")
    debian_suite: str = "sid"  # Asterisk 22 is in testing/sid, not in bookworm
    # Unset: the Debian mirror apt already uses (read from /etc/apt/sources.list*).
    debian_mirror: str | None = None
    # Downloaded .debs are kept here so rebuilding the root does not fetch them again.
    debootstrap_cache: Path = Field(
        default_factory=lambda: Path.home() / ".cache" / "liandong" / "debootstrap"
    )
    # Mandarin prompts from pinyin (prompts.hotline says why not "cmn"); recorded
    # files of the same name replace them.
    espeak_voice: str = "cmn-latn-pinyin"
    # Staff notices read out by phone (the delivery service's voice channel, issue 13).
    notify: VoiceNoticeSettings = VoiceNoticeSettings()

    @model_validator(mode="after")
    def _check(self) -> Self:
        low, high = self.rtp_ports
        if not 1024 <= low < high <= 65535:
            raise ValueError("rtp_ports must be an increasing pair within 1024..65535")
        names = {t.name for t in self.outbound_trunks}
        unknown = set(self.hotline_trunks.values()) - names
        if unknown:
            raise ValueError(f"hotline_trunks name unknown outbound trunks: {sorted(unknown)}")
        if self.carrier_out not in names:
            raise ValueError(f"carrier_out names no outbound trunk: {self.carrier_out}")
        return self

    @property
    def ari_base_url(self) -> str:
        return (self.ari_url or f"http://127.0.0.1:{self.http_port}").rstrip("/")

    @property
    def has_default_secrets(self) -> bool:
        return (
            self.ari_password.get_secret_value() == DEV_ARI_PASSWORD
            or self.seat_secret.get_secret_value() == DEV_SEAT_SECRET
        )
