"""Rendering the Asterisk configuration from settings (pure: no Asterisk needed)."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from telephony.asterisk.config import FILES, hotline_dids, render, seat_names, seat_password
from telephony.asterisk.errors import TelephonyConfigInvalid
from telephony.settings import TelephonySettings


@pytest.fixture
def files() -> dict[str, str]:
    return render(
        TelephonySettings(
            sip_port=5099,
            http_port=8099,
            ari_password=SecretStr("ari-secret-1"),
            seat_secret=SecretStr("seat-secret-1"),
            seats=3,
            trunk_match=["10.1.2.3", "10.9.0.0/24"],
        )
    )


def sections(text: str) -> list[str]:
    return re.findall(r"^\[([^\]]+)\]", text, flags=re.M)


def test_every_file_renders_without_leftover_placeholders(files: dict[str, str]) -> None:
    assert set(files) == set(FILES)
    for name, text in files.items():
        assert "{{" not in text, name
        assert text.startswith("; Rendered by telephony/asterisk/config.py"), name


def test_ari_and_http_listen_on_loopback_with_the_configured_credentials(
    files: dict[str, str],
) -> None:
    http = files["http.conf"]
    assert "bindaddr = 127.0.0.1" in http
    assert "bindport = 8099" in http
    ari = files["ari.conf"]
    assert "[liandong]\ntype = user" in ari
    assert "password = ari-secret-1" in ari
    assert "enabled = no" in files["manager.conf"]  # no AMI port at all


def test_sip_transport_is_udp_on_loopback_and_the_trunk_is_known_by_address(
    files: dict[str, str],
) -> None:
    pjsip = files["pjsip.conf"]
    assert "protocol = udp\nbind = 127.0.0.1:5099" in pjsip
    assert "match = 10.1.2.3\nmatch = 10.9.0.0/24" in pjsip
    carrier = pjsip.split("[carrier]")[1]
    assert "identify_by = ip" in carrier
    assert "geoloc_incoming_call_profile = liandong-incoming" in carrier
    assert "profile_precedence = prefer_incoming" in files["geolocation.conf"]


def test_nothing_anonymous_can_call_in(files: dict[str, str]) -> None:
    pjsip = files["pjsip.conf"]
    assert "anonymous" not in sections(pjsip)
    assert "endpoint_identifier_order = username,ip\n" in pjsip
    modules = files["modules.conf"]
    assert "autoload = no" in modules
    assert "res_pjsip_endpoint_identifier_anonymous" not in modules
    # Outbound trunks can never be matched for an incoming request.
    for trunk in ("police", "fire", "medical"):
        block = pjsip.split(f"[{trunk}]\ntype = endpoint")[1].split("\n\n")[0]
        assert "identify_by = ip" in block
    assert "endpoint = police" not in pjsip


def test_one_authenticated_endpoint_per_seat_with_distinct_passwords(
    files: dict[str, str],
) -> None:
    pjsip = files["pjsip.conf"]
    names = seat_names(3)
    assert names == ["seat01", "seat02", "seat03"]
    passwords = {seat_password("seat-secret-1", n) for n in names}
    assert len(passwords) == 3
    for name in names:
        assert sections(pjsip).count(name) == 3  # endpoint, auth, aor
        assert f"auth = {name}\n" in pjsip
        assert f"password = {seat_password('seat-secret-1', name)}\n" in pjsip
    assert "seat04" not in pjsip


def test_every_hotline_did_goes_to_stasis_with_the_hotline_and_exten_is_filtered(
    files: dict[str, str],
) -> None:
    ext = files["extensions.conf"]
    assert "${FILTER(0-9,${EXTEN})}" in ext
    assert "Stasis(${LIANDONG_APP},${EXTEN})" in ext
    assert "LIANDONG_APP = liandong" in ext
    dids = hotline_dids("0857")
    for did in ("110", "0857110", "86857110", "119", "120", "122", "12315", "085712345"):
        assert f"exten => {did},1,Goto(liandong-hotline,{dids[did]},1)" in ext


def test_stasis_failure_reaches_people_not_dead_air(files: dict[str, str]) -> None:
    ext = files["extensions.conf"]
    assert '"${STASISSTATUS}" = "FAILED"]?liandong-fallback,${EXTEN},1' in ext
    fallback = ext.split("[liandong-fallback]")[1].split("\n[")[0]
    assert "Answer()" in fallback
    assert "Playback(liandong/fallback)" in fallback
    assert "Dial(PJSIP/seat01&PJSIP/seat02&PJSIP/seat03,20,r)" in fallback
    assert "UserEvent(LiandongFallback" in fallback
    assert "TRUNK_119 = fire" in ext


def test_production_refuses_the_development_secrets() -> None:
    with pytest.raises(TelephonyConfigInvalid):
        render(TelephonySettings(), production=True)
    render(
        TelephonySettings(ari_password=SecretStr("x" * 20), seat_secret=SecretStr("y" * 20)),
        production=True,
    )


@pytest.mark.parametrize("password", ["has;comment", "two words", "new\nline", "br[a]ck"])
def test_a_password_that_would_break_the_config_file_is_refused(password: str) -> None:
    with pytest.raises(TelephonyConfigInvalid):
        render(TelephonySettings(ari_password=SecretStr(password)))


def test_a_trunk_match_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(TelephonyConfigInvalid):
        render(TelephonySettings(trunk_match=["carrier.example"]))


def test_test_instances_get_their_own_directories() -> None:
    text = render(TelephonySettings(instance="test-42"))["asterisk.conf"]
    assert "astetcdir => /etc/asterisk-test-42" in text
    assert "astrundir => /run/asterisk-test-42" in text
    assert "astdbdir => /var/lib/asterisk-test-42" in text
