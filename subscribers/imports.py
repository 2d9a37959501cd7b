"""CSV imports of districts, buildings, flats and households (DESIGN.md §4.4)."""

from __future__ import annotations

from sqlalchemy import select

from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_choice,
    parse_date,
    parse_email,
    parse_int,
    register_importer,
)
from isp.extensions import db
from isp.timeutil import today
from subscribers import services
from subscribers.choices import LANGUAGES, BuildingStatus
from subscribers.models import Building, District, Unit


def _exists(model, column, value) -> bool:
    return db.session.execute(select(model.id).where(column == value)).first() is not None


def _district(row: dict, ctx: ImportContext) -> None:
    code = row["code"]
    if not ctx.first_time("district", code) or _exists(District, District.code, code):
        raise BadValue("code", f"district {code} already exists")
    services.create_district(code=code, name=row["name"], commune=row["commune"],
                             qpv_code=row.get("qpv_code"),
                             households_count=parse_int(row, "households", minimum=0))


def _building(row: dict, ctx: ImportContext) -> None:
    code = row["code"]
    if not ctx.first_time("building", code) or _exists(Building, Building.code, code):
        raise BadValue("code", f"building {code} already exists")
    if not _exists(District, District.code, row["district_code"]):
        raise BadValue("district_code", f"unknown district {row['district_code']}")
    status = parse_choice(row, "status", list(BuildingStatus), required=False,
                          default=BuildingStatus.CANDIDATE)
    services.create_building(code=code, name=row["name"], address=row["address"],
                             postcode=row["postcode"], commune=row["commune"],
                             district_code=row["district_code"], landlord=row.get("landlord"),
                             status=status)


def _unit(row: dict, ctx: ImportContext) -> None:
    code = row["unit_code"]
    if not ctx.first_time("unit", code) or _exists(Unit, Unit.code, code):
        raise BadValue("unit_code", f"duplicate flat code {code}")
    building = db.session.execute(
        select(Building).where(Building.code == row["building_code"])).scalar_one_or_none()
    if building is None:
        raise BadValue("building_code", f"unknown building {row['building_code']}")
    floor = parse_int(row, "floor", required=True, minimum=-5, maximum=60)
    services.create_unit(building=building, code=code, staircase=row["staircase"], floor=floor,
                         door=row["door"])


def _household(row: dict, ctx: ImportContext) -> None:
    unit = db.session.execute(
        select(Unit).where(Unit.code == row["unit_code"])).scalar_one_or_none()
    if unit is None:
        raise BadValue("unit_code", f"unknown flat {row['unit_code']}")
    if not ctx.first_time("household_unit", unit.code) or services.current_household(unit):
        raise BadValue("unit_code", f"flat {unit.code} already has a current household")
    language = parse_choice(row, "language", LANGUAGES, required=False, default="fr")
    moved_in_on = parse_date(row, "moved_in_on", required=False) or today()
    services.move_in(unit, holder_name=row["holder_name"], moved_in_on=moved_in_on,
                     phone=row.get("phone"), email=parse_email(row, "email"),
                     size=parse_int(row, "size", minimum=1, maximum=20), language=language,
                     needs=[need.strip() for need in row.get("needs", "").split(";")
                            if need.strip()])


register_importer(ImportSpec("districts", ("code", "name", "commune"),
                             ("qpv_code", "households"), _district))
register_importer(ImportSpec(
    "buildings", ("code", "name", "address", "postcode", "commune", "district_code"),
    ("landlord", "status"), _building))
register_importer(ImportSpec("units", ("building_code", "unit_code", "staircase", "floor",
                                       "door"), (), _unit))
register_importer(ImportSpec("households", ("unit_code", "holder_name"),
                             ("phone", "email", "size", "language", "needs", "moved_in_on"),
                             _household))
