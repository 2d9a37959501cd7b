"""Billing pages: runs and review, invoices, payments, eligibility, dunning, tariffs, exports.

Kept in one file (~590 lines) because its pages share one blueprint: split into more
``views_*.py`` modules (as options and plans are), they would need blueprints of their own and
their endpoints (``billing.*``, named by templates and other domains) would change.

Mediators and analysts see no invoice: every page here is for operators (and admins).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from billing import accounts, dunning, eligibility, exports, payments, reports
from billing import invoices as billing_invoices
from billing import runs as billing_runs
from billing import tariffs as billing_tariffs
from billing.choices import (
    CREDIT_NOTE_KIND_LABELS,
    DUNNING_KIND_LABELS,
    DUNNING_SCHEDULE,
    EVIDENCE_LABELS,
    FSL_DECISION_LABELS,
    HOLD_LABELS,
    INVOICE_STATUS_LABELS,
    NEXT_STEP_LABELS,
    PAYMENT_METHOD_LABELS,
    REDUCTION_STATE_LABELS,
)
from billing.forms import (
    ActionForm,
    CreditNoteForm,
    EligibilityForm,
    FslDecisionForm,
    FslForm,
    MandateForm,
    PaymentForm,
    PaymentPlanForm,
    PostponeForm,
    ReasonForm,
    RunForm,
    TierForm,
    cents,
)
from billing.models import (
    BillingRun,
    CreditNote,
    DunningStep,
    FslRequest,
    Invoice,
    Plan,
    SepaMandate,
)
from billing.money import add_months, parse_period, period_of
from billing.pdf import invoice_pdf as render_pdf
from billing.schemas import InvoiceQuery
from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.forms import flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.i18n import ngettext
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import today
from subscribers.models import Household
from subscribers.services import get_household

bp = Blueprint("billing", __name__, template_folder="templates", url_prefix="/billing")


@bp.app_context_processor
def _dunning_schedule() -> dict:
    """The dunning schedule for every page that states it (the charter): one definition."""
    return {"dunning_days": {str(kind): days for kind, days in DUNNING_SCHEDULE.items()}}

register_nav(_l("Facturation"), "billing.runs", Role.OPERATOR, order=50)
register_nav(_l("Factures"), "billing.invoices", Role.OPERATOR, order=51)
register_nav(_l("Relances"), "billing.dunning_list", Role.OPERATOR, order=52)


@bp.app_context_processor
def _labels():
    return {"INVOICE_STATUS_LABELS": INVOICE_STATUS_LABELS,
            "PAYMENT_METHOD_LABELS": PAYMENT_METHOD_LABELS,
            "EVIDENCE_LABELS": EVIDENCE_LABELS, "DUNNING_KIND_LABELS": DUNNING_KIND_LABELS,
            "REDUCTION_STATE_LABELS": REDUCTION_STATE_LABELS,
            "CREDIT_NOTE_KIND_LABELS": CREDIT_NOTE_KIND_LABELS,
            "FSL_DECISION_LABELS": FSL_DECISION_LABELS, "NEXT_STEP_LABELS": NEXT_STEP_LABELS,
            "HOLD_LABELS": HOLD_LABELS, "letter_text": dunning.letter_text}


def _household(household_id: int):
    return get_household(household_id, Scope.of(current_actor()))


def _back_to_household(household_id: int):
    return redirect(url_for("subscribers.household_detail", household_id=household_id))


def _refused(url: str, message: str):
    """A refused single-button or statement form: back to its page, which shows why (a 400
    with a Location is not followed by browsers: the person would see an empty page)."""
    flash(message, "error")
    return redirect(url, code=303)


def _expired() -> str:
    return _("Le formulaire a expiré : rechargez la page et recommencez.")



# --- runs --------------------------------------------------------------------------------------

@built_once
def _periods_statement() -> Select:
    # The runs page's statements: built once (isp.database.built_once).
    return (select(Invoice.period, Invoice.status, func.count(), func.sum(Invoice.total_cents))
            .group_by(Invoice.period, Invoice.status).order_by(Invoice.period.desc()))


@built_once
def _run_history_statement() -> Select:
    return select(BillingRun).order_by(BillingRun.id.desc()).limit(20)


def _runs_page(form: RunForm, status: int = 200):
    periods = db.session.execute(_periods_statement()).all()
    history = db.session.execute(_run_history_statement()).scalars().all()
    return render_template("billing/runs.html", periods=periods, history=history,
                           form=form, last_ended=period_of(add_months(today().replace(day=1),
                                                                      -1))), status


@bp.get("/runs")
@require_role(Role.OPERATOR)
def runs():
    return _runs_page(RunForm())


@bp.post("/runs")
@require_role(Role.OPERATOR)
def run_start():
    """Prepare the drafts of an ended month typed in the form, then show their review."""
    form = RunForm()
    if form.validate_on_submit():
        period = form.period.data.strip()
        try:
            result = billing_runs.prepare_invoices(period, actor=current_actor())
        except DomainError as error:
            show_domain_error(form, error, "period")
        else:
            audit.record_request("create", "invoice_drafts", period,
                                 detail=f"{result.invoices} prepared")
            db.session.commit()
            flash(ngettext(
                "%(num)s brouillon préparé.", "%(num)s brouillons préparés.",
                result.invoices), "success")
            return redirect(url_for("billing.run_review", period=period))
    return _runs_page(form, 400)


@bp.get("/runs/<period>")
@require_role(Role.OPERATOR)
def run_review(period: str):
    data = reports.review(period)
    return render_template("billing/review.html", review=data, form=ActionForm())


@bp.post("/runs/<period>/prepare")
@require_role(Role.OPERATOR)
def run_prepare(period: str):
    if not ActionForm().validate_on_submit():
        return _refused(url_for("billing.run_review", period=period), _expired())
    result = billing_runs.prepare_invoices(period, actor=current_actor())
    db.session.commit()
    flash(ngettext(
        "%(num)s brouillon préparé.", "%(num)s brouillons préparés.",
        result.invoices), "success")
    return redirect(url_for("billing.run_review", period=period))


@bp.post("/runs/<period>/issue")
@require_role(Role.OPERATOR)
def run_issue(period: str):
    if not ActionForm().validate_on_submit():
        return _refused(url_for("billing.run_review", period=period), _expired())
    result = billing_runs.issue_invoices(period, actor=current_actor())
    audit.record_request("create", "invoices", period, detail=f"{result.issued} issued")
    db.session.commit()
    flash(ngettext("%(num)s facture émise.", "%(num)s factures émises.", result.issued), "success")
    return redirect(url_for("billing.invoices", period=period))


# --- invoices ----------------------------------------------------------------------------------

@bp.get("/invoices")
@require_role(Role.OPERATOR)
def invoices():
    filters = parse(InvoiceQuery).filters()
    # 25 rows of 7 columns keep the page within EcoIndex grade A (50 rows made ~560 elements).
    # Plain rows of the columns shown (issue 23.3).
    found = billing_invoices.invoice_list(billing_invoices.INVOICE_PAGE_COLUMNS, **filters)
    page = paginate(found, per_page=25, scalars=False)
    html = render_template("billing/invoices.html", page=page, filters=filters)
    audit.record_request("read", "invoice_list", None, detail=f"{len(page.items)} invoices")
    db.session.commit()
    return html


def _invoice_context(number: str) -> dict:
    invoice = billing_invoices.get_invoice(number)
    audit.record_request("read", "invoice", invoice.number)
    db.session.commit()
    notes = db.session.execute(select(CreditNote).where(CreditNote.invoice_id == invoice.id)
                               .order_by(CreditNote.id)).scalars().all()
    return {"invoice": invoice, "notes": notes}


@bp.get("/invoices/<number>")
@require_role(Role.OPERATOR)
def invoice_detail(number: str):
    return render_template("billing/invoice.html", credit_form=CreditNoteForm(),
                           **_invoice_context(number))


@bp.get("/invoices/<number>/print")
@require_role(Role.OPERATOR)
def invoice_print(number: str):
    return render_template("billing/invoice_print.html", **_invoice_context(number))


@bp.get("/invoices/<number>/pdf")
@require_role(Role.OPERATOR)
def invoice_pdf(number: str):
    context = _invoice_context(number)
    return Response(render_pdf(context["invoice"]), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{number}.pdf"'})


@bp.post("/invoices/<number>/credit-notes")
@require_role(Role.OPERATOR)
def credit_note_new(number: str):
    invoice = billing_invoices.get_invoice(number)
    form = CreditNoteForm()
    if form.validate_on_submit():
        try:
            note = billing_invoices.issue_credit_note(invoice, actor=current_actor(),
                                              amount_cents=cents(form.amount.data),
                                              kind=form.kind.data, reason=form.reason.data)
        except DomainError as error:
            show_domain_error(form, error, "amount")
        else:
            audit.record_request("create", "credit_note", note.number)
            db.session.commit()
            flash(_("Avoir %(n)s émis.", n=note.number), "success")
            return redirect(url_for("billing.invoice_detail", number=number))
    notes = db.session.execute(select(CreditNote).where(CreditNote.invoice_id == invoice.id)) \
        .scalars().all()
    return render_template("billing/invoice.html", invoice=invoice, notes=notes,
                           credit_form=form), 400


# --- households: payments, statement, eligibility, dunning actions ------------------------------

@bp.route("/households/<int:household_id>/payments/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def payment_new(household_id: int):
    household = _household(household_id)
    form = PaymentForm(received_on=today())
    ask_confirmation = False
    if form.validate_on_submit():
        amount = cents(form.amount.data)
        # A ticked box confirms the amount it was shown for, not one typed afterwards.
        confirmed = bool(form.confirm_overpayment.data) and \
            form.confirmed_amount.data == str(amount)
        try:
            payments.record_payment(household, actor=current_actor(), amount_cents=amount,
                                    method=form.method.data, received_on=form.received_on.data,
                                    reference=form.reference.data,
                                    confirm_overpayment=confirmed)
        except DomainError as error:
            if error.field == "confirm_overpayment":  # said beside the amount, then asked
                show_domain_error(form, DomainError(error.message), "amount")
                ask_confirmation = True
                form.confirmed_amount.data = str(amount)
                form.confirm_overpayment.data = False
            else:
                show_domain_error(form, error, "amount")
        else:
            audit.record_request("create", "payment", household.id)
            db.session.commit()
            flash(_("Paiement enregistré."), "success")
            return redirect(url_for("billing.statement", household_id=household.id))
    return render_template("billing/payment_form.html", form=form, household=household,
                           ask_confirmation=ask_confirmation,
                           balance=accounts.balance(household.id),
                           margin_cents=payments.OVERPAYMENT_MARGIN_CENTS), \
        form_status()


@bp.get("/households/<int:household_id>/statement")
@require_role(Role.OPERATOR)
def statement(household_id: int):
    household = _household(household_id)
    audit.record_request("read", "household_statement", household.id)
    db.session.commit()
    window = statement_window(accounts.statement(household.id), request.args.get("until"))
    return render_template("billing/statement.html", household=household,
                           balance=accounts.balance(household.id), window=window,
                           entries=window["entries"],
                           steps=dunning.household_steps(household.id),
                           next_step=dunning.next_step(household.id),
                           mandate_form=MandateForm(), plan_form=PaymentPlanForm(),
                           postpone_form=PostponeForm(), fsl_form=FslForm(),
                           fsl_decision_form=FslDecisionForm(),
                           fsl=dunning.pending_fsl(household.id),
                           plan=dunning.active_plan(household.id),
                           mandate=_mandate(household.id))


#: The statement shows a year of operations; earlier years are a link away (issue 15: a
#: household's page must not grow with its years of invoices and payments).
STATEMENT_MONTHS = 12


def statement_window(entries: list, until: str | None) -> dict:
    """The entries of the ``STATEMENT_MONTHS`` months ending with ``until`` (YYYY-MM, default
    this month), the balance carried from before, and the ``until`` of the years around."""
    current = today().replace(day=1)
    if until:
        try:
            end = parse_period(until)[0]
        except ValueError:
            raise DomainError(_("Mois invalide : attendu AAAA-MM."), field="until",
                              status=400) from None
    else:
        end = current
    start = add_months(end, 1 - STATEMENT_MONTHS)
    following = add_months(end, 1)
    before = [e for e in entries if e.on < start]
    shown = [e for e in entries if start <= e.on < following]
    return {"entries": shown, "start": start, "end": end,
            "carried_cents": before[-1].running_cents if before else None,
            "earlier": period_of(add_months(end, -STATEMENT_MONTHS)) if before else None,
            "later": period_of(min(add_months(end, STATEMENT_MONTHS), current))
            if end < current else None}


def _mandate(household_id: int) -> SepaMandate | None:
    return db.session.execute(select(SepaMandate).where(
        SepaMandate.household_id == household_id, SepaMandate.revoked_on.is_(None))
    ).scalars().first()


@bp.route("/households/<int:household_id>/eligibility", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def eligibility_decide(household_id: int):
    household = _household(household_id)
    form = EligibilityForm()
    form.decided_tier.choices = [(t.code, f"{t.code} — {t.label}") for t in billing_tariffs.tiers()]
    suggestion = None
    if request.method == "POST" and form.validate():
        try:
            suggestion = eligibility.suggest_tier(form.evidence_type.data,
                                                  form.quotient_familial.data)
            if "suggest" in request.form:
                form.decided_tier.data = suggestion.tier
            else:
                eligibility.decide_tier(
                    household, actor=current_actor(), evidence_type=form.evidence_type.data,
                    quotient_familial=form.quotient_familial.data,
                    evidence_reference=form.evidence_reference.data,
                    evidence_valid_until=form.evidence_valid_until.data,
                    decided_tier=form.decided_tier.data, reason=form.reason.data)
                audit.record_request("decision", "eligibility", household.id)
                db.session.commit()
                flash(_("Décision enregistrée."), "success")
                return _back_to_household(household.id)
        except DomainError as error:
            show_domain_error(form, error, "evidence_type")
            return render_template("billing/eligibility.html", form=form, household=household,
                                   suggestion=suggestion,
                                   decision=eligibility.current_decision(household)), 400
    return render_template("billing/eligibility.html", form=form, household=household,
                           suggestion=suggestion,
                           decision=eligibility.current_decision(household)), \
        400 if request.method == "POST" and form.errors else 200


@bp.get("/renewals")
@require_role(Role.OPERATOR)
def renewals():
    page = paginate(eligibility.renewals_query(), scalars=False)
    return render_template("billing/renewals.html", page=page)


def _household_action(household_id: int, form_class, action, message: str):
    household = _household(household_id)
    form = form_class()
    back = url_for("billing.statement", household_id=household.id)
    if not form.validate_on_submit():
        return _refused(back, " ".join(
            f"{form[name].label.text} : {message}" if name in form else message
            for name, errors in form.errors.items() for message in errors))
    try:
        action(household, form)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(back, code=303)
    audit.record_request("update", "household_billing", household.id, detail=message)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("billing.statement", household_id=household.id))


@bp.post("/households/<int:household_id>/postpone")
@require_role(Role.OPERATOR)
def postpone(household_id: int):
    return _household_action(household_id, PostponeForm, lambda h, f: dunning.postpone(
        h, actor=current_actor(), until=f.until.data, reason=f.reason.data), _("Relance reportée."))


@bp.post("/households/<int:household_id>/payment-plan")
@require_role(Role.OPERATOR)
def payment_plan(household_id: int):
    return _household_action(household_id, PaymentPlanForm, lambda h, f: dunning
                             .agree_payment_plan(h, actor=current_actor(),
                                                 monthly_cents=cents(f.monthly.data),
                                                 months=f.months.data, note=f.note.data),
                             _("Échéancier enregistré."))


@bp.post("/households/<int:household_id>/fsl")
@require_role(Role.OPERATOR)
def fsl_request(household_id: int):
    return _household_action(household_id, FslForm, lambda h, f: dunning.file_fsl_request(
        h, actor=current_actor(), filed_on=f.filed_on.data, note=f.note.data),
        _("Demande FSL enregistrée : les relances attendent."))


@bp.post("/households/<int:household_id>/fsl/decision")
@require_role(Role.OPERATOR)
def fsl_decision(household_id: int):
    def action(household, form):
        pending = dunning.pending_fsl(household.id)
        if pending is None:
            raise DomainError(_("Aucune demande FSL en attente."))
        amount = cents(form.amount.data) if form.amount.data else None
        dunning.decide_fsl(pending, actor=current_actor(), decision=form.decision.data,
                           decided_on=form.decided_on.data, amount_cents=amount)

    return _household_action(household_id, FslDecisionForm, action,
                             _("Réponse du FSL enregistrée."))


@bp.post("/households/<int:household_id>/mandate")
@require_role(Role.OPERATOR)
def mandate(household_id: int):
    return _household_action(household_id, MandateForm, lambda h, f: exports.record_mandate(
        h, actor=current_actor(), iban=f.iban.data, bic=f.bic.data,
        account_holder=f.account_holder.data, reference=f.reference.data,
        signed_on=f.signed_on.data), _("Mandat SEPA enregistré."))


# --- dunning -----------------------------------------------------------------------------------

@bp.get("/dunning")
@require_role(Role.OPERATOR)
def dunning_list():
    """Proposals to decide, pending FSL requests, and each household in arrears with its next
    step and that step's date (issue 18.5), the longest overdue first."""
    # Each proposal shows its household's name: joined to the list, not loaded per step nor in
    # a second statement (issue 23.3).
    proposals = db.session.execute(_proposals_statement()).scalars().all()
    # The page's rows bring their holder's name (one statement less); the count needs none.
    # Statements built once, today a value (issue 23.3).
    page = paginate(_arrears_rows_statement(), per_page=20, scalars=False,
                    count_rows=dunning.arrears_statement(), values=dunning.arrears_values())
    ids = [row.household_id for row in page.items]
    upcoming = dunning.next_steps(ids)
    names = {row.household_id: row.holder_name for row in page.items}
    held = db.session.execute(_pending_fsl_statement()).scalars().all()
    return render_template("billing/dunning.html", proposals=proposals, page=page, held=held,
                           upcoming=[upcoming[i] for i in ids if i in upcoming], names=names,
                           form=ActionForm(), reject_form=ReasonForm(),
                           working_day=dunning.may_reduce_on(today()))


