"""CSV import of district indicators (with source and year)."""

from __future__ import annotations

from sqlalchemy import select

from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_float,
    parse_int,
    register_importer,
)
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from subscribers.models import District
from subscribers.models_figures import DistrictIndicator


def _indicator(row: dict, ctx: ImportContext) -> None:
    district = db.session.execute(
        select(District).where(District.code == row["district_code"])).scalar_one_or_none()
    if district is None:
        raise BadValue("district_code", _("quartier inconnu %(code)s",
                                                  code=row["district_code"]))
    year = parse_int(row, "year", required=True, minimum=1990, maximum=2100)
    key = (district.code, row["indicator"], year)
    existing = db.session.execute(select(DistrictIndicator.id).where(
        DistrictIndicator.district_id == district.id,
        DistrictIndicator.indicator == row["indicator"], DistrictIndicator.year == year)).first()
    if not ctx.first_time("indicator", key) or existing:
        raise BadValue("indicator", _("%(indicator)s %(year)s déjà enregistré pour "
                                        "%(district)s", indicator=row["indicator"], year=year,
                                        district=district.code))
    db.session.add(DistrictIndicator(district=district, indicator=row["indicator"],
                                     value=parse_float(row, "value", required=True),
                                     unit=row.get("unit") or None, source=row["source"],
                                     year=year))


register_importer(ImportSpec(
    "indicators", ("district_code", "indicator", "value", "source", "year"), ("unit",),
    _indicator, label=_l("Indicateurs de quartier"),
    example={"district_code": "NANTES-BOTTIERE", "indicator": "taux_pauvrete", "value": "38.5",
             "source": "INSEE Filosofi", "year": "2021", "unit": "%"}))
