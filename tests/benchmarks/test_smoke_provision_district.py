"""benchmarks/provision_district.py in its ``--smoke`` mode (issue 23.5): the queue provisions
a small district against the SSH lab, switches in parallel, and prints its one-switch-at-a-time
peer. Timings are printed by the script, never asserted."""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.test_smoke import ON_POSTGRES, bench_url, run_smoke  # noqa: F401

pytestmark = pytest.mark.bench_smoke


def test_provision_district(bench_url):  # noqa: F811
    args = ["--database-url", bench_url] if ON_POSTGRES else []
    out = run_smoke("provision_district", *args)
    assert re.search(r"^district, switches in parallel: 12 jobs over 4 switches in [\d.]+ s = "
                     r"[\d.]+ jobs/s, 4 worker\(s\) \(\{'succeeded': 12\}", out, re.M), out
    assert re.search(r"^peer, one switch at a time: 6 jobs over 2 switches in [\d.]+ s = "
                     r"[\d.]+ jobs/s, 1 worker\(s\) \(\{'succeeded': 6\}", out, re.M), out
    assert re.search(r"^peer per switch: [\d.]+ s → the district's 4 switches one at a time "
                     r"≈ \d+ s \(extrapolated from 2\); in parallel: [\d.]+ s", out, re.M), out
