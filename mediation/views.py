"""Pages of mediation: associations and places, orientation of households, slots, planning,
bookings and session records.

Kept in one file (~570 lines) because its pages share one blueprint: split into
``views_*.py`` modules, they would need blueprints of their own and their endpoints
(``mediation.*``, named by templates and other domains) would change."""

from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from isp import audit
from isp.auth import Scope, current_actor, public, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.nav import register_nav
from isp.pagination import paginate
from isp.query import parse
from isp.timeutil import today
from isp.validation import Day
from mediation import opendata
from mediation.assignments import (
    assign_household,
    assigned_count_column,
    assigned_counts,
    assignment_history,
    association_facts,
    current_assignment,
    suggestions_for,
    suggestions_for_rows,
    unassigned_rows,
)
from mediation.associations import (
    associations_query,
    get_association,
    get_place,
    save_association,
    save_place,
)
from mediation.choices import (
    AGE_BANDS,
    AUTONOMY_LEVELS,
    BOOKING_STATUS_LABELS,
    EQUIPMENT,
    PLACE_TYPES,
    REFERRALS,
    SESSION_TYPE_LABELS,
    SPECIALTIES,
    THEMES,
)
from mediation.forms import (
    AssignmentForm,
    AssociationForm,
    BookingForm,
    BookingStatusForm,
    ConfirmForm,
    PlaceForm,
    SessionForm,
    SlotForm,
)
from mediation.models import Association, Booking, Place
from mediation.schemas import AssociationQuery
from mediation.sessions import get_session, record_session, sessions_query
from mediation.slots import (
    LOCAL,
    book,
    bookable_households,
    cancel_slot,
    get_booking,
    get_slot,
    holding_count,
    local,
    monday_of,
    publish_slot,
    reminder_text,
    scoped_association,
    set_booking_status,
    slots_list,
    week_bounds,
    week_planning,
)
from subscribers.models import District, Household, needs_of
from subscribers.services import get_household

bp = Blueprint("mediation", __name__, template_folder="templates")

register_nav(_l("Associations"), "mediation.associations", Role.OPERATOR, order=50)
register_nav(_l("Orientation"), "mediation.orientation", Role.OPERATOR, order=51)
register_nav(_l("Créneaux"), "mediation.slots", Role.MEDIATOR, order=52)
register_nav(_l("Planning"), "mediation.planning", Role.MEDIATOR, order=53)
register_nav(_l("Séances"), "mediation.sessions", Role.MEDIATOR, order=54)

MEDIATORS = (Role.MEDIATOR, Role.OPERATOR)


@bp.app_context_processor
def _labels():
    return {"SPECIALTY_LABELS": SPECIALTIES, "THEME_LABELS": THEMES,
            "SESSION_TYPE_LABELS": SESSION_TYPE_LABELS, "PLACE_TYPE_LABELS": PLACE_TYPES,
            "AUTONOMY_LABELS": AUTONOMY_LEVELS, "EQUIPMENT_LABELS": EQUIPMENT,
            "REFERRAL_LABELS": REFERRALS, "AGE_BAND_LABELS": AGE_BANDS,
            "BOOKING_STATUS_LABELS": BOOKING_STATUS_LABELS}


def _errors_to_form(form, error: DomainError) -> None:
    """Beside the field the refusal names, else in a flash message."""
    if error.field and error.field in form:
        show_domain_error(form, error, error.field)
    else:
        flash_domain_error(error)


def _association_choices() -> list[tuple[str, str]]:
    return [(a.code, f"{a.code} — {a.name}") for a in db.session.execute(
        associations_query()).scalars()]


# --- associations and places -------------------------------------------------------------------

@bp.get("/associations")
@require_role(Role.OPERATOR)
def associations():
    search = parse(AssociationQuery).q
    # Rows of (association, households assigned): the counts come with the page's query.
    # Without a search, the statements are built once (issue 23.3).
    rows, count_rows = (_association_rows(associations_query(search)) if search
                        else _association_rows_built_once())
    page = paginate(rows, scalars=False, count_rows=count_rows, values={})
    return render_template("mediation/associations.html", page=page, q=search or "")


def _association_rows(statement: Select) -> tuple[Select, Select]:
    return statement.add_columns(assigned_count_column()), statement


