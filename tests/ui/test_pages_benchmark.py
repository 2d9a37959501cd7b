"""``python -m benchmarks.pages --smoke`` still runs: public pages measured, table printed."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.ui.server import ROOT

pytestmark = pytest.mark.ui

ROW = re.compile(r"^\| `(?P<endpoint>[\w.]+)` \| anonymous \| [\d.]+ \| \d+ \| \d+ \| \d+ \| "
                 r"(?P<grade>[A-G]) \|$", re.MULTILINE)


def test_pages_benchmark_smoke_measures_the_public_pages():
    done = subprocess.run([sys.executable, "-m", "benchmarks.pages", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert done.stdout.startswith("| page | role | KB | requests | DOM | EcoIndex | grade |")
    rows = {m["endpoint"]: m["grade"] for m in ROW.finditer(done.stdout)}
    assert {"core.login", "pages.ecodesign", "pages.accessibility"} <= rows.keys(), done.stdout
    assert set(rows.values()) == {"A"}, done.stdout
    assert re.search(rf"^{len(rows)} page views; .* 0 over budget$", done.stdout, re.MULTILINE)
    assert "written to" not in done.stdout
