"""The social dunning path (docs/design.md §3.3): reminders, referral, a reduction only a person
approves, and never a cut-off. Nothing here suspends or terminates a subscription.

Kept in one file (~570 lines) because the path is one sequence of steps whose conditions
refer to the steps before them; "what comes next" reads the same rules the run applies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Date, Select, bindparam, func, select

from billing.accounts import overdue_cents
from billing.choices import (
    DUNNING_SCHEDULE,
    DUNNING_THRESHOLDS,
    OPEN_STATUSES,
    CreditNoteKind,
    DunningKind,
    FslDecision,
    ReductionState,
)
from billing.invoices import issue_credit_note
from billing.models import DunningStep, FslRequest, Invoice, PaymentPlan
from billing.money import format_euros
from isp import signals
from isp.database import AmongIds, built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import is_working_day as is_business_day
from isp.timeutil import today, utcnow
from mediation.models import Assignment, Association
from subscribers.choices import SubscriptionStatus
from subscribers.lifecycle import is_debt_reason, reduce_service
from subscribers.models import Household

log = logging.getLogger(__name__)


#: Reason words that make a reduction the dunning one (``subscribers.lifecycle.is_debt_reason``
#: recognises them, so that clearing the debt lifts it).
REDUCTION_REASON = "Impayé depuis {days} jours (relance sociale, proposition n° {step})"


def may_reduce_on(day: date) -> bool:
    """A Europe/Paris working day that is not a Friday: a reduction is never applied on a
    Friday, a weekend or a French public holiday, so that help is reachable the day after."""
    return is_business_day(day) and day.weekday() != 4


def oldest_open_invoice(household_id: int) -> Invoice | None:
    return db.session.execute(
        select(Invoice).where(Invoice.household_id == household_id,
                              Invoice.status.in_(OPEN_STATUSES))
        .order_by(Invoice.due_on, Invoice.number).limit(1)).scalar_one_or_none()


def pending_fsl(household_id: int) -> FslRequest | None:
    return db.session.execute(select(FslRequest).where(
        FslRequest.household_id == household_id,
        FslRequest.decision == FslDecision.PENDING)).scalars().first()


def active_plan(household_id: int) -> PaymentPlan | None:
    return db.session.execute(select(PaymentPlan).where(
        PaymentPlan.household_id == household_id, PaymentPlan.ended_on.is_(None))).scalars().first()


def postponed_until(household_id: int, on: date) -> date | None:
    until = db.session.execute(select(func.max(DunningStep.postponed_until)).where(
        DunningStep.household_id == household_id,
        DunningStep.kind == DunningKind.POSTPONED)).scalar_one()
    return until if until is not None and until >= on else None


def _association(household_id: int):
    return db.session.execute(
        select(Association).join(Assignment, Assignment.association_id == Association.id)
        .where(Assignment.household_id == household_id, Assignment.ended_at.is_(None))
    ).scalars().first()


def reminder_text(household, invoice: Invoice, debt_cents: int) -> str:
    """The reminder letter/SMS in plain words, in the current language (the reader's)."""
    return "\n".join((
        _("Bonjour %(name)s,", name=household.holder_name),
        _("votre facture %(number)s (%(period)s) n'est pas encore réglée ; il reste %(amount)s "
          "à payer.", number=invoice.number, period=invoice.period,
          amount=format_euros(debt_cents)),
        _("Vous pouvez payer au guichet, auprès de votre association, par carte, virement ou "
          "prélèvement. En cas de difficulté, contactez-nous : nous pouvons proposer un "
          "échéancier ou vous aider à demander le FSL."),
        _("Votre accès à Internet ne sera pas coupé.")))


def referral_text(household, invoice: Invoice, debt_cents: int, association) -> str:
    """The referral letter: a payment plan and the association's help, never a threat."""
    who = association.name if association is not None else _("une association de médiation")
    return "\n".join((
        _("Bonjour %(name)s,", name=household.holder_name),
        _("il reste %(amount)s à payer depuis la facture %(number)s. Nous vous proposons un "
          "échéancier adapté à vos moyens, et %(who)s peut vous accompagner (budget, "
          "démarches, demande d'aide au FSL).", amount=format_euros(debt_cents),
          number=invoice.number, who=who),
        _("Votre accès à Internet ne sera pas coupé.")))


def proposal_text(days_overdue: int) -> str:
    return _("Proposition (J+%(days)s) : réduire le débit au minimum (le web et la messagerie "
             "restent utilisables). À approuver par un opérateur, un jour ouvré autre que le "
             "vendredi.", days=days_overdue)


def letter_text(step: DunningStep, locale: str | None = None) -> str | None:
    """A step's letter, written again from its facts in ``locale`` (default: the reader's).

    Staff read it in their language; the household gets it in its own (``step.text`` keeps
    what was sent). A step without a letter (postponement, hold) has none.
    """
    if step.kind not in (DunningKind.REMINDER, DunningKind.REFERRAL, DunningKind.REDUCTION) \
            or step.invoice_id is None:
        return step.text
    invoice = db.session.get(Invoice, step.invoice_id)
    if locale is None:
        return _letter(step, invoice)
    with force_locale(locale):
        return _letter(step, invoice)


def _letter(step: DunningStep, invoice: Invoice) -> str:
    if step.kind == DunningKind.REMINDER:
        return reminder_text(step.household, invoice, step.debt_cents)
    if step.kind == DunningKind.REFERRAL:
        association = db.session.get(Association, step.association_id) \
            if step.association_id else None
        return referral_text(step.household, invoice, step.debt_cents, association)
    return proposal_text(step.days_overdue)


def household_locale(household) -> str:
    """The language a household reads its letters in: its own when the interface has it."""
    languages = current_app.config.get("LANGUAGES", ("fr", "en"))
    return household.language if household.language in languages else "fr"


@dataclass
class DunningResult:
    on: date
    reminders: int = 0
    referrals: int = 0
    proposals: int = 0
    held: int = 0
    lifted: int = 0


def run_dunning(*, on: date | None = None, actor: User | None = None) -> DunningResult:
    """The daily pass: at most one new step per household, holds respected, reductions lifted."""
    on = on or today()
    result = DunningResult(on)
    result.lifted = lift_cleared(on=on, actor=actor)
    first_step_days = DUNNING_THRESHOLDS[0][0]
    late = db.session.execute(
        select(Invoice.household_id).where(Invoice.status.in_(OPEN_STATUSES),
                                           Invoice.due_on <= on - timedelta(days=first_step_days))
        .distinct()).scalars().all()
    for household_id in late:
        if pending_fsl(household_id) or active_plan(household_id) or \
                postponed_until(household_id, on):
            result.held += 1
            continue
        invoice = oldest_open_invoice(household_id)
        days = (on - invoice.due_on).days
        done = set(db.session.execute(select(DunningStep.kind).where(
            DunningStep.household_id == household_id,
            DunningStep.invoice_id == invoice.id)).scalars())
        step_kind = next((kind for threshold, kind in DUNNING_THRESHOLDS
                          if kind not in done), None)
        threshold = next((t for t, kind in DUNNING_THRESHOLDS if kind == step_kind), None)
        if step_kind is None or days < threshold:
            continue
        household = db.session.get(Household, household_id)
        debt = overdue(household_id, on)
        step = DunningStep(household_id=household_id, invoice_id=invoice.id, kind=step_kind,
                           on=on, days_overdue=days, debt_cents=debt)
        if step_kind is DunningKind.REMINDER:
            result.reminders += 1
        elif step_kind is DunningKind.REFERRAL:
            association = _association(household_id)
            step.association_id = association.id if association else None
            result.referrals += 1
        else:
            step.state = ReductionState.PROPOSED
            result.proposals += 1
        step.household = household
        # What the household is sent, in its language (screens write it again in theirs).
        step.text = letter_text(step, household_locale(household))
        db.session.add(step)
        if step_kind in (DunningKind.REMINDER, DunningKind.REFERRAL):  # a letter is sent
            signals.dunning_step_recorded.send(household, step=str(step_kind),
                                               letter_text=step.text, on=on)
    db.session.flush()
    log.info("Dunning %s: %d reminders, %d referrals, %d proposals, %d held, %d lifted",
             on, result.reminders, result.referrals, result.proposals, result.held,
             result.lifted)
    return result


def overdue(household_id: int, on: date) -> int:
    return overdue_cents(household_id, on=on)


def check_reduction(household_id: int, *, reason: str | None, actor: User | None,
                    step: DunningStep | None = None, on: date | None = None) -> None:
    """The one rule deciding whether a household's service may be reduced (issue 16.6).

    A reduction for debt follows the dunning path, whatever the screen, API or command: a
    proposal made by the daily pass (``step``), approved by a named person, on a Paris working
    day other than a Friday, while the household is not postponed, has no pending FSL request
    and no payment plan, and still owes money. Without a dunning step ("manual" reduce from
    the subscription screen or API) a reduction is only a non-debt one — a technical reason or
    the household's own request — and is refused while the household is in arrears, so that a
    debt reduction can never be dressed up as something else. Raises DomainError.
    """
    on = on or today()
    if actor is None:
        raise DomainError(_("Une réduction est approuvée par une personne nommée"))
    if step is None:
        if is_debt_reason(reason) or overdue(household_id, on) > 0:
            days = DUNNING_SCHEDULE[DunningKind.REDUCTION]
            raise DomainError(
                _(
                    "Une réduction pour impayé suit la relance sociale : proposition à "
                    "J+%(days)s, approuvée par un opérateur un jour ouvré (jamais un vendredi, "
                    "un week-end ou un jour férié), hors report, demande FSL ou échéancier. "
                    "Approuvez la proposition depuis la page des relances.", days=days),
                field="action", status=409)
        return
    if step.household_id != household_id or step.kind != DunningKind.REDUCTION \
            or step.state != ReductionState.PROPOSED:
        raise DomainError(_("Cette proposition n'est plus en attente"), status=409)
    if not may_reduce_on(on):
        raise DomainError(_(
            "Une réduction ne s'applique jamais un vendredi, un week-end ou un jour férié : "
            "approuvez-la un autre jour"), field="on")
    until = postponed_until(household_id, on)
    if until is not None:
        raise DomainError(_(
            "La relance de ce foyer est reportée jusqu'au %(value)s : aucune réduction avant "
            "cette date", value=until.isoformat()), status=409)
    if pending_fsl(household_id) or active_plan(household_id):
        raise DomainError(_("Une demande FSL ou un échéancier est en cours : la relance attend"),
                          status=409)
    if overdue(household_id, on) <= 0:
        raise DomainError(_("La dette est réglée : rien à réduire"), status=409)


def approve_reduction(step: DunningStep, *, actor: User, on: date | None = None) -> DunningStep:
    """An operator approves a proposed reduction; the service goes to the minimum speed."""
    on = on or today()
    reason = REDUCTION_REASON.format(days=step.days_overdue, step=step.id)
    check_reduction(step.household_id, reason=reason, actor=actor, step=step, on=on)
    household = step.household
    for subscription in household.subscriptions:
        if subscription.status == SubscriptionStatus.ACTIVE:
            reduce_service(subscription, actor=actor, reason=reason, dunning_step=step, on=on)
    step.state = ReductionState.APPLIED
    step.decided_by_id, step.decided_at = actor.id, utcnow()
    db.session.flush()
    return step


def reject_reduction(step: DunningStep, *, actor: User, reason: str) -> DunningStep:
    """An operator declines a proposed reduction, with a reason."""
    if step.state != ReductionState.PROPOSED:
        raise DomainError(_("Cette proposition n'est plus en attente"), status=409)
    if not (reason or "").strip():
        raise DomainError(_("Le motif est obligatoire"), field="reason")
    step.state, step.reason = ReductionState.REJECTED, reason.strip()
    step.decided_by_id, step.decided_at = actor.id, utcnow()
    db.session.flush()
    return step


def postpone(household, *, actor: User, until: date, reason: str,
             on: date | None = None) -> DunningStep:
    """Hold any next step for one household until a date, with a reason."""
    on = on or today()
    if until <= on:
        raise DomainError(_("La date de report doit être dans le futur"), field="until")
    if not (reason or "").strip():
        raise DomainError(_("Le motif du report est obligatoire"), field="reason")
    step = DunningStep(household_id=household.id, kind=DunningKind.POSTPONED, on=on,
                       postponed_until=until, reason=reason.strip(), decided_by_id=actor.id,
                       decided_at=utcnow())
    db.session.add(step)
    db.session.flush()
    return step


def _lift(household_id: int, *, on: date, actor: User | None, why: str) -> bool:
    """The debt is cleared: close open reduction steps and declare ``debt_cleared``.

    Billing owns the decision that the debt is cleared and emits the event; restoring the
    service is the subscriptions' reaction (``subscribers.lifecycle``), its one owner.
    True when a reduction step was open.
    """
    steps = db.session.execute(select(DunningStep).where(
        DunningStep.household_id == household_id, DunningStep.kind == DunningKind.REDUCTION,
        DunningStep.state.in_((ReductionState.PROPOSED, ReductionState.APPLIED)))).scalars().all()
    for step in steps:
        step.state = ReductionState.LIFTED if step.state == ReductionState.APPLIED \
            else ReductionState.WITHDRAWN
        step.lifted_on = on
    db.session.flush()
    signals.debt_cleared.send(db.session.get(Household, household_id), actor=actor, reason=why)
    return bool(steps)


def lift_cleared(*, on: date, actor: User | None = None) -> int:
    """Lift reductions of households whose debt is paid or who agreed a plan (daily net)."""
    households = db.session.execute(select(DunningStep.household_id).where(
        DunningStep.kind == DunningKind.REDUCTION,
        DunningStep.state.in_((ReductionState.PROPOSED, ReductionState.APPLIED))).distinct()
    ).scalars().all()
    lifted = 0
    for household_id in households:
        cleared = overdue(household_id, on) <= 0 or active_plan(household_id) is not None
        if cleared and _lift(household_id, on=on, actor=actor, why="Dette réglée ou échéancier"):
            lifted += 1
    return lifted


def after_payment(household, *, actor: User | None, owed_before: int) -> None:
    """Called when money arrives: the day the debt is cleared, the reduction is lifted."""
    on = today()
    if owed_before > 0 and overdue(household.id, on) <= 0:
        _lift(household.id, on=on, actor=actor, why="Dette réglée")


def agree_payment_plan(household, *, actor: User, monthly_cents: int, months: int,
                       note: str | None = None, on: date | None = None) -> PaymentPlan:
    """Record an agreed schedule: escalation waits and any reduction is lifted today."""
    on = on or today()
    if monthly_cents <= 0 or not 1 <= months <= 36:
        raise DomainError(_("Échéancier : une mensualité positive sur 1 à 36 mois"),
                          field="monthly_cents")
    if active_plan(household.id):
        raise DomainError(_("Un échéancier est déjà en cours"), status=409)
    plan = PaymentPlan(household_id=household.id, agreed_on=on, monthly_cents=monthly_cents,
                       months=months, note=(note or "").strip() or None, agreed_by_id=actor.id)
    db.session.add(plan)
    db.session.flush()
    _lift(household.id, on=on, actor=actor, why="Échéancier convenu")
    return plan


def end_payment_plan(plan: PaymentPlan, *, actor: User, on: date | None = None) -> PaymentPlan:
    """Close a schedule (kept or broken); dunning resumes from where it stood."""
    if plan.ended_on is not None:
        raise DomainError(_("Cet échéancier est déjà terminé"), status=409)
    plan.ended_on = on or today()
    log.info("%s ended payment plan %s", actor.email, plan.id)
    db.session.flush()
    return plan


def file_fsl_request(household, *, actor: User, filed_on: date,
                     note: str | None = None) -> FslRequest:
    """Record an FSL aid request: every escalation waits while it is pending."""
    if filed_on > today():
        raise DomainError(_("La date de dépôt est dans le futur"), field="filed_on")
    if pending_fsl(household.id):
        raise DomainError(_("Une demande FSL est déjà en attente"), status=409)
    request = FslRequest(household_id=household.id, filed_on=filed_on,
                         note=(note or "").strip() or None, recorded_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    return request


def decide_fsl(request: FslRequest, *, actor: User, decision: str, decided_on: date,
               amount_cents: int | None = None) -> FslRequest:
    """Record the fund's answer; a grant writes the debt off with credit notes (never deletes)."""
    if request.decision != FslDecision.PENDING:
        raise DomainError(_("Cette demande a déjà une réponse"), status=409)
    if decision not in (FslDecision.GRANTED, FslDecision.REFUSED):
        raise DomainError(_("Réponse attendue : granted ou refused"), field="decision")
    if decided_on < request.filed_on:
        raise DomainError(_("La réponse précède la demande"), field="decided_on")
    request.decision, request.decided_on = decision, decided_on
    if decision == FslDecision.GRANTED:
        if not amount_cents or amount_cents <= 0:
            raise DomainError(_("Indiquez le montant accordé"), field="amount_cents")
        request.amount_cents = amount_cents
        remaining = amount_cents
        invoices = db.session.execute(
            select(Invoice).where(Invoice.household_id == request.household_id,
                                  Invoice.status.in_(OPEN_STATUSES))
            .order_by(Invoice.due_on, Invoice.number)).scalars().all()
        for invoice in invoices:
            take = min(remaining, invoice.due_cents)
            if take > 0:
                issue_credit_note(invoice, actor=actor, amount_cents=take,
                                  kind=CreditNoteKind.FSL_WRITE_OFF, issued_on=decided_on,
                                  reason=f"Prise en charge FSL (demande du "
                                         f"{request.filed_on.isoformat()})")
                remaining -= take
        if remaining > 0:
            raise DomainError(_("Le montant accordé dépasse la dette"), field="amount_cents")
        if overdue(request.household_id, today()) <= 0:
            _lift(request.household_id, on=decided_on, actor=actor, why="Dette prise en charge")
    db.session.flush()
    return request


def household_steps(household_id: int) -> list[DunningStep]:
    return list(db.session.execute(select(DunningStep).where(
        DunningStep.household_id == household_id).order_by(DunningStep.on.desc(),
                                                           DunningStep.id.desc())).scalars())


def pending_proposals():
    """Reduction proposals waiting for an operator."""
    return select(DunningStep).where(DunningStep.kind == DunningKind.REDUCTION,
                                     DunningStep.state == ReductionState.PROPOSED) \
        .order_by(DunningStep.on, DunningStep.id)




# --- what comes next ---------------------------------------------------------------------------

#: Kinds of ``NextStep`` besides the scheduled ``DunningKind`` steps.
APPROVAL, LIFT, END = "approval", "lift", "end"


@dataclass(frozen=True)
class NextStep:
    """What the dunning path does next for one household in arrears, and when.

    ``kind`` is a scheduled step (reminder, referral, reduction proposal), ``approval`` (a
    proposal waits for an operator), ``lift`` (an applied reduction ends the day the debt is
    cleared) or ``end``. ``on`` is the day it comes at the earliest — ``None`` while a hold
    without an end date (FSL request, payment plan) stands or when it depends on a payment.
    ``approvable_from`` is, for a reduction, the first day an operator may approve it.
    """

    household_id: int
    invoice_number: str | None
    due_on: date
    days_overdue: int
    kind: str
    on: date | None
    hold: str | None = None
    hold_until: date | None = None
    approvable_from: date | None = None


def next_reduction_day(day: date) -> date:
    """The first day from ``day`` on which a reduction may be approved (``may_reduce_on``)."""
    while not may_reduce_on(day):
        day += timedelta(days=1)
    return day


# ``next_steps``' three statements, built once (isp.database.built_once): the dunning page and
# the API ask them for a page of households on every request (issue 23.3).
@built_once
def _open_invoices_statement(of_households: bool) -> Select:
    """Open invoices, each household's oldest first; of the households in ``ids`` or all."""
    statement = (select(Invoice.id, Invoice.household_id, Invoice.number, Invoice.due_on)
                 .where(Invoice.status.in_(OPEN_STATUSES))
                 .order_by(Invoice.household_id, Invoice.due_on, Invoice.number))
    return statement.where(AmongIds(Invoice.household_id, "ids")) if of_households else statement


@built_once
def _steps_of_invoices_statement() -> Select:
    return select(DunningStep).where(AmongIds(DunningStep.invoice_id, "ids"))


@built_once
def _holds_statement() -> Select:
    """The holds of the households of the invoices in ``ids``, a column each (were three
    statements)."""
    holder = Invoice.household_id
    fsl_pending = select(FslRequest.id).where(
        FslRequest.household_id == holder, FslRequest.decision == FslDecision.PENDING).exists()
    plan_open = select(PaymentPlan.id).where(
        PaymentPlan.household_id == holder, PaymentPlan.ended_on.is_(None)).exists()
    postponed_until = select(func.max(DunningStep.postponed_until)).where(
        DunningStep.household_id == holder, DunningStep.kind == DunningKind.POSTPONED
    ).scalar_subquery()
    return select(holder, fsl_pending, plan_open, postponed_until).where(
        AmongIds(Invoice.id, "ids"))


def next_steps(household_ids: list[int] | None = None, *,
               on: date | None = None) -> dict[int, NextStep]:
    """Each household's next dunning step, computed as ``run_dunning`` will act (the one home of
    this forecast: the dunning page, the statement and the API show it).

    Only households with an open invoice past its due date are in arrears and appear. The
    schedule is ``DUNNING_SCHEDULE``, counted from the due date of the oldest open invoice;
    the daily pass makes at most one step a day per household; holds (pending FSL request,
    payment plan, postponement) stop every escalation; a reduction is approved only on a
    ``may_reduce_on`` day. Three queries, whatever the number of households.
    """
    on = on or today()
    if household_ids is not None and not household_ids:
        return {}
    oldest: dict[int, tuple] = {}
    for row in db.session.execute(_open_invoices_statement(household_ids is not None),
                                  {} if household_ids is None else {"ids": household_ids}):
        oldest.setdefault(row.household_id, row)
    oldest = {hh: row for hh, row in oldest.items() if row.due_on < on}
    if not oldest:
        return {}
    invoice_ids = [row.id for row in oldest.values()]
    done: dict[int, dict[str, DunningStep]] = {}
    made_today: set[int] = set()
    for step in db.session.execute(_steps_of_invoices_statement(),
                                   {"ids": invoice_ids}).scalars():
        done.setdefault(step.household_id, {})[step.kind] = step
        if step.on == on:
            made_today.add(step.household_id)
    fsl: set[int] = set()
    plans: set[int] = set()
    postponed: dict[int, date] = {}
    for household_id, has_fsl, has_plan, until in db.session.execute(
            _holds_statement(), {"ids": invoice_ids}):
        if has_fsl:
            fsl.add(household_id)
        if has_plan:
            plans.add(household_id)
        if until is not None:
            postponed[household_id] = until
    result = {}
    for household_id, invoice in oldest.items():
        until = postponed.get(household_id)
        hold = "fsl" if household_id in fsl else "plan" if household_id in plans else \
            "postponed" if until is not None and until >= on else None
        # The first day the daily pass may act: not today if it already acted today, not
        # before a postponement has ended (``postponed_until`` holds on its last day too).
        earliest = on + timedelta(days=1) if household_id in made_today else on
        if hold == "postponed":
            earliest = max(earliest, until + timedelta(days=1))
        steps = done.get(household_id, {})
        kind: str = END
        day: date | None = None
        approvable = None
        pending = next((k for _days, k in DUNNING_THRESHOLDS if k not in steps), None)
        if pending is not None:
            kind = pending
            day = max(invoice.due_on + timedelta(days=DUNNING_SCHEDULE[pending]), earliest)
        else:
            state = steps[DunningKind.REDUCTION].state
            if state == ReductionState.PROPOSED:
                kind, day = APPROVAL, max(on, earliest if hold == "postponed" else on)
            elif state == ReductionState.APPLIED:
                kind = LIFT
        if kind in (DunningKind.REDUCTION, APPROVAL):
            approvable = next_reduction_day(day)
            if kind == APPROVAL:
                day = approvable
        if hold in ("fsl", "plan") and kind not in (LIFT, END):
            day = approvable = None
        result[household_id] = NextStep(
            household_id=household_id, invoice_number=invoice.number, due_on=invoice.due_on,
            days_overdue=(on - invoice.due_on).days, kind=str(kind), on=day, hold=hold,
            hold_until=until if hold == "postponed" else None, approvable_from=approvable)
    return result


def next_step(household_id: int, *, on: date | None = None) -> NextStep | None:
    """One household's next dunning step (``next_steps``), None when it is not in arrears."""
    return next_steps([household_id], on=on).get(household_id)


def arrears_query(on: date | None = None) -> Select:
    """Households with an open invoice past its due date (id, oldest due date), the longest
    overdue first: the households ``next_steps`` speaks of, for a paginated list."""
    return arrears_statement().params(**arrears_values(on))


@built_once
def arrears_statement() -> Select:
    """``arrears_query`` built once (isp.database.built_once), for lists: run it with
    ``arrears_values`` (``paginate``'s ``values``)."""
    oldest_due = func.min(Invoice.due_on)
    return select(Invoice.household_id, oldest_due.label("due_on")) \
        .where(Invoice.status.in_(OPEN_STATUSES), Invoice.due_on < bindparam("on", type_=Date)) \
        .group_by(Invoice.household_id).order_by(oldest_due, Invoice.household_id)


def arrears_values(on: date | None = None) -> dict[str, date]:
    """The values of ``arrears_statement`` on ``on`` (default today)."""
    return {"on": on or today()}
