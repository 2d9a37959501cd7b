"""Households: tenancy history, audit of personal data, scope, API."""

from datetime import date

import pytest
from sqlalchemy import select

from isp.auth import Scope
from isp.models import AuditEntry
from subscribers import services
from subscribers.models import Household
from subscribers.views import BUILDING_FLATS_PER_PAGE
from tests import factories


def test_former_tenant_is_not_shown_to_the_next_one(client, login_as, db):
    login_as("operator")
    unit = factories.make_unit("HIST-1")
    former = factories.make_household(unit=unit, holder_name="Ancien Locataire",
                                      phone="0611111111")
    services.move_out(former, moved_out_on=date(2026, 3, 31))
    current = services.move_in(unit, holder_name="Nouvelle Locataire",
                               moved_in_on=date(2026, 4, 1))
    for url in (f"/households/{current.id}", "/units/HIST-1", "/households?q=HIST",
                f"/buildings/{unit.building.code}"):
        page = client.get(url).get_data(as_text=True)
        assert "Ancien Locataire" not in page, url
        assert "0611111111" not in page, url
    assert "Nouvelle Locataire" in client.get("/units/HIST-1").get_data(as_text=True)


def test_search_ignores_case_and_accents_and_lists_by_flat(client, login_as, db):
    login_as("operator")
    building = factories.make_building()
    for code, name in (("SRCH-2", "Aïcha TRAORÉ"), ("SRCH-1", "Moussa Traore"),
                       ("SRCH-3", "Jean Dupont")):
        factories.make_household(unit=factories.make_unit(code, building=building),
                                 holder_name=name)
    page = client.get("/households?q=traoré").get_data(as_text=True)
    assert "Jean Dupont" not in page
    assert page.index("Moussa Traore") < page.index("Aïcha TRAORÉ")  # SRCH-1 before SRCH-2
    by_code = client.get("/households?q=srch-3").get_data(as_text=True)
    assert "Jean Dupont" in by_code and "Traore" not in by_code
    # LIKE's wildcards are searched as themselves
    assert "Jean Dupont" not in client.get("/households?q=%25").get_data(as_text=True)
    listing = client.get(f"/households?building={building.code}").get_data(as_text=True)
    assert (listing.index("Moussa Traore") < listing.index("Aïcha TRAORÉ")
            < listing.index("Jean Dupont"))


def test_search_words_written_into_the_statement_are_searched_as_themselves(db):
    """The search reaches the SQL as a literal (PostgreSQL plans for it): quotes, LIKE's
    wildcards, its escape character and backslashes are matched as typed, nothing else."""
    building = factories.make_building()
    names = ("Seán O'Brien", "Remise 50% Dupont", "Ana_Bel", "Nour/Ali", "Back\\slash",
             "Robert'); DROP TABLE households; --")
    for index, name in enumerate(names):
        factories.make_household(unit=factories.make_unit(f"LIT-{index}", building=building),
                                 holder_name=name)
    scope = Scope.of(factories.make_user("operator"))
    for search, expected in (("o'brien", {names[0]}), ("50%", {names[1]}),
                             ("a_b", {names[2]}), ("r/a", {names[3]}), ("k\\s", {names[4]}),
                             ("drop table", {names[5]}), ("%", {names[1]}), ("_", {names[2]}),
                             ("'", {names[0], names[5]}), ("lit-", set(names))):
        found = db.session.execute(services.households_query(scope, search=search)).scalars()
        assert {household.holder_name for household in found} == expected, search
    assert len(db.session.execute(select(Household)).all()) == len(names)


def test_search_key_follows_the_holder_name(db):
    household = factories.make_household(unit=factories.make_unit("KEY-1"),
                                         holder_name="Éloïse Martin")
    assert (household.unit_code, household.search_key) == ("KEY-1", "eloise martin key-1")
    services.update_household(household, holder_name="Éloïse Bernard")
    db.session.flush()
    assert household.search_key == "eloise bernard key-1"


def test_a_flat_takes_one_current_household(db):
    unit = factories.make_unit()
    factories.make_household(unit=unit)
    with pytest.raises(services.DomainError) as refused:
        services.move_in(unit, holder_name="Second", moved_in_on=date(2026, 1, 1))
    assert refused.value.status == 409


def test_reading_a_household_is_audited(client, login_as, db):
    user = login_as("operator")
    household = factories.make_household()
    assert client.get(f"/households/{household.id}").status_code == 200
    entry = db.session.execute(select(AuditEntry).where(
        AuditEntry.record_type == "household", AuditEntry.record_id == str(household.id))
    ).scalar_one()
    assert entry.actor_id == user.id
    assert entry.action == "read"
    assert entry.route == f"GET /households/{household.id}"


