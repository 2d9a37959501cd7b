"""Fragility maths on hand-computed tables, and the official index kept apart."""

from __future__ import annotations

import pytest

from evaluation import fragility
from isp.errors import DomainError

AXES = ("ifn_information_access", "ifn_interfaces_access", "ifn_administrative_skills",
        "ifn_digital_school_skills")


def _table(rows: dict[str, tuple[float, float, float, float]]) -> dict:
    return {code: dict(zip(AXES, values, strict=True)) for code, values in rows.items()}


VALUES = _table({"A": (120, 80, 100, 140), "B": (80, 120, 100, 60), "C": (100, 100, 100, 100)})


@pytest.mark.parametrize(("reference", "expected"), [
    # Reference means all 100: the scores are the values themselves.
    ({"A", "B", "C"}, {"A": (100.0, 120.0, 110.0), "B": (100.0, 80.0, 90.0),
                       "C": (100.0, 100.0, 100.0)}),
    # Reference {A, C}: means 110, 90, 100, 120.
    # A: 120/110, 80/90 → 98.9899; 100/100, 140/120 → 108.3333; total 103.6616.
    ({"A", "C"}, {"A": (98.98990, 108.33333, 103.66162), "B": (103.03030, 75.0, 89.01515),
                  "C": (101.01010, 91.66667, 96.33838)}),
])
def test_mednum_ratio_to_reference_mean(reference, expected):
    results = fragility.mednum_scores(VALUES, reference)
    for code, (access, skills, total) in expected.items():
        assert results[code].groups["access"] == pytest.approx(access, abs=1e-4)
        assert results[code].groups["skills"] == pytest.approx(skills, abs=1e-4)
        assert results[code].score == pytest.approx(total, abs=1e-4)
        assert results[code].coverage == 1


def test_mednum_ranking_and_drivers():
    ranked = fragility.rank(fragility.mednum_scores(VALUES, {"A", "C"}))
    assert [(r.code, r.rank) for r in ranked] == [("A", 1), ("C", 2), ("B", 3)]
    # B's strongest term: digital/school skills at 50 (60 ÷ 120 × 100), pulling it down.
    driver = ranked[2].drivers[0]
    assert driver.indicator == "ifn_digital_school_skills"
    assert driver.score == pytest.approx(50.0)
    assert driver.contribution == pytest.approx((50 - 100) / 4)
    # The contributions add up to the distance from 100.
    assert sum(t.contribution for t in ranked[0].terms) == pytest.approx(103.66162 - 100,
                                                                         abs=1e-4)


def test_mednum_partial_data_uses_what_exists_and_says_so():
    values = dict(VALUES, D={"ifn_information_access": 150.0})
    result = fragility.mednum_scores(values, {"A", "B", "C"})["D"]
    assert result.groups == {"access": 150.0}
    assert result.score == 150.0
    assert result.coverage == 0.25


W_VALUES = {"A": {"x": 1.0, "y": 10.0}, "B": {"x": 2.0, "y": 20.0},
            "C": {"x": 3.0, "y": 60.0}, "D": {"y": 30.0}}


def test_weighted_mean_of_z_scores():
    # x: mean 2, sd √(2/3); y: mean 30, sd √(1400/3). Weights x=1, y=3.
    results = fragility.weighted_scores(W_VALUES, {"A", "B", "C"}, {"x": 1.0, "y": 3.0})
    assert results["A"].score == pytest.approx(-1.000551, abs=1e-5)
    assert results["B"].score == pytest.approx(-0.347183, abs=1e-5)
    assert results["C"].score == pytest.approx(1.347734, abs=1e-5)
    terms = {t.indicator: t for t in results["C"].terms}
    assert terms["x"].score == pytest.approx(1.224745, abs=1e-5)
    assert terms["x"].contribution == pytest.approx(0.306186, abs=1e-5)
    assert terms["y"].contribution == pytest.approx(1.041548, abs=1e-5)
    # D has only y, at the reference mean: z = 0, weights renormalised, coverage 3 of 4.
    assert results["D"].score == pytest.approx(0.0)
    assert results["D"].coverage == pytest.approx(0.75)
    assert [r.code for r in fragility.rank(results)] == ["C", "D", "B", "A"]


def test_weights_change_the_ranking():
    # y alone: C (60) then B... ; x alone gives the same order; a negative relation flips it.
    only_x = fragility.weighted_scores(W_VALUES, {"A", "B", "C"}, {"x": 1.0, "y": 0.0})
    assert "D" not in only_x  # nothing to score it on
    assert only_x["A"].score == pytest.approx(-1.224745, abs=1e-5)
    values = {"A": {"x": 1.0, "y": 60.0}, "B": {"x": 2.0, "y": 20.0}, "C": {"x": 3.0, "y": 10.0}}
    by_x = [r.code for r in fragility.rank(fragility.weighted_scores(values, set(values),
                                                                     {"x": 1, "y": 0}))]
    by_y = [r.code for r in fragility.rank(fragility.weighted_scores(values, set(values),
                                                                     {"x": 0, "y": 1}))]
    assert by_x == ["C", "B", "A"] and by_y == ["A", "B", "C"]


@pytest.mark.parametrize(("args", "field"), [
    ({"w_pct_age_60_plus": "abc"}, "w_pct_age_60_plus"),
    ({"w_pct_age_60_plus": "-1"}, "w_pct_age_60_plus"),
    ({"w_pct_age_60_plus": "11"}, "w_pct_age_60_plus"),
    ({"w_pct_age_60_plus": "nan"}, "w_pct_age_60_plus"),
    ({f"w_{k}": "0" for k in fragility.DEFAULT_WEIGHTS}, "weights"),
])
def test_bad_weights_are_refused(args, field):
    with pytest.raises(DomainError) as caught:
        fragility.parse_weights(args)
    assert caught.value.field == field


def test_weights_accept_a_decimal_comma():
    assert fragility.parse_weights({"w_pct_age_60_plus": "2,5"})["pct_age_60_plus"] == 2.5


def test_demo_ranking_keeps_the_official_index_as_published(db):
    from sqlalchemy import select

    from isp.demo import seed_demo
    from subscribers.models import District
    from subscribers.models_figures import DistrictIndicator

    seed_demo()
    official = db.session.execute(select(DistrictIndicator.value).join(
        DistrictIndicator.district).where(District.code == "PORT-BOYER",
                                          DistrictIndicator.indicator == "ifn_global")).scalar()
    for method in ("mednum", "weighted"):
        ranked = fragility.ranking(method, "all")
        port_boyer = next(r for r in ranked if r.code == "PORT-BOYER")
        assert port_boyer.official == official
        assert port_boyer.is_pilot
        # The districts with a pilot or live building, each once (issue 23.3: distinct).
        assert {r.code for r in ranked if r.is_pilot} == {
            district.code for district in db.session.execute(select(District)).scalars()
            if any(b.status in ("pilot", "live") for b in district.buildings)} & \
            {r.code for r in ranked}
        assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    # Re-based on the imported districts, the MedNum total is not the official figure.
    mednum = next(r for r in fragility.ranking("mednum", "all") if r.code == "PORT-BOYER")
    assert mednum.score != pytest.approx(official)
    qpv = fragility.ranking("weighted", "qpv")
    assert qpv and all(r.code for r in qpv)
    with pytest.raises(DomainError):
        fragility.ranking("mednum", "commune:Atlantis")