@built_once
def _association_rows_built_once() -> tuple[Select, Select]:
    return _association_rows(associations_query())


def _district_choices() -> list[tuple[str, str]]:
    return [(d.code, f"{d.code} — {d.name}") for d in db.session.execute(
        select(District).order_by(District.code)).scalars()]


def _association_form_page(association: Association | None):
    form = AssociationForm(obj=None)
    form.districts.choices = _district_choices()
    if request.method == "GET" and association is not None:
        form.process(data={
            "code": association.code, "name": association.name,
            "siret_or_rna": association.siret_or_rna,
            "districts": association.split(association.districts),
            "languages": association.split(association.languages),
            "specialties": association.split(association.specialties),
            "capacity_per_month": association.capacity_per_month, "email": association.email,
            "phone": association.phone, "website": association.website,
            "summary": association.summary})
    if association is not None:
        form.code.data = association.code
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                saved = save_association(
                    association, code=form.code.data, name=form.name.data,
                    siret_or_rna=form.siret_or_rna.data, districts=form.districts.data,
                    languages=form.languages.data, specialties=form.specialties.data,
                    capacity_per_month=form.capacity_per_month.data, email=form.email.data,
                    phone=form.phone.data, website=form.website.data, summary=form.summary.data)
            audit.record_request("update" if association else "create", "association",
                                 saved.code)
            db.session.commit()
            flash(_("Association enregistrée."), "success")
            return redirect(url_for("mediation.association_detail", code=saved.code))
        except DomainError as error:
            _errors_to_form(form, error)
    status = form_status()
    return render_template("mediation/association_form.html", form=form,
                           association=association), status


