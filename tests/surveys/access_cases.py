"""Access cases of the survey pages and API. The public answer page (``/enquete/<token>``,
anonymous allowed) is covered in test_pages_api.py: the matrix skips public routes."""

from tests import factories
from tests.access import Case
from tests.surveys.factories import answers, household_link, residents_survey

BUILDERS = ("analyst",)
READERS = ("analyst", "operator", "mediator")
RESULT_READERS = ("analyst", "operator")
DISTRIBUTORS = ("operator",)
COLLECTORS = ("operator", "mediator")
POST_OK = (200, 201, 302, 400, 409)


def _draft(ctx):
    survey = residents_survey()
    return {"survey_id": survey.id, "question_id": survey.questions[0].id,
            "json": {}, "data": {"kind": "text", "text_fr": "Q", "text_en": "Q"}}


def _open(ctx):
    survey = residents_survey(state="open")
    return {"survey_id": survey.id, "json": {"kind": "households"},
            "data": {"kind": "households"}}


def _with_link(association):
    survey = residents_survey(state="open")
    link = household_link(survey, association=association)
    return {"survey_id": survey.id, "link_id": link.id, "data": {}}


def _link_in(ctx):
    return _with_link(ctx.association)


def _link_other(ctx):
    return _with_link(factories.make_association())


def _answered(ctx):
    from surveys import services
    from tests.surveys.test_services import anonymous_link_for

    survey = residents_survey(state="open")
    for _index in range(5):
        services.submit(anonymous_link_for(survey), answers(survey, text="ok"))
    return {"survey_id": survey.id}



def _create_body(ctx):
    building = factories.make_building()
    return {"json": {"title_fr": "T", "title_en": "T", "audience": "residents",
                     "buildings": [building.code]}}


CASES = [
    Case("GET", "/surveys", READERS),
    Case("GET", "/surveys/new", BUILDERS),
    Case("POST", "/surveys/new", BUILDERS, ok=POST_OK),
    Case("GET", "/surveys/<int:survey_id>", READERS, _open),
    Case("POST", "/surveys/<int:survey_id>/questions", BUILDERS, _draft, ok=POST_OK),
    Case("POST", "/surveys/<int:survey_id>/questions/<int:question_id>/delete", BUILDERS,
         _draft, ok=POST_OK),
    Case("POST", "/surveys/<int:survey_id>/open", BUILDERS, _draft, ok=POST_OK),
    Case("POST", "/surveys/<int:survey_id>/close", BUILDERS, _open, ok=POST_OK),
    Case("GET", "/surveys/<int:survey_id>/links", COLLECTORS, _open),
    Case("POST", "/surveys/<int:survey_id>/links", DISTRIBUTORS, _open, ok=POST_OK),
    Case("GET", "/surveys/<int:survey_id>/collect/<int:link_id>", COLLECTORS, _link_in,
         _link_other),
    Case("POST", "/surveys/<int:survey_id>/collect/<int:link_id>", COLLECTORS, _link_in,
         _link_other, ok=POST_OK),
    Case("GET", "/surveys/<int:survey_id>/results", RESULT_READERS, _answered),
    Case("GET", "/surveys/<int:survey_id>/texts.csv", BUILDERS, _answered),
    Case("GET", "/api/v1/surveys", READERS),
    Case("POST", "/api/v1/surveys", BUILDERS, _create_body, ok=(201,)),
    Case("GET", "/api/v1/surveys/<int:survey_id>", READERS, _open),
    Case("POST", "/api/v1/surveys/<int:survey_id>/open", BUILDERS, _draft),
    Case("POST", "/api/v1/surveys/<int:survey_id>/close", BUILDERS, _open),
    Case("POST", "/api/v1/surveys/<int:survey_id>/links", DISTRIBUTORS, _open, ok=(201,)),
    Case("GET", "/api/v1/surveys/<int:survey_id>/results", RESULT_READERS, _answered),
]
