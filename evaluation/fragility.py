"""District fragility: two transparent computations over the imported indicators.

1. MedNum v1 method: each indicator ÷ its mean over a reference territory × 100; axes are the
   mean of their indicators, groups the mean of their axes, the total the mean of the groups.
2. Weighted mean of standardised indicators (z-scores over the reference territory) with weights
   the analyst chooses; the terms (weight × z ÷ Σ weights) are shown.

The official MedNum index (``ifn_global``) is shown as an indicator of its own, never recomputed:
its base 100 is Loire-Atlantique, which the imported districts do not cover. The indicators are
read through ``subscribers.published_figures`` (outreach's map reads the official index there).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from isp import csvexport
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from subscribers.models import Building, District
from subscribers.published_figures import OFFICIAL_INDEX, Values, district_indicators

#: MedNum v1: two groups ("access", "skills"), each the mean of two axes.
MEDNUM_GROUPS: dict[str, tuple[str, ...]] = {
    "access": ("ifn_information_access", "ifn_interfaces_access"),
    "skills": ("ifn_administrative_skills", "ifn_digital_school_skills"),
}
GROUP_LABELS = {"access": _l("Accès"), "skills": _l("Compétences")}

INDICATOR_LABELS = {
    "ifn_global": _l("Indice de fragilité numérique officiel (MedNum)"),
    "ifn_information_access": _l("Accès à l'information"),
    "ifn_interfaces_access": _l("Accès aux interfaces numériques"),
    "ifn_administrative_skills": _l("Compétences administratives"),
    "ifn_digital_school_skills": _l("Compétences numériques / scolaires"),
    "pct_age_60_plus": _l("Part des 60 ans et plus (%)"),
    "pct_age_0_24": _l("Part des moins de 25 ans (%)"),
    "pct_single_person_households": _l("Part des ménages d'une personne (%)"),
    "pct_foreign_nationals": _l("Part des personnes de nationalité étrangère (%)"),
    "pct_caf_covered": _l("Part de la population couverte par la CAF (%)"),
}
#: Default weights of the weighted method (the analyst changes them on the page or in the URL).
DEFAULT_WEIGHTS: dict[str, float] = {
    "ifn_information_access": 1.0, "ifn_interfaces_access": 1.0,
    "ifn_administrative_skills": 1.0, "ifn_digital_school_skills": 1.0,
    "pct_age_60_plus": 1.0, "pct_single_person_households": 1.0, "pct_caf_covered": 1.0,
    "pct_foreign_nationals": 0.0,
}
MAX_WEIGHT = 10.0


@dataclass(frozen=True)
class Term:
    """One indicator's part in a district's score."""

    indicator: str
    value: float
    score: float  # ratio × 100 (MedNum) or z-score (weighted)
    contribution: float  # what it adds to the total


@dataclass
class Ranked:
    """A district's place in a ranking, with the terms that drove it."""

    code: str
    name: str
    score: float | None
    coverage: float  # share of the method's inputs the district has (0–1)
    terms: list[Term] = field(default_factory=list)
    groups: dict[str, float] = field(default_factory=dict)
    official: float | None = None
    is_pilot: bool = False
    rank: int | None = None
    #: Public requests for the service (demand signal, ``outreach.demand``) as published:
    #: rounded to 5, None when suppressed (1 to 4); 0 when the district has none.
    requests: int | None = 0

    @property
    def drivers(self) -> list[Term]:
        """The terms with the largest effect, strongest first."""
        return sorted(self.terms, key=lambda t: -abs(t.contribution))[:3]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def reference_means(values: Values, reference: set[str]) -> dict[str, float]:
    """Mean of each indicator over the reference districts that have it."""
    collected: dict[str, list[float]] = {}
    for code in reference:
        for indicator, value in values.get(code, {}).items():
            collected.setdefault(indicator, []).append(value)
    return {indicator: _mean(items) for indicator, items in collected.items()}


