"""Pages moving network devices through the 4R chain, with their history (operators)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from equipment import network_lifecycle as lifecycle
from equipment import services
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from network.models import Device

bp = Blueprint("equipment_network", __name__, template_folder="templates")


class LifecycleForm(FlaskForm):
    to_state = SelectField(_l("Nouvel état"), choices=[], validators=[InputRequired()])
    partner_code = SelectField(_l("Partenaire (réparation, reconditionnement, recyclage)"),
                               choices=[], validators=[Optional()])
    on = DateField(_l("Date du mouvement (vide : aujourd'hui)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


def _form(device: Device) -> LifecycleForm:
    form = LifecycleForm()
    form.to_state.choices = [(s, str(lifecycle.LABELS[s])) for s in lifecycle.allowed(device)]
    form.partner_code.choices = [("", _("— aucun —"))] + [
        (p.code, f"{p.code} — {p.name}") for p in services.partners()]
    return form


@bp.get("/equipment/network")
@require_role(Role.OPERATOR)
def devices():
    """Network devices and their place in the 4R chain."""
    items = db.session.execute(select(Device).order_by(Device.hostname)).scalars().all()
    return render_template("equipment/network.html", devices=items, labels=lifecycle.LABELS)


def _detail(device: Device, form: LifecycleForm, status: int = 200):
    return render_template("equipment/network_device.html", device=device, form=form,
                           moves=lifecycle.history(device), labels=lifecycle.LABELS), status


@bp.get("/equipment/network/<hostname>")
@require_role(Role.OPERATOR)
def device(hostname: str):
    """One device's lifecycle state, its history and the moves it may make."""
    found = lifecycle.get_device(hostname)
    return _detail(found, _form(found))


@bp.post("/equipment/network/<hostname>")
@require_role(Role.OPERATOR)
def move(hostname: str):
    """Move the device in the 4R chain; a refused move is shown beside its field (400)."""
    found = lifecycle.get_device(hostname)
    form = _form(found)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                lifecycle.move_device(found, {"to_state": form.to_state.data,
                                              "partner_code": form.partner_code.data or None,
                                              "on": form.on.data, "note": form.note.data},
                                      current_actor())
            db.session.commit()
            flash(_("Mouvement enregistré."), "success")
            return redirect(url_for("equipment_network.device", hostname=hostname))
        except DomainError as error:
            show_domain_error(form, error, "to_state")
    return _detail(found, form, form_status())
