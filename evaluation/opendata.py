"""Open data: monthly aggregates per building and district, CSV and JSON, with a dictionary.

Decision: the open data is PUBLIC (no login), under stable URLs (/open-data/aggregates.csv,
/open-data/aggregates.json, /open-data/dictionary), Licence Ouverte / Etalab 2.0. It holds only
what the small-cell rule lets through: suppressed cells are left out (a missing row means
"suppressed or not measured"); counts are rounded to a base of 5 and amounts to 100 € at least,
and district amounts that would give back suppressed buildings by difference are suppressed
(isp.disclosure, docs/evaluation-privacy.md). No person, flat or per-household row is
ever in it.
"""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from equipment.footprint_defaults import REFURBISHED_FRACTION, table
from evaluation.footprint import (
    emission_factor,
    hosting_estimate,
    observatory_rows,
    observatory_years,
)
from evaluation.queries import FAMILY_PREFIXES, METRICS, metric_of
from isp import csvexport
from isp.extensions import db
from isp.i18n import lazy_gettext as _l
from subscribers.models import Building, District
from subscribers.models_figures import EvaluationMonthly
from subscribers.published_figures import small_cell

LICENCE = "Licence Ouverte / Etalab 2.0"
COLUMNS = ("level", "code", "name", "district_code", "period", "metric", "value", "unit")

COLUMN_DOCS = {
    "level": _l("« building » (immeuble) ou « district » (quartier)."),
    "code": _l("Code de l'immeuble ou du quartier (codes IRIS-…, QP044…, PORT-BOYER)."),
    "name": _l("Nom de l'immeuble ou du quartier."),
    "district_code": _l("Quartier de l'immeuble (vide pour une ligne de quartier)."),
    "period": _l("Mois, AAAA-MM."),
    "metric": _l("Indicateur (voir la liste ci-dessous)."),
    "value": _l("Valeur (point décimal)."),
    "unit": _l("Unité : count (foyers ou abonnements), flats (logements), percent, octets, "
               "cents (euros × 100, TTC), hours, number."),
}


#: How the published figures keep a suppressed value from being recomputed (the open-data page
#: and its dictionary state them; docs/evaluation-privacy.md explains them).
DISCLOSURE_RULES = (
    _l("Effectifs de foyers (unité count) : arrondis au multiple de 5 le plus proche, après "
       "application de la règle des petits effectifs sur la valeur exacte. Toute somme ou "
       "différence de chiffres publiés — dans une ligne, entre un immeuble et son quartier, "
       "entre deux mois — est donc un multiple de 5 et ne peut redonner une valeur de 1 à 4. "
       "Un total n'est pas toujours la somme de ses parties arrondies."),
    _l("Pourcentages et moyennes : calculés à partir des effectifs arrondis (le taux "
       "d'adhésion est l'effectif arrondi ÷ logements), pour qu'aucun rapport ne redonne un "
       "effectif exact."),
    _l("Montants (unité cents) : arrondis à 100 € au moins (plus si un tarif dépasse 12,50 €, "
       "pour que l'arrondi couvre 4 foyers au tarif le plus élevé) ; le montant d'un quartier "
       "est retiré quand les immeubles masqués qu'il contient reposent ensemble sur moins de "
       "5 foyers."),
    _l("Les logements (unité flats) sont un inventaire de bâtiments, pas des foyers : ils sont "
       "exacts."),
)


def rows() -> list[dict]:
    """Every exportable figure, small cells left out (never exported, not even as "< 5")."""
    names = dict(db.session.execute(select(Building.code, Building.name)).all())
    building_district = dict(db.session.execute(
        select(Building.code, District.code).join(Building.district)).all())
    names.update(dict(db.session.execute(select(District.code, District.name)).all()))
    result = []
    for level, code, period, metric, value, households in db.session.execute(select(
            EvaluationMonthly.level, EvaluationMonthly.code, EvaluationMonthly.period,
            EvaluationMonthly.metric, EvaluationMonthly.value, EvaluationMonthly.households)
            .order_by(EvaluationMonthly.period, EvaluationMonthly.level, EvaluationMonthly.code,
                      EvaluationMonthly.metric)):
        cell = small_cell(value, households)
        if cell.suppressed or cell.value is None:
            continue
        described = metric_of(metric)
        result.append({"level": level, "code": code, "name": names.get(code, code),
                       "district_code": building_district.get(code, "")
                       if level == "building" else "",
                       "period": period, "metric": metric, "value": cell.value,
                       "unit": described.unit if described else ""})
    return result


