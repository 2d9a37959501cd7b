#!/usr/bin/env bash
# Extract the French source strings and update the English catalogues; compile with `compile`.
# The core's catalogue (isp/translations) holds every package without a catalogue of its own;
# a domain with a `translations/` folder keeps its messages there, extracted from its sources.
# Usage: scripts/translations.sh update [PACKAGE] | compile   (PACKAGE: only that catalogue)
set -euo pipefail
cd "$(dirname "$0")/.."
babel=.venv/bin/pybabel
own=$(for dir in */translations; do [ "$dir" = isp/translations ] || echo "${dir%/translations}"; done)
update_catalogue() {  # $1: the folder to extract from, $2: the catalogue folder, $3: ignored dirs
  $babel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -o /tmp/social-isp.pot \
    --ignore-dirs="$3" "$1"
  if [ -f "$2/en/LC_MESSAGES/messages.po" ]; then
    # Messages gone from the sources are dropped, not kept as obsolete (#~): the catalogue
    # holds what the sources say (tests/isp/test_i18n.py refuses obsolete entries).
    $babel -q update --ignore-obsolete -i /tmp/social-isp.pot -d "$2" -l en
  else
    $babel -q init -i /tmp/social-isp.pot -d "$2" -l en
  fi
}
case "${1:-update}" in
  update)
    only=${2:-}
    if [ -z "$only" ] || [ "$only" = isp ]; then
      update_catalogue . isp/translations ".venv tests migrations benchmarks build $(echo $own)"
    fi
    for package in $own; do
      [ -z "$only" ] || [ "$only" = "$package" ] || continue
      update_catalogue "$package" "$package/translations" ".venv build"
    done ;;
  compile)
    for dir in isp/translations $(for package in $own; do echo "$package/translations"; done); do
      $babel -q compile -d "$dir"
    done ;;
esac
