"""Rules of the needs surveys: building, one answer per link, results, retention."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from isp.errors import DomainError
from isp.extensions import db
from surveys import results, services
from surveys.models import SurveyLink, SurveyResponse
from tests import factories
from tests.surveys.factories import (
    QUESTIONS,
    anonymous_link,
    answers,
    household_link,
    professionals_survey,
    residents_survey,
)


def test_a_survey_is_built_in_draft_with_bilingual_questions(db):
    survey = residents_survey()
    assert survey.state == "draft"
    assert survey.owner_role == "analyst"
    assert [q.kind for q in survey.questions] == ["single", "multiple", "scale", "text"]
    assert survey.questions[0].options[1].label_en == "No"


@pytest.mark.parametrize(("change", "field"), [
    ({"title_en": ""}, "title_en"),
    ({"audience": "everyone"}, "audience"),
    ({"buildings": []}, "buildings"),
    ({"buildings": ["NOPE"]}, "buildings"),
    ({"associations": ["X"]}, "associations"),
    ({"questions": [{"kind": "single", "text_fr": "Q", "text_en": "Q", "options": [
        {"label_fr": "seul", "label_en": "alone"}]}]}, "questions[0].options"),
    ({"questions": [{"kind": "scale", "text_fr": "Q", "text_en": "Q", "scale_min": 5,
                     "scale_max": 2}]}, "questions[0].scale_max"),
    ({"questions": [{"kind": "text", "text_fr": "Q", "text_en": ""}]}, "questions[0].text_en"),
    ({"questions": [{"kind": "essay", "text_fr": "Q", "text_en": "Q"}]}, "questions[0].kind"),
    ({"questions": [{"kind": "text", "text_fr": "Q", "text_en": "Q",
                     "options": [{"label_fr": "a", "label_en": "a"}]}]}, "questions[0].options"),
])
def test_the_builder_refuses_bad_input_beside_the_field(db, change, field):
    building = factories.make_building()
    data = {"title_fr": "T", "title_en": "T", "audience": "residents",
            "buildings": [building.code], "questions": QUESTIONS, **change}
    with pytest.raises(DomainError) as refused:
        services.create_survey(data, factories.make_user("analyst"))
    assert refused.value.field == field
    assert refused.value.status == 400


def test_only_admin_and_analyst_build(db):
    with pytest.raises(DomainError) as refused:
        services.create_survey({"title_fr": "T", "title_en": "T", "audience": "residents"},
                               factories.make_user("operator"))
    assert refused.value.status == 403


def test_professionals_target_associations_not_buildings(db):
    association = factories.make_association()
    survey = professionals_survey(associations=[association])
    assert [a.code for a in survey.associations] == [association.code]
    with pytest.raises(DomainError) as refused:
        services.create_survey({"title_fr": "T", "title_en": "T", "audience": "professionals",
                                "buildings": ["B"]}, factories.make_user("analyst"))
    assert refused.value.field == "buildings"


def test_questions_change_only_in_draft(db):
    survey = residents_survey(state="open")
    with pytest.raises(DomainError) as refused:
        services.add_question(survey, {"kind": "text", "text_fr": "Q", "text_en": "Q"})
    assert refused.value.status == 409
    with pytest.raises(DomainError):
        services.delete_question(survey, survey.questions[0].id)


def test_a_survey_without_questions_cannot_open_and_states_only_go_forward(db):
    survey = residents_survey(questions=[])
    with pytest.raises(DomainError):
        services.open_survey(survey)
    services.add_question(survey, QUESTIONS[3])
    services.open_survey(survey)
    services.close_survey(survey)
    with pytest.raises(DomainError):
        services.open_survey(survey)
    with pytest.raises(DomainError):
        services.close_survey(survey)


def test_household_links_cover_current_households_once(db):
    survey = residents_survey(state="open")
    unit = factories.make_unit(building=survey.buildings[0])
    factories.make_household(unit=unit)
    factories.make_household(unit=factories.make_unit(building=survey.buildings[0]),
                             moved_out_on=factories.date(2025, 6, 1))
    factories.make_household()  # another building
    assert services.generate_household_links(survey) == 1
    assert services.generate_household_links(survey) == 0


def test_member_and_anonymous_links_for_professionals(db):
    association, other = factories.make_association(), factories.make_association()
    factories.make_user("mediator", association=association)
    factories.make_user("mediator", association=other)
    factories.make_user("mediator", association=association, is_enabled=False)
    survey = professionals_survey(associations=[association], state="open")
    assert services.generate_member_links(survey) == 1
    assert services.generate_member_links(survey) == 0
    assert services.generate_anonymous_links(survey, 3) == 3
    with pytest.raises(DomainError) as refused:
        services.generate_anonymous_links(survey, 0)
    assert refused.value.field == "count"
    with pytest.raises(DomainError):
        services.generate_household_links(survey)


def test_one_answer_per_link(db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    services.submit(link, answers(survey))
    with pytest.raises(DomainError) as refused:
        services.submit(link, answers(survey))
    assert refused.value.status == 409
    assert db.session.execute(select(SurveyResponse)).scalars().all().__len__() == 1


def test_a_response_holds_nothing_that_points_to_the_person(db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    response = services.submit(link, answers(survey, text="merci"))
    columns = set(SurveyResponse.__table__.columns.keys())
    assert columns == {"id", "survey_id", "mode", "submitted_on"}
    assert response.mode == "link"
    assert link.used is True


def test_answers_are_checked_per_question(db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    single, multiple, scale, text = survey.questions
    raw = {f"q{single.id}": [], f"q{scale.id}": ["9"], f"q{text.id}": ["x" * 501],
           f"q{multiple.id}": ["999999"]}
    with pytest.raises(services.AnswerErrors) as refused:
        services.submit(link, raw)
    assert set(refused.value.fields) == {f"q{single.id}", f"q{scale.id}", f"q{text.id}",
                                         f"q{multiple.id}"}
    assert link.used is False
    two = {f"q{single.id}": [str(o.id) for o in single.options]}
    with pytest.raises(services.AnswerErrors):
        services.submit(link, two)


def test_no_answer_outside_an_open_survey(db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    services.close_survey(survey)
    with pytest.raises(DomainError) as refused:
        services.submit(link, answers(survey))
    assert refused.value.status == 409


def test_staff_collection_is_scoped_to_the_mediators_households(db):
    from isp.auth import Scope

    association = factories.make_association()
    survey = residents_survey(state="open")
    mine = household_link(survey, association=association)
    theirs = household_link(survey, association=factories.make_association())
    scope = Scope.of(factories.make_user("mediator", association=association))
    assert services.link_for_staff(survey, mine.id, scope) == mine
    with pytest.raises(DomainError) as refused:
        services.link_for_staff(survey, theirs.id, scope)
    assert refused.value.status == 404
    operator = Scope.of(factories.make_user("operator"))
    assert services.link_for_staff(survey, theirs.id, operator) == theirs
    visible = db.session.execute(services.links_query(survey, scope)).scalars().all()
    assert visible == [mine]


def _answered(survey, count: int, **given) -> None:
    for _index in range(count):
        services.submit(anonymous_link_for(survey), answers(survey, **given))


def anonymous_link_for(survey):
    """A fresh link of a residents' survey (tests only: links have no household here)."""
    link = SurveyLink(survey_id=survey.id, token=services._new_token())
    db.session.add(link)
    db.session.flush()
    return link


