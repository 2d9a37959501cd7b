"""JSON API for districts, buildings, flats and households (docs/design.md §4.5)."""

from __future__ import annotations

from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, jsonify, request
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import contains_eager

from isp import audit, history
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import iso
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list, rows_without_joins
from isp.query import parse
from isp.timeutil import today
from isp.validation import body_schema, json_body
from subscribers import asks, services
from subscribers.fields import (
    EMAIL,
    HOLDER_NAME,
    LANGUAGE,
    MOVED_IN_ON,
    NEEDS,
    PHONE,
    SIZE,
    UNIT_CODE,
)
from subscribers.models import Building, District, Unit, needs_of
from subscribers.schemas import (
    BuildingOut,
    BuildingQuery,
    DistrictOut,
    HouseholdOut,
    HouseholdQuery,
    RecordChangeOut,
    UnitOut,
    UnitQuery,
)

bp = Blueprint("subscribers_api", __name__, url_prefix="/api/v1")


def district_json(district: District) -> dict:
    return {"code": district.code, "name": district.name, "commune": district.commune,
            "qpv_code": district.qpv_code, "households": district.households_count}


def building_json(building: Building, unit_count: int | None = None) -> dict:
    data = {"code": building.code, "name": building.name, "address": building.address,
            "postcode": building.postcode, "commune": building.commune,
            "district_code": building.district.code, "landlord": building.landlord,
            "status": building.status}
    if unit_count is not None:
        data["unit_count"] = unit_count
    return data


def unit_json(unit: Unit) -> dict:
    return {"code": unit.code, "building_code": unit.building.code, "staircase": unit.staircase,
            "floor": unit.floor, "door": unit.door}


def household_json(household, scope: Scope, status: services.HouseholdStatus | None = None, *,
                   building_code: str | None = None) -> dict:
    """Mediators get only the fields coaching needs; lists add each household's ``status``
    (the ``status`` filter's values it matches) and ``overdue_cents``.

    ``household``: a Household, or a row of ``services.HOUSEHOLD_API_COLUMNS`` (lists);
    ``building_code`` its flat's building, read from the flat when not given.
    """
    data = {"id": household.id, "unit_code": household.unit_code,
            "holder_name": household.holder_name, "phone": household.phone,
            "language": household.language, "needs": needs_of(household.needs)}
    if not scope.is_mediator:
        data.update({"building_code": building_code or household.unit.building.code,
                     "email": household.email, "size": household.size,
                     "moved_in_on": iso(household.moved_in_on),
                     "moved_out_on": iso(household.moved_out_on)})
        if status is not None:
            data.update({"status": status_values(status),
                         "overdue_cents": status.overdue_cents})
    return data


def status_values(status: services.HouseholdStatus) -> list[str]:
    """The values of the ``status`` filter that would list this household."""
    values = [status.subscription or services.NOT_SUBSCRIBED]
    if status.overdue_cents:
        values.append(services.IN_ARREARS)
    if status.dunning_step:
        values.append(services.DUNNING_PREFIX + status.dunning_step)
    return values



@bp.get("/districts")
@require_role(Role.OPERATOR, Role.ANALYST)
@documented(items=DistrictOut)
def districts():
    """Districts (no personal data)."""
    return api_list(select(District).order_by(District.code), district_json)


@bp.get("/buildings")
@require_role(Role.OPERATOR)
@documented(query=BuildingQuery, items=BuildingOut)
def buildings():
    """Buildings, filterable by district."""
    district = parse(BuildingQuery).district
    values = {"district_code": district} if district else {}
    return api_list(_buildings_statement(bool(district)), building_json, values=values)


@built_once
def _buildings_statement(in_district: bool) -> Select:
    """Buildings with their district, by code (``district_code`` a value when
    ``in_district``); built once (isp.database.built_once)."""
    statement = select(Building).join(Building.district).options(
        contains_eager(Building.district)).order_by(Building.code)
    if in_district:
        statement = statement.where(District.code == bindparam("district_code"))
    return statement


@bp.get("/buildings/<code>")
@require_role(Role.OPERATOR)
@documented(response=BuildingOut)
def building(code: str):
    """One building with its number of flats."""
    found = services.get_building(code)
    count = db.session.execute(select(func.count()).select_from(Unit)
                               .where(Unit.building_id == found.id)).scalar_one()
    return jsonify(building_json(found, count))


@bp.get("/units")
@require_role(Role.OPERATOR)
@documented(query=UnitQuery, items=UnitOut)
def units():
    """Flats, filterable by building."""
    building_code = parse(UnitQuery).building
    values = {"building_id": services.get_building(building_code).id} if building_code else {}
    rows, count_rows = _units_statements(bool(values))
    return api_list(rows, unit_json, count_rows=count_rows, values=values)


@built_once
def _units_statements(in_building: bool) -> tuple[Select, Select]:
    """Flats with their building, by code, and their ids to count (``building_id`` a value
    when ``in_building``); built once (isp.database.built_once)."""
    statement = select(Unit).join(Unit.building).options(contains_eager(Unit.building)) \
        .order_by(Unit.code)
    if in_building:
        statement = statement.where(Unit.building_id == bindparam("building_id"))
    # The join only loads each flat's building: 10,000 flats are counted without it.
    return statement, rows_without_joins(Unit.id, statement)


