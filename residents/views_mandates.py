"""Mediators' pages of mandates (issue 20): record a resident's mandate, then act under it —
see the invoices, book a slot, report a problem — each action audited with both names."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from billing.pdf import invoice_pdf as render_pdf
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.timeutil import today
from mediation.slots import bookable_households, local
from residents import mandates, space
from support import notifications

bp = Blueprint("resident_mandates", __name__, template_folder="templates")

register_nav(_l("Mandats"), "resident_mandates.mandate_list", Role.MEDIATOR, order=57)


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MandateForm(FlaskForm):
    household_id = SelectField(_l("Foyer"), coerce=int, validators=[DataRequired()])
    scopes = MultiCheckbox(_l("Ce que le mandat couvre"), choices=list(mandates.SCOPES.items()))
    ends_on = DateField(_l("Dernier jour du mandat (12 mois au plus)"),
                        validators=[DataRequired()])
    consent_method = RadioField(_l("Accord du résident"),
                                choices=list(mandates.CONSENT_METHODS.items()),
                                default="in_person", validators=[DataRequired()])
    consent_reference = StringField(_l("Référence du formulaire signé"),
                                    validators=[Optional(), Length(max=60)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code lu par le résident"), validators=[DataRequired(),
                                                                 Length(max=10)])


class SlotForm(FlaskForm):
    slot_id = HiddenField()


class ReportForm(FlaskForm):
    problem = RadioField(_l("Qu'est-ce qui ne va pas ?"), choices=list(space.PROBLEMS.items()),
                         validators=[DataRequired()])
    details = TextAreaField(_l("Détails (facultatif)"),
                            validators=[Optional(), Length(max=space.DETAILS_MAX)])


class ConfirmForm(FlaskForm):
    pass


def _sms_sender():
    """R1's SMS gateway, when there is one, as ``send(household, text)``; else None."""
    try:
        from residents import sms  # noqa: PLC0415  (an installation may leave R1's SMS out)
    except ImportError:
        return None
    send = getattr(sms, "send_to_household", None)
    return send if callable(send) else None


def _households():
    return [(h.id, f"{h.unit.code} — {h.holder_name}")
            for h in bookable_households(current_actor().association_id)]


@bp.get("/mediation/mandates")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_list():
    rows = mandates.mediator_mandates(current_actor())
    db.session.commit()
    return render_template("residents/mandates/list.html", rows=rows,
                           statuses=mandates.STATUS_LABELS, scopes=mandates.SCOPES)


@bp.route("/mediation/mandates/new", methods=["GET", "POST"])
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_new():
    actor = current_actor()
    form = MandateForm()
    form.household_id.choices = _households()
    if request.method == "GET":
        form.ends_on.data = mandates.latest_end(today())
        if request.args.get("household_id", "").isdigit():
            form.household_id.data = int(request.args["household_id"])
    status = 200
    if request.method == "POST" and not form.household_id.choices:
        flash(_("Aucun foyer suivi par votre association."), "error")
        status = 400
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                with db.session.begin_nested():
                    mandate, _code = mandates.create_mandate(
                        form.household_id.data, actor=actor, scopes=form.scopes.data,
                        ends_on=form.ends_on.data, consent_method=form.consent_method.data,
                        consent_reference=form.consent_reference.data,
                        send_code=_sms_sender())
                db.session.commit()
                flash(_("Mandat enregistré.") if mandate.status == "active" else
                      _("Code envoyé au résident : tapez le code qu'il vous lit."), "success")
                return redirect(url_for("resident_mandates.mandate_detail",
                                        mandate_id=mandate.id), code=303)
            except DomainError as error:
                show_domain_error(form, error, "household_id")
        status = 400
    return render_template("residents/mandates/form.html", form=form), status


def _detail(mandate, *, status: int = 200, code_form=None, report_form=None):
    rows = space.invoices(mandate.household_id) if "invoices" in mandate.scope_list and \
        mandate.status == "active" else []
    slots = space.coming_slots(mandate.association) if "bookings" in mandate.scope_list and \
        mandate.status == "active" else []
    if rows:
        mandates.record_action(mandate, "read", _("consultation des factures"),
                               actor=current_actor())
    db.session.commit()
    return render_template(
        "residents/mandates/detail.html", mandate=mandate, rows=rows, slots=slots,
        local=local, scopes=mandates.SCOPES, statuses=mandates.STATUS_LABELS,
        reasons=mandates.END_REASONS, code_form=code_form or CodeForm(),
        report_form=report_form or ReportForm(), slot_form=SlotForm(),
        end_form=ConfirmForm()), status


