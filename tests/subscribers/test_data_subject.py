"""A household's data-subject pages (GDPR art. 15 and 17), served by subscribers at the URLs
they had in the core."""

from __future__ import annotations

from datetime import date

from tests import factories


def test_the_operator_reads_everything_held_as_a_page_or_a_file(client, login_as, db):
    login_as("operator")
    household = factories.make_household()
    db.session.commit()
    page = client.get(f"/households/{household.id}/data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert household.unit.code in text
    assert f"/households/{household.id}/data?format=json" in text
    assert f'action="/households/{household.id}/anonymise"' in text
    download = client.get(f"/households/{household.id}/data?format=json")
    assert download.headers["Content-Disposition"] == \
        f"attachment; filename=foyer-{household.id}.json"
    assert download.get_json()["household"]["holder_name"] == household.holder_name
    assert client.get("/households/999999/data").status_code == 404


def test_erasure_needs_a_reason_and_the_household_gone(client, login_as, db):
    login_as("operator")
    staying = factories.make_household()
    gone = factories.make_household(moved_out_on=date(2026, 1, 1))
    db.session.commit()
    back = f"/households/{staying.id}/data"
    response = client.post(f"/households/{staying.id}/anonymise", data={"reason": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    response = client.post(f"/households/{staying.id}/anonymise", data={"reason": "demande"})
    assert response.status_code == 302 and response.headers["Location"].endswith(back)
    db.session.refresh(staying)
    assert staying.anonymised_at is None  # still living here: the identity is needed
    response = client.post(f"/households/{gone.id}/anonymise", data={"reason": "demande"})
    assert response.headers["Location"].endswith(f"/households/{gone.id}/data")
    db.session.refresh(gone)
    assert gone.anonymised_at is not None
    assert gone.holder_name == f"Foyer anonymisé #{gone.id}"
    assert client.post("/households/999999/anonymise",
                       data={"reason": "demande"}).status_code == 404
