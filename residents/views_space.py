"""The residents' own space at /moi (issue 20): their connection, invoices, problems,
coaching, data and mandates, in plain French (FALC), no script needed, 360 px first.

Every page is for the signed-in resident's own household (``residents.identity``); anything of
another household is "not found". Reads of personal data are audited like staff reads.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from billing.accounts import balance
from billing.choices import PAYMENT_METHOD_LABELS
from billing.dunning import next_step
from billing.pdf import invoice_pdf as render_pdf
from billing.sepa_mandates import active_mandate
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error, show_domain_error
from isp.gdpr import REGISTER
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from residents import mandates, space
from residents.identity import require_resident_household
from support import notifications

bp = Blueprint("residents", __name__, url_prefix="/moi", template_folder="templates")

register_nav(_l("Mon espace"), "residents.home", Role.RESIDENT, order=1)

RESIDENT = (Role.RESIDENT,)


class ProblemForm(FlaskForm):
    problem = RadioField(_l("Qu'est-ce qui ne va pas ?"),
                         choices=list(space.PROBLEMS.items()), validators=[DataRequired(
                             message=_l("Choisissez une réponse."))])
    details = TextAreaField(_l("Vous pouvez expliquer ici (pas obligatoire)"),
                            validators=[Optional(), Length(max=space.DETAILS_MAX)])


class SlotForm(FlaskForm):
    slot_id = HiddenField()


class SepaForm(FlaskForm):
    pass


class ConfirmForm(FlaskForm):
    pass


def _household():
    """The signed-in resident's household (R1's identity rule), else not found."""
    return require_resident_household()


def _render(template: str, status: int = 200, **context):
    return render_template(f"residents/space/{template}", **context), status


@bp.get("")
@require_role(*RESIDENT, scope="self")
def home():
    household = _household()
    next_booking = next(iter(space.coming_bookings(household.id)), None)
    return _render("home.html", household=household, next_booking=next_booking,
                   state=space.connection(household).state)


@bp.get("/internet")
@require_role(*RESIDENT, scope="self")
def connection():
    household = _household()
    month = space.usage(household)
    audit.record_request("read_usage", "household", household.id)
    html = _render("connection.html", household=household, line=space.connection(household),
                   down=month.download_octets, up=month.upload_octets,
                   outage=space.building_outage(household))
    db.session.commit()
    return html


def _next_step(household_id: int):
    return next_step(household_id)


@bp.get("/factures")
@require_role(*RESIDENT, scope="self")
def invoices():
    household = _household()
    # The last 12 months keep the page light (30 KB); older ones: the data download, the API.
    rows = space.invoices(household.id)[:12]
    html = _render("invoices.html", household=household, rows=rows,
                   balance=balance(household.id), step=_next_step(household.id),
                   association=space.association_of(household.id),
                   methods=PAYMENT_METHOD_LABELS, sepa=mandates.open_sepa_request(household.id),
                   direct_debit=active_mandate(household.id), sepa_form=SepaForm())
    audit.record_request("read", "household", household.id, detail="invoices")
    db.session.commit()
    return html


@bp.get("/factures/<number>/pdf")
@require_role(*RESIDENT, scope="self")
def invoice_pdf(number: str):
    household = _household()
    invoice = space.invoice(household.id, number)
    audit.record_request("read", "invoice", invoice.number)
    db.session.commit()
    return Response(render_pdf(invoice), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{invoice.number}.pdf"'})


@bp.post("/factures/prelevement")
@require_role(*RESIDENT, scope="self")
def sepa_request():
    household = _household()
    if SepaForm().validate_on_submit():
        try:
            mandates.request_sepa(household.id, actor=current_actor())
        except DomainError as error:  # a mandate is in force already
            flash_domain_error(error)
            return redirect(url_for("residents.invoices"), code=303)
        audit.record_request("create", "household", household.id, detail="SEPA request")
        db.session.commit()
        flash(_("C'est noté. Nous vous appelons pour le prélèvement."), "success")
    return redirect(url_for("residents.invoices"), code=303)


@bp.route("/probleme", methods=["GET", "POST"])
@require_role(*RESIDENT, scope="self")
def problem():
    household = _household()
    form = ProblemForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with db.session.begin_nested():
                    ticket = space.report_problem(household, actor=current_actor(),
                                                  problem=form.problem.data,
                                                  details=form.details.data)
                audit.record_request("create", "ticket", ticket.number)
                db.session.commit()
                notifications.deliver_after_commit()
                flash(_("Merci. Nous avons reçu votre message."), "success")
                return redirect(url_for("residents.problem"), code=303)
            except DomainError as error:
                show_domain_error(form, error, "problem")
        status = 400
    rows = space.tickets(household.id)
    return _render("problem.html", status, form=form, rows=rows, words=space.TICKET_WORDS,
                   problems=space.PROBLEMS)


@bp.get("/accompagnement")
@require_role(*RESIDENT, scope="self")
def coaching(status: int = 200):
    household = _household()
    association = space.association_of(household.id)
    return _render("coaching.html", status, household=household, association=association,
                   slots=space.coming_slots(association),
                   bookings=space.coming_bookings(household.id), form=SlotForm(),
                   cancel_form=ConfirmForm())


@bp.post("/accompagnement/reserver")
@require_role(*RESIDENT, scope="self")
def book():
    household = _household()
    form = SlotForm()
    if form.validate_on_submit():
        try:
            slot_id = int(form.slot_id.data or "")
        except ValueError:
            slot_id = None
        try:
            with db.session.begin_nested():
                booking = space.book(household, slot_id, actor=current_actor())
            audit.record_request("book", "household", household.id,
                                 detail=f"slot {booking.slot_id}")
            db.session.commit()
            flash(_("C'est réservé. À bientôt !"), "success")
            return redirect(url_for("residents.coaching"), code=303)
        except DomainError as error:  # a slot gone or of another association: said, 400
            flash_domain_error(error)
    return coaching(status=400)


@bp.post("/accompagnement/<int:booking_id>/annuler")
@require_role(*RESIDENT, scope="self")
def cancel(booking_id: int):
    household = _household()
    if not ConfirmForm().validate_on_submit():
        return coaching(status=400)
    try:
        with db.session.begin_nested():
            space.cancel_booking(household, booking_id, actor=current_actor())
        audit.record_request("cancel", "household", household.id,
                             detail=f"booking {booking_id}")
        db.session.commit()
        flash(_("Le rendez-vous est annulé."), "success")
    except DomainError as error:
        if error.status == 404:
            raise
        flash_domain_error(error)
    return redirect(url_for("residents.coaching"), code=303)


@bp.get("/donnees")
@require_role(*RESIDENT, scope="self")
def data():
    household = _household()
    rows = space.accesses(household.id, current_actor())
    audit.record_request("read", "household", household.id, detail="access log")
    db.session.commit()
    return _render("data.html", household=household, register=REGISTER, rows=rows)


@bp.get("/donnees/mes-donnees.json")
@require_role(*RESIDENT, scope="self")
def data_export():
    household = _household()
    body = json.dumps(space.export(household.id, current_actor(),
                                   route=f"{request.method} {request.path}"),
                      ensure_ascii=False, indent=2)
    db.session.commit()
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="mes-donnees.json"'})


@bp.get("/mandats")
@require_role(*RESIDENT, scope="self")
def mandate_list():
    household = _household()
    rows = mandates.household_mandates(household.id)
    db.session.commit()  # mandates found ended (follow-up over) are recorded as such
    return _render("mandates.html", rows=rows, form=ConfirmForm(), scopes=mandates.SCOPES,
                   statuses=mandates.STATUS_LABELS, reasons=mandates.END_REASONS,
                   methods=mandates.CONSENT_METHODS)


@bp.post("/mandats/<int:mandate_id>/fin")
@require_role(*RESIDENT, scope="self")
def mandate_end(mandate_id: int):
    household = _household()
    mandate = mandates.get_for_household(mandate_id, household.id)
    if ConfirmForm().validate_on_submit():
        try:
            mandates.end_mandate(mandate, actor=current_actor(), reason="resident")
            db.session.commit()
            flash(_("C'est fait. Cette personne ne peut plus agir pour vous."), "success")
        except DomainError as error:
            flash_domain_error(error)
    return redirect(url_for("residents.mandate_list"), code=303)
