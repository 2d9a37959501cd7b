"""CSV writers for every export: cells that a spreadsheet would run as a formula are neutralised.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``).
As OWASP recommends (CSV injection), such a text cell is written with a leading single quote,
which every spreadsheet shows as text. Numbers stay numbers: an ``int`` or a text that is a
plain decimal number (``-1250``, ``-12,50``) cannot be a formula, and accountants need negative
amounts as they are. Every CSV the application writes goes through ``writer`` or ``dict_writer``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

#: First characters that make a spreadsheet evaluate a cell (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def neutralise(value: Any) -> Any:
    """The cell as written: text that could start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) \
            and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _SafeWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _SafeDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose values are neutralised (the header is ours, left as is)."""

    def writerow(self, rowdict: Mapping[str, Any]):
        return super().writerow({key: neutralise(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def writer(out, **options) -> _SafeWriter:
    """A ``csv.writer`` (same options) that neutralises formula cells."""
    return _SafeWriter(out, **options)


def dict_writer(out, fieldnames, **options) -> csv.DictWriter:
    """A ``csv.DictWriter`` (same options) that neutralises formula cells."""
    return _SafeDictWriter(out, fieldnames, **options)