@built_once
def _proposals_statement() -> Select:
    return dunning.pending_proposals().options(joinedload(DunningStep.household))


@built_once
def _arrears_rows_statement() -> Select:
    holder = select(Household.holder_name).where(Household.id == Invoice.household_id) \
        .correlate(Invoice).scalar_subquery().label("holder_name")
    return dunning.arrears_statement().add_columns(holder)


@built_once
def _pending_fsl_statement() -> Select:
    return select(FslRequest).where(FslRequest.decision == "pending")


@bp.get("/dunning/steps")
@require_role(Role.OPERATOR)
def dunning_steps():
    """Every dunning step recorded, the latest first."""
    page = paginate(select(DunningStep).options(selectinload(DunningStep.household))
                    .order_by(DunningStep.on.desc(), DunningStep.id.desc()))
    return render_template("billing/dunning_steps.html", page=page)


def _step(step_id: int) -> DunningStep:
    step = db.session.get(DunningStep, step_id)
    if step is None:
        raise NotFoundError(_("Étape %(id)s introuvable", id=step_id))
    return step


@bp.post("/dunning/<int:step_id>/approve")
@require_role(Role.OPERATOR)
def dunning_approve(step_id: int):
    step = _step(step_id)
    if not ActionForm().validate_on_submit():
        return _refused(url_for("billing.dunning_list"), _expired())
    try:
        dunning.approve_reduction(step, actor=current_actor())
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("billing.dunning_list"), code=303)
    audit.record_request("decision", "dunning_reduction", step.household_id)
    db.session.commit()
    flash(_("Réduction approuvée."), "success")
    return redirect(url_for("billing.dunning_list"))


