"""Payments received: checked, allocated oldest invoice first, then the dunning path told.

The caller commits.
"""

from __future__ import annotations

from datetime import date

from billing import dunning
from billing.accounts import allocate, balance, lock_account, overdue_cents
from billing.choices import PaymentMethod
from billing.fields import AMOUNT_CENTS, RECEIVED_ON, REFERENCE
from billing.models import Payment
from billing.money import format_euros
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today

#: A payment typed in a form or sent to the API that exceeds what the household owes by more
#: than this must be confirmed (issue 18.10): 50 € lets a household pay several months ahead
#: at any tier (9,90 € at most a month), and catches a slip such as 100 000 € for 5,90 €.
OVERPAYMENT_MARGIN_CENTS = 5_000


def overpayment_limit_cents(household_id: int) -> int:
    """The largest payment taken without confirmation: what is owed (issued invoices, less any
    credit; never below zero) plus ``OVERPAYMENT_MARGIN_CENTS``."""
    return max(balance(household_id).balance_cents, 0) + OVERPAYMENT_MARGIN_CENTS


def record_payment(household, *, actor: User | None, amount_cents: int, method: str,
                   received_on: date, reference: str | None = None,
                   confirm_overpayment: bool | None = None) -> Payment:
    """Record money received and allocate it oldest invoice first; any excess is credit.

    ``confirm_overpayment`` is given by the entry points where a person types the amount (form,
    API): False refuses an amount above ``overpayment_limit_cents`` (field
    ``confirm_overpayment``); None (imports of money already received) does not ask.
    """
    amount_cents = AMOUNT_CENTS.check(amount_cents)
    received_on = RECEIVED_ON.check(received_on)
    reference = REFERENCE.check(reference)
    if method not in list(PaymentMethod):
        raise DomainError(_(
            "Moyen de paiement inconnu : %(method)s", method=method), field="method")
    if received_on > today():
        raise DomainError(_("La date de réception est dans le futur"), field="received_on")
    lock_account(household.id)
    if confirm_overpayment is False:
        limit = overpayment_limit_cents(household.id)
        if amount_cents > limit:
            owed = limit - OVERPAYMENT_MARGIN_CENTS
            raise DomainError(
                _(
                    "%(value)s dépasse de plus de %(value2)s ce que le foyer doit (%(value3)s) "
                    ": vérifiez le montant, puis confirmez-le.",
                    value=format_euros(amount_cents),
                    value2=format_euros(OVERPAYMENT_MARGIN_CENTS), value3=format_euros(owed)),
                field="confirm_overpayment")
    owed_before = overdue_cents(household.id, on=today())
    payment = Payment(household_id=household.id, amount_cents=amount_cents, method=method,
                      received_on=received_on, reference=(reference or "").strip() or None,
                      unallocated_cents=amount_cents,
                      recorded_by_id=actor.id if actor else None)
    db.session.add(payment)
    db.session.flush()
    allocate(household.id, on=received_on)
    dunning.after_payment(household, actor=actor, owed_before=owed_before)
    return payment
