"""Notices to residents: opt-in per channel, stored with their delivery, from the real events
(an outage and its end, an invoice issued, a dunning letter, tomorrow's appointment), in kind
words that never threaten a cut-off."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from isp import signals
from isp.extensions import db as _db
from residents import mail, notices, sms
from residents.jobs import appointment_reminders
from residents.models import Notice
from tests import factories
from tests.billing.factories import billed_household, issue
from tests.residents.conftest import make_resident


def _opted_in(household=None, *, login="06 12 34 56 78", sms_on=True, email_on=False):
    user, household, account = make_resident(household, login=login)
    account.notify_sms, account.notify_email = sms_on, email_on
    _db.session.flush()
    return account


def _notices(household_id):
    return _db.session.execute(select(Notice).where(Notice.household_id == household_id)
                               .order_by(Notice.id)).scalars().all()


def _outage(unit_code):
    from network.models import Outage

    outage = Outage(started_at=datetime(2026, 11, 14, 8, 30, tzinfo=UTC), cause="no_answer")
    _db.session.add(outage)
    _db.session.flush()
    return outage


def test_an_outage_notifies_opted_in_residents_of_the_building_then_its_end(db):
    account = _opted_in()
    household = account.household
    silent = make_resident(household, login="silent@example.org")[2]  # opted in to nothing
    outage = _outage(household.unit_code)
    signals.outage_started.send(outage, affected_unit_codes=[household.unit_code, "ELSEWHERE"],
                                incident_outage_id=None)
    signals.outage_started.send(outage, affected_unit_codes=[household.unit_code],
                                incident_outage_id=None)  # seen twice: one notice
    rows = _notices(household.id)
    assert [(n.kind, n.channel, n.recipient, n.status) for n in rows] == [
        ("outage_started", "sms", "+33612345678", "pending")]
    assert "14/11/2026 09:30" in rows[0].text  # Paris time
    assert all(n.account_id != silent.id for n in rows)

    outage.ended_at = datetime(2026, 11, 14, 10, 0, tzinfo=UTC)
    signals.outage_ended.send(outage, duration_s=5400)
    assert [n.kind for n in _notices(household.id)] == ["outage_started", "outage_ended"]


def test_pending_notices_are_delivered_once_and_marked(db):
    account = _opted_in(email_on=True, login="06 11 11 11 11")
    account.email = "rose@example.org"
    outage = _outage(account.household.unit_code)
    signals.outage_started.send(outage, affected_unit_codes=[account.household.unit_code])
    _db.session.commit()
    sent_before = len(sms.OUTBOX)
    assert notices.deliver_pending() == (2, 0)
    assert notices.deliver_pending() == (0, 0)  # nothing twice
    rows = _notices(account.household_id)
    assert {(n.channel, n.status) for n in rows} == {("sms", "sent"), ("email", "sent")}
    assert all(n.sent_at is not None for n in rows)
    assert len(sms.OUTBOX) == sent_before + 1
    assert mail.OUTBOX[-1][0] == "rose@example.org"


def test_a_failed_delivery_is_kept_with_its_error_and_retried(app, db):
    account = _opted_in(login="06 22 22 22 22")
    signals.outage_started.send(_outage("X"), affected_unit_codes=[account.household.unit_code])
    _db.session.commit()
    app.config.update(SMS_BACKEND="http", SMS_URL="http://127.0.0.1:9/")  # nobody listens
    try:
        assert notices.deliver_pending() == (0, 1)
    finally:
        app.config.update(SMS_BACKEND="simulator", SMS_URL=None)
    notice = _notices(account.household_id)[0]
    assert notice.status == "pending" and notice.attempts == 1 and "unreachable" in notice.error
    assert notices.deliver_pending() == (1, 0)


def test_an_issued_invoice_is_announced_to_its_household_only(db):
    household = billed_household(tier="T2")
    other = billed_household(tier="T2")
    _opted_in(household)
    issue("2026-08", date(2026, 9, 2))
    rows = _notices(household.id)
    assert [n.kind for n in rows] == ["invoice_issued"]
    assert re.search(r"FA-2026-\d+", rows[0].text)
    assert _notices(other.id) == []


def test_a_dunning_letter_is_announced_kindly(db):
    from billing import dunning

    association = factories.make_association(name="Asso du quartier", phone="02 40 00 00 00")
    household = billed_household(tier="T2", association=association)
    _opted_in(household)
    issue("2026-08", date(2026, 9, 2))
    dunning.run_dunning(on=date(2026, 10, 17))  # the reminder, 15 days after the due date
    rows = [n for n in _notices(household.id) if n.kind == "dunning_step"]
    assert len(rows) == 1
    assert "jamais coupé" in rows[0].text and "02 40 00 00 00" in rows[0].text


@pytest.mark.clock("2026-11-15T10:00:00+01:00")
def test_tomorrows_appointments_are_reminded_once(db):
    from tests.mediation.factories import make_booking, make_slot

    association = factories.make_association(name="Les Connectés")
    account = _opted_in(factories.make_household(association=association))
    tomorrow = make_slot(association, starts_at=datetime(2026, 11, 16, 13, 0, tzinfo=UTC))
    later = make_slot(association, starts_at=datetime(2026, 11, 18, 13, 0, tzinfo=UTC))
    make_booking(tomorrow, account.household)
    make_booking(later, account.household)
    assert appointment_reminders() == 1
    assert appointment_reminders() == 0
    notice = _notices(account.household_id)[0]
    assert notice.kind == "appointment_reminder"
    assert "16/11/2026 14:00" in notice.text and "Les Connectés" in notice.text


#: Words that would threaten: a notice never says the line will be cut, suspended or ended.
THREATS = re.compile(r"coupure|sera coupé|couperons|couper|suspen|résili|interromp|"
                     r"cut off|disconnect|suspend|terminat", re.IGNORECASE)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", sorted(notices.KIND_LABELS))
def test_no_notice_threatens_a_cut_off(db, kind, language):
    values = {"when": "16/11/2026 14:00", "number": "FA-2026-000001", "amount": "5,00 €",
              "association": "Asso", "place": "", "phone": " (02 40 00 00 00)"}
    subject, text = notices.render(kind, values, language)
    assert not THREATS.search(subject + " " + text), text
    if kind == "dunning_step":
        assert ("jamais coupé" if language == "fr" else "never") in text


def test_preferences_need_the_channels_address(db):
    from isp.errors import DomainError

    account = make_resident(login="rose@example.org")[2]
    with pytest.raises(DomainError) as error:
        notices.set_preferences(account, sms=True, email=True)
    assert error.value.field == "notify_sms"
    notices.set_preferences(account, sms=False, email=True)
    assert account.notify_email and not account.notify_sms


def test_moved_out_households_are_not_notified(db):
    account = _opted_in(login="06 33 33 33 33")
    household = account.household
    from subscribers.services import move_out

    move_out(household, moved_out_on=date(2026, 1, 10), actor=factories.make_user())
    signals.outage_started.send(_outage("Y"), affected_unit_codes=[household.unit_code])
    assert _notices(household.id) == []


def test_the_operator_records_the_residents_channels_on_the_household_page(client, db,
                                                                           login_as):
    account = make_resident(login="06 77 77 77 77")[2]
    login_as("operator")
    url = f"/households/{account.household_id}/resident-accounts/{account.id}/notices"
    assert client.post(url, data={"notify_sms": "y"}).status_code == 303
    _db.session.refresh(account)
    assert account.notify_sms and not account.notify_email
    # E-mail on a phone login: refused, nothing changed.
    assert client.post(url, data={"notify_email": "y"}).status_code == 400
    _db.session.refresh(account)
    assert account.notify_sms


def test_the_command_delivers_what_jobs_and_the_poller_stored(runner, db):
    account = _opted_in(login="06 88 88 88 88")
    signals.outage_started.send(_outage("Z"), affected_unit_codes=[account.household.unit_code])
    _db.session.commit()
    result = runner.invoke(args=["residents", "deliver-notices"])
    assert result.exit_code == 0 and "1 sent" in result.output
    assert _notices(account.household_id)[0].status == "sent"
