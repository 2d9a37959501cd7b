#!/usr/bin/env bash
# Extract the French source strings and update the English catalogue; compile with `compile`.
# Usage: scripts/translations.sh update|compile
set -euo pipefail
cd "$(dirname "$0")/.."
babel=.venv/bin/pybabel
case "${1:-update}" in
  update)
    $babel -q extract -F babel.cfg -k _l -k lazy_gettext -o /tmp/social-isp.pot \
      --ignore-dirs='.venv tests migrations benchmarks build' .
    if [ -f isp/translations/en/LC_MESSAGES/messages.po ]; then
      $babel -q update -i /tmp/social-isp.pot -d isp/translations -l en
    else
      $babel -q init -i /tmp/social-isp.pot -d isp/translations -l en
    fi ;;
  compile) $babel -q compile -d isp/translations ;;
esac
