"""CSV import of the equipment inventory: ``isp import equipment FILE`` (and the import page).

Columns: ``kind,serial,origin,[model],[partner_code],[embodied_kgco2e],[acquired_on]``; each
row is created in stock through ``equipment.services.create_item`` (same rules as the form).
"""

from __future__ import annotations

from equipment import services
from isp.csvimport import BadValue, ImportContext, ImportSpec, register_importer
from isp.errors import DomainError
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l


def _item(row: dict, ctx: ImportContext) -> None:
    key = ((row.get("kind") or "").strip(), (row.get("serial") or "").strip())
    if not ctx.first_time("equipment", key):
        raise BadValue("serial", _("le numéro de série %(s)s apparaît deux fois dans le "
                                   "fichier", s=key[1]))
    try:
        services.create_item({column: (row.get(column) or "").strip() or None
                              for column in services.ITEM_KEYS}, ctx.actor)
    except DomainError as error:
        raise BadValue(error.field or "serial", error.message) from None


register_importer(ImportSpec(
    "equipment",
    ("kind", "serial", "origin"),
    ("model", "partner_code", "embodied_kgco2e", "acquired_on"),
    _item,
    label=_l("Équipements prêtés (inventaire)"),
    example={"kind": "computer", "serial": "PC-0001", "origin": "refurbished",
             "model": "Portable 14 pouces", "partner_code": "ATELIER-REEMPLOI",
             "embodied_kgco2e": "", "acquired_on": "2026-09-01"},
))
