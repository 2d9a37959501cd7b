"""The default footprint table: the code's figures are those docs/equipment.md documents, each
new figure is the sum of the parts its source gives, and a refurbished one is 25 % of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from equipment import footprint_defaults
from equipment.choices import Kind, Origin

DOC = Path(__file__).resolve().parents[2] / "docs" / "equipment.md"
#: The parts published for each device (fabrication, assembly and distribution, end of life),
#: as docs/equipment.md lists them with their source.
PARTS = {"box": (60.8, 0.6, 1.6), "computer": (170.3, 12.3, 2.8), "tablet": (56.3, 3.4, 0.4),
         "phone": (83.0, 2.1, 0.2)}


def _doc_rows() -> dict[str, list[str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Embodied footprint defaults", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        kind = cells[0].split(" ")[0] if cells else ""
        if kind in {k.value for k in Kind}:
            rows[kind] = cells
    return rows


def _number(cell: str) -> float:
    return float(re.match(r"[\d.]+", cell).group(0))


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_the_documented_table_is_the_code_s_table(kind):
    row = _doc_rows()[kind]
    # | kind | fabrication | distribution | end of life | new | refurbished | life | source |
    assert tuple(_number(cell) for cell in row[1:4]) == PARTS[kind]
    assert _number(row[4]) == footprint_defaults.NEW_KGCO2E[kind]
    assert _number(row[5]) == footprint_defaults.default_embodied_kgco2e(kind,
                                                                         Origin.REFURBISHED)
    assert _number(row[6]) == footprint_defaults.REFERENCE_LIFE_YEARS[kind]
    assert "ADEME" in row[7]


@pytest.mark.parametrize("kind", [k.value for k in Kind])
def test_a_new_figure_is_the_sum_of_its_published_parts(kind):
    assert footprint_defaults.NEW_KGCO2E[kind] == pytest.approx(sum(PARTS[kind]), abs=1e-9)
    assert footprint_defaults.default_embodied_kgco2e(kind, Origin.NEW) == \
        footprint_defaults.NEW_KGCO2E[kind]


def test_refurbished_is_rounded_half_up_to_the_hundredth():
    assert footprint_defaults.default_embodied_kgco2e("tablet", Origin.REFURBISHED) == 15.03
    assert footprint_defaults.default_embodied_kgco2e("phone", Origin.REFURBISHED) == 21.33
