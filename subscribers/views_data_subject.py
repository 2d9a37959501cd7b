"""The household's data-subject rights, for the operator: everything held about it (GDPR
art. 15, page or JSON) and its erasure (art. 17). The work is ``isp.gdpr``'s; the pages are
here because they load the household (the core does not import this domain)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from isp import gdpr
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from subscribers.models import Household

bp = Blueprint("data_subject", __name__, template_folder="templates")


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Motif (demande de la personne, référence)"),
                           validators=[DataRequired(), Length(max=500)])


@bp.get("/households/<int:household_id>/data")
@require_role(Role.OPERATOR)
def household_data(household_id: int):
    """Right of access: everything held about a household (page, or JSON with ?format=json)."""
    try:
        data = gdpr.export_household(household_id, actor=current_actor(),
                                     route=f"GET {request.path}")
    except DomainError:
        abort(404)
    db.session.commit()
    if request.args.get("format") == "json":
        return Response(json.dumps(data, ensure_ascii=False, indent=2),
                        mimetype="application/json",
                        headers={"Content-Disposition":
                                 f"attachment; filename=foyer-{household_id}.json"})
    return render_template("subscribers/household_data.html", data=data,
                           household_id=household_id, form=ReasonForm())


@bp.post("/households/<int:household_id>/anonymise")
@require_role(Role.OPERATOR)
def household_anonymise(household_id: int):
    household = db.session.get(Household, household_id)
    if household is None:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Un motif est obligatoire."), "error")
        return redirect(url_for("data_subject.household_data", household_id=household_id))
    try:
        gdpr.anonymise_household(household, actor=current_actor(), reason=form.reason.data,
                                 route=f"POST {request.path}")
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("data_subject.household_data", household_id=household_id))
    db.session.commit()
    flash(_("Identité supprimée ; les montants et dates restent (obligation légale)."),
          "success")
    return redirect(url_for("data_subject.household_data", household_id=household_id))