def test_mediator_sees_only_assigned_households_and_coaching_fields(client, api_as, db):
    association = factories.make_association()
    mine = factories.make_household(association=association, email="mine@example.org",
                                    phone="0622222222")
    other = factories.make_household(association=factories.make_association())
    _user, headers = api_as("mediator", association=association)
    listing = client.get("/api/v1/households", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [mine.id]
    detail = client.get(f"/api/v1/households/{mine.id}", headers=headers).get_json()
    assert detail["phone"] == "0622222222"
    assert "email" not in detail
    assert client.get(f"/api/v1/households/{other.id}", headers=headers).status_code == 404


def test_api_creates_a_household_and_validates_input(client, api_as, db):
    _user, headers = api_as("operator")
    unit = factories.make_unit("API-1")
    bad = client.post("/api/v1/households", json={"unit_code": "API-1", "holder_name": "X",
                                                  "email": "nope"}, headers=headers)
    assert bad.status_code == 422
    assert bad.get_json() == {"error": "Adresse e-mail invalide", "field": "email"}
    unknown = client.post("/api/v1/households", json={"unit_code": "NOPE", "holder_name": "X"},
                          headers=headers)
    assert unknown.status_code == 404
    created = client.post("/api/v1/households", json={
        "unit_code": "API-1", "holder_name": "Foyer API", "size": 3, "needs": ["email"]},
        headers=headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["unit_code"] == "API-1" and body["needs"] == ["email"]
    assert services.current_household(unit).holder_name == "Foyer API"


def test_list_envelope_and_pagination(client, api_as, db):
    _user, headers = api_as("operator")
    building = factories.make_building("PAGE")
    for index in range(3):
        factories.make_unit(f"PAGE-{index}", building=building)
    body = client.get("/api/v1/units?building=PAGE&per_page=2&page=2", headers=headers).get_json()
    assert body == {"items": [{"code": "PAGE-2", "building_code": "PAGE", "staircase": "A",
                               "floor": 1, "door": "1"}], "total": 3, "total_exact": True,
                    "page": 2, "per_page": 2}
    # Statements built once per set of filters: each request's building (issue 23.3).
    other = factories.make_building("PAGF")
    factories.make_unit("PAGF-0", building=other)
    body = client.get("/api/v1/units?building=PAGF", headers=headers).get_json()
    assert [item["code"] for item in body["items"]] == ["PAGF-0"] and body["total"] == 1
    body = client.get(f"/api/v1/buildings?district={other.district.code}",
                      headers=headers).get_json()
    assert "PAGF" in [item["code"] for item in body["items"]]
    assert client.get("/api/v1/buildings?district=NOWHERE", headers=headers).get_json()[
        "items"] == []
    too_many = client.get("/api/v1/units?per_page=501", headers=headers)
    assert too_many.status_code == 400
    assert too_many.get_json()["field"] == "per_page"


def test_absurd_page_numbers_are_a_clear_400(client, api_as, db):
    _user, headers = api_as("operator")
    response = client.get("/api/v1/units?page=99999999999999999999", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["field"] == "page"


def test_building_page_lists_its_flats_by_pages(client, login_as, db):
    login_as("operator")
    building = factories.make_building("PAGES")
    units = [factories.make_unit(f"PAGES-{index:02d}", building=building, floor=index)
             for index in range(35)]
    factories.make_household(unit=units[0], holder_name="Premier Étage")
    factories.make_household(unit=units[34], holder_name="Dernier Étage")
    first = client.get("/buildings/PAGES").get_data(as_text=True)
    second = client.get("/buildings/PAGES?page=2").get_data(as_text=True)
    per_page = BUILDING_FLATS_PER_PAGE
    assert first.count("/units/PAGES-") == per_page
    assert second.count("/units/PAGES-") == min(35 - per_page, per_page)
    for page in (first, second):  # the facts count the whole building
        assert 'data-testid="unit-count">35<' in page
        assert "<dd>2</dd>" in page
    assert "Premier Étage" in first and "Dernier Étage" not in first
    assert 'href="/buildings/PAGES?page=2"' in first


def test_access_matrix_comes_by_pages(app, client, login_as):
    from markupsafe import escape

    from isp.auth import access_matrix
    from isp.pages_admin import ACCESS_MATRIX_PER_PAGE

    login_as("admin")
    rules = access_matrix(app)
    pages = -(-len(rules) // ACCESS_MATRIX_PER_PAGE)
    assert pages > 1
    seen = []
    for number in range(1, pages + 1):
        html = client.get(f"/admin/access-matrix?page={number}").get_data(as_text=True)
        seen += [rule for rule, *_rest in rules if f" {escape(rule)}</td>" in html]
    assert sorted(set(seen)) == sorted({rule for rule, *_rest in rules})
