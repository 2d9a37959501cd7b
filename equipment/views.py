"""Pages of lent equipment (operators): inventory, one item with its moves, partners; the
household page's panel (operators, and mediators for the households of their association)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from markupsafe import Markup

from equipment import services
from equipment.choices import KIND_LABELS, ORIGIN_LABELS, STATE_LABELS, Kind, State
from equipment.footprint_defaults import table as default_table
from equipment.forms import ItemForm, MoveForm, PartnerForm, state_choices
from equipment.models import EquipmentItem
from equipment.schemas import ItemQuery
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse

bp = Blueprint("equipment", __name__, template_folder="templates")

OPERATORS = (Role.OPERATOR,)

register_nav(_l("Équipements prêtés"), "equipment.index", *OPERATORS, order=46)


@bp.app_context_processor
def _labels():
    return {"EQUIPMENT_KINDS": KIND_LABELS, "EQUIPMENT_STATES": STATE_LABELS,
            "EQUIPMENT_ORIGINS": ORIGIN_LABELS}


def _partner_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(p.code, f"{p.code} — {p.name}") for p in services.partners()]


@bp.get("/equipment")
@require_role(*OPERATORS)
def index():
    """The inventory, filtered by kind, state and serial number."""
    try:
        filters = parse(ItemQuery).filters()
    except DomainError as error:
        return render_template("equipment/index.html", page=None, error=error.message,
                               kinds=list(Kind), states=list(State), filters=None), 400
    page = paginate(services.items_list(filters), per_page=50)
    return render_template("equipment/index.html", page=page, filters=filters, error=None,
                           kinds=list(Kind), states=list(State))


@bp.route("/equipment/new", methods=["GET", "POST"])
@require_role(*OPERATORS)
def new():
    """A new item in stock (its footprint defaults from kind and origin)."""
    form = ItemForm()
    form.partner_code.choices = _partner_choices(_("— aucun (neuf) —"))
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                item = services.create_item(form.data_for_service(), current_actor())
            db.session.commit()
            flash(_("Équipement ajouté au stock."), "success")
            return redirect(url_for("equipment.detail", item_id=item.id))
        except DomainError as error:
            show_domain_error(form, error, "serial")
    return render_template("equipment/new.html", form=form, defaults=default_table()), (
        form_status())


def _move_form(item: EquipmentItem) -> MoveForm:
    form = MoveForm()
    form.to_state.choices = state_choices(services.allowed_moves(item))
    form.partner_code.choices = _partner_choices(_("— aucun —"))
    return form


def _detail(item: EquipmentItem, form: MoveForm, status: int = 200):
    if item.household_id is not None or any(m.household_id for m in item.moves):
        audit.record_request("view", "equipment_item", item.id, "holders")
    return render_template("equipment/detail.html", item=item, form=form), status


@bp.get("/equipment/<int:item_id>")
@require_role(*OPERATORS)
def detail(item_id: int):
    """One item: origin, footprint, holder, every move, and the moves it may make."""
    item = services.get_item(item_id)
    return _detail(item, _move_form(item))


@bp.post("/equipment/<int:item_id>/moves")
@require_role(*OPERATORS)
def add_move(item_id: int):
    """Record a move; a refused one is shown beside its field (400)."""
    item = services.get_item(item_id)
    form = _move_form(item)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                services.move(item, form.data_for_service(), current_actor())
            db.session.commit()
            flash(_("Mouvement enregistré."), "success")
            return redirect(url_for("equipment.detail", item_id=item.id))
        except DomainError as error:
            show_domain_error(form, error, "to_state")
    return _detail(item, form, 400)


@bp.route("/equipment/partners", methods=["GET", "POST"])
@require_role(*OPERATORS)
def partners():
    """The local 4R partners (refurbishing, repair, recycling)."""
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                services.create_partner(form.data)
            db.session.commit()
            flash(_("Partenaire ajouté."), "success")
            return redirect(url_for("equipment.partners"))
        except DomainError as error:
            show_domain_error(form, error, "code")
    return render_template("equipment/partners.html", form=form,
                           partners=services.partners()), (
        form_status())


def _household_panel(household, scope) -> Markup | None:
    """What the household holds; read-only (mediators see it for their own households)."""
    items = services.holdings(household)
    if not items:
        return None
    links = not getattr(scope, "is_mediator", False)
    return Markup(render_template("equipment/_household_panel.html", items=items, links=links))
