"""Pages of the impact evaluation: households due, the answers of a stage, the indicators."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from impact import indicators as impact_indicators
from impact import services
from impact.choices import (
    AUTONOMY_LEVELS,
    COHORT_LABELS,
    DEVICES,
    GROUPINGS,
    STAGE_LABELS,
    Stage,
)
from impact.forms import AnswersForm
from impact.schemas import DueQuery, IndicatorsQuery
from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import today
from subscribers.models import Household
from subscribers.services import get_household

bp = Blueprint("impact", __name__, template_folder="templates")

RECORDERS = (Role.OPERATOR, Role.MEDIATOR)
ANALYSTS = (Role.ANALYST, Role.OPERATOR)

register_nav(_l("Suivi d'impact"), "impact.due", *RECORDERS, order=55)
register_nav(_l("Impact"), "impact.indicators_page", *ANALYSTS, order=65)

STATE_LABELS = {
    "recorded": _l("recueilli"),
    "due": _l("à recueillir"),
    "open": _l("peut être recueilli"),
    "upcoming": _l("à venir"),
    "not_applicable": _l("pas encore"),
}


@bp.app_context_processor
def _labels():
    return {"IMPACT_STAGE_LABELS": STAGE_LABELS, "IMPACT_STATE_LABELS": STATE_LABELS,
            "IMPACT_DEVICE_LABELS": DEVICES}


def _stage_arg() -> Stage | None:
    return parse(DueQuery).stage


@bp.get("/impact/due")
@require_role(*RECORDERS, scope="own_association")
def due():
    """Households whose baseline or follow-up is due (mediators: their association's)."""
    scope = Scope.of(current_actor())
    stage = _stage_arg()
    # Plain rows (id, flat, holder) and one statement for the stages and dates (issue 23.3).
    page = paginate(services.due_list(scope, stage), per_page=25, scalars=False)
    ids = [household.id for household in page.items]
    due = services.due_page(ids)
    html = render_template("impact/due.html", page=page, stage=stage, due=due, scope=scope)
    if ids:
        audit.record_request("read", "household_list", None,
                             detail="impact due: " + ",".join(str(i) for i in ids))
        db.session.commit()
    return html


def _set_labels(form: AnswersForm, stage: Stage) -> None:
    if stage is Stage.T0:
        form.home_connection.label.text = _(
            "Avant l'abonnement, le foyer avait-il une connexion internet à domicile ?")
        form.monthly_cost.label.text = _(
            "Coût mensuel de cette connexion, en euros (0 si gratuite)")
        form.autonomy.label.text = _(
            "Autonomie à la première séance d'accompagnement (grille du rapport d'activité)")
    else:
        form.home_connection.label.text = _(
            "Le foyer a-t-il une connexion internet à domicile (la nôtre ou une autre) ?")
        form.monthly_cost.label.text = _(
            "Coût mensuel total des connexions à domicile, en euros (abonnement solidaire "
            "compris)")
        form.autonomy.label.text = _(
            "Autonomie aujourd'hui (grille du rapport d'activité des médiateurs)")


def _prefill(form: AnswersForm, household: Household, stage: Stage, answer) -> None:
    if answer is not None:
        form.answered_on.data = answer.answered_on
        form.home_connection.data = "yes" if answer.home_connection else "no"
        if answer.monthly_cost_cents is not None:
            form.monthly_cost.data = f"{answer.monthly_cost_cents / 100:.2f}".replace(".", ",")
        form.devices.data = answer.device_list
        form.autonomy.data = answer.autonomy or ""
        return
    form.answered_on.data = today()
    if stage is Stage.T0:
        form.autonomy.data = services.first_session_autonomy(household.id) or ""


@bp.route("/households/<int:household_id>/impact/<stage>", methods=["GET", "POST"])
@require_role(*RECORDERS, scope="own_association")
def record(household_id: int, stage: str):
    """The questions of one stage, asked with the household (a second time corrects)."""
    actor = current_actor()
    household = get_household(household_id, Scope.of(actor))
    stage_value = services.parse_stage(stage)
    services.check_may_record(actor, household)
    answer = services.answers_of(household.id).get(stage_value)
    form = AnswersForm()
    _set_labels(form, stage_value)
    if request.method == "GET":
        _prefill(form, household, stage_value, answer)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                saved = services.record_answers(household, stage_value, form.answers(), actor)
            audit.record_request("update" if answer else "create", "household", household.id,
                                 detail=f"impact {stage_value} #{saved.id}")
            db.session.commit()
            flash(_("Réponses enregistrées : %(stage)s.", stage=STAGE_LABELS[stage_value]),
                  "success")
            return redirect(url_for("subscribers.household_tab", household_id=household.id,
                                    tab_slug="impact"))
        except DomainError as error:
            show_domain_error(form, _FormError(error, AnswersForm.FIELDS), "answered_on")
    statuses = {s.stage: s for s in services.stage_statuses(household)}
    html = render_template("impact/record.html", form=form, household=household,
                           stage=stage_value, status=statuses[stage_value], answer=answer)
    audit.record_request("read", "household", household.id, detail=f"impact {stage_value}")
    db.session.commit()
    return html, form_status()


class _FormError:
    """A service refusal with its field renamed to the form's (cents → euros)."""

    def __init__(self, error: DomainError, fields: dict[str, str]):
        self.message = error.message
        self.field = fields.get(error.field, error.field)


# --- the household page's panel ------------------------------------------------------------------

def _household_panel(household: Household, scope: Scope):
    if not scope.sees_personal_data:
        return None
    statuses = services.stage_statuses(household)
    may_record = household.moved_out_on is None
    return Markup(render_template("impact/_household_panel.html", household=household,
                                  statuses=statuses, may_record=may_record))



# --- indicators (aggregates only) ----------------------------------------------------------------

@bp.get("/evaluation/impact")
@require_role(*ANALYSTS, scope="aggregates")
def indicators_page():
    """Indicators by cohort, building or district; one column per stage, small cells hidden."""
    by = parse(IndicatorsQuery).by
    groups = impact_indicators.indicators(by)
    return render_template("impact/indicators.html", by=by, groups=groups,
                           groupings=GROUPINGS, indicators=impact_indicators.INDICATORS,
                           stages=list(Stage), autonomy_levels=AUTONOMY_LEVELS,
                           cohort_labels=COHORT_LABELS)


@bp.get("/evaluation/impact.csv")
@require_role(*ANALYSTS, scope="aggregates")
def indicators_csv():
    """The same figures as a CSV, one figure a line (suppressed figures left out)."""
    by = parse(IndicatorsQuery).by
    return Response(impact_indicators.csv_text(by), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f"attachment; filename=impact-indicators-{by}.csv"})
