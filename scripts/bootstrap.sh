#!/usr/bin/env bash
# Installs what Liandong needs on a Debian 12 machine and is a no-op when all is there:
# Debian packages (apt), then the project's virtualenv in .venv.
# Usage: scripts/bootstrap.sh            (run by `make run` / `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Python venv support, Redis, PostgreSQL (tests run against it);
# telephony: debootstrap builds the Asterisk 22 root (Debian sid), sip-tester is sipp
# for the call tests, espeak-ng + sox make the Mandarin prompts.
PACKAGES=(python3 python3-venv python3-dev build-essential redis-server redis-tools
          postgresql postgresql-client debootstrap sip-tester espeak-ng sox
          wrk  # wrk: the intake benchmark's load generator
          ffmpeg libsox-fmt-base  # asr: audio normalisation; sox writes AMR-NB test audio
          fonts-wqy-zenhei  # a CJK font for the assessment reports' PDF charts
          chromium chromium-driver fonts-noto-cjk)  # the desk's browser tests (headless)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # policy-rc.d keeps apt from starting system-wide services we start ourselves.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "bootstrap: Python 3.11 or newer is needed, found $("$PYTHON" --version)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "bootstrap: ready ($(.venv/bin/python --version))"
