"""The suite's clock: ``@pytest.mark.clock`` and ``--clock`` (tests/conftest.py, .ci/clocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from isp.timeutil import utcnow


@pytest.mark.clock("2027-01-01T00:30:00+01:00")
def test_the_clock_marker_moves_the_test_to_its_instant():
    # 1 January 00:30 in Paris is still 31 December in UTC.
    moved_to = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert moved_to <= utcnow() < moved_to + timedelta(minutes=5)


@pytest.mark.only_with_clock
def test_the_run_is_at_the_instant_ci_asked_for(request):
    asked = request.config.getoption("--clock")
    instant = datetime.fromisoformat(asked)
    # The clock ticks from the instant: the run is at most a few minutes past it.
    assert instant <= utcnow() < instant + timedelta(hours=1)
