"""Pages of the bank statements (issue 22): import, the statements, the queue of lines to place.

Operators (and admins) only: the lines carry payers' names and accounts.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import selectinload

from banking import services
from banking.camt import CamtRejected
from banking.choices import LINE_STATUS_LABELS, MATCH_KIND_LABELS, LineStatus
from banking.forms import AssignForm, ConfirmForm, NotOursForm, StatementUploadForm
from banking.models import BankLine
from billing.money import format_euros
from billing.numbering import structured_reference
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import discard_refused_change, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate

bp = Blueprint("banking", __name__, template_folder="templates")
# The invoice pages print the transfer reference that the statement import looks for.
bp.add_app_template_global(structured_reference, "structured_reference")

register_nav(_l("Relevés bancaires"), "banking.statements", Role.OPERATOR, order=53)

LABELS = {"LINE_STATUS_LABELS": LINE_STATUS_LABELS, "MATCH_KIND_LABELS": MATCH_KIND_LABELS,
          "terms_text": services.terms_text}


def outcome_message(outcome: services.ImportOutcome) -> str:
    """One sentence saying what an import did (page flash, CLI, API)."""
    if outcome.changed_nothing:
        return _("Relevé déjà importé : rien n'a changé (%(n)s ligne(s) déjà connue(s)).",
                 n=outcome.duplicates)
    return _("%(new)s virement(s) reçu(s) : %(matched)s rapproché(s) par la référence, "
             "%(pending)s à placer (dont %(suggested)s avec une suggestion) ; %(dup)s déjà "
             "connu(s), %(debits)s débit(s) et %(others)s autre(s) écriture(s) ignoré(s).",
             new=outcome.new_lines, matched=outcome.matched, pending=outcome.pending,
             suggested=outcome.suggested, dup=outcome.duplicates,
             debits=outcome.debits_ignored, others=outcome.others_ignored)


def _statements_page(form: StatementUploadForm, problems=(), status: int = 200):
    page = paginate(services.statements_query(), per_page=25, values={})  # built once
    html = render_template("banking/statements.html", page=page, form=form,
                           problems=problems, pending=services.queue_count())
    return html, status


@bp.get("/banking/statements")
@require_role(Role.OPERATOR)
def statements():
    return _statements_page(StatementUploadForm())


@bp.post("/banking/statements")
@require_role(Role.OPERATOR)
def statement_upload():
    form = StatementUploadForm()
    if not form.validate_on_submit():
        return _statements_page(form, status=400)
    upload = form.file.data
    try:
        outcome = services.import_statement(upload.read(), actor=current_actor(),
                                            filename=upload.filename)
    except CamtRejected as rejected:
        db.session.rollback()
        return _statements_page(form, rejected.problems, 422)
    audit.record_request("import", "bank_statement", outcome.audit_id,
                         detail=outcome.audit_detail)
    db.session.commit()
    flash(outcome_message(outcome), "success")
    if len(outcome.statements) == 1:
        return redirect(url_for("banking.statement_detail",
                                statement_id=outcome.statements[0].id))
    return redirect(url_for("banking.statements"))


@bp.get("/banking/statements/<int:statement_id>")
@require_role(Role.OPERATOR)
def statement_detail(statement_id: int):
    statement = services.get_statement(statement_id)
    page = paginate(services.lines_query(statement_id=statement.id)
                    .options(selectinload(BankLine.household)), per_page=50)
    html = render_template("banking/statement.html", statement=statement, page=page, **LABELS)
    audit.record_request("read", "bank_line_list", None,
                         detail=f"statement {statement.id}: {len(page.items)} lines")
    db.session.commit()
    return html


@bp.get("/banking/queue")
@require_role(Role.OPERATOR)
def queue():
    page = paginate(services.lines_query(status=LineStatus.PENDING)
                    .options(selectinload(BankLine.suggested_household)), per_page=25)
    html = render_template("banking/queue.html", page=page, **LABELS)
    audit.record_request("read", "bank_line_list", None,
                         detail=f"queue: {len(page.items)} lines")
    db.session.commit()
    return html


def _line_page(line_id: int, *, assign_form: AssignForm | None = None,
               not_ours_form: NotOursForm | None = None, error: str | None = None,
               status: int = 200):
    line = services.get_line(line_id)
    search = request.args.get("q", "")
    try:
        choices = services.household_choices(search)
    except DomainError as bad:
        choices, error = [], bad.message
    html = render_template(
        "banking/line.html", line=line, search=search, choices=choices, error=error,
        assign_form=assign_form or AssignForm(), confirm_form=ConfirmForm(),
        not_ours_form=not_ours_form or NotOursForm(), amount=format_euros(line.amount_cents),
        **LABELS)
    audit.record_request("read", "bank_line", line.id,
                         detail=f"search: {search}" if search else None)
    db.session.commit()
    return html, status


@bp.get("/banking/lines/<int:line_id>")
@require_role(Role.OPERATOR)
def line_detail(line_id: int):
    return _line_page(line_id)


def _answer(form, action, *, success: str, audit_action: str, field: str | None = None):
    """Run an operator's answer to a queue line.

    Returns the redirect when it is done, None when the form did not validate, or the
    refusal's message to show (empty when it was put beside the form's ``field``).
    """
    if not form.validate_on_submit():
        return None
    try:
        with db.session.begin_nested():
            line = action()
    except DomainError as error:
        if error.status == 404 and error.field is None:
            raise  # no such line: the 404 page
        discard_refused_change()
        if field is not None:
            show_domain_error(form, error, field)
            return ""
        return error.message
    audit.record_request(audit_action, "household", line.household_id,
                         detail=f"bank line {line.id}: {line.status}")
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("banking.queue"))


@bp.post("/banking/lines/<int:line_id>/assign")
@require_role(Role.OPERATOR)
def line_assign(line_id: int):
    form = AssignForm()
    done = _answer(form, lambda: services.assign(line_id, form.household_id.data,
                                                 actor=current_actor()),
                   success=_("Virement placé : le paiement est enregistré."),
                   audit_action="create")
    if done is not None and not isinstance(done, str):
        return done
    return _line_page(line_id, error=done or _("Choisissez un foyer dans la recherche."),
                      status=400)


@bp.post("/banking/lines/<int:line_id>/confirm")
@require_role(Role.OPERATOR)
def line_confirm(line_id: int):
    done = _answer(ConfirmForm(), lambda: services.confirm_suggestion(line_id,
                                                                      actor=current_actor()),
                   success=_("Suggestion confirmée : le paiement est enregistré."),
                   audit_action="create")
    if done is not None and not isinstance(done, str):
        return done
    return _line_page(line_id, error=done or _("Le formulaire a expiré : recommencez."),
                      status=400)


@bp.post("/banking/lines/<int:line_id>/not-ours")
@require_role(Role.OPERATOR)
def line_not_ours(line_id: int):
    form = NotOursForm()
    done = _answer(form, lambda: services.mark_not_ours(line_id, form.reason.data,
                                                        actor=current_actor()),
                   success=_("Ligne mise de côté."), audit_action="decision", field="reason")
    if done is not None and not isinstance(done, str):
        return done
    return _line_page(line_id, not_ours_form=form, status=400)


# --- the household page's panel ----------------------------------------------------------------

#: The panel lists the latest lines; the statement pages hold the rest.
PANEL_LINES = 5


@built_once
def _panel_lines():
    # The household page's: built once (isp.database.built_once).
    household_id = bindparam("household_id")
    return (select(BankLine).where(or_(BankLine.household_id == household_id,
                                       (BankLine.suggested_household_id == household_id)
                                       & (BankLine.status == LineStatus.PENDING)))
            .order_by(BankLine.booked_on.desc(), BankLine.id.desc()).limit(PANEL_LINES))


def _household_bank_panel(household, scope) -> Markup | None:
    """Transfers placed on the household, and those waiting with it as suggestion (operators)."""
    if getattr(scope, "is_mediator", False):
        return None
    lines = list(db.session.execute(_panel_lines(), {"household_id": household.id}).scalars())
    if not lines:
        return None
    return Markup(render_template("banking/_household_panel.html", lines=lines,
                                  household=household, **LABELS))
