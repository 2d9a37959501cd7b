#!/usr/bin/env bash
# Create .venv and install the project, on a fresh Debian machine as root if need be.
# Usage: scripts/bootstrap.sh [runtime|test]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-runtime}
apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then echo "Missing Debian packages: $*; install them (needs root)" >&2; exit 1; fi
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
python=$(command -v python3.11 || command -v python3)
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    "$python" -m venv .venv
  fi
fi
stamp=.venv/.installed-$mode
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$mode" = test ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
  else
    .venv/bin/python -m pip install -q -e '.[lab]'  # make run starts the simulated lab
  fi
  touch "$stamp"
fi
# Translations are compiled from the committed .po catalogues.
scripts/translations.sh compile 2>/dev/null || true
if [ "$mode" = test ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/sbin/snmpd ] || missing+=(snmpd)
  command -v snmpget >/dev/null || missing+=(snmp)
  command -v ip >/dev/null || missing+=(iproute2)
  # benchmarks/http_instructions.py: callgrind and its client requests' header, a C compiler
  [ -f /usr/include/valgrind/callgrind.h ] || missing+=(valgrind)
  command -v gcc >/dev/null || missing+=(gcc)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
fi
