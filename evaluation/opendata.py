"""Open data: monthly aggregates per building and district, CSV and JSON, with a dictionary.

Decision: the open data is PUBLIC (no login), under stable URLs (/open-data/aggregates.csv,
/open-data/aggregates.json, /open-data/dictionary), Licence Ouverte / Etalab 2.0. It holds only
what the small-cell rule lets through: suppressed cells are left out (a missing row means
"suppressed or not measured"); counts are rounded to a base of 5 and amounts to 100 € at least,
and district amounts that would give back suppressed buildings by difference are suppressed
(evaluation.disclosure, docs/evaluation-privacy.md). No person, flat or per-household row is
ever in it.
"""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from evaluation.models import EvaluationMonthly
from evaluation.queries import FAMILY_PREFIXES, METRICS, metric_of, small_cell
from isp import csvexport
from isp.extensions import db
from subscribers.models import Building, District

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
            "metrics": metrics}