@bp.get("/households")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(query=HouseholdQuery, items=HouseholdOut)
def households():
    """Current households in the caller's scope, filterable by building, flat, association
    and (operators) status: not_subscribed, a subscription's status, in_arrears, dunning_<step>."""
    actor = current_actor()
    scope = Scope.of(actor)
    query = parse(HouseholdQuery)
    status = query.status
    if status is not None and scope.is_mediator:  # they see neither subscriptions nor money
        raise DomainError(_("Le filtre par statut n'est pas ouvert aux médiateurs"), field="status",
                          status=403)
    # Plain rows of the columns given (an ORM household with its flat and building per row
    # cost a third of the request, issue 23.3); the flats' buildings in one statement.
    status = services.check_status_filter(status)
    association_code = query.association
    association_id = None
    if association_code:
        association_id = asks.association_id(association_code)
        if association_id is None or (scope.is_mediator and association_id != scope.association_id):
            raise DomainError(_("Association %(code)s introuvable", code=association_code),
                              field="association",
                              status=404)
    # Statements built once per set of filters used, the filters' values as values.
    found = services.household_list(scope, services.HOUSEHOLD_API_COLUMNS,
                                    building_code=query.building, unit_code=query.unit,
                                    association_id=association_id, status=status)

    def serialize_page(page: list) -> list[dict]:
        if scope.is_mediator:
            return [household_json(h, scope) for h in page]
        places = services.places_of_flats([h.unit_id for h in page])
        # Not as a column of the page's statement: an OFFSET would compute it for every
        # skipped row too.
        statuses = services.household_statuses([h.id for h in page], on=today())
        return [household_json(h, scope, statuses[h.id],
                               building_code=places[h.unit_id].building_code) for h in page]

    response = api_list(found, scalars=False, serialize_page=serialize_page)
    # Committed after serialising: a commit expires the rows (one reload per household).
    audit.record_request("read", "household_list", None, detail=request.query_string.decode())
    db.session.commit()
    return response


@bp.get("/households/<int:household_id>")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(response=HouseholdOut)
def household(household_id: int):
    """One household in the caller's scope."""
    scope = Scope.of(current_actor())
    found = services.get_household(household_id, scope)
    audit.record_request("read", "household", found.id)
    db.session.commit()
    return jsonify(household_json(found, scope))


@bp.post("/households")
@require_role(Role.OPERATOR)
@documented(body_schema(UNIT_CODE, HOLDER_NAME, PHONE, SIZE, LANGUAGE, NEEDS, MOVED_IN_ON,
                        email=EMAIL.json_schema() | {"format": "email"},
                        required=("unit_code", "holder_name")), response=HouseholdOut)
def create_household():
    """Register a new tenant in a free flat."""
    payload = json_body()
    for name in ("unit_code", "holder_name"):
        if not isinstance(payload.get(name), str) or not payload[name].strip():
            raise DomainError(_("%(field)s est obligatoire.", field=name), field=name, status=422)
    moved_in_on = MOVED_IN_ON.check(payload.get("moved_in_on") or today())
    email = payload.get("email") or None
    if email is not None:
        try:
            email = validate_email(str(email), check_deliverability=False).normalized
        except EmailNotValidError:
            raise DomainError(_("Adresse e-mail invalide"), field="email") from None
    # The service checks every field (subscribers.fields), as for the form and the import.
    unit = services.get_unit(UNIT_CODE.check(payload["unit_code"]))
    created = services.move_in(unit, holder_name=payload["holder_name"], moved_in_on=moved_in_on,
                               phone=payload.get("phone"), email=email,
                               size=payload.get("size"), language=payload.get("language") or "fr",
                               needs=payload.get("needs"), actor=current_actor())
    audit.record_request("create", "household", created.id)
    db.session.commit()
    return jsonify(household_json(created, Scope.of(current_actor()))), 201


@bp.post("/households/<int:household_id>/move-out")
@require_role(Role.OPERATOR)
@documented(response=HouseholdOut)
def move_out(household_id: int):
    """Record a move-out: ends the open subscription and the association's follow-up."""
    payload = json_body()
    try:
        moved_out_on = date.fromisoformat(str(payload.get("moved_out_on") or ""))
    except ValueError:
        raise DomainError(_("moved_out_on doit être une date AAAA-MM-JJ"),
                          field="moved_out_on") from None
    actor = current_actor()
    found = services.get_household(household_id, Scope.of(actor))
    services.move_out(found, moved_out_on=moved_out_on, actor=actor)
    audit.record_request("update", "household", found.id, detail="moved out")
    db.session.commit()
    return jsonify(household_json(found, Scope.of(actor)))


@bp.get("/households/<int:household_id>/history")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(items=RecordChangeOut)
def household_history(household_id: int):
    """Who changed the household and its records, when, before and after (newest first).

    Mediators see only the changes of the fields coaching needs.
    """
    scope = Scope.of(current_actor())
    found = services.get_household(household_id, scope)
    response = api_list(history.household_changes_query(found.id, mediator=scope.is_mediator),
                        lambda change: history.change_json(change, mediator=scope.is_mediator))
    audit.record_request("read", "household", found.id, detail="history")
    db.session.commit()
    return response
