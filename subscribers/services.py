"""Business rules for districts, buildings, flats and households. The caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, bindparam, case, exists, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from isp import signals
from isp.auth import Scope
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements, rows_without_joins
from isp.timeutil import today
from subscribers import asks, lifecycle
from subscribers.choices import SubscriptionStatus
from subscribers.fields import check_household_fields
from subscribers.models import (
    Building,
    District,
    Household,
    Subscription,
    SubscriptionEvent,
    Unit,
    search_text,
)


def assigned_to_association(association_id: int | None) -> ColumnElement[bool]:
    """SQL condition: the household has a current assignment to this association (kept by
    mediation, which publishes it)."""
    return asks.households_of_association(association_id)


def households_query(scope: Scope, *, building_code: str | None = None,
                     unit_code: str | None = None, search: str | None = None,
                     current_only: bool = True, load_flats: bool = True,
                     status: str | None = None, on: date | None = None) -> Select:
    """Households the scope may see, by flat (newest tenants first within a flat).

    The statement reads ``households`` alone (flats and buildings in subqueries; the page's
    flats are loaded after it, in one query), in the order of the household's own copy of
    the flat code: a deep page or a search walks one index instead of joining and sorting
    every household. The building is not loaded (lists show the flat; add it when needed).
    ``status`` is a value checked by ``check_status_filter`` (arrears as ``on``, default today).
    """
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    statement = select(Household)
    if load_flats:
        statement = statement.options(selectinload(Household.unit))
    if scope.is_mediator:
        statement = statement.where(assigned_to_association(scope.association_id))
    if current_only:
        statement = statement.where(Household.moved_out_on.is_(None))
    if building_code:
        statement = statement.where(_in_building(building_code))
    if unit_code:
        statement = statement.where(Household.unit_code == unit_code)
    if search:
        statement = statement.where(household_search_condition(search))
    if status:
        statement = statement.where(household_status_condition(status, on=on or today()))
    if current_only:  # one current household a flat: the index's order is the whole order
        return statement.order_by(Household.unit_code, Household.id)
    return statement.order_by(Household.unit_code, Household.moved_in_on.desc(), Household.id)


def _in_building(building_code) -> ColumnElement[bool]:
    """SQL condition: the household's flat is in the building of this code (a value or a bind
    parameter)."""
    return Household.unit_id.in_(select(Unit.id).join(Unit.building)
                                 .where(Building.code == building_code).correlate(None))


def household_list(scope: Scope, columns: tuple, *, search: str | None = None,
                   building_code: str | None = None, unit_code: str | None = None,
                   association_id: int | None = None, status: str | None = None,
                   on: date | None = None) -> ListStatements:
    """The current households of ``households_query`` (and, given ``association_id``, assigned
    to that association) as a list reads them: its ``columns``, plain rows (``count_rows``:
    the households' ids).

    The statements are built once per kind of reader, set of filters used and columns
    (isp.database.built_once), the filters' values as values: building them cost more than a
    tenth of the households page (issue 23.3). A search and a ``status`` (checked by
    ``check_status_filter``; arrears as ``on``, default today) add their conditions to them.
    """
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    values: dict[str, object] = {}
    if scope.is_mediator:
        values["association_id"] = scope.association_id
    if building_code:
        values["building_code"] = building_code
    if unit_code:
        values["unit_code"] = unit_code
    if association_id is not None:
        values["assigned_to"] = association_id
    rows, count_rows = _household_list_statements(
        columns, scope.is_mediator, "building_code" in values, "unit_code" in values,
        "assigned_to" in values)
    conditions = []
    if search:
        conditions.append(household_search_condition(search))
    if status:
        conditions.append(household_status_condition(status, on=on or today()))
    return ListStatements(rows, values, count_rows).where(*conditions)


@built_once
def _household_list_statements(columns: tuple, is_mediator: bool, in_building: bool,
                               in_flat: bool, assigned: bool) -> tuple[Select, Select]:
    # households_query's, current households only, its values as bind parameters.
    statement = select(Household).where(Household.moved_out_on.is_(None))
    if is_mediator:
        statement = statement.where(assigned_to_association(bindparam("association_id")))
    if in_building:
        statement = statement.where(_in_building(bindparam("building_code")))
    if in_flat:
        statement = statement.where(Household.unit_code == bindparam("unit_code"))
    if assigned:
        statement = statement.where(assigned_to_association(bindparam("assigned_to")))
    statement = statement.order_by(Household.unit_code, Household.id)
    return statement.with_only_columns(*columns), households_rows(statement)


def household_search_condition(search: str):
    """SQL condition on households: the holder's name or the flat's code contains ``search``,
    ignoring case and accents (one LIKE on the household's ``search_key``).

    The words go into the statement's text (a literal SQLAlchemy escapes), not into a
    parameter: PostgreSQL then plans for them. A prepared statement's generic plan cannot tell
    "martin" (14 % of 100,000 households: read on until the list's count stops) from a name
    found 3 times (the trigram index), and took the index for both, 2 ms a count instead of 1
    (measured under load with auto_explain, issue 23.3).
    """
    words = search_text(search.strip())
    pattern = "%" + words.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    return Household.search_key.like(bindparam("search_key", pattern, literal_execute=True),
                                     escape="/")


def households_rows(statement: Select) -> Select:
    """The rows of a ``households_query`` (plus conditions on households) without its joins,
    for ``paginate`` to count: 10,000 households are counted in ~1 ms instead of joining flats
    and buildings."""
    return rows_without_joins(Household.id, statement)


#: The household statuses lists show and filter by (issue 18.3): the subscription's status
#: (or none), then the billing facts (in arrears, the dunning step reached).
NOT_SUBSCRIBED = "not_subscribed"
IN_ARREARS = "in_arrears"
DUNNING_PREFIX = "dunning_"
SUBSCRIPTION_FILTERS = (SubscriptionStatus.PENDING, SubscriptionStatus.PROVISIONING,
                        SubscriptionStatus.ACTIVE, SubscriptionStatus.REDUCED,
                        SubscriptionStatus.SUSPENDED)


def household_status_filters() -> tuple[str, ...]:
    """Every value of the ``status`` filter, in the order the lists offer them."""
    return (NOT_SUBSCRIBED, *SUBSCRIPTION_FILTERS, IN_ARREARS,
            *(DUNNING_PREFIX + step for step in asks.dunning_step_labels()))


def check_status_filter(value: str | None) -> str | None:
    """The ``status`` filter asked for, checked (empty: none)."""
    value = (value or "").strip()
    if not value:
        return None
    if value not in household_status_filters():
        raise DomainError(_(
            "Statut inconnu %(value)s ; valeurs possibles : %(values)s",
            value=value, values=', '.join(household_status_filters())), field="status",
                          status=400)
    return value


def household_status_condition(status: str, *, on: date):
    """SQL condition on households for a checked ``status`` filter."""
    if status == NOT_SUBSCRIBED:
        return ~exists().where(Subscription.household_id == Household.id,
                               Subscription.status != SubscriptionStatus.TERMINATED)
    if status == IN_ARREARS:
        return asks.in_arrears_condition(Household.id, on=on)
    if status.startswith(DUNNING_PREFIX):
        return asks.dunning_step_condition(Household.id, status[len(DUNNING_PREFIX):])
    return exists().where(Subscription.household_id == Household.id,
                          Subscription.status == status)


@dataclass(frozen=True)
class HouseholdStatus:
    """What a list row shows: the subscription's status (None: not subscribed), the cents
    overdue (0: none) and the dunning step reached (None: none)."""

    subscription: str | None
    overdue_cents: int = 0
    dunning_step: str | None = None


#: A household with several open subscriptions (rare) shows the one that matters most.
_SUBSCRIPTION_PRECEDENCE = {status: rank for rank, status in enumerate((
    SubscriptionStatus.SUSPENDED, SubscriptionStatus.REDUCED, SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PROVISIONING, SubscriptionStatus.PENDING))}


def shown_subscription_status():
    """SQL, a column of a query on households: the subscription status its list row shows
    (None: not subscribed), that of its open subscription that matters most."""
    rank = case({str(status): rank for status, rank in _SUBSCRIPTION_PRECEDENCE.items()},
                value=Subscription.status, else_=len(_SUBSCRIPTION_PRECEDENCE))
    return (select(Subscription.status)
            .where(Subscription.household_id == Household.id,
                   Subscription.status != SubscriptionStatus.TERMINATED)
            .order_by(rank, Subscription.id).limit(1)
            .correlate(Household).scalar_subquery())


#: What the API's list gives of a household (``household_json``), as plain rows.
HOUSEHOLD_API_COLUMNS = (Household.id, Household.unit_id, Household.unit_code,
                         Household.holder_name, Household.phone, Household.language,
                         Household.needs, Household.email, Household.size,
                         Household.moved_in_on, Household.moved_out_on)


class FlatPlace(NamedTuple):
    """Where a flat is: its building's and its district's codes."""

    building_code: str
    district_code: str


def places_of_flats(unit_ids: list[int]) -> dict[int, FlatPlace]:
    """Where each of these flats is, by flat id: one statement for a page of them (the API's
    households, the orientation list)."""
    if not unit_ids:
        return {}
    return {unit_id: FlatPlace(building_code, district_code) for unit_id, building_code,
            district_code in db.session.execute(_places_statement(), {"ids": unit_ids})}


@built_once
def _places_statement() -> Select:
    return (select(Unit.id, Building.code, District.code)
            .join(Building, Building.id == Unit.building_id)
            .join(District, District.id == Building.district_id)
            .where(AmongIds(Unit.id, "ids")))


@built_once
def _statuses_statement(with_subscription: bool):
    """The statuses of the households listed in the value ``ids`` on the date ``on``, each a
    column computed for those rows only: one statement for a page (built once,
    isp.database.built_once)."""
    subscription = [shown_subscription_status()] if with_subscription else []
    return select(Household.id, *subscription,
                  asks.arrears_column(Household.id, on=bindparam("on")),
                  asks.dunning_step_column(Household.id)).where(AmongIds(Household.id, "ids"))


def household_statuses(household_ids: list[int], *, on: date,
                       subscriptions: Mapping[int, str | None] | None = None
                       ) -> dict[int, HouseholdStatus]:
    """The statuses of a page's households in one statement whatever the page's size;
    ``subscriptions``, when given, is each one's ``shown_subscription_status``, read with the
    page."""
    if not household_ids:
        return {}
    rows = db.session.execute(_statuses_statement(subscriptions is None),
                              {"ids": household_ids, "on": on})
    if subscriptions is None:
        return {household_id: HouseholdStatus(subscription, overdue or 0, step)
                for household_id, subscription, overdue, step in rows}
    return {household_id: HouseholdStatus(subscriptions.get(household_id), overdue or 0, step)
            for household_id, overdue, step in rows}


def get_household(household_id: int, scope: Scope, *,
                  with_subscriptions: bool = False) -> Household:
    """A household in the actor's scope; out of scope looks like not found.

    ``with_subscriptions`` reads its subscriptions in the same statement (its page shows them
    in several sections).
    """
    if not scope.sees_personal_data:
        raise NotFoundError(_("Introuvable"))
    household = db.session.execute(
        _household_statement(Scope(scope.role), with_subscriptions),
        {"household_id": household_id, "association_id": scope.association_id},
    ).unique().scalar_one_or_none()
    if household is None:
        raise NotFoundError(_("Foyer %(household_id)s introuvable", household_id=household_id))
    return household


@built_once
def _household_statement(reader: Scope, with_subscriptions: bool) -> Select:
    """``get_household``'s statement for a kind of reader (``Scope(role)``), built once
    (isp.database.built_once); values ``household_id`` and, for a mediator, ``association_id``
    (the scope's condition compares it as it would the scope's own)."""
    scope = Scope(reader.role, bindparam("association_id")) if reader.is_mediator else reader
    statement = (households_query(scope, current_only=False, load_flats=False)
                 .join(Household.unit).join(Unit.building)
                 .options(contains_eager(Household.unit).contains_eager(Unit.building))
                 .where(Household.id == bindparam("household_id")))
    if with_subscriptions:
        statement = statement.options(joinedload(Household.subscriptions))
    return statement


@built_once
def _building_statement():
    # Its district comes with it (pages show it): a join on a key, not a query more. Built
    # once (isp.database.built_once).
    return (select(Building).where(Building.code == bindparam("code"))
            .options(joinedload(Building.district, innerjoin=True)))


def get_building(code: str) -> Building:
    building = db.session.execute(_building_statement(), {"code": code}).scalar_one_or_none()
    if building is None:
        raise NotFoundError(_("Immeuble %(code)s introuvable", code=code))
    return building


def get_unit(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFoundError(_("Logement %(code)s introuvable", code=code), field="unit_code")
    return unit


def get_district(code: str) -> District:
    district = db.session.execute(
        select(District).where(District.code == code)).scalar_one_or_none()
    if district is None:
        raise NotFoundError(_("Quartier %(code)s introuvable", code=code), field="district_code")
    return district


def current_household(unit: Unit) -> Household | None:
    """The tenant living in the flat now, if any."""
    return db.session.execute(
        select(Household).where(Household.unit_id == unit.id, Household.moved_out_on.is_(None))
    ).scalar_one_or_none()


def create_district(*, code: str, name: str, commune: str, qpv_code: str | None = None,
                    iris_code: str | None = None, households_count: int | None = None) -> District:
    if db.session.execute(select(District.id).where(District.code == code)).first():
        raise DomainError(_(
            "Le quartier %(code)s existe déjà", code=code), field="code", status=409)
    district = District(code=code, name=name, commune=commune, qpv_code=qpv_code or None,
                        iris_code=iris_code or None, households_count=households_count)
    db.session.add(district)
    return district


def create_building(*, code: str, name: str, address: str, postcode: str, commune: str,
                    district_code: str, landlord: str | None = None,
                    status: str = "candidate") -> Building:
    if db.session.execute(select(Building.id).where(Building.code == code)).first():
        raise DomainError(_(
            "Le bâtiment %(code)s existe déjà", code=code), field="code", status=409)
    building = Building(code=code, name=name, address=address, postcode=postcode, commune=commune,
                        district=get_district(district_code), landlord=landlord or None,
                        status=status)
    db.session.add(building)
    return building


def create_unit(*, building: Building, code: str, staircase: str, floor: int, door: str) -> Unit:
    if db.session.execute(select(Unit.id).where(Unit.code == code)).first():
        raise DomainError(_(
            "Le logement %(code)s existe déjà", code=code), field="unit_code", status=409)
    unit = Unit(building=building, code=code, staircase=staircase, floor=floor, door=door)
    db.session.add(unit)
    return unit


def move_in(unit: Unit, *, holder_name: str, moved_in_on: date, phone: str | None = None,
            email: str | None = None, size: int | None = None, language: str = "fr",
            needs: list[str] | None = None, other_members: str | None = None,
            actor: User | None = None) -> Household:
    """Register the new tenant of a flat; the flat must be free."""
    values = new_household_values(holder_name=holder_name, moved_in_on=moved_in_on, phone=phone,
                                  email=email, size=size, language=language, needs=needs,
                                  other_members=other_members)
    if current_household(unit) is not None:
        raise DomainError(_(
            "Le logement %(code)s a déjà un foyer en cours : enregistrez d'abord le départ",
            code=unit.code), field="unit_code", status=409)
    household = Household(unit=unit, **values)
    db.session.add(household)
    db.session.flush()
    return household


def new_household_values(*, holder_name: str, moved_in_on: date, phone: str | None = None,
                         email: str | None = None, size: int | None = None,
                         language: str | None = "fr", needs: list[str] | None = None,
                         other_members: str | None = None) -> dict:
    """A new tenant's fields, checked and cleaned as stored (``move_in``, bulk imports)."""
    checked = check_household_fields({
        "holder_name": holder_name, "moved_in_on": moved_in_on, "phone": phone, "email": email,
        "size": size, "language": language or "fr", "needs": needs,
        "other_members": other_members})
    return {"holder_name": checked["holder_name"].strip(), "moved_in_on": moved_in_on,
            "phone": checked["phone"] or None, "email": checked["email"] or None,
            "size": checked["size"], "language": checked["language"] or "fr",
            "needs": ";".join(checked["needs"] or []) or None,
            "other_members": checked["other_members"] or None}


def update_household(household: Household, **changes) -> Household:
    """Change a household's contact fields."""
    allowed = {"holder_name", "phone", "email", "size", "language", "needs", "other_members"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(_("Impossible de modifier %(values)s", values=', '.join(sorted(unknown))))
    changes = check_household_fields(changes)
    if household.moved_out_on is not None:
        raise DomainError(_("Un foyer parti ne peut plus être modifié"), status=409)
    for name, value in changes.items():
        if name == "needs" and isinstance(value, list):
            value = ";".join(value) or None
        setattr(household, name, value)
    db.session.flush()
    return household


def move_out(household: Household, *, moved_out_on: date,
             actor: User | None = None) -> Household:
    """Record the end of a tenancy; the flat becomes free for the next household.

    The household's open subscription ends on the same day (its port is shut down and billing
    stops there), recorded in the name of the person who records the move-out; then
    ``household_moved_out`` lets the other domains end theirs (the association's follow-up
    and its links to session records, future bookings).
    """
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a déjà quitté le logement"), status=409)
    if moved_out_on < household.moved_in_on:
        raise DomainError(_("Le départ ne peut pas précéder l'arrivée"), field="moved_out_on")
    subscriptions = open_subscriptions(household)
    if subscriptions and actor is None:
        raise DomainError(_("Le départ d'un foyer abonné est enregistré par une personne nommée"))
    household.moved_out_on = moved_out_on
    for subscription in subscriptions:
        lifecycle.terminate(subscription, actor=actor, reason="Départ du logement",
                            on=max(moved_out_on, subscription.activated_on or moved_out_on))
    db.session.flush()
    # Other domains end what hangs on the tenancy (mediation: the follow-up and its links).
    signals.household_moved_out.send(household, moved_out_on=moved_out_on, actor=actor)
    return household


def open_subscriptions(household: Household) -> list[Subscription]:
    """The household's subscriptions not yet terminated."""
    return [subscription for subscription in household.subscriptions
            if subscription.status != SubscriptionStatus.TERMINATED]


def anonymise_household_subscriptions(household_id: int, identity) -> None:
    """Remove a household's identity (``isp.gdpr.Identity``) from its subscriptions' reasons."""
    events = db.session.execute(select(SubscriptionEvent).join(
        Subscription, Subscription.id == SubscriptionEvent.subscription_id).where(
        Subscription.household_id == household_id)).scalars()
    for event in events:
        event.reason = identity.scrub(event.reason)
    db.session.flush()
