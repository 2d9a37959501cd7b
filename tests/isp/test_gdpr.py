"""Anonymisation leaves no identity anywhere (issue 19.6) and the purge applies every line of
the register, checked by moving the clock past each period and just before it (issue 16.11)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import String, Text, func, select

from isp import gdpr, history
from isp.extensions import db as _db
from tests import factories

NAME = "Awa Diallo"
PHONE = "06 12 34 56 78"
EMAIL = "awa.diallo@example.org"
IBAN = "FR7630006000011234567890189"


def _identity_everywhere(household, association, operator):
    """Data about the household in every domain, quoting its identity where people do."""
    from billing import payments
    from billing.models import (
        CreditNote,
        DunningStep,
        EligibilityDecision,
        FslRequest,
        Invoice,
        PaymentPlan,
        SepaMandate,
    )
    from mediation.models import SessionRecord
    from subscribers import lifecycle
    from support import tickets as support
    from tests.billing.factories import grid, issue
    from tests.mediation.factories import make_booking, make_session, make_slot
    from tests.support.factories import make_ticket

    subscription = factories.make_subscription(household=household, activated_on=date(2026,
                                                                                      1, 1))
    lifecycle.suspend(subscription, actor=operator,
                      reason=f"Demande de {NAME} au téléphone ({PHONE})")
    lifecycle.restore_service(subscription, actor=operator, reason=f"Rappel de {NAME}")
    grid()
    issue("2026-01", date(2026, 2, 2))
    invoice = _db.session.execute(select(Invoice).where(
        Invoice.household_id == household.id)).scalar_one()
    payments.record_payment(household, actor=operator, amount_cents=100, method="transfer",
                           received_on=date(2026, 2, 10),
                           reference=f"VIR SEPA DIALLO AWA {IBAN[:12]} {IBAN[12:]}")
    _db.session.add_all([
        SepaMandate(household_id=household.id, reference=f"RUM-{household.id}", iban=IBAN,
                    bic="BNPAFRPP", account_holder=NAME.upper(), signed_on=date(2026, 1, 5)),
        DunningStep(household_id=household.id, invoice_id=invoice.id, kind="reminder",
                    on=date(2026, 3, 20), text=f"Bonjour {NAME}, votre facture…",
                    reason=f"Appel au {PHONE}"),
        EligibilityDecision(household_id=household.id, evidence_type="caf",
                            evidence_reference="CAF-1234567", suggested_tier="T1",
                            suggestion_reasons="QF ≤ 600", decided_tier="T1",
                            reason=f"Vu avec {NAME}", decided_by_id=operator.id,
                            decided_on=date(2026, 1, 2), valid_until=date(2027, 1, 2)),
        PaymentPlan(household_id=household.id, agreed_on=date(2026, 4, 1), monthly_cents=500,
                    months=3, note=f"Signé par {NAME}", agreed_by_id=operator.id),
        FslRequest(household_id=household.id, filed_on=date(2026, 4, 2),
                   note=f"Dossier FSL de {NAME}, {EMAIL}"),
        CreditNote(number=f"AV-2026-{household.id:06d}", invoice_id=invoice.id,
                   household_id=household.id, kind="correction", amount_cents=10,
                   reason=f"Geste pour {NAME}", issued_on=date(2026, 3, 1)),
    ])
    ticket = make_ticket(actor=operator, household=household,
                         subject=f"{NAME} n'a plus internet",
                         description=f"Rappeler au {PHONE} ou {EMAIL}")
    support.add_comment(ticket, actor=operator, body="Mme Diallo rappelée au 0612345678")
    make_booking(make_slot(association), household)
    record = make_session(association, household=household)
    assert _db.session.get(SessionRecord, record.id).household_id == household.id
    with history.acting_as(operator):
        household.other_members = "Moussa Diallo"
        household.email = EMAIL
        _db.session.flush()
    _db.session.flush()


def _text_values_everywhere() -> list[tuple[str, str, str]]:
    """Every text value of every table: (table, column, value)."""
    found = []
    for table in _db.metadata.sorted_tables:
        columns = [c for c in table.c if isinstance(c.type, String | Text)
                   or getattr(c.type, "impl", None).__class__ in (String, Text)]
        if not columns:
            continue
        for row in _db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and value:
                    found.append((table.name, column.name, value))
    return found


@pytest.mark.clock("2026-12-04T10:00:00+01:00")
def test_anonymisation_leaves_no_identity_in_any_table(db):
    from subscribers import services

    association = factories.make_association()
    operator = factories.make_user("operator")
    household = factories.make_household(holder_name=NAME, phone=PHONE, email=EMAIL,
                                         association=association, needs="email")
    _identity_everywhere(household, association, operator)
    services.move_out(household, moved_out_on=date(2026, 11, 30), actor=operator)

    before = _text_values_everywhere()
    assert any(IBAN in value for _t, _c, value in before)  # the check can see what it seeks

    gdpr.anonymise_household(household, actor=operator, reason="demande d'effacement",
                             route="test")

    wanted = re.compile("|".join([re.escape(NAME), "diallo", re.escape(EMAIL), "0612345678",
                                  re.escape(PHONE), re.escape(IBAN), re.escape(IBAN[:12])]),
                        re.IGNORECASE)
    leaks = [(table, column, value) for table, column, value in _text_values_everywhere()
             if wanted.search(value) or wanted.search(re.sub(r"\s", "", value))]
    assert leaks == []
    # amounts and dates stay for the accounts
    from billing.models import Payment

    payment = _db.session.execute(select(Payment).where(
        Payment.household_id == household.id)).scalar_one()
    assert payment.amount_cents == 100 and payment.received_on == date(2026, 2, 10)


def test_identity_is_found_however_it_is_written():
    identity = gdpr.Identity(NAME, PHONE, EMAIL, (IBAN,))
    for text in ("DIALLO", "+33 6 12 34 56 78", "06.12.34.56.78", "0612345678",
                 "FR76 3000 6000 0112 3456 7890 189", "AWA.DIALLO@EXAMPLE.ORG"):
        assert identity.scrub(text) == gdpr.REDACTED, text
    assert identity.scrub("Plus de connexion depuis lundi") == "Plus de connexion depuis lundi"


# --- retention: each line of the register, just before and just after its period ------------

def _purge_at(instant: str) -> gdpr.PurgeSummary:
    with time_machine.travel(datetime.fromisoformat(instant), tick=False):
        return gdpr.purge_expired()


def test_register_lists_every_purged_kind():
    kinds = " ".join(str(line[0]) for line in gdpr.REGISTER)
    for word in ("Identité", "Justificatifs", "Factures", "heure", "abonnement et par jour",
                 "Accompagnement", "Tickets", "Journal", "Historique"):
        assert word in kinds


def test_invoices_and_payments_go_after_ten_years(db):
    from billing.models import Invoice, InvoiceLine, Payment
    from tests.billing.factories import billed_household, issue

    household = billed_household(activated_on=date(2016, 10, 1))
    issue("2016-10", date(2016, 11, 2))
    from billing import payments as billing_payments

    billing_payments.record_payment(household, actor=None, amount_cents=990, method="cash",
                           received_on=date(2016, 11, 3))
    invoices = select(func.count()).select_from(Invoice).where(
        Invoice.household_id == household.id)
    payments = select(func.count()).select_from(Payment).where(
        Payment.household_id == household.id)
    assert _db.session.execute(invoices).scalar_one() == 1

    kept = _purge_at("2026-11-02T12:00:00+01:00")  # exactly ten years: still kept
    assert (kept.invoices_deleted, _db.session.execute(invoices).scalar_one()) == (0, 1)
    assert _db.session.execute(payments).scalar_one() == 1

    gone = _purge_at("2026-11-04T12:00:00+01:00")
    assert gone.invoices_deleted == 1 and gone.payments_deleted == 1
    assert _db.session.execute(invoices).scalar_one() == 0
    assert _db.session.execute(payments).scalar_one() == 0
    assert _db.session.execute(select(func.count()).select_from(InvoiceLine).where(
        InvoiceLine.subscription_id.in_([s.id for s in household.subscriptions]))
    ).scalar_one() == 0


def test_tickets_go_three_years_after_closure(db):
    from support import tickets as support
    from support.models import Ticket, TicketEvent
    from tests.support.factories import make_ticket

    with time_machine.travel(datetime.fromisoformat("2023-06-10T09:00:00+02:00"), tick=False):
        ticket = make_ticket()
        support.add_comment(ticket, actor=factories.make_user("operator"), body="vu")
        support.change_status(ticket, "resolved", actor=None, note="réparé")
        support.change_status(ticket, "closed", actor=None)
    ticket_id = ticket.id
    open_ticket = make_ticket()

    assert _purge_at("2026-06-09T12:00:00+02:00").tickets_deleted == 0
    assert _db.session.get(Ticket, ticket_id) is not None

    assert _purge_at("2026-06-11T12:00:00+02:00").tickets_deleted == 1
    _db.session.expire_all()
    assert _db.session.get(Ticket, ticket_id) is None
    assert _db.session.execute(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket_id)).first() is None
    assert _db.session.get(Ticket, open_ticket.id) is not None


def test_port_hours_go_after_ninety_days(db):
    from network.models import Port, UsageHour
    from tests.support.factories import make_device

    unit = factories.make_unit()
    device = make_device(building=unit.building, ports_for=[unit])
    port = _db.session.execute(select(Port).where(Port.device_id == device.id)).scalar_one()
    _db.session.add(UsageHour(port_id=port.id, hour=datetime.fromisoformat(
        "2026-09-01T10:00:00+00:00"), octets_in=1, octets_out=2))
    _db.session.flush()
    # kept 90 whole Europe/Paris days, then removed: on PostgreSQL with its month's partition
    # (network.usage_store), so the same instant works on both databases once September is out
    assert _purge_at("2026-11-30T09:59:00+00:00").usage_hours_deleted == 0
    assert _purge_at("2026-12-31T12:00:00+01:00").usage_hours_deleted == 1


def test_subscription_days_are_rolled_up_per_building_after_the_end(db):
    from network.models import BuildingUsageDay, UsageDay

    household = factories.make_household()
    subscription = factories.make_subscription(household=household, status="terminated",
                                               terminated_on=date(2026, 10, 1))
    building_id = household.unit.building_id
    # one day the poller also wrote per building, one day only per subscription (older data)
    _db.session.add_all([
        UsageDay(subscription_id=subscription.id, day=date(2026, 9, 29),
                 download_octets=100, upload_octets=10),
        BuildingUsageDay(building_id=building_id, day=date(2026, 9, 29),
                         download_octets=100, upload_octets=10),
        UsageDay(subscription_id=subscription.id, day=date(2026, 9, 30),
                 download_octets=300, upload_octets=30)])
    _db.session.flush()

    assert _purge_at("2026-10-31T12:00:00+01:00").subscription_usage_days_deleted == 0
    summary = _purge_at("2026-11-01T12:00:00+01:00")
    assert summary.subscription_usage_days_deleted == 2
    days = dict(_db.session.execute(select(
        BuildingUsageDay.day, BuildingUsageDay.download_octets).where(
        BuildingUsageDay.building_id == building_id)).all())
    assert days == {date(2026, 9, 29): 100, date(2026, 9, 30): 300}  # never counted twice


def test_evidence_references_go_one_year_after_validity(db):
    from billing.models import EligibilityDecision

    operator = factories.make_user("operator")
    decision = EligibilityDecision(
        household_id=factories.make_household().id, evidence_type="caf",
        evidence_reference="CAF-42", suggested_tier="T1", suggestion_reasons="QF",
        decided_tier="T1", decided_by_id=operator.id, decided_on=date(2024, 11, 1),
        valid_until=date(2025, 11, 1))
    _db.session.add(decision)
    _db.session.flush()
    assert _purge_at("2026-11-01T12:00:00+01:00").evidence_references_cleared == 0
    assert _purge_at("2026-11-02T12:00:00+01:00").evidence_references_cleared == 1
    _db.session.refresh(decision)
    assert decision.evidence_reference is None


def test_identity_goes_three_years_after_the_last_subscription(db):
    household = factories.make_household(holder_name=NAME, moved_out_on=date(2023, 11, 30))
    factories.make_subscription(household=household, status="terminated",
                                terminated_on=date(2023, 11, 30))
    assert _purge_at("2026-11-30T12:00:00+01:00").households_anonymised == 0
    assert household.holder_name == NAME
    assert _purge_at("2026-12-01T12:00:00+01:00").households_anonymised == 1
    assert household.holder_name.startswith(gdpr.ANONYMISED_NAME)


def test_session_links_of_ended_follow_ups_are_cut(db):
    """Links left by follow-ups ended before move-out cut them (older data) go at the purge."""
    from mediation.models import Assignment
    from tests.mediation.factories import make_session

    association = factories.make_association()
    household = factories.make_household(association=association)
    assignment = _db.session.execute(select(Assignment).where(
        Assignment.household_id == household.id)).scalar_one()
    record = make_session(association, household=household)
    record.assignment_id = assignment.id
    _db.session.flush()
    assert _purge_at("2026-12-04T10:00:00+01:00").session_links_cut == 0  # still followed
    assignment.ended_at = datetime.fromisoformat("2026-12-04T10:00:00+01:00")
    _db.session.flush()
    assert _purge_at("2026-12-04T10:00:00+01:00").session_links_cut == 1
    _db.session.refresh(record)
    assert (record.household_id, record.assignment_id) == (None, None)


def test_audit_entries_go_after_a_year(db):
    from isp import audit
    from isp.models import AuditEntry

    entry = audit.record("read", actor=None, record_type="household", record_id=1)
    entry.at = datetime.fromisoformat("2025-12-01T10:00:00+01:00")
    _db.session.flush()
    assert _purge_at("2026-12-01T09:59:00+01:00").audit_entries_deleted == 0
    assert _purge_at("2026-12-01T10:01:00+01:00").audit_entries_deleted == 1
    assert _db.session.get(AuditEntry, entry.id) is None


def test_purge_twice_changes_nothing_more(db):
    household = factories.make_household(moved_out_on=date(2020, 1, 1))
    factories.make_subscription(household=household, status="terminated",
                                terminated_on=date(2020, 1, 1))
    first = _purge_at("2026-12-04T10:00:00+01:00")
    second = _purge_at("2026-12-04T10:00:00+01:00")
    assert first.households_anonymised == 1
    assert second == gdpr.PurgeSummary()  # nothing left to remove