def to_csv(items: list[dict]) -> str:
    out = io.StringIO()
    writer = csvexport.dict_writer(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(items)
    return out.getvalue()


def dictionary() -> dict:
    """The data dictionary: columns and metrics, in words."""
    metrics = [{"metric": m.key, "label": str(m.label), "unit": m.unit, "how": str(m.how)}
               for m in METRICS.values()]
    metrics += [{"metric": prefix + "<code>", "label": str(m.label), "unit": m.unit,
                 "how": str(m.how)} for prefix, m in FAMILY_PREFIXES.items()]
    return {"licence": LICENCE,
            "small_cell_rule": str(_l(
                "Toute valeur reposant sur moins de 5 foyers est retirée de l'export.")),
            "disclosure_control": [str(rule) for rule in DISCLOSURE_RULES],
            "columns": [{"column": c, "description": str(COLUMN_DOCS[c])} for c in COLUMNS],
            "metrics": metrics,
            "footprint": footprint_dictionary()}


# --- yearly footprint for the metropolitan footprint observatory (issue 22) --------------------

FOOTPRINT_COLUMNS = ("year", "level", "code", "name", "district_code", "source", "kwh",
                     "kgco2e_electricity", "kgco2e_embodied", "kgco2e_avoided", "kgco2e_total")

FOOTPRINT_COLUMN_DOCS = {
    "year": _l("Année civile, AAAA (l'année en cours : jusqu'à aujourd'hui)."),
    "level": _l("« building » (immeuble) ou « district » (quartier, somme de ses immeubles)."),
    "code": _l("Code de l'immeuble ou du quartier."),
    "name": _l("Nom de l'immeuble ou du quartier."),
    "district_code": _l("Quartier de l'immeuble (vide pour une ligne de quartier)."),
    "source": _l("Origine des émissions : network_equipment, lent_equipment ou hosting (voir "
                 "ci-dessous)."),
    "kwh": _l("Électricité consommée sur l'année, kWh (vide : non estimée)."),
    "kgco2e_electricity": _l("Émissions de l'électricité, kgCO2e (kWh × facteur d'émission)."),
    "kgco2e_embodied": _l("Part de l'année des émissions de fabrication, kgCO2e (vide : "
                          "inconnue pour au moins un équipement)."),
    "kgco2e_avoided": _l("Émissions évitées par le réemploi par rapport à l'achat de neuf, "
                         "kgCO2e (équipement prêté seulement)."),
    "kgco2e_total": _l("Électricité + fabrication, kgCO2e (vide si une part est inconnue) ; "
                       "les émissions évitées n'en sont pas retranchées."),
}

FOOTPRINT_SOURCE_DOCS = {
    "network_equipment": _l("Commutateurs et équipements du réseau dans l'immeuble : puissance "
                            "(W) × heures depuis la mise en service × disponibilité mesurée ; "
                            "fabrication répartie sur 5 ans ; équipements en service seulement."),
    "lent_equipment": _l("Box, ordinateurs, tablettes et téléphones prêtés aux foyers de "
                         "l'immeuble : fabrication répartie sur la vie réelle de l'équipement "
                         "(au moins sa durée de référence), au prorata des jours prêtés ; "
                         "émissions évitées = part annuelle d'un appareil neuf − part annuelle "
                         "de l'équipement réemployé. Électricité non estimée (compteur du "
                         "foyer). Ligne retirée sous 5 foyers détenteurs."),
    "hosting": _l("Hébergement de l'application : estimation configurable, puissance du "
                  "serveur (W) × PUE × heures × facteur d'émission, répartie entre les "
                  "immeubles pilotes et ouverts au prorata de leurs logements."),
}


def footprint_rows(year: int | None = None) -> list[dict]:
    years = [year] if year is not None else observatory_years()
    return [row for each in years for row in observatory_rows(each)]


def footprint_csv(items: list[dict]) -> str:
    out = io.StringIO()
    writer = csvexport.dict_writer(out, fieldnames=FOOTPRINT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows([{key: "" if value is None else value for key, value in row.items()}
                      for row in items])
    return out.getvalue()


def footprint_dictionary() -> dict:
    """The footprint CSV's data dictionary: columns, sources, factors."""
    factor = emission_factor()
    hosting = hosting_estimate(date(2000, 1, 1), date(2000, 1, 2))
    return {"licence": LICENCE,
            "columns": [{"column": c, "description": str(FOOTPRINT_COLUMN_DOCS[c])}
                        for c in FOOTPRINT_COLUMNS],
            "sources": [{"source": s, "how": str(how)}
                        for s, how in FOOTPRINT_SOURCE_DOCS.items()],
            "emission_factor": factor,
            "hosting": {"server_watts": hosting["watts"], "pue": hosting["pue"]},
            "lent_equipment_defaults": table(),
            "refurbished_fraction": REFURBISHED_FRACTION}
