"""The assignment rule of docs/design.md §3.6 as a pure function: facts in, ranked suggestions out.

An association is a candidate only when it covers the household's district. Its score is the
sum of: +3 when it speaks the household's preferred language, +2 for each specialty matching
one of the household's needs, +1 when it has capacity left this month (−5 when none is left).
Ties go to the association with fewer assigned households, then to the code (for a stable
order). Every term carries a sentence in plain French, shown to the operator who decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from isp.i18n import gettext as _
from isp.i18n import ngettext

LANGUAGE_POINTS = 3
SPECIALTY_POINTS = 2
CAPACITY_POINTS = 1
NO_CAPACITY_POINTS = -5


@dataclass(frozen=True)
class HouseholdFacts:
    """What the rule needs to know about a household."""

    district_code: str
    language: str
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssociationFacts:
    """What the rule needs to know about an association, this month."""

    code: str
    name: str
    districts: tuple[str, ...]
    languages: tuple[str, ...]
    specialties: tuple[str, ...]
    capacity_per_month: int
    #: Households newly assigned to it this month (they use this month's capacity).
    used_this_month: int
    #: Households currently assigned to it (the tie-breaker).
    assigned_households: int


@dataclass(frozen=True)
class ScoreTerm:
    """One term of a score: its points and why, in plain French."""

    code: str
    points: int
    explanation: str


@dataclass(frozen=True)
class Suggestion:
    """A candidate association with its score, the terms that make it, and its rank (1 = best)."""

    code: str
    name: str
    score: int
    terms: tuple[ScoreTerm, ...]
    assigned_households: int
    rank: int = 0

    def as_dict(self) -> dict:
        return {"association_code": self.code, "name": self.name, "score": self.score,
                "rank": self.rank, "assigned_households": self.assigned_households,
                "terms": [{"code": t.code, "points": t.points, "explanation": t.explanation}
                          for t in self.terms]}


def score_terms(household: HouseholdFacts, association: AssociationFacts,
                labels: dict[str, str] | None = None) -> tuple[ScoreTerm, ...] | None:
    """The terms of one association's score, or None when it does not cover the district."""
    labels = labels or {}
    if household.district_code not in association.districts:
        return None
    terms = [ScoreTerm("district", 0, _("Couvre le quartier %(district)s (condition requise).",
                                        district=household.district_code))]
    if household.language in association.languages:
        terms.append(ScoreTerm("language", LANGUAGE_POINTS,
                               _("Parle la langue préférée du foyer (%(language)s) : "
                                 "+%(points)s.", language=household.language,
                                 points=LANGUAGE_POINTS)))
    else:
        terms.append(ScoreTerm("language", 0, _("Ne parle pas la langue préférée du foyer "
                                                "(%(language)s) : 0.",
                                                language=household.language)))
    for need in household.needs:
        if need in association.specialties:
            terms.append(ScoreTerm(f"specialty:{need}", SPECIALTY_POINTS,
                                   _("Spécialité correspondant à un besoin du foyer "
                                     "(%(need)s) : +%(points)s.",
                                     need=labels.get(need, need), points=SPECIALTY_POINTS)))
    left = association.capacity_per_month - association.used_this_month
    if left > 0:
        terms.append(ScoreTerm("capacity", CAPACITY_POINTS,
                               ngettext("Encore %(num)s place ce mois-ci sur %(capacity)s : "
                                        "+%(points)s.",
                                        "Encore %(num)s places ce mois-ci sur %(capacity)s : "
                                        "+%(points)s.", left,
                                        capacity=association.capacity_per_month,
                                        points=CAPACITY_POINTS)))
    else:
        terms.append(ScoreTerm("capacity", NO_CAPACITY_POINTS,
                               _("Plus de place ce mois-ci (%(used)s foyers pour une capacité "
                                 "de %(capacity)s) : %(points)s.",
                                 used=association.used_this_month,
                                 capacity=association.capacity_per_month,
                                 points=NO_CAPACITY_POINTS)))
    return tuple(terms)


def rank_associations(household: HouseholdFacts, associations: list[AssociationFacts] |
                      tuple[AssociationFacts, ...],
                      labels: dict[str, str] | None = None) -> tuple[Suggestion, ...]:
    """Candidates covering the household's district, best first, each with its terms."""
    scored = []
    for association in associations:
        terms = score_terms(household, association, labels)
        if terms is None:
            continue
        scored.append(Suggestion(association.code, association.name,
                                 sum(term.points for term in terms), terms,
                                 association.assigned_households))
    scored.sort(key=lambda s: (-s.score, s.assigned_households, s.code))
    ranked = []
    for position, suggestion in enumerate(scored, start=1):
        ties = [other for other in scored if other is not suggestion
                and other.score == suggestion.score]
        terms = suggestion.terms
        if ties:
            terms = terms + (ScoreTerm("tie", 0, _tie_text(suggestion, ties)),)
        ranked.append(Suggestion(suggestion.code, suggestion.name, suggestion.score, terms,
                                 suggestion.assigned_households, position))
    return tuple(ranked)


def _tie_text(suggestion: Suggestion, ties: list[Suggestion]) -> str:
    others = ", ".join(other.code for other in ties)
    same = [other for other in ties if other.assigned_households
            == suggestion.assigned_households]
    text = (f"Même score que {others} : départage par le nombre de foyers déjà suivis "
            f"({suggestion.assigned_households} ici)")
    if same:
        return text + ", puis par ordre alphabétique du code."
    return text + "."
