"""benchmarks/usage_store.py in its ``--smoke`` mode (issue 23.2), like tests/benchmarks/: the
script runs at a tiny size through its real code path and must pass its own checks and print
its figures with their peer (timings are printed, never asserted)."""

from __future__ import annotations

import re

import pytest

from tests.benchmarks.test_smoke import bench_url, run_smoke  # noqa: F401 - the fixture

pytestmark = pytest.mark.bench_smoke


def test_usage_store(bench_url):  # noqa: F811 - the imported fixture
    out = run_smoke("usage_store", "--database-url", bench_url)
    assert re.search(r"^roll-up of 3 days × 8 ports \(576 hours\): [\d.]+ s partitioned, "
                     r"peer \(flat table, same SQL\) [\d.]+ s; extrapolated", out, re.M), out
    for label in ("household usage page", "port page", "building page"):
        assert re.search(rf"^page {label} .* median +[\d.]+ ms server time", out, re.M), out
    assert re.search(r"^query household 24 h .* ms; peer \(flat table\) +[\d.]+ ms", out,
                     re.M), out
    assert re.search(r"^retention of 576 hours: .* peer DELETE of 576 rows", out, re.M), out
