"""Residents' receivers: the account ends with the move-out; notices of other domains' events.

Receivers run in the sender's transaction: they flush, never commit; notices are stored here
and delivered after the commit (residents.notices.deliver_pending).
"""

from __future__ import annotations

from sqlalchemy import select

from isp import signals
from isp.extensions import db
from isp.timeutil import today
from mediation.assignments import current_assignment
from residents import notices
from residents.accounts import end_account
from residents.identity import lives_in_its_flat
from residents.models import Notice, ResidentAccount
from subscribers.models import Household


@signals.household_moved_out.connect
def _end_accounts_at_move_out(household, moved_out_on=None, **_kwargs) -> None:
    if moved_out_on is not None and moved_out_on > today():
        return  # a move-out announced ahead ends the account on its day (jobs.end_moved_out)
    end_accounts_of(household.id)


def end_accounts_of(household_id: int) -> int:
    accounts = db.session.execute(select(ResidentAccount).where(
        ResidentAccount.household_id == household_id,
        ResidentAccount.ended_at.is_(None))).scalars().all()
    for account in accounts:
        end_account(account, "moved_out")
    return len(accounts)


# --- notices -------------------------------------------------------------------------------


def _current_households_of_units(unit_codes) -> list[int]:
    codes = list(unit_codes or [])
    ids: list[int] = []
    for start in range(0, len(codes), 500):
        for household in db.session.execute(select(Household).where(
                Household.unit_code.in_(codes[start:start + 500]),
                Household.anonymised_at.is_(None))).scalars():
            if lives_in_its_flat(household):
                ids.append(household.id)
    return ids


@signals.outage_started.connect
def _notice_outage_started(outage, affected_unit_codes=(), incident_outage_id=None,
                           **_kwargs) -> None:
    # One incident (a failed uplink and the switches behind it) is one notice.
    incident = incident_outage_id or outage.id
    accounts = notices.accounts_to_notify(_current_households_of_units(affected_unit_codes))
    notices.notify(accounts, "outage_started", f"outage:{incident}:start",
                   {"when_at": outage.started_at})


@signals.outage_ended.connect
def _notice_outage_ended(outage, **_kwargs) -> None:
    if outage.incident_outage_id is not None:
        return  # a part of an incident: its end is said when the incident ends
    notified = db.session.execute(select(Notice.account_id).where(
        Notice.source_ref == f"outage:{outage.id}:start").distinct()).scalars().all()
    if not notified:
        return
    accounts = [account for account in db.session.execute(select(ResidentAccount).where(
        ResidentAccount.id.in_(notified), ResidentAccount.ended_at.is_(None))).scalars()]
    notices.notify(accounts, "outage_ended", f"outage:{outage.id}:end")


@signals.invoice_issued.connect
def _notice_invoice(invoice, household_id=None, **_kwargs) -> None:
    household_id = household_id or invoice.household_id
    if household_id not in notices.households_with_opt_in():
        return  # most households: no query per invoice of a run
    notices.notify(notices.accounts_to_notify([household_id]), "invoice_issued",
                   f"invoice:{invoice.number}",
                   {"number": invoice.number, "amount_cents": invoice.total_cents})


@signals.dunning_step_recorded.connect
def _notice_dunning(household, step=None, on=None, **_kwargs) -> None:
    accounts = notices.accounts_to_notify([household.id])
    if not accounts:
        return
    assignment = current_assignment(household.id)
    phone = assignment.association.phone if assignment and assignment.association else None
    notices.notify(accounts, "dunning_step", f"dunning:{on}:{step}",
                   {"phone": f" ({phone})" if phone else ""})
