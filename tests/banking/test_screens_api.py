"""The pages, the API and the command of the bank statements, over the sample files."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from banking.models import BankLine, BankStatement
from billing.models import Payment
from tests.banking.conftest import DATA, sample

pytestmark = pytest.mark.clock("2026-12-01T10:00:00+01:00")


def _count(db, model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _upload(client, name: str, data: bytes | None = None):
    return client.post("/banking/statements", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data if data is not None else sample(name)), name)})


def test_an_operator_imports_a_statement_on_the_page(client, db, households, login_as):
    login_as("operator")
    response = _upload(client, "camt053_v08_references.xml")
    assert response.status_code == 302
    page = client.get(response.location)
    text = page.get_data(as_text=True)
    assert "2026-11-RELEVE-0042" in text and "SCI LES TILLEULS" in text
    assert "3 rapproché(s)" in text  # the flash says what was done
    assert _count(db, Payment) == 3
    matched = db.session.execute(select(BankLine).where(
        BankLine.reference == "2026110500003")).scalar_one()
    line_page = client.get(f"/banking/lines/{matched.id}").get_data(as_text=True)
    holder = {h.id: h.holder_name for h in households[0].values()}[
        households[1]["FA-2026-000002"]]
    assert "FA-2026-000002" in line_page and holder in line_page
    assert "Placer ici" not in line_page and "Mettre de côté" not in line_page
    again = client.get(_upload(client, "camt053_v08_references.xml").location)
    assert "rien n&#39;a changé" in again.get_data(as_text=True)
    assert _count(db, Payment) == 3


@pytest.mark.parametrize(("name", "problem"), [("camt053_malformed_amounts.xml",
                                                "montant absent"),
                                               ("billion_laughs.xml", "DTD")])
def test_a_bad_file_on_the_page_lists_its_problems(client, db, households, login_as, name,
                                                   problem):
    login_as("operator")
    response = _upload(client, name)
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert _count(db, BankStatement) == 0


def test_an_upload_without_a_file_is_a_400(client, db, login_as):
    login_as("operator")
    response = client.post("/banking/statements", data={})
    assert response.status_code == 400


def test_the_queue_page_and_its_three_answers(client, db, households, login_as):
    made, _numbers = households
    login_as("operator")
    _upload(client, "camt053_v02_names_only.xml")
    queue = client.get("/banking/queue").get_data(as_text=True)
    assert "MME DIALLO AMINATA" in queue and "suggestion : Aminata Diallo" in queue
    diallo, association = db.session.execute(
        select(BankLine).order_by(BankLine.id)).scalars().all()
    page = client.get(f"/banking/lines/{diallo.id}?q=benal").get_data(as_text=True)
    assert "le montant est le reste dû de la facture" in page and "Karim Benali" in page
    # A reason is required to set a line aside: 400 with the message beside the field.
    refused = client.post(f"/banking/lines/{association.id}/not-ours", data={"reason": ""})
    assert refused.status_code == 400
    done = client.post(f"/banking/lines/{association.id}/not-ours",
                       data={"reason": "Cotisation de l'amicale"})
    assert done.status_code == 302
    confirmed = client.post(f"/banking/lines/{diallo.id}/confirm", data={})
    assert confirmed.status_code == 302
    payment = db.session.execute(select(Payment)).scalar_one()
    assert payment.household_id == made["diallo"].id and payment.method == "transfer"
    # Placing it again is refused with the reason on the page; nothing is paid twice.
    twice = client.post(f"/banking/lines/{diallo.id}/assign",
                        data={"household_id": str(made["benali"].id)})
    assert twice.status_code == 400 and "déjà été traitée" in twice.get_data(as_text=True)
    assert _count(db, Payment) == 1
    assert "Aucun virement à placer" in client.get("/banking/queue").get_data(as_text=True)


def test_assign_on_the_page_with_a_bad_household(client, db, households, login_as):
    login_as("operator")
    _upload(client, "camt053_v02_names_only.xml")
    line = db.session.execute(select(BankLine).order_by(BankLine.id)).scalars().first()
    for value in ("", "abc", "99999999"):
        response = client.post(f"/banking/lines/{line.id}/assign", data={"household_id": value})
        assert response.status_code == 400
    assert client.post("/banking/lines/999999/assign",
                       data={"household_id": "1"}).status_code == 404
    assert _count(db, Payment) == 0


def test_the_api_imports_an_xml_body_then_changes_nothing(client, db, households, api_as):
    _user, headers = api_as("operator")
    first = client.post("/api/v1/bank-statements", data=sample("camt053_v08_references.xml"),
                        headers=headers | {"Content-Type": "application/xml"})
    assert first.status_code == 201
    body = first.get_json()
    assert (body["new_lines"], body["matched"], body["pending"]) == (4, 3, 1)
    overlap = client.post("/api/v1/bank-statements", headers=headers,
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(sample("camt053_v08_overlap.xml")),
                                         "overlap.xml")})
    assert overlap.status_code == 201
    assert (overlap.get_json()["new_lines"], overlap.get_json()["duplicates"]) == (1, 1)
    again = client.post("/api/v1/bank-statements", data=sample("camt053_v08_references.xml"),
                        headers=headers | {"Content-Type": "application/xml"})
    assert again.status_code == 200 and again.get_json()["changed_nothing"] is True
    statements = client.get("/api/v1/bank-statements", headers=headers).get_json()
    assert statements["total"] == 2 and set(statements) >= {"items", "page", "per_page"}
    detail = client.get(f"/api/v1/bank-statements/{body['statements'][0]['id']}",
                        headers=headers).get_json()
    assert len(detail["lines"]) == 4


@pytest.mark.parametrize(("kwargs", "status", "field"), [
    ({"json": {"xml": "<Document/>"}}, 400, "file"),
    ({"content_type": "multipart/form-data", "data": {"other": "x"}}, 400, "file"),
    ({"data": (DATA / "camt053_malformed_amounts.xml").read_bytes(),
      "content_type": "application/xml"}, 422, "file"),
    ({"data": (DATA / "billion_laughs.xml").read_bytes(), "content_type": "text/xml"}, 422,
     "file"),
])
def test_the_api_refuses_bad_uploads(client, db, api_as, kwargs, status, field):
    _user, headers = api_as("operator")
    response = client.post("/api/v1/bank-statements", headers=headers, **kwargs)
    assert response.status_code == status
    assert response.get_json()["field"] == field and response.get_json()["error"]
    assert _count(db, BankStatement) == 0


def test_the_api_queue_and_its_answers(client, db, households, api_as):
    made, _numbers = households
    _user, headers = api_as("operator")
    client.post("/api/v1/bank-statements", data=sample("camt053_v02_names_only.xml"),
                headers=headers | {"Content-Type": "application/xml"})
    queue = client.get("/api/v1/bank-statements/lines?status=pending", headers=headers)
    items = queue.get_json()["items"]
    assert [item["debtor_name"] for item in items] == [
        "MME DIALLO AMINATA", "ASSOCIATION DES LOCATAIRES DU PORT BOYER"]
    diallo, association = items
    assert diallo["suggested_household_id"] == made["diallo"].id and diallo["suggestion"]
    assert client.get("/api/v1/bank-statements/lines?status=nope",
                      headers=headers).status_code == 400
    base = "/api/v1/bank-statements/lines"
    assert client.post(f"{base}/{association['id']}/confirm",
                       headers=headers).status_code == 422  # no suggestion on it
    bad = client.post(f"{base}/{association['id']}/assign", json={"household_id": "x"},
                      headers=headers)
    assert bad.status_code == 422 and bad.get_json()["field"] == "household_id"
    assert client.post(f"{base}/{association['id']}/assign", json={"household": 1},
                       headers=headers).status_code == 400
    aside = client.post(f"{base}/{association['id']}/not-ours",
                        json={"reason": "Cotisation"}, headers=headers)
    assert aside.status_code == 200 and aside.get_json()["status"] == "not_ours"
    placed = client.post(f"{base}/{diallo['id']}/assign",
                         json={"household_id": made["diallo"].id}, headers=headers)
    assert placed.status_code == 200 and placed.get_json()["match_kind"] == "manual"
    again = client.post(f"{base}/{diallo['id']}/assign",
                        json={"household_id": made["diallo"].id}, headers=headers)
    assert again.status_code == 409
    assert client.get(f"{base}/{diallo['id']}", headers=headers).get_json()["payment_id"]
    assert _count(db, Payment) == 1


def test_the_command_imports_and_refuses(runner, db, households):
    ok = runner.invoke(args=["banking", "import", str(DATA / "camt053_v08_references.xml")])
    assert ok.exit_code == 0 and "3 rapproché(s)" in ok.output
    again = runner.invoke(args=["banking", "import", str(DATA / "camt053_v08_references.xml")])
    assert again.exit_code == 0 and "rien n'a changé" in again.output
    bad = runner.invoke(args=["banking", "import", str(DATA / "camt053_malformed_amounts.xml")])
    assert bad.exit_code != 0 and "montant absent" in bad.output
    assert _count(db, Payment) == 3


def test_the_household_page_shows_its_transfers(client, db, households, login_as):
    made, _numbers = households
    login_as("operator")
    _upload(client, "camt053_v02_names_only.xml")
    page = client.get(f"/households/{made['diallo'].id}/transfers").get_data(as_text=True)
    assert "Virements bancaires" in page and "ce foyer est suggéré" in page
    assert "Virements bancaires" not in client.get(
        f"/households/{made['benali'].id}/transfers").get_data(as_text=True)
