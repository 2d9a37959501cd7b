"""CSV import of associations (docs/design.md §4.4): ``isp import associations FILE``."""

from __future__ import annotations

from isp.csvimport import (
    BadValue,
    ImportContext,
    ImportSpec,
    parse_email,
    parse_int,
    register_importer,
)
from isp.errors import DomainError
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from mediation.associations import save_association


def _association(row: dict, ctx: ImportContext) -> None:
    code = (row.get("code") or "").strip().upper()
    if not ctx.first_time("association", code):
        raise BadValue("code", _("l'association %(code)s apparaît deux fois dans le fichier",
                                   code=code))
    try:
        save_association(
            code=code, name=row.get("name", ""), siret_or_rna=row.get("siret_or_rna"),
            districts=row.get("districts"), languages=row.get("languages"),
            specialties=row.get("specialties"),
            capacity_per_month=parse_int(row, "capacity_per_month", minimum=0, maximum=10000),
            email=parse_email(row, "email"), phone=row.get("phone"))
    except DomainError as error:
        raise BadValue(error.field or "code", error.message) from None


register_importer(ImportSpec(
    "associations",
    ("code", "name", "districts", "languages", "specialties"),
    ("siret_or_rna", "capacity_per_month", "email", "phone"),
    _association,
    label=_l("Associations de médiation"),
    example={"code": "PIMMS-NANTES", "name": "PIMMS Nantes", "districts": "NANTES-BOTTIERE",
             "languages": "fr;ar", "specialties": "first_steps;online_admin",
             "siret_or_rna": "W442001234", "capacity_per_month": "40",
             "email": "contact@example.org", "phone": "02 40 00 00 00"},
))
