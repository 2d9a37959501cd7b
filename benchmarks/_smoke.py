"""Plumbing shared by the benchmarks' ``--smoke`` mode and their own checks.

``--smoke`` runs a benchmark at a tiny size (a few devices, households or requests: seconds,
not minutes) through the same code path as the full run, so that the test suite
(tests/benchmarks/test_smoke.py) notices when a schema or API change breaks a benchmark.
Options given next to ``--smoke`` still win over its sizes.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None,
               smoke: dict[str, Any]) -> argparse.Namespace:
    """Add ``--smoke`` to ``parser`` and parse; with it, ``smoke`` replaces the defaults."""
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, same code path (seconds; run by the test suite): "
                             + ", ".join(f"--{k.replace('_', '-')} {v}"
                                         for k, v in smoke.items() if v is not None))
    known, _rest = parser.parse_known_args(argv)
    if known.smoke:
        parser.set_defaults(**smoke)
    return parser.parse_args(argv)


class Checks:
    """The run's own checks (not timings): each failure is printed; ``exit_code`` is 1 then."""

    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print(f"CHECK FAILED: {what}", flush=True)
        return ok

    def exit_code(self) -> int:
        total = self.passed + len(self.failures)
        print(f"checks: {self.passed} of {total} passed", flush=True)
        return 1 if self.failures else 0
