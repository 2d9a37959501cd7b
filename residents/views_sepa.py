"""Operators' list of the residents' SEPA direct-debit requests (issue 20): each request
with its status, the household's billing mandate if any, and the next action."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from billing.sepa_mandates import active_mandates
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from residents import sepa
from residents.models_mandates import SepaRequest
from residents.schemas import SepaRequestQuery

bp = Blueprint("resident_sepa", __name__, template_folder="templates")

register_nav(_l("Prélèvements demandés"), "resident_sepa.request_list", Role.OPERATOR,
             order=53)

PER_PAGE = 20


class StatusForm(FlaskForm):
    status = SelectField(_l("Nouvel état"), choices=[
        ("contacted", _l("foyer contacté")), ("signed", _l("mandat signé")),
        ("cancelled", _l("abandonnée"))], validators=[DataRequired()])
    note = StringField(_l("Note (obligatoire pour abandonner)"),
                       validators=[Optional(), Length(max=300)])


def _form(row: SepaRequest, formdata=None) -> StatusForm:
    # One form per row: a prefix keeps the fields' ids unique on the page.
    return StatusForm(formdata=formdata, prefix=f"r{row.id}")


def _render(chosen: str, *, status: int = 200, failed: StatusForm | None = None,
            failed_id: int | None = None, error: str | None = None):
    page = paginate(sepa.list_query(chosen).options(
        selectinload(SepaRequest.household)), per_page=PER_PAGE)
    rows = list(page.items)
    if failed_id is not None and failed_id not in {row.id for row in rows}:
        rows.insert(0, sepa.get_request(failed_id))  # its error must be seen
    billing = active_mandates(sorted({row.household_id for row in rows}))
    forms = {row.id: failed if row.id == failed_id and failed is not None else _form(row)
             for row in rows if row.status in sepa.TO_DO}
    return render_template("residents/sepa/list.html", page=page, rows=rows, chosen=chosen,
                           billing=billing, forms=forms, labels=sepa.STATUS_LABELS,
                           filters=sepa.FILTERS, error=error), status


def _chosen() -> tuple[str, str | None]:
    try:
        return parse(SepaRequestQuery).status, None
    except DomainError:  # the page shows the default list and says why
        return "todo", _("Filtre inconnu : %(value)s.", value=request.args["status"][:40])


@bp.get("/sepa-requests")
@require_role(Role.OPERATOR)
def request_list():
    chosen, error = _chosen()
    # Rendered before the audit entry's commit, which would expire the rows the page reads
    # (the user's own: one statement more).
    page = _render(chosen, status=400 if error else 200, error=error)
    # The list names households and quotes their notes: a read of personal data.
    audit.record_request("read", "household_list", None, detail=f"sepa requests {chosen}")
    db.session.commit()
    return page


@bp.post("/sepa-requests/<int:request_id>")
@require_role(Role.OPERATOR)
def request_update(request_id: int):
    row = sepa.get_request(request_id)
    chosen, _error = _chosen()
    form = _form(row, formdata=request.form)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                sepa.change_status(row.id, form.status.data, actor=current_actor(),
                                   note=form.note.data)
        except DomainError as error:
            show_domain_error(form, error, "status")
        else:
            db.session.commit()
            flash(_("Demande de %(name)s : %(status)s.", name=row.household.holder_name,
                    status=sepa.STATUS_LABELS[row.status]), "success")
            return redirect(url_for("resident_sepa.request_list", status=chosen), code=303)
    if row.status not in sepa.TO_DO:  # closed meanwhile: the page shows it without a form
        flash(_("Cette demande est déjà close (%(status)s).",
                status=sepa.STATUS_LABELS[row.status]), "error")
        return _render(chosen, status=409)
    return _render(chosen, status=400, failed=form, failed_id=row.id)
