#!/usr/bin/env bash
# `make run`: migrate, seed and serve the demo, unless an instance already runs.
# Usage: scripts/run.sh [isp run options, e.g. --port 5001 --no-lab]
set -euo pipefail
cd "$(dirname "$0")/.."
isp=.venv/bin/isp
# Ports taken (the demo already runs in another terminal): `isp run --check-only` says so in
# one line, and nothing is migrated, seeded or started. Not a failure: the demo is up.
"$isp" run --check-only "$@" || exit 0
"$isp" db upgrade
"$isp" demo seed
echo ""
echo "  social-isp demo: http://127.0.0.1:5000/  (all people and devices are fictitious)"
echo "  logins:"
.venv/bin/python -c "from config.default import DefaultConfig as C; [print(f'    {e:32} {p}') for e, p in C.DEMO_PASSWORDS.items()]"
echo "  residents (no password: a code by SMS or e-mail, printed below in this terminal):"
echo "    http://127.0.0.1:5000/moi/connexion  residente@demo.social-isp.fr, 06 39 98 00 01, 06 39 98 00 02"
echo ""
# exec: Ctrl-C and SIGTERM reach `isp run` itself, which stops everything and exits 0.
exec "$isp" run "$@"