def mednum_scores(values: Values, reference: set[str],
                  groups: dict[str, tuple[str, ...]] = MEDNUM_GROUPS) -> dict[str, Ranked]:
    """MedNum v1: indicator ÷ reference mean × 100, axes → groups → total by plain means."""
    means = reference_means(values, reference)
    axes = [axis for members in groups.values() for axis in members]
    results = {}
    for code, indicators in values.items():
        terms, group_scores = [], {}
        for group, members in groups.items():
            scores = [(axis, indicators[axis], indicators[axis] / means[axis] * 100)
                      for axis in members if axis in indicators and means.get(axis)]
            if scores:
                group_scores[group] = _mean([score for _a, _v, score in scores])
                for axis, value, score in scores:
                    terms.append(Term(axis, value, score, 0.0))
        used = sum(1 for axis in axes if axis in indicators and means.get(axis))
        if not group_scores:
            continue
        total = _mean(list(group_scores.values()))
        # Contribution of an axis: how far it pulls the total above or below 100.
        contributed = []
        for term in terms:
            group = next(g for g, members in groups.items() if term.indicator in members)
            share = 1 / len(group_scores) / sum(1 for t in terms if t.indicator in groups[group])
            contributed.append(Term(term.indicator, term.value, term.score,
                                    (term.score - 100) * share))
        results[code] = Ranked(code, code, total, used / len(axes), contributed, group_scores)
    return results


def weighted_scores(values: Values, reference: set[str],
                    weights: dict[str, float]) -> dict[str, Ranked]:
    """Weighted mean of z-scores (over the reference); weights renormalised per district."""
    means = reference_means(values, reference)
    sds = {}
    for indicator, mean in means.items():
        items = [values[c][indicator] for c in reference if indicator in values.get(c, {})]
        sds[indicator] = math.sqrt(_mean([(x - mean) ** 2 for x in items]))
    active = {k: w for k, w in weights.items() if w > 0}
    total_weight = sum(active.values())
    results = {}
    for code, indicators in values.items():
        present = {k: w for k, w in active.items() if k in indicators and k in means}
        weight = sum(present.values())
        if not weight:
            continue
        terms = []
        for indicator, w in present.items():
            z = (indicators[indicator] - means[indicator]) / sds[indicator] \
                if sds[indicator] else 0.0
            terms.append(Term(indicator, indicators[indicator], z, w * z / weight))
        results[code] = Ranked(code, code, sum(t.contribution for t in terms),
                               weight / total_weight, terms)
    return results


def rank(results: dict[str, Ranked]) -> list[Ranked]:
    """Most fragile first (highest score); ties broken by code for a stable order."""
    ordered = sorted(results.values(), key=lambda r: (-(r.score or 0), r.code))
    for position, item in enumerate(ordered, start=1):
        item.rank = position
    return ordered


# --- from the database -------------------------------------------------------------------------

def reference_choices(districts: dict[str, District]) -> list[tuple[str, str]]:
    """Reference territories the analyst may pick: all, the QPVs, or one commune."""
    communes = sorted({d.commune for d in districts.values()})
    return ([("all", str(_l("Tous les quartiers importés"))),
             ("qpv", str(_l("Quartiers prioritaires (QPV)")))]
            + [(f"commune:{c}", str(_l("Commune : %(name)s", name=c))) for c in communes])


def reference_set(reference: str, districts: dict[str, District]) -> set[str]:
    if reference == "all":
        return set(districts)
    if reference == "qpv":
        return {code for code, d in districts.items() if d.qpv_code}
    if reference.startswith("commune:"):
        chosen = {code for code, d in districts.items() if d.commune == reference[8:]}
        if chosen:
            return chosen
    raise DomainError(_(
        "territoire de référence inconnu : %(reference)s", reference=reference), field="reference")


