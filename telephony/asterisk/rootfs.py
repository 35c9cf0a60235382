"""The development / CI Asterisk: a Debian sid root built with debootstrap, run chrooted.

Asterisk 22 is packaged in Debian testing and sid, not in bookworm, so
``setup`` builds a minimal sid root under ``settings.rootfs`` (about a minute the first
time; the finished root is marked valid and reused, and downloaded .debs are cached
in ``debootstrap_cache``), generates the Mandarin prompts and installs the rendered
configuration. ``telephony.asterisk.runner`` starts and stops Asterisk from the root.

debootstrap and chroot need root; without it every command says so and stops.
Paths inside the root are joined with :func:`inside`, which refuses to follow a
symlink out of it (the root's /var/run points at the host's /run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from prompts import synth
from prompts.models import SOUND_DIR, Prompt
from telephony.asterisk import config
from telephony.asterisk.errors import AsteriskSetupFailed
from telephony.settings import TelephonySettings

PACKAGES = ("asterisk", "asterisk-modules", "asterisk-core-sounds-en")
MARKER = ".liandong-root.json"
SOUNDS = "usr/share/asterisk/sounds/zh/" + SOUND_DIR
DIGITS_DIR = "usr/share/asterisk/sounds/zh/digits"  # SAY DIGITS plays digits/<d> in zh
Echo = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def exe(name: str) -> str:
    """Absolute path of a host tool, or a clear error naming what installs it."""
    path = shutil.which(name)
    if path is None:
        raise AsteriskSetupFailed(f"{name} is not installed (scripts/bootstrap.sh adds it)")
    return path


def is_root() -> bool:
    return os.geteuid() == 0


def require_root(what: str) -> None:
    if not is_root():
        raise AsteriskSetupFailed(
            f"{what} needs root (debootstrap and chroot do); run it as root or use an "
            "existing Asterisk via LIANDONG_TELEPHONY__ARI_URL",
            details={"euid": os.geteuid()},
        )


def inside(root: Path, path: str) -> Path:
    """``root/path``, refusing any path that resolves outside the root."""
    target = (root / path.lstrip("/")).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise AsteriskSetupFailed(f"{path} leaves the Asterisk root", details={"path": path})
    return target


# --- Debian mirror ------------------------------------------------------------------
def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian archive apt already uses, so debootstrap fetches from the same
    (reachable) mirror. Reads deb822 ``*.sources`` and one-line ``*.list`` files and
    skips the security archive and third-party repositories."""
    files = [apt_dir / "sources.list"]
    files += sorted((apt_dir / "sources.list.d").glob("*.list"))
    files += sorted((apt_dir / "sources.list.d").glob("*.sources"))
    for path in files:
        if path.is_file():
            for uri in _uris(path.read_text(encoding="utf-8", errors="replace"), path.suffix):
                if _is_debian_archive(uri):
                    return uri.rstrip("/")
    raise AsteriskSetupFailed(
        "no Debian mirror found in /etc/apt; set LIANDONG_TELEPHONY__DEBIAN_MIRROR",
        details={"apt_dir": str(apt_dir)},
    )


def _uris(text: str, suffix: str) -> list[str]:
    uris = []
    if suffix == ".sources":
        for stanza in text.split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.lstrip().startswith("#"):
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
                uris += fields.get("uris", "").split()
    else:
        for line in text.splitlines():
            parts = line.split("#", 1)[0].split()
            if parts and parts[0] == "deb":
                rest = [p for p in parts[1:] if not p.startswith("[")]
                uris += rest[:1]
    return uris


def _is_debian_archive(uri: str) -> bool:
    path = uri.rstrip("/").rsplit("/", 1)[-1]
    return uri.startswith(("http://", "https://")) and path == "debian"


# --- building the root -------------------------------------------------------------
def root_valid(root: Path) -> bool:
    marker = root / MARKER
    if not marker.is_file() or not (root / "usr/sbin/asterisk").is_file():
        return False
    try:
        data = json.loads(marker.read_text())
    except ValueError:
        return False
    return bool(data.get("packages") == list(PACKAGES))


def build_root(s: TelephonySettings, echo: Echo = _quiet) -> bool:
    """Build the root unless a valid one exists. Returns True when it was built."""
    root = s.rootfs
    if root_valid(root):
        echo(f"Asterisk root {root} is ready (cached)")
        return False
    require_root("building the Asterisk root")
    debootstrap = exe("debootstrap")
    mirror = s.debian_mirror or debian_mirror()
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    s.debootstrap_cache.mkdir(parents=True, exist_ok=True)
    cmd = [
        debootstrap,
        "--variant=minbase",
        f"--include={','.join(PACKAGES)}",
        f"--cache-dir={s.debootstrap_cache.resolve()}",
        s.debian_suite,
        str(partial.resolve()),
        mirror,
    ]
    echo(f"building the Asterisk root: debootstrap {s.debian_suite} from {mirror} …")
    started = time.monotonic()
    _stream(cmd, echo)
    etc = inside(partial, "/etc/asterisk")
    if etc.is_dir() and not inside(partial, "/etc/asterisk.dist").exists():
        # Keep Debian's sample configs for reference; /etc/asterisk holds only ours.
        etc.rename(etc.with_name("asterisk.dist"))
    version = _run_in(partial, ["/usr/sbin/asterisk", "-V"]).strip()
    (partial / MARKER).write_text(
        json.dumps({"packages": list(PACKAGES), "mirror": mirror, "version": version})
    )
    shutil.rmtree(root, ignore_errors=True)
    partial.rename(root)
    echo(f"{version} installed in {time.monotonic() - started:.0f} s")
    return True


