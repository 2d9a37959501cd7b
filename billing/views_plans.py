"""The plan's page: its name and its speeds, full and reduced (admin).

Changed speeds are announced by ``billing.tariffs.update_plan`` and reach the switches as one
provisioning batch (network handles ``plan_speeds_changed``).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from billing import tariffs
from isp import audit
from isp.auth import current_actor, require_role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l

bp = Blueprint("billing_plans", __name__, template_folder="templates", url_prefix="/billing")

#: 10 Gbit/s: no access port here goes faster; a larger figure is a typing error.
MAX_KBPS = 10_000_000


def _speed(label) -> IntegerField:
    return IntegerField(label, validators=[DataRequired(), NumberRange(min=1, max=MAX_KBPS)])


class PlanForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    down_kbps = _speed(_l("Débit descendant (kbit/s)"))
    up_kbps = _speed(_l("Débit montant (kbit/s)"))
    reduced_down_kbps = _speed(_l("Débit réduit descendant (kbit/s)"))
    reduced_up_kbps = _speed(_l("Débit réduit montant (kbit/s)"))


class PlanCreateForm(PlanForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])


@bp.route("/plans/new", methods=["GET", "POST"])
@require_role()
def plan_new():
    form = PlanCreateForm()
    if form.validate_on_submit():
        try:
            plan = tariffs.create_plan(actor=current_actor(), code=form.code.data,
                                        name=form.name.data,
                                        description=form.description.data,
                                        down_kbps=form.down_kbps.data, up_kbps=form.up_kbps.data,
                                        reduced_down_kbps=form.reduced_down_kbps.data,
                                        reduced_up_kbps=form.reduced_up_kbps.data)
        except DomainError as error:
            show_domain_error(form, error, "code")
        else:
            audit.record_request("create", "plan", plan.code)
            db.session.commit()
            flash(_("Offre %(code)s créée.", code=plan.code), "success")
            return redirect(url_for("billing.tariffs"))
    return render_template("billing/plan_new.html", form=form), \
        form_status()


@bp.route("/plans/<code>", methods=["GET", "POST"])
@require_role()
def plan_edit(code: str):
    plan = tariffs.get_plan(code)
    form = PlanForm(obj=plan)
    if form.validate_on_submit():
        try:
            tariffs.update_plan(plan, actor=current_actor(), name=form.name.data,
                                 description=form.description.data,
                                 down_kbps=form.down_kbps.data, up_kbps=form.up_kbps.data,
                                 reduced_down_kbps=form.reduced_down_kbps.data,
                                 reduced_up_kbps=form.reduced_up_kbps.data)
        except DomainError as error:
            show_domain_error(form, error, "down_kbps")
        else:
            audit.record_request("update", "plan", plan.code)
            db.session.commit()
            flash(_("Offre modifiée ; les ports concernés sont reconfigurés."), "success")
            return redirect(url_for("billing.tariffs"))
    return render_template("billing/plan_form.html", form=form, plan=plan), \
        form_status()
