"""CSV imports of districts, buildings, flats and households (docs/design.md §4.4)."""

from __future__ import annotations

from sqlalchemy import select

from isp.csvimport import (
    BadValue,
    BulkImporter,
    ImportContext,
    ImportRow,
    ImportSpec,
    parse_choice,
    parse_date,
    parse_email,
    parse_int,
    register_importer,
)
from isp.database import allocate_ids, insert_rows
from isp.errors import DomainError
from isp.extensions import db
from isp.history import record_bulk_creations
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.timeutil import today, utcnow
from subscribers import services
from subscribers.choices import LANGUAGES, BuildingStatus
from subscribers.models import Building, District, Household, Unit, search_text


def _exists(model, column, value) -> bool:
    return db.session.execute(select(model.id).where(column == value)).first() is not None


def _district(row: dict, ctx: ImportContext) -> None:
    code = row["code"]
    if not ctx.first_time("district", code) or _exists(District, District.code, code):
        raise BadValue("code", _("le quartier %(code)s existe déjà", code=code))
    services.create_district(code=code, name=row["name"], commune=row["commune"],
                             qpv_code=row.get("qpv_code"),
                             households_count=parse_int(row, "households", minimum=0))


def _building(row: dict, ctx: ImportContext) -> None:
    code = row["code"]
    if not ctx.first_time("building", code) or _exists(Building, Building.code, code):
        raise BadValue("code", _("l'immeuble %(code)s existe déjà", code=code))
    if not _exists(District, District.code, row["district_code"]):
        raise BadValue("district_code", _("quartier inconnu %(code)s",
                                                  code=row["district_code"]))
    status = parse_choice(row, "status", list(BuildingStatus), required=False,
                          default=BuildingStatus.CANDIDATE)
    services.create_building(code=code, name=row["name"], address=row["address"],
                             postcode=row["postcode"], commune=row["commune"],
                             district_code=row["district_code"], landlord=row.get("landlord"),
                             status=status)


#: Rows per statement when a bulk import looks up or inserts (below every driver's limits).
CHUNK = 5_000


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(column, values: set[str]) -> set[str]:
    """Which of ``values`` the column already holds (one query per chunk, not per row)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(values)):
        found.update(db.session.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _insert_with_history(table, rows: list[dict]) -> int:
    """Insert ``rows`` with their history (a bulk insert fires no flush)."""
    for row, new_id in zip(rows, allocate_ids(table, len(rows)), strict=True):
        row["id"] = new_id
    insert_rows(table, rows)
    record_bulk_creations(table.name, rows)
    return len(rows)


def _unit_values(row: dict, building_ids: dict[str, int]) -> dict:
    """One flat's stored values (raises BadValue)."""
    building_id = building_ids.get(row["building_code"])
    if building_id is None:
        raise BadValue("building_code", _("immeuble inconnu %(code)s",
                                                  code=row["building_code"]))
    floor = parse_int(row, "floor", required=True, minimum=-5, maximum=60)
    return {"code": row["unit_code"], "building_id": building_id,
            "staircase": row["staircase"], "floor": floor, "door": row["door"]}


def _check_units(rows: list[ImportRow], ctx: ImportContext) -> list[dict]:
    taken = _existing(Unit.code, {row.cells["unit_code"] for row in rows})
    codes = {row.cells["building_code"] for row in rows}
    building_ids = {}
    for chunk in _chunks(sorted(codes)):
        building_ids.update(db.session.execute(
            select(Building.code, Building.id).where(Building.code.in_(chunk))).all())
    values = []
    for row in rows:
        code = row.cells["unit_code"]
        if not ctx.first_time("unit", code) or code in taken:
            ctx.reject(row.line, "unit_code", _("code de logement en double %(code)s",
                                                               code=code))
            continue
        try:
            values.append(_unit_values(row.cells, building_ids))
        except BadValue as bad:
            ctx.reject(row.line, bad.column, bad.reason)
    return values


