"""deploy/: the systemd units name real commands with real options, the nginx site
passes the live feed through unbuffered, the sample environment is a valid
production configuration."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys

import pytest

from agent_desktop.api import router as desk_router
from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"
VENV_BIN = "/opt/liandong/.venv/bin/"
# The processes of a site, each with its own unit (issue 18, part 4).
PROCESSES = {
    "liandong-api.service": ["serve"],
    "liandong-worker@.service": ["worker"],
    "liandong-telephony.service": ["asterisk", "app"],
    "liandong-fastagi.service": ["agi", "serve"],
    "liandong-asr.service": ["asr", "worker"],
    "liandong-scheduler.service": ["-m", "liandong.processes.scheduler"],
}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def _argv(exec_start: str) -> list[str]:
    """ExecStart as this checkout runs it: the site's venv becomes ours and systemd's
    specifiers (%i instance, %H host name) get sample values."""
    words = shlex.split(exec_start.replace("%i", "1").replace("%H", "node-a"))
    assert words[0].startswith(VENV_BIN), words[0]
    exe = words[0].removeprefix(VENV_BIN)
    if exe == "liandong":
        return [sys.executable, "-m", "liandong", *words[1:]]
    assert exe == "python", exe
    return [sys.executable, *words[1:]]


def test_every_process_of_a_site_has_a_unit() -> None:
    units = {p.name for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(PROCESSES) <= units
    for name, command in PROCESSES.items():
        words = shlex.split(_unit(name)["Service"]["ExecStart"])
        assert words[1 : 1 + len(command)] == command, name
        assert _unit(name)["Service"]["Restart"] == "always"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_a_unit_starts_a_real_command_with_options_it_accepts(name: str) -> None:
    # --help comes last, so the options the unit passes are parsed first: an option
    # the command does not know fails here instead of at a site's first boot.
    argv = [*_argv(_unit(name)["Service"]["ExecStart"]), "--help"]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout.lower()


def test_asterisk_is_restarted_with_backoff_and_belongs_to_the_platform() -> None:
    dropin = _unit("asterisk.service.d/liandong.conf")
    assert dropin["Service"]["Restart"] == "always"
    assert dropin["Service"]["StartLimitIntervalSec"] == "0"
    assert dropin["Unit"]["PartOf"] == "liandong.target"


def test_nginx_passes_the_live_feed_through_unbuffered_over_tls_and_http2() -> None:
    site = (DEPLOY / "nginx" / "liandong.conf").read_text(encoding="utf-8")
    routes = {getattr(r, "path", "") for r in desk_router.routes}
    feed = re.search(r"location = (\S+) \{(.*?)\n    \}", site, re.S)
    assert feed is not None
    assert feed.group(1) in routes  # the location is the API's real SSE route
    assert "proxy_buffering off;" in feed.group(2)
    assert "listen 443 ssl;" in site and "http2 on;" in site
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit is not None and int(limit.group(1)) * 1024 * 1024 >= 5 * 1024 * 1024


def test_the_sample_environment_is_a_valid_production_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from liandong.settings import Mode, Settings

    for line in (DEPLOY / "liandong.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.mode is Mode.production
    assert settings.database.url.startswith("postgresql+asyncpg://liandong_app:")


def test_the_application_role_gets_rows_but_no_schema_rights() -> None:
    sql = (DEPLOY / "postgresql" / "roles.sql").read_text(encoding="utf-8")
    grants = [ln for ln in sql.splitlines() if "TO liandong_app" in ln]
    assert grants
    privileges = {
        p.strip() for g in grants for p in re.findall(r"GRANT (.*?) ON ", g)[0].split(",")
    }
    assert privileges == {"CONNECT", "TEMPORARY", "USAGE", "SELECT", "INSERT", "UPDATE", "DELETE"}
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC;" in sql


def test_the_licence_is_the_full_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
