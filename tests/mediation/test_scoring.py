"""The assignment rule of docs/design.md §3.6 as a dense table (pure function, no database)."""

import pytest

from mediation.scoring import AssociationFacts, HouseholdFacts, rank_associations, score_terms


def asso(code, *, districts=("D1",), languages=("fr",), specialties=(), capacity=10, used=0,
         assigned=0):
    return AssociationFacts(code, f"Asso {code}", tuple(districts), tuple(languages),
                            tuple(specialties), capacity, used, assigned)


def hh(language="fr", needs=(), district="D1"):
    return HouseholdFacts(district, language, tuple(needs))


# (household, association, expected score or None when the district is not covered)
SCORES = [
    (hh(), asso("A"), 3 + 1),                                             # language, capacity
    (hh(language="ar"), asso("A"), 0 + 1),                                # no language
    (hh(language="ar"), asso("A", languages=("fr", "ar")), 3 + 1),
    (hh(needs=("email",)), asso("A", specialties=("email",)), 3 + 2 + 1),
    (hh(needs=("email", "job_search")), asso("A", specialties=("email", "job_search")),
     3 + 2 + 2 + 1),
    (hh(needs=("email", "job_search")), asso("A", specialties=("email",)), 3 + 2 + 1),
    (hh(needs=("email",)), asso("A", specialties=("job_search",)), 3 + 1),
    (hh(), asso("A", capacity=10, used=9), 3 + 1),                        # one place left
    (hh(), asso("A", capacity=10, used=10), 3 - 5),                       # full
    (hh(), asso("A", capacity=10, used=12), 3 - 5),                       # over-full
    (hh(), asso("A", capacity=0, used=0), 3 - 5),                         # no capacity at all
    (hh(language="tr", needs=("email",)), asso("A", specialties=("email",), used=10),
     0 + 2 - 5),
    (hh(district="D2"), asso("A"), None),                                 # district required
    (hh(district="D2"), asso("A", districts=("D1", "D2")), 4),
    (hh(needs=()), asso("A", specialties=("email", "job_search")), 4),   # no needs
]


@pytest.mark.parametrize(("household", "association", "expected"), SCORES)
def test_score_table(household, association, expected):
    terms = score_terms(household, association)
    if expected is None:
        assert terms is None
        assert rank_associations(household, [association]) == ()
    else:
        assert sum(t.points for t in terms) == expected
        (suggestion,) = rank_associations(household, [association])
        assert suggestion.score == expected
        assert all(t.explanation for t in suggestion.terms)


# (associations, expected order of codes)
RANKINGS = [
    ([asso("A"), asso("B", specialties=("email",))], ["B", "A"]),
    ([asso("A", assigned=5), asso("B", assigned=2)], ["B", "A"]),          # tie → fewer
    ([asso("B", assigned=2), asso("A", assigned=2)], ["A", "B"]),          # then by code
    ([asso("A", used=10), asso("B", languages=("es",))], ["B", "A"]),     # 1 beats −2
    ([asso("A", districts=("D9",)), asso("B")], ["B"]),                    # A excluded
    ([asso("A", languages=("ar",), specialties=("email",)),
      asso("B", specialties=())], ["B", "A"]),                             # 4 vs 3 (lang)
    ([], []),
]


@pytest.mark.parametrize(("associations", "order"), RANKINGS)
def test_ranking_table(associations, order):
    ranked = rank_associations(hh(needs=("email",)), associations)
    assert [s.code for s in ranked] == order
    assert [s.rank for s in ranked] == list(range(1, len(order) + 1))


def test_terms_explain_each_point_in_french():
    (suggestion,) = rank_associations(
        hh(language="ar", needs=("email", "job_search")),
        [asso("A", languages=("ar",), specialties=("email", "job_search"), capacity=3, used=1)],
        labels={"email": "Courriel", "job_search": "Recherche d'emploi"})
    texts = [t.explanation for t in suggestion.terms]
    assert texts[0] == "Couvre le quartier D1 (condition requise)."
    assert "Parle la langue préférée du foyer (ar) : +3." in texts
    assert "Spécialité correspondant à un besoin du foyer (Courriel) : +2." in texts
    assert "Encore 2 places ce mois-ci sur 3 : +1." in texts
    assert suggestion.score == 8
    assert suggestion.as_dict()["terms"][1]["points"] == 3


def test_tie_is_explained_and_results_are_frozen():
    ranked = rank_associations(hh(), [asso("A", assigned=4), asso("B", assigned=1)])
    assert ranked[0].code == "B"
    assert any(t.code == "tie" and "départage" in t.explanation for t in ranked[0].terms)
    with pytest.raises(AttributeError):
        ranked[0].score = 99  # type: ignore[misc]