@bp.post("/dunning/<int:step_id>/reject")
@require_role(Role.OPERATOR)
def dunning_reject(step_id: int):
    step = _step(step_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _refused(url_for("billing.dunning_list"), _("Le motif du refus est obligatoire."))
    try:
        dunning.reject_reduction(step, actor=current_actor(), reason=form.reason.data)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("billing.dunning_list"), code=303)
    audit.record_request("decision", "dunning_reduction", step.household_id, detail="rejected")
    db.session.commit()
    return redirect(url_for("billing.dunning_list"))


# --- tariffs -----------------------------------------------------------------------------------

@bp.get("/tariffs")
@require_role(Role.OPERATOR)
def tariffs():
    plans = db.session.execute(select(Plan).order_by(Plan.code)).scalars().all()
    return render_template("billing/tariffs.html", tiers=billing_tariffs.tiers(), plans=plans,
                           price_on=billing_tariffs.price_on, today=today())


@bp.route("/tariffs/<code>", methods=["GET", "POST"])
@require_role()
def tier_edit(code: str):
    tier = billing_tariffs.get_tier(code)
    current = billing_tariffs.price_on(tier, today())
    form = TierForm(obj=tier, price=(current or 0) / 100 if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            billing_tariffs.update_tier(tier, actor=current_actor(), label=form.label.data,
                                 rule_text=form.rule_text.data, price_cents=cents(form.price.data))
        except DomainError as error:
            show_domain_error(form, error, "price")
        else:
            audit.record_request("update", "tier", tier.code)
            db.session.commit()
            flash(_("Palier modifié ; un nouveau prix s'applique à partir du mois prochain."),
                  "success")
            return redirect(url_for("billing.tariffs"))
    return render_template("billing/tier_form.html", form=form, tier=tier), \
        form_status()


# --- exports -----------------------------------------------------------------------------------

@bp.get("/exports/<period>/accounting.csv")
@require_role(Role.OPERATOR)
def export_csv(period: str):
    data = exports.accounting_csv(period)
    audit.record_request("export", "invoices", period, detail="accounting csv")
    db.session.commit()
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="facturation-{period}.csv"'})


@bp.get("/exports/<period>/sepa.xml")
@require_role(Role.OPERATOR)
def export_sepa(period: str):
    data, _count = exports.sepa_direct_debit(period)
    audit.record_request("export", "sepa", period)
    db.session.commit()
    return Response(data, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="prelevements-{period}.xml"'})


# --- household page panel ----------------------------------------------------------------------

def _household_billing_panel(household, scope: Scope):
    """Balance, recent invoices and the eligibility rule that applied (never for mediators)."""
    if scope.is_mediator or not scope.sees_personal_data:
        return None
    decision = eligibility.current_decision(household)
    recent = db.session.execute(billing_invoices.household_invoices_statement(6),
                                {"household_id": household.id}).scalars().all()
    return Markup(render_template("billing/_household_panel.html", household=household,
                                  balance=accounts.balance(household.id), invoices=recent,
                                  decision=decision, today=today()))