def _write_units(values: list[dict], _ctx: ImportContext) -> int:
    return _insert_with_history(Unit.__table__, values)


def _household_values(row: dict, unit_code: str) -> dict:
    """One new tenant's stored values, checked as ``services.move_in`` checks them."""
    language = parse_choice(row, "language", LANGUAGES, required=False, default="fr")
    moved_in_on = parse_date(row, "moved_in_on", required=False) or today()
    values = services.new_household_values(
        holder_name=row["holder_name"], moved_in_on=moved_in_on, phone=row.get("phone"),
        email=parse_email(row, "email"), size=parse_int(row, "size", minimum=1, maximum=20),
        language=language,
        needs=[need.strip() for need in row.get("needs", "").split(";") if need.strip()])
    # the keys Household's before_insert event keeps (a bulk insert fires no ORM event)
    return {**values, "unit_code": unit_code,
            "search_key": search_text(values["holder_name"], unit_code)}


def _check_households(rows: list[ImportRow], ctx: ImportContext) -> list[dict]:
    codes = sorted({row.cells["unit_code"] for row in rows})
    unit_ids: dict[str, int] = {}
    occupied: set[int] = set()
    for chunk in _chunks(codes):
        found = dict(db.session.execute(
            select(Unit.code, Unit.id).where(Unit.code.in_(chunk))).all())
        unit_ids.update(found)
        occupied.update(db.session.execute(select(Household.unit_id).where(
            Household.unit_id.in_(list(found.values())), Household.moved_out_on.is_(None))
        ).scalars())
    now = utcnow()
    values = []
    for row in rows:
        code = row.cells["unit_code"]
        unit_id = unit_ids.get(code)
        if unit_id is None:
            ctx.reject(row.line, "unit_code", _("logement inconnu %(code)s", code=code))
            continue
        if not ctx.first_time("household_unit", code) or unit_id in occupied:
            ctx.reject(row.line, "unit_code", _("le logement %(code)s a déjà un foyer en place",
                                                    code=code))
            continue
        try:
            values.append({**_household_values(row.cells, code), "unit_id": unit_id,
                           "created_at": now})
        except BadValue as bad:
            ctx.reject(row.line, bad.column, bad.reason)
        except DomainError as error:
            ctx.reject(row.line, error.field, error.message)
    return values


def _write_households(values: list[dict], _ctx: ImportContext) -> int:
    return _insert_with_history(Household.__table__, values)


register_importer(ImportSpec(
    "districts", ("code", "name", "commune"), ("qpv_code", "households"), _district,
    label=_l("Quartiers"),
    example={"code": "NANTES-BOTTIERE", "name": "Bottière", "commune": "Nantes",
             "qpv_code": "QN04401M", "households": "2400"}))
register_importer(ImportSpec(
    "buildings", ("code", "name", "address", "postcode", "commune", "district_code"),
    ("landlord", "status"), _building, label=_l("Immeubles"),
    example={"code": "BOT-12", "name": "Résidence des Lilas", "address": "12 rue des Lilas",
             "postcode": "44300", "commune": "Nantes", "district_code": "NANTES-BOTTIERE",
             "landlord": "Nantes Métropole Habitat", "status": "candidate"}))
register_importer(ImportSpec(
    "units", ("building_code", "unit_code", "staircase", "floor", "door"), (), None,
    BulkImporter(_check_units, _write_units), label=_l("Logements"),
    example={"building_code": "BOT-12", "unit_code": "BOT-12-A-03-2", "staircase": "A",
             "floor": "3", "door": "2"}))
register_importer(ImportSpec(
    "households", ("unit_code", "holder_name"),
    ("phone", "email", "size", "language", "needs", "moved_in_on"), None,
    BulkImporter(_check_households, _write_households), label=_l("Foyers"),
    example={"unit_code": "BOT-12-A-03-2", "holder_name": "Awa Diallo",
             "phone": "06 12 34 56 78", "email": "awa.diallo@example.org", "size": "3",
             "language": "fr", "needs": "", "moved_in_on": "2026-09-01"}))