def parse_weights(args) -> dict[str, float]:
    """Weights from a form or query string (``w_<indicator>``), defaults for the others."""
    weights = dict(DEFAULT_WEIGHTS)
    for indicator in DEFAULT_WEIGHTS:
        raw = args.get(f"w_{indicator}")
        if raw in (None, ""):
            continue
        try:
            weight = float(str(raw).replace(",", "."))
        except ValueError:
            raise DomainError(_(
                "le poids de %(indicator)s doit être un nombre", indicator=indicator),
                              field=f"w_{indicator}") from None
        if not 0 <= weight <= MAX_WEIGHT or math.isnan(weight):
            raise DomainError(_(
                "le poids de %(indicator)s doit être compris entre 0 et %(max_weight)s",
                indicator=indicator, max_weight=MAX_WEIGHT),
                              field=f"w_{indicator}")
        weights[indicator] = weight
    if not any(weights.values()):
        raise DomainError(_("au moins un poids doit être supérieur à 0"), field="weights")
    return weights


def ranking(method: str, reference: str = "all",
            weights: dict[str, float] | None = None,
            loaded: tuple[Values, dict[str, District]] | None = None,
            demand: dict[str, int | None] | None = None) -> list[Ranked]:
    """Ranked districts by one method, with the official index alongside.

    ``loaded``: what ``district_indicators()`` returned, when the caller already read it.
    ``demand``: the published requests per district (``outreach.demand.published_by_district``),
    shown beside the index; it does not change the score (the index measures fragility, the
    requests a wish for the service).
    """
    values, districts = loaded if loaded is not None else district_indicators()
    chosen = reference_set(reference, districts)
    if method == "mednum":
        results = mednum_scores(values, chosen)
    elif method == "weighted":
        results = weighted_scores(values, chosen, weights or DEFAULT_WEIGHTS)
    else:
        raise DomainError(_("la méthode est mednum ou weighted"), field="method")
    # Each district once, not once a building (1,001 rows for one district, issue 23.3).
    pilots = set(db.session.execute(
        select(District.code).distinct().join(District.buildings).where(
            Building.status.in_(("pilot", "live")))).scalars())
    for code, item in results.items():
        item.name = districts[code].name
        item.official = values[code].get(OFFICIAL_INDEX)
        item.is_pilot = code in pilots
        if demand is not None:
            item.requests = demand.get(code, 0)
    return rank(results)


def ranked_json(item: Ranked) -> dict:
    """A ranked district for the API (district figures are public statistics)."""
    return {"rank": item.rank, "district_code": item.code, "name": item.name,
            "score": None if item.score is None else round(item.score, 3),
            "coverage": round(item.coverage, 3), "official_ifn_global": item.official,
            "served_by_pilot": item.is_pilot,
            "public_requests": {"value": item.requests, "suppressed": item.requests is None},
            "groups": {k: round(v, 2)
                                                         for k, v in item.groups.items()},
            "terms": [{"indicator": t.indicator, "value": t.value, "score": round(t.score, 3),
                       "contribution": round(t.contribution, 3)} for t in item.terms]}


#: Columns of the ranking's CSV (``/evaluation/districts.csv``).
CSV_COLUMNS = ("rank", "district_code", "name", "score", "coverage", "official_ifn_global",
               "public_requests", "public_requests_suppressed", "served_by_pilot")


def ranking_csv(ranked: list[Ranked]) -> str:
    """The ranking as a CSV: the official index and, beside it, the public requests as
    published (empty and ``public_requests_suppressed`` = 1 when 1 to 4)."""
    out = io.StringIO()
    writer = csvexport.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in ranked:
        writer.writerow((item.rank, item.code, item.name,
                         "" if item.score is None else round(item.score, 3),
                         round(item.coverage, 3), "" if item.official is None else item.official,
                         "" if item.requests is None else item.requests,
                         int(item.requests is None), int(item.is_pilot)))
    return out.getvalue()