def test_results_suppress_small_cells_and_round_to_five(db):
    survey = residents_survey(state="open")
    _answered(survey, 7, choice=0, needs=(0, 1), scale=4)
    _answered(survey, 3, choice=1, needs=(0,), scale=2)
    figures = results.survey_results(survey)
    assert figures.responses == 10
    single, multiple, scale, text = figures.questions
    assert [c.count for c in single.cells] == [5, None]  # 7 → 5, 3 → < 5
    assert single.cells[1].suppressed
    assert [c.count for c in multiple.cells] == [10, 5, None]
    assert [c.count for c in scale.cells] == [None, None, None, 5, None]
    assert scale.mean == 4.0
    assert text.cells == []


def test_under_five_responses_nothing_is_published(db):
    survey = residents_survey(state="open")
    _answered(survey, 4)
    figures = results.survey_results(survey)
    assert figures.suppressed and figures.responses is None and figures.questions == []


def test_free_texts_belong_to_the_owner_role(db):
    survey = residents_survey(state="open")
    assert results.may_read_texts(factories.make_user("analyst"), survey)
    assert results.may_read_texts(factories.make_user("admin"), survey)
    assert not results.may_read_texts(factories.make_user("operator"), survey)
    admin_survey = residents_survey(owner=factories.make_user("admin"))
    assert not results.may_read_texts(factories.make_user("analyst"), admin_survey)


def test_texts_csv_has_no_names_and_is_formula_safe(db):
    survey = residents_survey(state="open")
    household = factories.make_household(
        unit=factories.make_unit(building=survey.buildings[0]), holder_name="Zoé Martin")
    services.generate_household_links(survey)
    link = db.session.execute(select(SurveyLink).where(
        SurveyLink.household_id == household.id)).scalar_one()
    services.submit(link, answers(survey, text="=HYPERLINK(1)"))
    _answered(survey, 5, text="Plus d'ateliers")
    text = results.texts_csv(survey)
    assert text.splitlines()[0] == "survey,question,question_fr,question_en,answer"
    assert "Zoé" not in text and household.unit.code not in text
    assert link.token not in text
    assert "'=HYPERLINK(1)" in text
    assert text.count("Plus d'ateliers") == 5


def test_anonymisation_cuts_the_household_links(db):
    from surveys.retention import anonymise_household_surveys

    survey = residents_survey(state="open")
    used = household_link(survey)
    household_id = used.household_id
    services.submit(used, answers(survey))
    unused = household_link(survey)
    unused_id, other_household = unused.id, unused.household_id
    assert anonymise_household_surveys(household_id) == 1
    assert anonymise_household_surveys(other_household) == 1
    db.session.expire_all()
    assert db.session.get(SurveyLink, used.id).household_id is None
    assert db.session.get(SurveyLink, unused_id) is None
    assert results.survey_results(survey).links == 1


def test_anonymise_household_calls_the_surveys_part(db):
    from isp import gdpr

    survey = residents_survey(state="open")
    link = household_link(survey)
    household = link.household
    household.moved_out_on = factories.date(2026, 1, 1)
    gdpr.anonymise_household(household, actor=None, reason="test", route="test")
    db.session.expire_all()
    assert db.session.execute(select(SurveyLink).where(
        SurveyLink.household_id == household.id)).first() is None


def test_professional_link_of_anonymous_kind(db):
    survey = professionals_survey(state="open")
    link = anonymous_link(survey)
    assert link.user_id is None and link.household_id is None
    services.submit(link, answers(survey))
    assert link.used
