"""Survey pages, the public answer page and the API (same rules, same refusals)."""

from __future__ import annotations

from sqlalchemy import select

from surveys import services
from surveys.models import Survey, SurveyLink, SurveyResponse
from tests import factories
from tests.statements import recorded_statements
from tests.surveys.factories import (
    QUESTIONS,
    answers,
    household_link,
    professionals_survey,
    residents_survey,
)
from tests.surveys.test_services import anonymous_link_for


def _form(survey, **given) -> dict:
    return {key: values for key, values in answers(survey, **given).items()}


def test_builder_creates_a_draft_then_adds_a_question(client, db, login_as):
    login_as("analyst")
    building = factories.make_building()
    db.session.commit()
    response = client.post("/surveys/new", data={"title_fr": "Besoins", "title_en": "Needs",
                                                 "audience": "residents",
                                                 "buildings": [building.code]})
    assert response.status_code == 302
    survey = db.session.execute(select(Survey)).scalar_one()
    response = client.post(f"/surveys/{survey.id}/questions", data={
        "kind": "single", "text_fr": "Ordinateur ?", "text_en": "Computer?",
        "options": "Oui | Yes\nNon | No"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [o.label_en for o in survey.questions[0].options] == ["Yes", "No"]


def test_builder_refusals_show_beside_the_field(client, db, login_as):
    login_as("analyst")
    db.session.commit()
    response = client.post("/surveys/new", data={"title_fr": "B", "title_en": "N",
                                                 "audience": "residents"})
    assert response.status_code == 400
    assert "Choisissez au moins un immeuble" in response.get_data(as_text=True)
    survey = residents_survey(questions=[])
    db.session.commit()
    response = client.post(f"/surveys/{survey.id}/questions", data={
        "kind": "single", "text_fr": "Q", "text_en": "Q", "options": "Seul | Alone"})
    assert response.status_code == 400
    assert "De 2 à 12 réponses possibles" in response.get_data(as_text=True)


def test_questions_are_fixed_once_open(client, db, login_as):
    login_as("analyst")
    survey = residents_survey()
    db.session.commit()
    assert client.post(f"/surveys/{survey.id}/open").status_code == 302
    response = client.post(f"/surveys/{survey.id}/questions", data={
        "kind": "text", "text_fr": "Q", "text_en": "Q"})
    assert response.status_code == 302
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "ne changent plus" in page and 'class="flash error"' in page
    assert len(survey.questions) == 4
    again = client.post(f"/surveys/{survey.id}/open")
    assert again.status_code == 302
    assert "Seul un brouillon peut être ouvert" in client.get(
        f"/surveys/{survey.id}").get_data(as_text=True)


def test_public_page_answers_once_without_account(client, db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    db.session.commit()
    page = client.get(f"/enquete/{link.token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Avez-vous un ordinateur ?" in body and "<script" not in body
    assert 'name="q' in body and 'type="radio"' in body
    response = client.post(f"/enquete/{link.token}", data=_form(survey, text="Merci"))
    assert response.status_code == 200
    assert "Merci" in response.get_data(as_text=True)
    again = client.post(f"/enquete/{link.token}", data=_form(survey))
    assert again.status_code == 409
    assert "déjà été donnée" in again.get_data(as_text=True)
    assert "déjà été donnée" in client.get(f"/enquete/{link.token}").get_data(as_text=True)
    assert len(db.session.execute(select(SurveyResponse)).all()) == 1


def test_public_page_in_english(client, db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    db.session.commit()
    client.get(f"/lang/en?next=/enquete/{link.token}")
    body = client.get(f"/enquete/{link.token}").get_data(as_text=True)
    assert "Do you have a computer?" in body and "Residents&#39; needs" in body


def test_public_page_refusals_and_unknown_links(client, db):
    survey = residents_survey(state="open")
    link = household_link(survey)
    db.session.commit()
    response = client.post(f"/enquete/{link.token}", data={})
    assert response.status_code == 400
    assert "Une réponse est demandée" in response.get_data(as_text=True)
    assert client.get("/enquete/not-a-token").status_code == 404
    db.session.refresh(link)
    assert link.used is False


def test_a_mediator_collects_with_their_household(client, db, login_as):
    association = factories.make_association()
    login_as("mediator", association=association)
    survey = residents_survey(state="open")
    link = household_link(survey, association=association)
    other = household_link(survey, association=factories.make_association())
    db.session.commit()
    links_page = client.get(f"/surveys/{survey.id}/links").get_data(as_text=True)
    assert link.token in links_page and other.token not in links_page
    assert client.get(f"/surveys/{survey.id}/collect/{other.id}").status_code == 404
    response = client.post(f"/surveys/{survey.id}/collect/{link.id}", data=_form(survey))
    assert response.status_code == 200
    assert db.session.execute(select(SurveyResponse.mode)).scalar_one() == "staff"


def test_professionals_are_not_collected_by_staff(client, db, login_as):
    login_as("operator")
    survey = professionals_survey(state="open")
    link = anonymous_link_for(survey)
    db.session.commit()
    assert client.get(f"/surveys/{survey.id}/collect/{link.id}").status_code == 409


def test_operator_generates_links_and_prints_them(client, db, login_as):
    login_as("operator")
    survey = residents_survey(state="open")
    household = factories.make_household(
        unit=factories.make_unit(building=survey.buildings[0]), holder_name="Léa Durand")
    db.session.commit()
    response = client.post(f"/surveys/{survey.id}/links", data={"kind": "households"})
    assert response.status_code == 302
    page = client.get(f"/surveys/{survey.id}/links").get_data(as_text=True)
    assert "Léa Durand" in page and household.unit_code in page
    assert "/enquete/" in page


def _answered(survey, count=5, text="Plus d'ateliers"):
    for _index in range(count):
        services.submit(anonymous_link_for(survey), answers(survey, text=text))


def test_results_hide_free_texts_from_other_roles_and_names_everywhere(client, db, login_as):
    survey = residents_survey(state="open")
    household = factories.make_household(
        unit=factories.make_unit(building=survey.buildings[0]), holder_name="Zoé Martin")
    services.generate_household_links(survey)
    link = db.session.execute(select(SurveyLink).where(
        SurveyLink.household_id == household.id)).scalar_one()
    services.submit(link, answers(survey, text="Un atelier le soir"))
    _answered(survey)
    db.session.commit()
    login_as("analyst")
    analyst_page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "Un atelier le soir" in analyst_page
    assert "Zoé" not in analyst_page and household.unit_code not in analyst_page
    login_as("operator")
    operator_page = client.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert "Un atelier le soir" not in operator_page
    assert "Réponses : 5" in operator_page  # 6 rounded to 5
    api = client.get(f"/surveys/{survey.id}/texts.csv")
    assert api.status_code == 403


def test_texts_csv_for_the_owner_only(client, db, login_as):
    admin_survey = residents_survey(owner=factories.make_user("admin"), state="open")
    _answered(admin_survey)
    survey = residents_survey(state="open")
    _answered(survey)
    db.session.commit()
    login_as("analyst")
    response = client.get(f"/surveys/{survey.id}/texts.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("Plus d'ateliers") == 5
    assert client.get(f"/surveys/{admin_survey.id}/texts.csv").status_code == 403


def test_api_creates_with_questions_and_answers_errors_as_json(client, db, api_as):
    _user, headers = api_as("analyst")
    building = factories.make_building()
    db.session.commit()
    body = {"title_fr": "B", "title_en": "N", "audience": "residents",
            "buildings": [building.code], "questions": QUESTIONS}
    created = client.post("/api/v1/surveys", json=body, headers=headers)
    assert created.status_code == 201
    data = created.get_json()
    assert data["state"] == "draft" and len(data["questions"]) == 4
    bad = client.post("/api/v1/surveys", json={**body, "questions": [{"kind": "essay"}]},
                      headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "questions[0].kind"
    unknown = client.post("/api/v1/surveys", json={**body, "colour": "red"}, headers=headers)
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "colour"
    not_json = client.post("/api/v1/surveys", data="x", headers=headers)
    assert not_json.status_code == 400 and not_json.get_json()["error"]
    assert client.get("/api/v1/surveys/999999", headers=headers).status_code == 404
    survey_id = data["id"]
    assert client.post(f"/api/v1/surveys/{survey_id}/open", headers=headers).status_code == 200
    twice = client.post(f"/api/v1/surveys/{survey_id}/open", headers=headers)
    assert twice.status_code == 409 and twice.get_json()["error"]
    listing = client.get("/api/v1/surveys", headers=headers).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == survey_id
    assert client.get("/api/v1/surveys").status_code == 401


def test_api_results_suppressed_then_published(client, db, api_as):
    survey = residents_survey(state="open")
    _answered(survey, count=3)
    db.session.commit()
    _user, analyst = api_as("analyst")
    small = client.get(f"/api/v1/surveys/{survey.id}/results", headers=analyst).get_json()
    assert small["suppressed"] is True and small["responses"] is None
    assert "texts" not in small
    _answered(survey, count=4)
    db.session.commit()
    data = client.get(f"/api/v1/surveys/{survey.id}/results", headers=analyst).get_json()
    assert data["responses"] == 5
    assert data["questions"][0]["cells"][0]["count"] == 5
    assert data["questions"][0]["cells"][1] == {"label_fr": "Non", "label_en": "No",
                                                "count": None, "percent": None,
                                                "suppressed": True}
    assert data["texts"][0]["texts"] == ["Plus d'ateliers"] * 7
    _user, operator = api_as("operator")
    assert "texts" not in client.get(f"/api/v1/surveys/{survey.id}/results",
                                     headers=operator).get_json()


def test_api_links_refusals(client, db, api_as):
    _user, headers = api_as("operator")
    survey = professionals_survey(state="open")
    db.session.commit()
    url = f"/api/v1/surveys/{survey.id}/links"
    assert client.post(url, json={"kind": "anonymous", "count": 3},
                       headers=headers).get_json() == {"created": 3}
    bad = client.post(url, json={"kind": "anonymous", "count": 0}, headers=headers)
    assert bad.status_code == 400 and bad.get_json()["field"] == "count"
    wrong = client.post(url, json={"kind": "households"}, headers=headers)
    assert wrong.status_code == 409
    assert client.post(url, json={"kind": "x"}, headers=headers).get_json()["field"] == "kind"


def test_drafts_are_hidden_from_operators_and_mediators(client, db, api_as):
    draft = residents_survey()
    db.session.commit()
    _user, headers = api_as("operator")
    assert client.get(f"/api/v1/surveys/{draft.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/surveys", headers=headers).get_json()["total"] == 0


def test_api_odd_bodies_are_refused_not_failed(client, db, api_as):
    _user, headers = api_as("analyst")
    building = factories.make_building()
    db.session.commit()
    base = {"title_fr": "B", "title_en": "N", "audience": "residents",
            "buildings": [building.code]}
    for body in ({**base, "audience": ["x"]}, {**base, "buildings": "PB"},
                 {**base, "questions": [{"kind": ["single"], "text_fr": "Q", "text_en": "Q"}]},
                 {**base, "questions": [{"kind": "scale", "text_fr": "Q", "text_en": "Q",
                                         "scale_min": 10 ** 30}]},
                 {**base, "questions": "all"}, {**base, "all_associations": "yes"},
                 {**base, "questions": [{"kind": "single", "text_fr": "Q", "text_en": "Q",
                                         "options": ["a", "b"]}]}):
        response = client.post("/api/v1/surveys", json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["error"]
    nulls = client.post("/api/v1/surveys", json={**base, "intro_fr": None,
                                                 "all_associations": None, "questions": None},
                        headers=headers)
    assert nulls.status_code == 201
    _user, operator = api_as("operator")
    survey = professionals_survey(state="open")
    db.session.commit()
    for count in ("3", 10 ** 30, True, None):
        response = client.post(f"/api/v1/surveys/{survey.id}/links",
                               json={"kind": "anonymous", "count": count}, headers=operator)
        assert response.status_code == 400


def test_a_mediator_finds_their_own_link_on_the_survey_page(client, db, login_as):
    association = factories.make_association()
    mediator = login_as("mediator", association=association)
    survey = professionals_survey(associations=[association], state="open")
    services.generate_member_links(survey)
    link = db.session.execute(select(SurveyLink).where(
        SurveyLink.user_id == mediator.id)).scalar_one()
    db.session.commit()
    assert f"/enquete/{link.token}" in client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    client.post(f"/enquete/{link.token}", data=_form(survey))
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert "Vous avez répondu" in page and link.token not in page


def test_the_api_list_asks_the_same_statements_for_any_number_of_surveys(db, client, api_as):
    """Each survey's buildings and associations come for the whole page (issue 23.3: they
    were two statements per survey)."""

    from tests.surveys.factories import professionals_survey, residents_survey

    _user, headers = api_as("analyst")
    association = factories.make_association()

    def listing():
        with recorded_statements() as statements:
            body = client.get("/api/v1/surveys", headers=headers).get_json()
        return body, sum(1 for s in statements if "SAVEPOINT" not in s)

    residents_survey()
    professionals_survey(associations=[association])
    listing()  # the token's first use
    _body, few = listing()
    building = factories.make_building()
    for _ in range(3):
        residents_survey(building=building)
        professionals_survey(associations=[association])
    body, many = listing()
    assert many == few and body["total"] == 8
    assert [s["buildings"] for s in body["items"] if s["audience"] == "residents"][:3] == \
        [[building.code]] * 3
    assert all(s["associations"] == [association.code]
               for s in body["items"] if s["audience"] == "professionals")
