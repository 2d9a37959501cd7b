"""Pages for districts, buildings, flats and households."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import and_, bindparam, func, or_, select

from isp import audit, history, registry
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.csvimport import IMPORTERS, ImportRejected, run_import
from isp.database import AmongIds, built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import money
from isp.forms import flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.i18n import ngettext
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import today
from subscribers import asks, services
from subscribers.choices import BUILDING_STATUS_LABELS, LANGUAGES, SUBSCRIPTION_STATUS_LABELS
from subscribers.forms import (
    BuildingForm,
    HouseholdEditForm,
    HouseholdForm,
    ImportForm,
    MoveOutForm,
)
from subscribers.models import Building, District, Household, Unit
from subscribers.schemas import HouseholdQuery

#: Flats a page on a building's page: with the status column and filter, and the navigation
#: grown with the newer domains (December 2026), 25 rows weighed 426 elements (EcoIndex B);
#: 20 keep it in grade A.
BUILDING_FLATS_PER_PAGE = 20
#: Households a page on their list: 40 rows weighed 418 elements with today's navigation
#: (EcoIndex B); 30 keep it in grade A.
HOUSEHOLDS_PER_PAGE = 30

bp = Blueprint("subscribers", __name__, template_folder="templates")

register_nav(_l("Immeubles"), "subscribers.buildings", Role.OPERATOR, order=10)
register_nav(_l("Foyers"), "subscribers.households", Role.OPERATOR, Role.MEDIATOR, order=20)
register_nav(_l("Imports"), "subscribers.imports", Role.OPERATOR, order=90)


history.register_value_labels("language", LANGUAGES)


@bp.app_context_processor
def _labels():
    # page_history feeds the shared _history.html partial of every record's page.
    return {"BUILDING_STATUS_LABELS": BUILDING_STATUS_LABELS, "LANGUAGES": LANGUAGES,
            "SUBSCRIPTION_STATUS_LABELS": SUBSCRIPTION_STATUS_LABELS,
            "household_status_text": household_status_text,
            "page_history": history.page_history,
            "history_field_label": history.field_label,
            "history_field_value": history.field_value}


def household_status_text(status: services.HouseholdStatus | None) -> str:
    """A household's status as the households list and the building page show it in a row:
    the subscription's, the amount overdue, the dunning step reached.

    In Python rather than a macro: a macro imported with its context cost an eighth of those
    pages (issue 23.3).
    """
    if status is None:
        return ""
    parts = [str(SUBSCRIPTION_STATUS_LABELS.get(status.subscription, status.subscription))
             if status.subscription else _("non abonné")]
    if status.overdue_cents:
        parts.append(_("impayé %(amount)s", amount=money(status.overdue_cents)))
    if status.dunning_step:
        parts.append(_("relance : %(step)s", step=asks.dunning_step_labels().get(
            status.dunning_step, status.dunning_step)))
    return " · ".join(parts)


def status_filter_choices() -> list[tuple[str, str]]:
    """The ``status`` filter's values with their labels, in the order of the lists."""
    labels = {services.NOT_SUBSCRIBED: _("non abonné"), services.IN_ARREARS: _("en impayé")}
    for status in services.SUBSCRIPTION_FILTERS:
        labels[status] = _("abonnement %(status)s", status=SUBSCRIPTION_STATUS_LABELS[status])
    for step, step_label in asks.dunning_step_labels().items():
        labels[services.DUNNING_PREFIX + step] = _("relance : %(step)s", step=step_label)
    return [(value, labels[value]) for value in services.household_status_filters()]


def _status_filter(value: str | None) -> tuple[str | None, str | None]:
    """The page's checked ``status`` filter and the message beside the field when it is bad
    (the list is then shown unfiltered, with status 400)."""
    try:
        return services.check_status_filter(value), None
    except DomainError:
        return None, _("Statut inconnu : choisissez-en un dans la liste.")


def _district_choices() -> list[tuple[str, str]]:
    return [(d.code, f"{d.name} ({d.code})") for d in
            db.session.execute(select(District).order_by(District.name)).scalars()]


@bp.get("/districts")
@require_role(Role.OPERATOR)
def districts():
    rows = db.session.execute(
        select(District, func.count(Building.id)).outerjoin(District.buildings)
        .group_by(District.id).order_by(District.commune, District.name)).all()
    return render_template("subscribers/districts.html", rows=rows)


