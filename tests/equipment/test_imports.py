"""Import of an inventory CSV: same rules as the form, everything or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from equipment.models import EquipmentItem
from isp.csvimport import ImportRejected, run_import
from tests.equipment.factories import make_partner

pytestmark = pytest.mark.clock("2026-11-15T10:00:00+01:00")


def test_inventory_import(db):
    make_partner("ATELIER")
    data = (b"kind;serial;origin;partner_code;embodied_kgco2e;acquired_on\n"
            b"box;B-1;new;;;2026-01-01\n"
            b"computer;PC-1;refurbished;ATELIER;;2026-02-01\n"
            b"phone;P-1;new;;50;\n")
    result = run_import("equipment", data, actor=None)
    assert result.rows == 3
    computer = db.session.execute(select(EquipmentItem).where(
        EquipmentItem.serial == "PC-1")).scalar_one()
    assert computer.embodied_kgco2e == 46.35 and computer.state == "in_stock"


def test_a_bad_row_imports_nothing(db):
    data = (b"kind;serial;origin;partner_code\n"
            b"box;B-1;new;\n"
            b"box;B-1;new;\n"
            b"computer;PC-2;refurbished;\n"
            b"fridge;F-1;new;\n")
    with pytest.raises(ImportRejected) as rejected:
        run_import("equipment", data, actor=None)
    columns = [(error.line, error.column) for error in rejected.value.errors]
    assert columns == [(3, "serial"), (4, "partner_code"), (5, "kind")]
    assert db.session.execute(select(func.count(EquipmentItem.id))).scalar_one() == 0