@bp.route("/associations/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def association_new():
    return _association_form_page(None)


@bp.route("/associations/<code>/edit", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def association_edit(code: str):
    return _association_form_page(get_association(code))


@bp.get("/associations/<code>")
@require_role(Role.OPERATOR)
def association_detail(code: str):
    association = get_association(code)
    return render_template("mediation/association_detail.html", association=association,
                           assigned=assigned_counts().get(association.id, 0))


def _place_form_page(association: Association, place: Place | None):
    form = PlaceForm(obj=place)
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                save_place(association, place, **{
                    name: getattr(form, name).data for name in (
               "name", "address", "address_complement", "postcode", "commune",
               "insee_code", "latitude", "longitude", "opening_hours",
               "accessibility", "accessibility_url", "mobile")})
            audit.record_request("update" if place else "create", "place", association.code)
            db.session.commit()
            flash(_("Lieu enregistré."), "success")
            return redirect(url_for("mediation.association_detail", code=association.code))
        except DomainError as error:
            _errors_to_form(form, error)
    status = form_status()
    return render_template("mediation/place_form.html", form=form, association=association,
                           place=place), status


@bp.route("/associations/<code>/places/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def place_new(code: str):
    return _place_form_page(get_association(code), None)


@bp.route("/associations/<code>/places/<int:place_id>/edit", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def place_edit(code: str, place_id: int):
    association = get_association(code)
    return _place_form_page(association, get_place(place_id, association))


@bp.get("/open-data/lieux-mediation-numerique.csv")
@public
def places_csv():
    """Open data: no personal field (associations' public places and contacts)."""
    return Response(opendata.to_csv(opendata.export_places()), mimetype="text/csv",
                    headers={"Content-Disposition":
                             "attachment; filename=lieux-mediation-numerique.csv"})


@bp.get("/open-data/lieux-mediation-numerique.json")
@public
def places_json():
    return Response(opendata.to_json(opendata.export_places()), mimetype="application/json")


# --- orientation (assignment) ------------------------------------------------------------------

@bp.get("/orientation")
@require_role(Role.OPERATOR)
def orientation():
    """Households followed by no association, each with its suggestion to confirm one by one."""
    # Each row carries its reasons and a confirm form (~20 elements): 10 a page stay in grade A.
    search = request.args.get("q")
    # Statements built once (no search): no values but theirs.
    page = paginate(unassigned_rows(search), per_page=10, scalars=False, values={})
    # The associations once for the page, not once per household.
    suggestions = suggestions_for_rows(page.items, association_facts())
    rows = [(household, needs_of(household.needs), (suggestions[household.id] or (None,))[0])
            for household in page.items]
    # Render before committing the audit entry: a commit expires the loaded rows.
    html = render_template("mediation/orientation.html", page=page, rows=rows,
                           confirm=ConfirmForm(), q=request.args.get("q", ""))
    audit.record_request("read", "household_list", None,
                         detail="orientation: " + ",".join(str(h.id) for h in page.items))
    db.session.commit()
    return html


@bp.route("/households/<int:household_id>/orientation", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def household_orientation(household_id: int):
    """The ranked associations with each term; the operator confirms or picks another."""
    actor = current_actor()
    household = get_household(household_id, Scope.of(actor))
    suggestions = suggestions_for(household)
    form = AssignmentForm()
    form.association_code.choices = _association_choices()
    current = current_assignment(household.id)
    if request.method == "GET" and suggestions:
        form.association_code.data = suggestions[0].code
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                assignment = assign_household(
                    household, form.association_code.data, reason=form.reason.data,
                    actor=actor)
            audit.record_request("assign", "household", household.id,
                                 detail=f"→ {assignment.association.code}")
            db.session.commit()
            flash(_("Décision enregistrée : %(code)s.", code=assignment.association.code),
                  "success")
            if request.form.get("next") == "orientation":
                return redirect(url_for("mediation.orientation"))
            return redirect(url_for("mediation.household_orientation",
                                    household_id=household.id))
        except DomainError as error:
            _errors_to_form(form, error)
    audit.record_request("read", "household", household.id, detail="orientation")
    db.session.commit()
    status = form_status()
    return render_template("mediation/household_orientation.html", household=household,
                           suggestions=suggestions, form=form, current=current,
                           history=assignment_history(household.id),
                           loads=json.loads), status


def _household_panel(household: Household, scope: Scope):
    current = current_assignment(household.id)
    if scope.is_mediator:
        bookings = [b for b in household_bookings(household.id)
                    if b.slot.association_id == scope.association_id]
        return Markup(render_template("mediation/_household_panel.html", household=household,
                                      current=current, scope=scope, bookings=bookings))
    return Markup(render_template("mediation/_household_panel.html", household=household,
                                  current=current, scope=scope, bookings=None))


def household_bookings(household_id: int):
    """The household's latest bookings, each with its slot (the panel shows it)."""
    return list(db.session.execute(select(Booking).where(
        Booking.household_id == household_id).options(joinedload(Booking.slot, innerjoin=True))
        .order_by(Booking.id.desc()).limit(20)).scalars())



# --- slots, bookings, planning -----------------------------------------------------------------

def _association_arg(scope: Scope) -> Association | None:
    return scoped_association(scope, request.args.get("association") or None)


@bp.get("/mediation/slots")
@require_role(*MEDIATORS, scope="own_association")
def slots():
    scope = Scope.of(current_actor())
    association = _association_arg(scope)
    start, _end = week_bounds(monday_of(today()))
    page = paginate(slots_list(scope, association=association, start=start))
    return render_template("mediation/slots.html", page=page, association=association,
                           scope=scope, associations=_association_choices())


def _slot_form(scope: Scope, association: Association | None) -> SlotForm:
    form = SlotForm()
    form.association_code.choices = [("", "—")] + _association_choices()
    places = association.places if association else []
    form.place_id.choices = [(None, _("— aucun —"))] + [(p.id, p.name) for p in places]
    if scope.is_mediator:
        del form.association_code
    return form


@bp.route("/mediation/slots/new", methods=["GET", "POST"])
@require_role(Role.MEDIATOR, scope="own_association")
def slot_new():
    actor = current_actor()
    scope = Scope.of(actor)
    association = scoped_association(
        scope, request.form.get("association_code") or request.args.get("association") or None)
    form = _slot_form(scope, association)
    if not scope.is_mediator and association is None:
        form.place_id.choices = [(None, _("— aucun —"))] + [
            (p.id, f"{p.association.code} — {p.name}")
            for p in db.session.execute(select(Place).order_by(Place.id)).scalars()]
    if form.validate_on_submit():
        try:
            if association is None:
                raise DomainError(_("Choisissez l'association."), field="association_code")
            with db.session.begin_nested():
                slot = publish_slot(
                    actor=actor, association=association,
                    starts_at=form.starts_at.data.replace(tzinfo=LOCAL),
                    duration_minutes=form.duration_minutes.data, capacity=form.capacity.data,
                    topic=form.topic.data, kind=form.kind.data, place_id=form.place_id.data)
            audit.record_request("create", "coaching_slot", slot.id)
            db.session.commit()
            flash(_("Créneau publié."), "success")
            return redirect(url_for("mediation.slot_detail", slot_id=slot.id))
        except DomainError as error:
            _errors_to_form(form, error)
    status = form_status()
    return render_template("mediation/slot_form.html", form=form, scope=scope), status


def _slot_page(slot, booking_form=None, status: int = 200):
    scope = Scope.of(current_actor())
    booking_form = booking_form or BookingForm()
    bookable = bookable_households(slot.association_id)
    booking_form.household_id.choices = [(h.id, f"{h.unit.code} — {h.holder_name}")
                                         for h in bookable]
    ids = sorted({b.household_id for b in slot.bookings} | {h.id for h in bookable})
    audit.record_request("read", "household_list", None,
                         detail=f"slot {slot.id}: " + ",".join(map(str, ids)))
    db.session.commit()
    reminders = {b.id: reminder_text(b) for b in slot.bookings
                 if b.status == "booked"}
    return render_template("mediation/slot_detail.html", slot=slot, scope=scope,
                           booking_form=booking_form, status_form=BookingStatusForm(),
                           reminders=reminders, local=local,
                           seats=holding_count(slot),
                           can_book=Role(current_actor().role) in (Role.MEDIATOR,
                                                                    Role.ADMIN)), status


@bp.get("/mediation/slots/<int:slot_id>")
@require_role(*MEDIATORS, scope="own_association")
def slot_detail(slot_id: int):
    return _slot_page(get_slot(slot_id, Scope.of(current_actor())))


@bp.post("/mediation/slots/<int:slot_id>/book")
@require_role(Role.MEDIATOR, scope="own_association")
def slot_book(slot_id: int):
    actor = current_actor()
    slot = get_slot(slot_id, Scope.of(actor))
    form = BookingForm()
    form.household_id.choices = [(h.id, h.holder_name)
                                 for h in bookable_households(slot.association_id)]
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                booking = book(slot, form.household_id.data, actor=actor)
            audit.record_request("book", "household", booking.household_id,
                                 detail=f"slot {slot.id}")
            db.session.commit()
            flash(_("Réservation enregistrée."), "success")
            return redirect(url_for("mediation.slot_detail", slot_id=slot.id))
        except DomainError as error:
            _errors_to_form(form, error)
    if not form.household_id.choices:  # nobody left to book: the page shows no form, say why
        flash(_("Plus aucun foyer à inscrire sur ce créneau."), "error")
    return _slot_page(slot, form, 400)


@bp.post("/mediation/slots/<int:slot_id>/cancel")
@require_role(Role.MEDIATOR, scope="own_association")
def slot_cancel(slot_id: int):
    actor = current_actor()
    slot = get_slot(slot_id, Scope.of(actor))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with db.session.begin_nested():
            cancel_slot(slot, actor=actor)
        audit.record_request("cancel", "coaching_slot", slot.id)
        db.session.commit()
        flash(_("Créneau annulé : prévenez les foyers (textes ci-dessous)."), "success")
    except DomainError as error:
        flash_domain_error(error)
    return redirect(url_for("mediation.slot_detail", slot_id=slot.id))


@bp.post("/mediation/bookings/<int:booking_id>/status")
@require_role(Role.MEDIATOR, scope="own_association")
def booking_status(booking_id: int):
    actor = current_actor()
    booking = get_booking(booking_id, Scope.of(actor))
    form = BookingStatusForm()
    if not form.validate_on_submit():  # a status the list does not offer: back, saying why
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("mediation.slot_detail", slot_id=booking.slot_id), code=303)
    try:
        with db.session.begin_nested():
            set_booking_status(booking, form.status.data, actor=actor)
        audit.record_request("update", "household", booking.household_id,
                             detail=f"booking {booking.id}: {form.status.data}")
        db.session.commit()
        flash(_("Présence enregistrée."), "success")
    except DomainError as error:
        flash_domain_error(error)
    return redirect(url_for("mediation.slot_detail", slot_id=booking.slot_id))


#: A week between 1900 and 2100 (year 9999 overflows the date arithmetic of the planning).
PLANNING_WEEK = Day("week", status=400)


@bp.get("/mediation/planning")
@require_role(*MEDIATORS, scope="own_association")
def planning():
    """A printable week of one association's slots, with the booked residents."""
    scope = Scope.of(current_actor())
    association = _association_arg(scope)
    if association is None:
        first = db.session.execute(associations_query()).scalars().first()
        if first is None:
            abort(404)
        association = first
    week = PLANNING_WEEK.check(request.args.get("week") or today())
    monday = monday_of(week)
    days = week_planning(association, monday)
    ids = sorted({b.household_id for d in days for s in d.slots for b in s.bookings})
    audit.record_request("read", "household_list", None,
                         detail=f"planning {association.code} {monday}: "
                                + ",".join(map(str, ids)))
    db.session.commit()
    return render_template("mediation/planning.html", association=association, days=days,
                           monday=monday, previous=monday - timedelta(days=7),
                           following=monday + timedelta(days=7), local=local,
                           scope=scope, associations=_association_choices())


# --- session records ---------------------------------------------------------------------------

@bp.get("/mediation/sessions")
@require_role(*MEDIATORS, scope="own_association")
def sessions():
    scope = Scope.of(current_actor())
    association = _association_arg(scope)
    # 25 rows keep the list in EcoIndex grade A (50 rows of sessions made ~490 elements, B).
    page = paginate(sessions_query(scope, association=association), per_page=25)
    return render_template("mediation/sessions.html", page=page, scope=scope,
                           association=association)


@bp.route("/mediation/sessions/new", methods=["GET", "POST"])
@require_role(Role.MEDIATOR, scope="own_association")
def session_new():
    actor = current_actor()
    scope = Scope.of(actor)
    association = scoped_association(
        scope, request.form.get("association_code") or request.args.get("association") or None)
    form = SessionForm()
    form.association_code.choices = [("", "—")] + _association_choices()
    households = bookable_households(association.id) if association else []
    form.household_id.choices = [(None, _("— aucun (séance anonyme) —"))] + [
        (h.id, f"{h.unit.code} — {h.holder_name}") for h in households]
    if scope.is_mediator:
        del form.association_code
    if request.method == "GET":
        form.held_on.data = today()
        form.household_id.data = request.args.get("household", type=int)
    if form.validate_on_submit():
        try:
            if association is None:
                raise DomainError(_("Choisissez l'association."), field="association_code")
            with db.session.begin_nested():
                record = record_session(
                    actor=actor, association=association, kind=form.kind.data,
                    held_on=form.held_on.data, duration_minutes=form.duration_minutes.data,
                    place_type=form.place_type.data, commune_code=form.commune_code.data,
                    themes=form.themes.data, autonomy=form.autonomy.data or None,
                    equipment=form.equipment.data, referral=form.referral.data or None,
                    follow_up=form.follow_up.data, first_session=form.first_session.data,
                    participants=form.participants.data, age_band=form.age_band.data or None,
                    profile_commune_code=form.profile_commune_code.data,
                    household_id=form.household_id.data)
            audit.record_request("create", "session_record", record.id,
                                 detail=f"household {record.household_id}"
                                 if record.household_id else None)
            db.session.commit()
            flash(_("Séance enregistrée."), "success")
            return redirect(url_for("mediation.session_detail", session_id=record.id))
        except DomainError as error:
            _errors_to_form(form, error)
    if households:
        audit.record_request("read", "household_list", None,
                             detail="session form: " + ",".join(str(h.id) for h in households))
        db.session.commit()
    status = form_status()
    return render_template("mediation/session_form.html", form=form, scope=scope), status


@bp.get("/mediation/sessions/<int:session_id>")
@require_role(*MEDIATORS, scope="own_association")
def session_detail(session_id: int):
    record = get_session(session_id, Scope.of(current_actor()))
    if record.household_id is not None:
        audit.record_request("read", "household", record.household_id,
                             detail=f"session {record.id}")
        db.session.commit()
    return render_template("mediation/session_detail.html", record=record)
