"""The catalogue of options (admins create and edit; operators read) and the options a
subscription holds (operators add and remove them). Rules: billing/options.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from billing import options, tariffs
from billing.forms_options import (
    SUBSIDY_KIND_LABELS,
    SWITCH_NEED_LABELS,
    AddOptionForm,
    EndOptionForm,
    fill_tiers,
    form_values,
    option_form,
)
from billing.models_options import ServiceOption
from billing.money import format_euros
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from subscribers.models import Subscription

bp = Blueprint("billing_options", __name__, template_folder="templates", url_prefix="/billing")



@bp.app_context_processor
def _option_labels() -> dict:
    return {"SWITCH_NEED_LABELS": SWITCH_NEED_LABELS, "SUBSIDY_KIND_LABELS": SUBSIDY_KIND_LABELS}


def _form_error(form, error: DomainError, default: str) -> None:
    """Show the refusal beside its field (a tier's field has its own name)."""
    field = error.field or default
    if field.startswith("tiers.") and f"tier_{field[6:]}_value" in form:
        field = f"tier_{field[6:]}_value"
    show_domain_error(form, DomainError(error.message, field=field), default)


def subsidy_text(option, rule) -> str:
    """« 5,00 € par mois » or « 50 % » with the household's share, for the pages."""
    subsidy = options.monthly_subsidy(option.monthly_price_cents, rule)
    return _("aide %(subsidy)s, part du foyer %(share)s", subsidy=format_euros(subsidy),
             share=format_euros(option.monthly_price_cents - subsidy))


@bp.get("/options")
@require_role(Role.OPERATOR)
def option_list():
    # Each option's tier rules at once (was one statement per option).
    rows = db.session.execute(options.catalogue().options(
        selectinload(ServiceOption.rules))).scalars().all()
    return render_template("billing/options/list.html", options=rows, subsidy_text=subsidy_text)


@bp.route("/options/new", methods=["GET", "POST"])
@require_role()
def option_new():
    tiers = tariffs.tiers()
    form = option_form(tiers, creating=True)
    if form.validate_on_submit():
        try:
            option = options.create_option(form_values(form, tiers), actor=current_actor())
        except DomainError as error:
            _form_error(form, error, "code")
        else:
            audit.record_request("create", "service_option", option.code)
            db.session.commit()
            flash(_("Option %(code)s créée.", code=option.code), "success")
            return redirect(url_for("billing_options.option_list"))
    return render_template("billing/options/form.html", form=form, option=None, tiers=tiers), \
        form_status()


@bp.route("/options/<code>", methods=["GET", "POST"])
@require_role()
def option_edit(code: str):
    option = options.get_option(code)
    tiers = tariffs.tiers()
    form = option_form(tiers, creating=False, obj=option,
                       price=option.monthly_price_cents / 100
                       if request.method == "GET" else None)
    if request.method == "GET":
        fill_tiers(form, option)
    if form.validate_on_submit():
        try:
            options.update_option(option, form_values(form, tiers), actor=current_actor())
        except DomainError as error:
            _form_error(form, error, "name")
        else:
            audit.record_request("update", "service_option", option.code)
            db.session.commit()
            flash(_("Option %(code)s modifiée.", code=option.code), "success")
            return redirect(url_for("billing_options.option_list"))
    return render_template("billing/options/form.html", form=form, option=option,
                           tiers=tiers), form_status()


# --- the options of a subscription ---------------------------------------------------------------

def get_subscription(subscription_id: int):
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFoundError(_("Abonnement %(id)s introuvable", id=subscription_id))
    return subscription


def _subscription_page(subscription, add_form: AddOptionForm, status: int = 200):
    audit.record_request("read", "subscription_options", subscription.id)
    db.session.commit()
    return render_template("billing/options/subscription.html", subscription=subscription,
                           held=options.options_of(subscription.id), form=add_form), status


def _add_form(subscription) -> AddOptionForm:
    form = AddOptionForm()
    form.option_code.choices = [
        (option.code, f"{option.name} ({format_euros(option.monthly_price_cents)})")
        for option in db.session.execute(options.catalogue(active_only=True)).scalars()
        if option.rule_for(subscription.tier) is not None]
    return form


@bp.route("/subscriptions/<int:subscription_id>/options", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def subscription_options(subscription_id: int):
    subscription = get_subscription(subscription_id)
    form = _add_form(subscription)
    if request.method == "GET":
        return _subscription_page(subscription, form)
    if form.validate_on_submit():
        try:
            options.add_option(subscription, form.option_code.data, actor=current_actor(),
                               starts_on=form.starts_on.data)
        except DomainError as error:
            _form_error(form, error, "option_code")
        else:
            audit.record_request("add_option", "subscription", subscription.id,
                                 form.option_code.data)
            db.session.commit()
            flash(_("Option ajoutée."), "success")
            return redirect(url_for("billing_options.subscription_options",
                                    subscription_id=subscription.id))
    return _subscription_page(subscription, form, 400)


@bp.route("/subscription-options/<int:held_id>/end", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def subscription_option_end(held_id: int):
    """Remove an option from a date (a page of its own: a refusal shows beside the date)."""
    held = options.get_held(None, held_id)
    subscription = held.subscription
    form = EndOptionForm()
    if form.validate_on_submit():
        try:
            options.end_option(held, actor=current_actor(), ends_on=form.ends_on.data)
        except DomainError as error:
            _form_error(form, error, "ends_on")
        else:
            audit.record_request("end_option", "subscription", subscription.id,
                                 held.option.code)
            db.session.commit()
            flash(_("Option retirée."), "success")
            return redirect(url_for("billing_options.subscription_options",
                                    subscription_id=subscription.id))
    audit.record_request("read", "subscription_options", subscription.id)
    db.session.commit()
    return render_template("billing/options/end.html", subscription=subscription, held=held,
                           form=form), form_status()


# --- household page panel ------------------------------------------------------------------------

def _household_options_panel(household, scope) -> Markup | None:
    """The options of the household's subscriptions, with the link to manage them."""
    if getattr(scope, "is_mediator", False) or not getattr(scope, "sees_personal_data", True):
        return None
    # The household's subscriptions as the page has loaded them (no second statement), and
    # their options in one (issue 23.3).
    subscriptions = sorted(household.subscriptions, key=lambda s: s.id, reverse=True)
    if not subscriptions:
        return None
    held = options.held_options_of([s.id for s in subscriptions])
    return Markup(render_template("billing/options/_household_panel.html",
                                  subscriptions=subscriptions, held=held))
