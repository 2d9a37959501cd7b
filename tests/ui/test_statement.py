"""The ecodesign and accessibility statements state nothing that the suite does not check.

Two kinds of figures appear on /ecoconception and /accessibilite (issue 15):

* the budget, undated ("every page grade A, at most 100 KB and 10 requests"): it must be the
  budget tests/ui enforces (discovery.MAX_KB, MAX_REQUESTS, MIN_GRADE, no grade exception), and
  the pages measured in this run (test_accessibility, which runs before this module) must meet
  it as the statement words it;
* the last measurement (_measures.html, written by ``benchmarks/pages.py --write``): dated and
  tied to a commit, so it is a fact about that commit, not about today; it must not contradict
  the budget (a measurement with a grade B page cannot be published under "every page grade A").
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.ui.discovery import GRADE_EXCEPTIONS, MAX_KB, MAX_REQUESTS, MIN_GRADE

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "isp" / "templates" / "pages"
MEASURES = PAGES / "_measures.html"
SUMMARY = re.compile(
    r'day="(?P<day>\d{4}-\d{2}-\d{2})", commit="(?P<commit>[0-9a-f]{7,40}\+?)", n=(?P<n>\d+), '
    r'median="(?P<median>[\d.]+)", max="(?P<max>[\d.]+)", req=(?P<req>\d+), a=(?P<a>\d+)')
BUDGET = re.compile(r'grade="(?P<grade>[A-G])", kb=(?P<kb>\d+), req=(?P<req>\d+)')


def _ecodesign_budget() -> dict[str, str]:
    """The budget as /ecoconception words it (its list of targets)."""
    text = (PAGES / "ecodesign.html").read_text(encoding="utf-8")
    kb = re.search(r"(\d+) Ko transférés au plus", text)
    requests = re.search(r"(\d+) requêtes au plus", text)
    grade = re.search(r"EcoIndex de classe ([A-G])", text)
    assert kb and requests and grade, "the budget list of ecodesign.html changed its wording"
    return {"kb": kb.group(1), "req": requests.group(1), "grade": grade.group(1)}


def _measures() -> tuple[dict[str, str], dict[str, str], str]:
    text = MEASURES.read_text(encoding="utf-8")
    summary, budget = SUMMARY.search(text), BUDGET.search(text)
    assert summary, ("_measures.html carries no dated, committed summary: regenerate it with "
                     "`python -m benchmarks.pages --write`")
    assert budget, "_measures.html states no budget: regenerate it (benchmarks/pages.py --write)"
    return summary.groupdict(), budget.groupdict(), text


def test_the_stated_budget_is_the_enforced_one():
    assert not GRADE_EXCEPTIONS, ("the statements say every page is grade A, but "
                                  f"tests/ui/discovery.py allows exceptions: {GRADE_EXCEPTIONS}")
    enforced = {"kb": str(MAX_KB), "req": str(MAX_REQUESTS), "grade": MIN_GRADE}
    assert _ecodesign_budget() == enforced
    assert _measures()[1] == enforced
    for name in ("ecodesign.html", "accessibility.html"):
        assert '{% include "pages/_measures.html" %}' in (PAGES / name).read_text(), name


def test_the_last_measurement_is_dated_committed_and_within_the_budget():
    summary, _budget, text = _measures()
    n, graded_a = int(summary["n"]), int(summary["a"])
    assert n > 0
    assert graded_a == n, (f"the last measurement has {n - graded_a} page(s) below grade A: "
                           "fix them, then regenerate _measures.html")
    assert float(summary["max"]) <= MAX_KB
    assert int(summary["req"]) <= MAX_REQUESTS
    assert float(summary["median"]) <= float(summary["max"])
    assert "Pages hors objectif" not in text
    git = ROOT / ".git"
    if git.exists():  # a source tarball has no history to look the commit up in
        sha = summary["commit"].rstrip("+")
        found = subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=ROOT,
                               capture_output=True, check=False)
        assert found.returncode == 0, f"_measures.html names commit {sha}, unknown to git"


def test_this_run_meets_the_budget_the_statement_states(page_figures):
    """At the end of the accessibility audit: every page measured meets the stated budget."""
    if not page_figures:
        pytest.skip("no page measured in this run (test_accessibility did not run before)")
    stated = _ecodesign_budget()
    over = [f"{f.endpoint} as {f.role}: {f.kilobytes:.1f} KB, {f.requests} requests, "
            f"grade {f.grade}" for f in page_figures
            if f.kilobytes > float(stated["kb"]) or f.requests > int(stated["req"])
            or f.grade > stated["grade"]]
    assert not over, ("/ecoconception states a budget this run does not meet:\n"
                      + "\n".join(over))
