"""The resident answers their own follow-up (6 or 12 months) in their space, /moi/suivi.

Plain French, no script, the residents' space layout. Only through impact's published
functions (``pending_follow_up``, ``record_resident_answers``) and the residents' identity rule
(``residents.identity``): anything of another household is unreachable (the household is the
signed-in resident's own).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from markupsafe import Markup

from impact import services
from impact.choices import DEVICES, STAGE_MONTHS
from impact.forms import ResidentAnswersForm
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import discard_refused_change, show_domain_error
from isp.i18n import gettext as _
from residents.identity import household_of, require_resident_household

bp = Blueprint("impact_resident", __name__, url_prefix="/moi/suivi",
               template_folder="templates")


def _household():
    return require_resident_household()


@bp.app_context_processor
def _link():
    """``impact_follow_up_link()`` for the residents' home page: a link when a follow-up waits
    for the resident's answers, else nothing."""
    return {"impact_follow_up_link": follow_up_link}


def follow_up_link() -> Markup:
    household = household_of(current_actor())
    if household is None or services.pending_follow_up(household) is None:
        return Markup("")
    return Markup(render_template("impact/resident/_link.html"))


def _render(form: ResidentAnswersForm, household, status: int = 200,
            refusal: str | None = None):
    pending = services.pending_follow_up(household)
    recorded = {stage: answer for stage, answer in services.answers_of(household.id).items()
                if stage in services.RESIDENT_STAGES}
    return render_template("impact/resident/follow_up.html", form=form, pending=pending,
                           recorded=recorded, months=STAGE_MONTHS, devices=DEVICES,
                           refusal=refusal), status


@bp.get("")
@require_role(Role.RESIDENT, scope="self")
def follow_up():
    """The questions of the follow-up waiting for the resident, or a thank-you."""
    household = _household()
    html = _render(ResidentAnswersForm(), household)
    audit.record_request("read", "household", household.id, detail="impact (resident)")
    db.session.commit()
    return html


@bp.post("/<stage>")
@require_role(Role.RESIDENT, scope="self")
def answer(stage: str):
    household = _household()
    stage_value = services.parse_stage(stage)
    try:  # not this stage: say so, whatever was typed (there is no form to show it beside)
        services.check_resident_may_answer(household, stage_value, current_actor())
    except DomainError as error:
        if error.status != 409:
            raise
        discard_refused_change()
        return _render(ResidentAnswersForm(formdata=None), household, 409, refusal=error.message)
    form = ResidentAnswersForm()
    if form.validate_on_submit():
        existed = stage_value in services.answers_of(household.id)
        try:
            with db.session.begin_nested():
                saved = services.record_resident_answers(household, stage_value,
                                                         form.answers(), current_actor())
            audit.record_request("update" if existed else "create", "household", household.id,
                                 detail=f"impact {stage_value} #{saved.id} (resident)")
            db.session.commit()
            flash(_("Merci ! Vos réponses sont enregistrées."), "success")
            return redirect(url_for("impact_resident.follow_up"), code=303)
        except DomainError as error:
            if error.status == 409:  # not this stage, or answered with a staff member
                discard_refused_change()
                return _render(ResidentAnswersForm(formdata=None), household, 409,
                               refusal=error.message)
            show_domain_error(form, _Renamed(error), "home_connection")
            return _render(form, household, 400)
    return _render(form, household, 400)


class _Renamed:
    """A service refusal with its field renamed to the form's."""

    def __init__(self, error: DomainError):
        self.message = error.message
        self.field = ResidentAnswersForm.FIELDS.get(error.field, error.field)