@bp.get("/buildings")
@require_role(Role.OPERATOR)
def buildings():
    search = request.args.get("q", "").strip()
    # Plain rows of the columns shown, not ORM buildings with their districts (issue 23.3).
    statement = (select(Building.id, Building.code, Building.name, Building.status,
                        District.name.label("district_name"))
                 .join(District, District.id == Building.district_id).order_by(Building.code))
    if search:
        pattern = f"%{search}%"
        statement = statement.where(or_(Building.code.ilike(pattern),
                                        Building.name.ilike(pattern),
                                        District.name.ilike(pattern)))
    page = paginate(statement, scalars=False)
    # The page's buildings only, not all 10,000 flats; in a statement of its own, not as a
    # column of the page's: PostgreSQL would count for every building an OFFSET skips too.
    counts = dict(db.session.execute(_flats_per_building_statement(),
                                     {"ids": [building.id for building in page.items]}).all())
    return render_template("subscribers/buildings.html", page=page, search=search,
                           counts=counts)


@built_once
def _flats_per_building_statement():
    return (select(Unit.building_id, func.count()).where(AmongIds(Unit.building_id, "ids"))
            .group_by(Unit.building_id))


@bp.route("/buildings/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def building_new():
    form = BuildingForm()
    form.district_code.choices = _district_choices()
    if form.validate_on_submit():
        try:
            building = services.create_building(**{name: form[name].data for name in (
                "code", "name", "address", "postcode", "commune", "district_code", "landlord",
                "status")})
        except DomainError as error:
            show_domain_error(form, error, "code")
        else:
            db.session.commit()
            flash(_("Immeuble créé."), "success")
            return redirect(url_for("subscribers.building_detail", code=building.code))
        return render_template("subscribers/building_form.html", form=form), 400
    return render_template("subscribers/building_form.html", form=form), \
        form_status()


@bp.route("/buildings/<code>/edit", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def building_edit(code: str):
    building = services.get_building(code)
    form = BuildingForm(obj=building, district_code=building.district.code)
    form.district_code.choices = _district_choices()
    if form.validate_on_submit():
        if form.code.data != building.code:
            form.code.errors = [_("Le code d'un immeuble ne change pas.")]
            return render_template("subscribers/building_form.html", form=form,
                                   building=building), 400
        for name in ("name", "address", "postcode", "commune", "landlord", "status"):
            setattr(building, name, form[name].data or None if name == "landlord"
                    else form[name].data)
        building.district = services.get_district(form.district_code.data)
        db.session.commit()
        flash(_("Immeuble modifié."), "success")
        return redirect(url_for("subscribers.building_detail", code=building.code))
    return render_template("subscribers/building_form.html", form=form, building=building), \
        form_status()


def _occupied_count():
    """How many flats of the building ``:building_id`` have a current household."""
    return select(func.count(Household.id)).where(
        Household.moved_out_on.is_(None),
        Household.unit_id.in_(select(Unit.id).where(Unit.building_id == bindparam("building_id"))))


@built_once
def _occupants_statement():
    """The current households of the flats ``:unit_ids`` of the building ``:building_id``;
    built once (isp.database.built_once)."""
    # The building's occupied count rides on each occupant row: one round trip, not two.
    return (select(Household.unit_id, Household.id, Household.holder_name,
                   _occupied_count().scalar_subquery().label("occupied"),
                   services.shown_subscription_status().label("subscription"))
            .where(AmongIds(Household.unit_id, "unit_ids"),
                   Household.moved_out_on.is_(None)))


@bp.get("/buildings/<code>")
@require_role(Role.OPERATOR)
def building_detail(code: str):
    building = services.get_building(code)
    status, status_error = _status_filter(request.args.get("status"))
    current = Household.moved_out_on.is_(None)
    in_building = Unit.building_id == building.id
    if status:  # flats whose current household has that status (free flats have none)
        in_building = and_(in_building, Unit.id.in_(select(Household.unit_id).where(
            current, services.household_status_condition(status, on=today()))))
    # The flats a page at a time (a building has 100+: one table of them all weighed ~1,000
    # elements, EcoIndex C), as plain rows of the columns shown: ORM objects for each flat
    # and household cost more than the rest of the page.
    page = paginate(select(Unit.id, Unit.code, Unit.staircase, Unit.floor, Unit.door)
                    .where(in_building)
                    .order_by(Unit.staircase, Unit.floor, Unit.door, Unit.id),
                    per_page=BUILDING_FLATS_PER_PAGE, scalars=False,
                    count_statement=select(func.count(Unit.id)).where(in_building))
    occupants = {row.unit_id: row for row in db.session.execute(_occupants_statement(), {
        "building_id": building.id, "unit_ids": [unit.id for unit in page.items]})}
    statuses = services.household_statuses(
        [row.id for row in occupants.values()], on=today(),
        subscriptions={row.id: row.subscription for row in occupants.values()})
    occupied = (next(iter(occupants.values())).occupied if occupants
                else db.session.execute(_occupied_count(), {"building_id": building.id})
                .scalar_one())
    flats = db.session.execute(select(func.count(Unit.id)).where(
        Unit.building_id == building.id)).scalar_one() if status else page.total
    return render_template("subscribers/building_detail.html", building=building, page=page,
                           occupants=occupants, occupied=occupied, statuses=statuses,
                           flats=flats, status=status, status_error=status_error,
                           status_choices=status_filter_choices()), \
        400 if status_error else 200


@bp.get("/units/<code>")
@require_role(Role.OPERATOR)
def unit_detail(code: str):
    unit = services.get_unit(code)
    household = services.current_household(unit)
    if household is not None:
        audit.record_request("read", "household", household.id, detail="flat page")
        db.session.commit()
    former_count = db.session.execute(select(func.count()).select_from(Household).where(
        Household.unit_id == unit.id, Household.moved_out_on.is_not(None))).scalar_one()
    return render_template("subscribers/unit_detail.html", unit=unit, household=household,
                           former_count=former_count)


#: What the households list shows (the flat's code is the household's own copy).
HOUSEHOLD_LIST_COLUMNS = (Household.id, Household.holder_name, Household.unit_code,
                          Household.language, Household.moved_in_on)


@bp.get("/households")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def households():
    scope = Scope.of(current_actor())
    query = parse(HouseholdQuery)
    search = query.q or ""
    # Mediators see neither subscriptions nor money (DESIGN §1): no status column or filter.
    status, status_error = (None, None) if scope.is_mediator else _status_filter(query.status)
    # Plain rows of the columns shown: an ORM object per household cost more than its row.
    found = services.household_list(scope, HOUSEHOLD_LIST_COLUMNS, search=search or None,
                                    building_code=query.building, status=status)
    # The statuses in their own statements, not as columns of the page's: PostgreSQL would
    # compute a column for every row an OFFSET skips too (page 100: 5,000 subqueries).
    page = paginate(found, per_page=HOUSEHOLDS_PER_PAGE, scalars=False)
    statuses = {} if scope.is_mediator else services.household_statuses(
        [household.id for household in page.items], on=today())
    # Render before committing the audit entry: a commit expires the loaded rows, and reading
    # them again would cost two queries per household.
    html = render_template("subscribers/households.html", page=page, search=search, scope=scope,
                           statuses=statuses, status=status, status_error=status_error,
                           status_choices=status_filter_choices())
    audit.record_request("read", "household_list", None,
                         detail=f"{len(page.items)} households listed")
    db.session.commit()
    return html, 400 if status_error else 200


@bp.route("/households/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def household_new():
    form = HouseholdForm(unit_code=request.args.get("unit", ""))
    if form.validate_on_submit():
        try:
            unit = services.get_unit(form.unit_code.data.strip())
            household = services.move_in(
                unit, holder_name=form.holder_name.data, moved_in_on=form.moved_in_on.data,
                phone=form.phone.data, email=form.email.data, size=form.size.data,
                language=form.language.data,
                needs=[n.strip() for n in (form.needs.data or "").split(";") if n.strip()],
                actor=current_actor())
        except DomainError as error:
            show_domain_error(form, error, "unit_code")
        else:
            audit.record_request("create", "household", household.id)
            db.session.commit()
            flash(_("Foyer enregistré."), "success")
            return redirect(url_for("subscribers.household_detail", household_id=household.id))
        return render_template("subscribers/household_form.html", form=form), 400
    return render_template("subscribers/household_form.html", form=form), \
        form_status()


@bp.get("/households/<int:household_id>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def household_detail(household_id: int):
    scope = Scope.of(current_actor())
    # Mediators see no subscription (DESIGN §1); others see them in several sections.
    household = services.get_household(household_id, scope,
                                       with_subscriptions=not scope.is_mediator)
    # Render before committing the audit entry: a commit expires the loaded rows.
    html = render_template("subscribers/household_detail.html", household=household,
                           scope=scope, panels=household_panels(household, scope),
                           tabs=household_tabs(scope), tab=None)
    audit.record_request("read", "household", household.id)
    db.session.commit()
    return html


@bp.get("/households/<int:household_id>/<tab_slug>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
def household_tab(household_id: int, tab_slug: str):
    """One tab of the household page: the sections a domain keeps off the page itself."""
    scope = Scope.of(current_actor())
    tabs = household_tabs(scope)
    tab = next((tab for tab in tabs if tab.slug == tab_slug), None)
    if tab is None:
        abort(404)
    household = services.get_household(household_id, scope)
    panels = [html for panel in tab.panels if (html := panel(household, scope))]
    html = render_template("subscribers/household_tab.html", household=household, scope=scope,
                           panels=panels, tabs=tabs, tab=tab)
    audit.record_request("read", "household", household.id, detail=f"tab {tab.slug}")
    db.session.commit()
    return html


def household_panels(household: Household, scope: Scope) -> list:
    """The sections every domain declares for the household page (``household_panels`` of its
    ``CONTRIBUTES``), in their declared order; a section with nothing to show is left out."""
    return [html for panel in registry.household_panels() if (html := panel(household, scope))]


def household_tabs(scope: Scope) -> tuple[registry.HouseholdTab, ...]:
    """The household page's tabs this reader is offered (``household_tabs`` of every domain)."""
    return tuple(tab for tab in registry.household_tabs()
                 if tab.for_mediators or not scope.is_mediator)


def _history_tab(household: Household, _scope: Scope) -> Markup:
    """The "Historique" tab: the household's changes and those of its subscriptions and
    follow-ups (``isp.history.page_history`` reads them for the reader's role)."""
    return Markup(render_template("subscribers/_household_history.html", household=household))


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def household_edit(household_id: int):
    household = services.get_household(household_id, Scope.of(current_actor()))
    form = HouseholdEditForm(obj=household)
    if form.validate_on_submit():
        try:
            services.update_household(
                household, holder_name=form.holder_name.data, phone=form.phone.data or None,
                email=form.email.data or None, size=form.size.data, language=form.language.data,
                needs=[n.strip() for n in (form.needs.data or "").split(";") if n.strip()],
                other_members=form.other_members.data or None)
        except DomainError as error:
            flash_domain_error(error)
            return render_template("subscribers/household_edit.html", form=form,
                                   household=household), 400
        audit.record_request("update", "household", household.id)
        db.session.commit()
        flash(_("Foyer modifié."), "success")
        return redirect(url_for("subscribers.household_detail", household_id=household.id))
    audit.record_request("read", "household", household.id, detail="edit form")
    db.session.commit()
    return render_template("subscribers/household_edit.html", form=form, household=household), \
        form_status()


@bp.route("/households/<int:household_id>/move-out", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def household_move_out(household_id: int):
    household = services.get_household(household_id, Scope.of(current_actor()))
    form = MoveOutForm()
    if form.validate_on_submit():
        try:
            services.move_out(household, moved_out_on=form.moved_out_on.data,
                              actor=current_actor())
        except DomainError as error:
            show_domain_error(form, error, "moved_out_on")
            return render_template("subscribers/move_out.html", form=form, household=household,
                                   subscriptions=services.open_subscriptions(household)), 400
        audit.record_request("update", "household", household.id, detail="moved out")
        db.session.commit()
        flash(_("Départ enregistré."), "success")
        return redirect(url_for("subscribers.unit_detail", code=household.unit.code))
    return render_template("subscribers/move_out.html", form=form, household=household,
                           subscriptions=services.open_subscriptions(household)), \
        form_status()


@bp.route("/imports", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def imports():
    form = ImportForm()
    form.kind.choices = [(spec.kind, str(spec.label or spec.kind)) for spec in _import_specs()]
    errors, more_errors = [], 0
    if form.validate_on_submit():
        try:
            result = run_import(form.kind.data, form.file.data.read(), actor=current_actor(),
                                decided_by=current_actor())
        except ImportRejected as rejected:
            errors, more_errors = rejected.errors, rejected.more
        except DomainError as error:
            show_domain_error(form, error, "kind")
        else:
            audit.record_request("import", form.kind.data, None, detail=f"{result.rows} rows")
            db.session.commit()
            flash(ngettext(
                "Import réussi : %(num)s ligne.", "Import réussi : %(num)s lignes.",
                result.rows), "success")
            return redirect(url_for("subscribers.imports"))
        return render_template("subscribers/imports.html", form=form, errors=errors,
                               more_errors=more_errors, specs=_import_specs()), 422
    return render_template("subscribers/imports.html", form=form, errors=errors,
                           specs=_import_specs()), form_status()


def _import_specs() -> list:
    """The import kinds, in the order of their names in the reader's language."""
    return sorted(IMPORTERS.values(), key=lambda spec: str(spec.label or spec.kind).lower())


@bp.route("/imports/<kind>/template.csv")
@require_role(Role.OPERATOR)
def import_template(kind: str):
    """A kind's template to fill in: its columns and one example line."""
    spec = IMPORTERS.get(kind)
    if spec is None:
        abort(404)
    return Response(spec.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="modele-{kind}.csv"'})