_PHASES = {
    "Retrieving": "downloading",
    "Validating": "downloading",
    "Extracting": "extracting",
    "Unpacking": "installing",
    "Configuring": "installing",
}


def _stream(cmd: list[str], echo: Echo) -> None:
    """Run ``cmd`` and report debootstrap's phases: it prints one "I: <Verb> <pkg>"
    line per package and step; a count per phase is what a person wants to see."""
    proc = subprocess.Popen(  # noqa: S603 - fixed executable, arguments we built
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None  # noqa: S101 - set by stdout=PIPE
    phase, count, tail = "", 0, list[str]()
    for raw in proc.stdout:
        line = raw.rstrip()
        tail = [*tail[-20:], line]
        verb = line[3:].split(" ", 1)[0] if line.startswith("I: ") else ""
        current = _PHASES.get(verb)
        if current is not None:
            if current != phase:
                if phase:
                    echo(f"  {phase}: {count} steps")
                phase, count = current, 0
            count += 1
        elif line.startswith(("E: ", "W: ")):
            echo(f"  {line}")
    if proc.wait() != 0:
        raise AsteriskSetupFailed(
            f"{cmd[0]} failed with exit code {proc.returncode}", details={"output": tail}
        )
    if phase:
        echo(f"  {phase}: {count} steps")


def _run_in(root: Path, args: list[str]) -> str:
    return subprocess.run(  # noqa: S603 - fixed executables inside our root
        [exe("chroot"), str(root), *args], check=True, capture_output=True, text=True
    ).stdout


# --- prompts -----------------------------------------------------------------------
def generate_prompts(s: TelephonySettings, echo: Echo = _quiet) -> int:
    """Synthesize missing or changed hotline and survey prompts into the root."""
    return synth.generate_hotline(
        inside(s.rootfs, SOUNDS), s.espeak_voice, exe("espeak-ng"), exe("sox"), echo
    )


def planned_ivr_prompts(s: TelephonySettings) -> dict[Path, Prompt]:
    """Every IVR sound file of the root → its prompt."""
    return synth.planned_ivr(inside(s.rootfs, SOUNDS), inside(s.rootfs, DIGITS_DIR))


def generate_ivr_prompts(
    s: TelephonySettings, echo: Echo = _quiet, progress: Callable[[int], None] | None = None
) -> int:
    """Synthesize missing or changed IVR prompts and Mandarin digits into the root,
    keeping recordings."""
    return synth.generate_ivr(
        inside(s.rootfs, SOUNDS),
        inside(s.rootfs, DIGITS_DIR),
        s.rootfs,
        s.espeak_voice,
        exe("espeak-ng"),
        exe("sox"),
        echo,
        progress,
    )


# --- configuration -----------------------------------------------------------------
def _ids(root: Path) -> tuple[int, int]:
    """The asterisk user's uid/gid as the root's own /etc/passwd has them."""
    for line in inside(root, "/etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "asterisk":
            return int(fields[2]), int(fields[3])
    raise AsteriskSetupFailed("the Asterisk root has no asterisk user")


def install_config(
    s: TelephonySettings,
    *,
    production: bool = False,
    echo: Echo = _quiet,
    agi_address: str = config.DEFAULT_AGI_ADDRESS,
) -> list[Path]:
    """Render the configuration into the root and create the instance's directories."""
    root = s.rootfs
    paths = config.instance_paths(s.instance)
    uid, gid = _ids(root)
    etc = inside(root, paths.etc_dir)
    changed = config.write_config(
        config.render(s, production=production, agi_address=agi_address), etc
    )
    for f in etc.iterdir():
        if f.name in config.FILES:
            os.chown(f, 0, gid)  # readable by Asterisk after it drops root
    # ARI stored recordings go to astspooldir/recording, which Asterisk does not create.
    recordings = f"{paths.spool_dir}/recording"
    for d in (paths.run_dir, paths.log_dir, paths.spool_dir, recordings, paths.lib_dir,
              paths.cache_dir):  # fmt: skip
        target = inside(root, d)
        target.mkdir(parents=True, exist_ok=True)
        os.chown(target, uid, gid)
    if changed:
        echo(f"installed {len(changed)} changed config files in {paths.etc_dir}")
    return changed


def setup(
    s: TelephonySettings,
    *,
    production: bool = False,
    echo: Echo = _quiet,
    agi_address: str = config.DEFAULT_AGI_ADDRESS,
) -> None:
    require_root("liandong asterisk setup")
    build_root(s, echo)
    generate_prompts(s, echo)
    generate_ivr_prompts(s, echo)
    install_config(s, production=production, echo=echo, agi_address=agi_address)


def remove_instance(s: TelephonySettings) -> None:
    """Delete an instance's directories (test sessions clean up after themselves)."""
    if s.instance == "main":
        raise AsteriskSetupFailed("the main instance is not removed this way")
    paths = config.instance_paths(s.instance)
    for d in (
        paths.etc_dir,
        paths.run_dir,
        paths.log_dir,
        paths.spool_dir,
        paths.lib_dir,
        paths.cache_dir,
    ):
        shutil.rmtree(inside(s.rootfs, d), ignore_errors=True)
