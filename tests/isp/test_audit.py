"""The audit log names its actor on every channel, records refusals, and stays append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from isp import audit, gdpr
from isp.models import AuditEntry
from isp.scheduler import in_app_context
from tests import factories


def _entries(db, **where) -> list[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return list(db.session.execute(statement).scalars())


def _api_calls(household, subscription, ticket_number):
    return [
        ("GET", f"/api/v1/households/{household.id}", None, "household"),
        ("GET", "/api/v1/households", None, "household_list"),
        ("GET", f"/api/v1/tickets/{ticket_number}", None, "household"),
        ("GET", "/api/v1/tickets", None, "ticket_list"),
        ("GET", "/api/v1/invoices", None, "invoice_list"),
        ("GET", "/api/v1/subscriptions", None, "subscription_list"),
        ("GET", f"/api/v1/households/{household.id}/balance", None, "household_balance"),
        ("POST", f"/api/v1/subscriptions/{subscription.id}/actions",
         {"action": "suspend", "reason": "Demande du foyer"}, "subscription"),
    ]


def test_every_api_read_and_write_names_its_actor(client, api_as, db):
    from support import tickets as support

    household = factories.make_household()
    subscription = factories.make_subscription(household=household)
    operator, headers = api_as("operator")
    ticket = support.open_ticket(household_id=household.id, subject="Lent le soir",
                                 category="slow", source="phone", actor=operator)
    db.session.flush()
    for method, url, body, record_type in _api_calls(household, subscription, ticket.number):
        before = len(_entries(db))
        response = client.open(url, method=method, headers=headers, json=body)
        assert response.status_code < 300, (url, response.get_json())
        new = _entries(db)[before:]
        assert [e.record_type for e in new if e.record_type == record_type], url
        assert all((e.actor_id, e.actor_email) == (operator.id, operator.email) for e in new), \
            (url, [(e.action, e.actor_email) for e in new])


def test_a_mediator_token_read_shows_in_the_household_access_log(client, api_as, db):
    association = factories.make_association()
    household = factories.make_household(association=association)
    mediator, headers = api_as("mediator", association=association)
    assert client.get(f"/api/v1/households/{household.id}", headers=headers).status_code == 200
    log = gdpr.export_household(household.id, actor=None, route="test")["access_log"]
    assert {"by": mediator.email, "action": "read"}.items() <= log[0].items()
    assert all(entry["by"] for entry in log)


def test_scheduler_and_command_line_entries_name_a_system_actor(app, runner, db):
    household = factories.make_household()

    def job():
        audit.record("read", actor=None, record_type="household", record_id=household.id)

    in_app_context(app, job)()
    assert _entries(db, record_id=str(household.id))[-1].actor_email == audit.SCHEDULER
    result = runner.invoke(args=["gdpr", "export", str(household.id)])
    assert result.exit_code == 0, result.output
    export = _entries(db, action="export", record_id=str(household.id))[-1]
    assert export.actor_email.startswith("system:") and export.actor_email.endswith(
        "gdpr export")
    with audit.acting_as("import"):
        named = audit.record("read", actor=None)
    assert named.actor_email == "system:import"


def test_failed_login_names_the_address(client, db):
    client.post("/login", data={"email": "nobody@example.org", "password": "x"},
                environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert _entries(db, action="login_failed")[-1].actor_email == "anonymous:198.51.100.7"


@pytest.mark.parametrize("channel", ["api", "page"])
def test_out_of_scope_attempts_are_audited(client, api_as, login_as, db, channel):
    mine, theirs = factories.make_association(), factories.make_association()
    other = factories.make_household(association=theirs)
    if channel == "api":
        mediator, headers = api_as("mediator", association=mine)
        response = client.get(f"/api/v1/households/{other.id}", headers=headers)
    else:
        mediator = login_as("mediator", association=mine)
        response = client.get(f"/households/{other.id}")
    assert response.status_code == 404
    denied = _entries(db, action="denied")
    assert [(e.actor_id, e.record_type, e.record_id) for e in denied] == [
        (mediator.id, "household", str(other.id))]
    assert denied[0].detail.startswith("404")


def test_role_refusals_are_audited(client, api_as, db):
    analyst, headers = api_as("analyst")
    household = factories.make_household()
    assert client.get(f"/api/v1/households/{household.id}", headers=headers).status_code == 403
    denied = _entries(db, action="denied")
    assert [(e.actor_id, e.record_id, e.detail) for e in denied] == [
        (analyst.id, str(household.id), "403 role")]


def test_the_database_refuses_changes_to_audit_entries(db):
    """PostgreSQL (and SQLite, for development) refuse raw SQL, not only the ORM."""
    from sqlalchemy.exc import DBAPIError

    entry = audit.record("read", actor=None, record_type="household", record_id=1)
    db.session.flush()
    for statement in ("UPDATE audit_entries SET detail = 'forged' WHERE id = :id",
                      "DELETE FROM audit_entries WHERE id = :id"):
        savepoint = db.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement), {"id": entry.id})
        savepoint.rollback()
    # The retention purge, and only it, may delete.
    with audit.retention_purge():
        deleted = db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"),
                                     {"id": entry.id}).rowcount
    assert deleted == 1
    audit.record("read", actor=None, record_type="household", record_id=2)
    db.session.flush()
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):  # and only inside the block
        db.session.execute(text("DELETE FROM audit_entries"))
    savepoint.rollback()