@bp.get("/mediation/mandates/<int:mandate_id>")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_detail(mandate_id: int):
    mandate = mandates.get_for_mediator(mandate_id, current_actor())
    mandates.household_mandates(mandate.household_id)  # ends it if the follow-up ended
    return _detail(mandate)


@bp.post("/mediation/mandates/<int:mandate_id>/confirm")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_confirm(mandate_id: int):
    actor = current_actor()
    mandate = mandates.get_for_mediator(mandate_id, actor)
    if mandate.status != "pending":  # no code form on the page: say why
        flash(_("Ce mandat n'attend pas de code"), "error")
        return _detail(mandate, status=409)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            mandates.confirm_code(mandate, form.code.data, actor=actor)
            db.session.commit()
            flash(_("Le résident a donné son accord : le mandat commence."), "success")
            return redirect(url_for("resident_mandates.mandate_detail", mandate_id=mandate.id),
                            code=303)
        except DomainError as error:
            db.session.commit()  # the failed attempt counts: kept on purpose, before the idiom
            show_domain_error(form, error, "code")
    return _detail(mandate, status=400, code_form=form)


@bp.get("/mediation/mandates/<int:mandate_id>/factures/<number>/pdf")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_invoice_pdf(mandate_id: int, number: str):
    actor = current_actor()
    mandate = mandates.require(mandate_id, "invoices", actor=actor)
    invoice = space.invoice(mandate.household_id, number)
    mandates.record_action(mandate, "read", _("facture %(number)s", number=invoice.number),
                           actor=actor)
    db.session.commit()
    return Response(render_pdf(invoice), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{invoice.number}.pdf"'})


@bp.post("/mediation/mandates/<int:mandate_id>/book")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_book(mandate_id: int):
    actor = current_actor()
    mandate = mandates.require(mandate_id, "bookings", actor=actor)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            slot_id = int(form.slot_id.data or "")
        except ValueError:
            slot_id = None
        try:
            with db.session.begin_nested():
                booking = space.book(mandate.household, slot_id, actor=actor)
                mandates.record_action(mandate, "book", _("réservation du créneau %(slot)s",
                                                          slot=booking.slot_id), actor=actor)
            db.session.commit()
            flash(_("Rendez-vous réservé pour le résident."), "success")
            return redirect(url_for("resident_mandates.mandate_detail", mandate_id=mandate.id),
                            code=303)
        except DomainError as error:
            flash_domain_error(error)
    return _detail(mandate, status=400)


@bp.post("/mediation/mandates/<int:mandate_id>/report")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_report(mandate_id: int):
    actor = current_actor()
    mandate = mandates.require(mandate_id, "tickets", actor=actor)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                ticket = space.report_problem(mandate.household, actor=actor,
                                              problem=form.problem.data,
                                              details=form.details.data)
                mandates.record_action(mandate, "create", _("signalement %(number)s",
                                                            number=ticket.number), actor=actor)
            db.session.commit()
            notifications.deliver_after_commit()
            flash(_("Problème signalé pour le résident (%(number)s).", number=ticket.number),
                  "success")
            return redirect(url_for("resident_mandates.mandate_detail", mandate_id=mandate.id),
                            code=303)
        except DomainError as error:
            show_domain_error(form, error, "problem")
    return _detail(mandate, status=400, report_form=form)


@bp.post("/mediation/mandates/<int:mandate_id>/end")
@require_role(Role.MEDIATOR, scope="own_association")
def mandate_end(mandate_id: int):
    actor = current_actor()
    mandate = mandates.get_for_mediator(mandate_id, actor)
    if ConfirmForm().validate_on_submit():
        try:
            mandates.end_mandate(mandate, actor=actor, reason="mediator")
            db.session.commit()
            flash(_("Mandat arrêté."), "success")
        except DomainError as error:
            flash_domain_error(error)
    return redirect(url_for("resident_mandates.mandate_detail", mandate_id=mandate.id),
                    code=303)



def _household_panel(household, scope):
    """On the household page: its mandates and any SEPA direct-debit request (operators set
    the mandate up with billing's SEPA mandate form)."""
    rows = [m for m in mandates.household_mandates(household.id) if m.status != "ended"]
    if getattr(scope, "is_mediator", False):
        rows = [m for m in rows if m.association_id == scope.association_id]
        sepa = None
    else:
        sepa = mandates.open_sepa_request(household.id)
    return Markup(render_template("residents/mandates/_household_panel.html",
                                  household=household, rows=rows, sepa=sepa, scope=scope,
                                  scopes=mandates.SCOPES))
