"""Operator pages for the subscription lifecycle: subscribe a household, reduce, restore,
suspend, terminate (each with a reason), and the household page's subscription panel.

The subscribe form suggests billing's tier decision and then follows provisioning's job; the
panel shows the latest job and the flat's port (hence this package above both).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from billing.eligibility import current_decision
from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from network.provisioning.queue import latest_job_for_subscription
from network.topology import port_of_unit
from subscribers import lifecycle, services
from subscribers.models import Household, Subscription

bp = Blueprint("lifecycle", __name__, template_folder="templates")

ACTION_LABELS = {"reduce": _l("Réduire le débit"), "restore": _l("Rétablir le service"),
                 "suspend": _l("Suspendre"), "terminate": _l("Résilier")}
ACTIONS = {"reduce": lifecycle.reduce_service, "restore": lifecycle.restore_service,
           "suspend": lifecycle.suspend, "terminate": lifecycle.terminate}


class SubscribeForm(FlaskForm):
    tier = SelectField(_l("Palier tarifaire"), choices=[(t, t) for t in lifecycle.TIERS],
                       validators=[DataRequired()])
    plan_code = StringField(_l("Offre"), default=lifecycle.DEFAULT_PLAN,
                            validators=[DataRequired(), Length(max=30)])
    activate_on = DateField(_l("Activer le (vide : maintenant)"), validators=[Optional()])
    reason = TextAreaField(_l("Remarque"), validators=[Optional(), Length(max=1000)])


class ChangeForm(FlaskForm):
    action = SelectField(_l("Action"), choices=list(ACTION_LABELS.items()),
                         validators=[DataRequired()])
    reason = TextAreaField(_l("Motif"), validators=[DataRequired(), Length(max=1000)])
    on = DateField(_l("Date de résiliation (vide : aujourd'hui)"), validators=[Optional()])


def _suggested_tier(household: Household) -> tuple[str, str | None]:
    """The tier of the eligibility decision when one exists, else T3 (no evidence)."""
    decision = current_decision(household)
    if decision is None:
        return "T3", None
    return decision.decided_tier, _("Décision d'éligibilité du %(on)s : palier %(tier)s",
                                     on=decision.decided_on.isoformat(),
                                     tier=decision.decided_tier)


@bp.route("/households/<int:household_id>/subscribe", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def subscribe(household_id: int):
    household = services.get_household(household_id, Scope.of(current_actor()))
    tier, decision_note = _suggested_tier(household)
    form = SubscribeForm(tier=tier)
    tiers = sorted(lifecycle.known_tiers())
    form.tier.choices = [(t, t) for t in tiers]
    if form.validate_on_submit():
        try:
            subscription = lifecycle.subscribe(
                household, tier=form.tier.data, plan_code=form.plan_code.data.strip(),
                actor=current_actor(), activate_on=form.activate_on.data,
                reason=form.reason.data)
        except DomainError as error:
            # the read audit's commit below must not save the refused subscription: undone
            field = "plan_code" if error.field == "plan" else error.field  # the service's name
            show_domain_error(form, DomainError(error.message, field=field), "tier")
        else:
            audit.record_request("create", "subscription", subscription.id)
            db.session.commit()
            flash(_("Abonnement enregistré : la configuration du port est en file."), "success")
            # the job's page follows the port's configuration to its end (issue 18.4)
            job = latest_job_for_subscription(subscription.id)
            if job is not None:
                return redirect(url_for("provisioning.job_detail", job_id=job.id))
            return redirect(url_for("subscribers.household_detail", household_id=household.id))
    audit.record_request("read", "household", household.id, detail="subscribe form")
    db.session.commit()
    return render_template("subscriptions/subscribe.html", form=form,
                           household=household, decision_note=decision_note), \
        form_status()


@bp.route("/subscriptions/<int:subscription_id>/change", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def change(subscription_id: int):
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFoundError(_("Abonnement %(id)s introuvable", id=subscription_id))
    form = ChangeForm(action=request.args.get("action", "suspend"))
    if form.validate_on_submit():
        try:
            service = ACTIONS[form.action.data]
            if form.action.data == "terminate":
                service(subscription, actor=current_actor(), reason=form.reason.data,
                        on=form.on.data)
            else:
                service(subscription, actor=current_actor(), reason=form.reason.data)
        except DomainError as error:
            show_domain_error(form, error, "action")
        else:
            audit.record_request("update", "subscription", subscription.id,
                                 detail=form.action.data)
            db.session.commit()
            flash(_("Changement enregistré."), "success")
            return redirect(url_for("subscribers.household_detail",
                                    household_id=subscription.household_id))
    return render_template("subscriptions/change.html", form=form,
                           subscription=subscription, history=lifecycle.history(subscription)), \
        form_status()


def _lifecycle_panel(household: Household, scope: Scope):
    """Subscriptions, their history, the latest job and the port's last polled state."""
    if scope.is_mediator or not scope.sees_personal_data:
        return None
    rows = [(s, lifecycle.history(s), latest_job_for_subscription(s.id))
            for s in household.subscriptions]
    # The subscriptions and the port, read once for the page (the main section and the
    # network's show them too).
    return Markup(render_template(
        "subscriptions/panel.html", household=household, rows=rows,
        port=port_of_unit(household.unit),
        open_subscription=lifecycle.open_among(household.subscriptions),
        action_labels=ACTION_LABELS))
