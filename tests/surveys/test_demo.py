"""The demo's surveys: a closed residents' survey with answers, an open professionals' one."""

from __future__ import annotations

from surveys import demo, results
from surveys.models import Survey
from tests import factories


def test_demo_seeds_two_surveys_once(db):
    building = factories.make_building("PB")
    for _index in range(40):
        factories.make_household(unit=factories.make_unit(building=building))
    factories.make_user("analyst", email="analyste@demo.social-isp.fr")
    association = factories.make_association()
    factories.make_user("mediator", association=association)
    note = demo.seed_demo()
    assert note.startswith("surveys: 1 closed residents' survey (")
    residents, professionals = db.session.execute(
        db.select(Survey).order_by(Survey.id)).scalars().all()
    assert (residents.state, professionals.state) == ("closed", "open")
    figures = results.survey_results(residents)
    assert not figures.suppressed and figures.responses >= 10
    assert figures.links == 40
    assert results.survey_results(professionals).links == 11  # 1 member + 10 anonymous
    assert demo.seed_demo() is None
