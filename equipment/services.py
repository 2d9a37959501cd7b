"""Rules of lent equipment: inventory, the 4R state machine, loans, and their end at move-out.

Every change of state goes through ``move`` (pages, API, move-out receiver, demo), which checks
the transition (``equipment.choices.TRANSITIONS``) and records who, when, which household and
why. Operators do the moves; a mediator only reads what a household of their association holds
(the household page's panel).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from equipment.choices import HELD_STATES, STATE_LABELS, TRANSITIONS, Kind, Origin, State
from equipment.footprint_defaults import default_embodied_kgco2e
from equipment.models import EquipmentItem, EquipmentMove, EquipmentPartner
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements
from isp.timeutil import today
from isp.validation import Choice, Day, Integer, Text
from subscribers.models import Household, Unit
from support.tickets import open_ticket

log = logging.getLogger(__name__)

KIND = Choice("kind", tuple(Kind), required=True)
ORIGIN = Choice("origin", tuple(Origin), required=True)
SERIAL = Text("serial", 80, required=True)
MODEL = Text("model", 120)
PARTNER_CODE = Text("partner_code", 30)
ACQUIRED_ON = Day("acquired_on")
#: Up to 10 t: far above any household device, below any typing slip into tonnes.
EMBODIED_MAX = 10_000
TO_STATE = Choice("to_state", tuple(State), required=True)
HOUSEHOLD_ID = Integer("household_id")
UNIT_CODE = Text("unit_code", 40)
AGREEMENT_REF = Text("agreement_ref", 60)
SIGNED_ON = Day("signed_on")
ON = Day("on")
NOTE = Text("note", 2000, multiline=True)
PARTNER_FIELDS = (Text("code", 30, required=True), Text("name", 160, required=True),
                  Text("commune", 80), Text("siret", 20))

ITEM_KEYS = ("kind", "origin", "serial", "model", "partner_code", "embodied_kgco2e",
             "acquired_on")
MOVE_KEYS = ("to_state", "household_id", "unit_code", "agreement_ref", "signed_on",
             "partner_code", "on", "note")


# --- partners ----------------------------------------------------------------------------------

def partners() -> list[EquipmentPartner]:
    return list(db.session.execute(select(EquipmentPartner).order_by(EquipmentPartner.name))
                .scalars())


def partner_by_code(code: str | None, *, field: str = "partner_code") -> EquipmentPartner | None:
    code = PARTNER_CODE.check(code)
    if code is None:
        return None
    partner = db.session.execute(select(EquipmentPartner).where(EquipmentPartner.code == code)
                                 ).scalar_one_or_none()
    if partner is None:
        raise DomainError(_("Partenaire %(code)s inconnu.", code=code), field=field)
    return partner


def create_partner(data: dict) -> EquipmentPartner:
    """A local 4R partner (code unique)."""
    values = {f.name: f.check(data.get(f.name)) for f in PARTNER_FIELDS}
    if db.session.execute(select(EquipmentPartner.id).where(
            EquipmentPartner.code == values["code"])).first():
        raise DomainError(_("Le partenaire %(code)s existe déjà.", code=values["code"]),
                          field="code", status=409)
    partner = EquipmentPartner(**values)
    db.session.add(partner)
    db.session.flush()
    return partner


# --- inventory ---------------------------------------------------------------------------------

def _embodied(value: object, kind: str, origin: str) -> float:
    if value is None or value == "":
        return default_embodied_kgco2e(kind, origin)
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ".").strip())
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise DomainError(_("L'empreinte doit être un nombre de kgCO2e."),
                          field="embodied_kgco2e")
    if not 0 <= value <= EMBODIED_MAX:
        raise DomainError(_("L'empreinte doit être entre 0 et %(n)s kgCO2e.", n=EMBODIED_MAX),
                          field="embodied_kgco2e")
    return round(float(value), 2)


def create_item(data: dict, actor: User | None) -> EquipmentItem:
    """A new item in stock; its embodied footprint defaults from its kind and origin."""
    kind = KIND.check(data.get("kind"))
    origin = ORIGIN.check(data.get("origin"))
    serial = SERIAL.check(data.get("serial"))
    model = MODEL.check(data.get("model"))
    partner = partner_by_code(data.get("partner_code"))
    if origin == Origin.REFURBISHED and partner is None:
        raise DomainError(_("Nommez le partenaire local qui l'a reconditionné."),
                          field="partner_code")
    if origin == Origin.NEW and partner is not None:
        raise DomainError(_("Un équipement neuf n'a pas de partenaire de reconditionnement."),
                          field="partner_code")
    embodied = _embodied(data.get("embodied_kgco2e"), kind, origin)
    acquired_on = ACQUIRED_ON.check(data.get("acquired_on")) or today()
    if acquired_on > today():
        raise DomainError(_("La date d'acquisition ne peut pas être future."),
                          field="acquired_on")
    if _serial_taken(kind, serial):
        raise DomainError(_("Le numéro de série %(s)s existe déjà pour ce type.", s=serial),
                          field="serial", status=409)
    item = EquipmentItem(kind=kind, origin=origin, serial=serial, model=model, partner=partner,
                         embodied_kgco2e=embodied, acquired_on=acquired_on,
                         state=State.IN_STOCK)
    db.session.add(item)
    db.session.add(EquipmentMove(item=item, from_state=None, to_state=State.IN_STOCK,
                                 on=acquired_on, actor_id=actor.id if actor else None,
                                 partner_id=partner.id if partner else None))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the same serial created at the same time
        raise DomainError(_("Le numéro de série %(s)s existe déjà pour ce type.", s=serial),
                          field="serial", status=409) from None
    return item


def _serial_taken(kind: str, serial: str) -> bool:
    return db.session.execute(select(EquipmentItem.id).where(
        EquipmentItem.kind == kind, EquipmentItem.serial == serial)).first() is not None


@dataclass
class ItemFilters:
    kind: str | None = None
    state: str | None = None
    search: str | None = None
    household_id: int | None = None


def items_query(filters: ItemFilters | None = None) -> Select:
    """The inventory matching ``filters``, by kind and serial number."""
    return items_list(filters).bound()


def items_list(filters: ItemFilters | None = None) -> ListStatements:
    """``items_query`` for the lists: the statement built once per set of filters used
    (isp.database.built_once), the filters' values as values; a search adds its words (issue
    23.3)."""
    filters = filters or ItemFilters()
    values = {name: getattr(filters, name) for name in ("kind", "state", "household_id")
              if getattr(filters, name)}
    listed = ListStatements(_items_statement(tuple(values)), values)
    if not filters.search:
        return listed
    escaped = filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return listed.where(EquipmentItem.serial.ilike(f"%{escaped}%", escape="\\"))


@built_once
def _items_statement(filtered: tuple[str, ...]) -> Select:
    # Partner and holder joined into the page's query: a query more each cost more.
    statement = select(EquipmentItem).options(joinedload(EquipmentItem.partner),
                                              joinedload(EquipmentItem.household))
    for name in filtered:
        statement = statement.where(getattr(EquipmentItem, name) == bindparam(name))
    return statement.order_by(EquipmentItem.kind, EquipmentItem.serial)


def get_item(item_id: int) -> EquipmentItem:
    item = db.session.get(EquipmentItem, item_id)
    if item is None:
        raise NotFoundError(_("Équipement %(id)s introuvable.", id=item_id))
    return item


def holdings(household: Household) -> list[EquipmentItem]:
    """What the household holds (lent, or to collect after its move-out)."""
    return list(db.session.execute(_holdings_statement(),
                                   {"household_id": household.id}).scalars())


@built_once
def _holdings_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(EquipmentItem).where(
        EquipmentItem.household_id == bindparam("household_id"),
        EquipmentItem.state.in_([str(s) for s in HELD_STATES]))
        .order_by(EquipmentItem.kind, EquipmentItem.serial))


# --- the state machine -------------------------------------------------------------------------

def allowed_moves(item: EquipmentItem) -> tuple[State, ...]:
    return TRANSITIONS[State(item.state)]


def _check_transition(item: EquipmentItem, to_state: str) -> None:
    allowed = allowed_moves(item)
    if to_state in allowed:
        return
    current = STATE_LABELS[State(item.state)]
    if not allowed:
        raise DomainError(_("Un équipement « %(s)s » ne change plus d'état.", s=current),
                          field="to_state", status=409)
    raise DomainError(
        _("Impossible de passer de « %(from_)s » à « %(to)s » : depuis « %(from_)s », seuls "
          "%(allowed)s sont possibles.", from_=current, to=STATE_LABELS[State(to_state)],
          allowed=", ".join(f"« {STATE_LABELS[s]} »" for s in allowed)),
        field="to_state", status=409)


def _current_household_of(unit_code: str) -> int:
    """The household living in the flat today (a loan may name the flat instead)."""
    household_id = db.session.execute(select(Household.id).join(
        Unit, Household.unit_id == Unit.id).where(Unit.code == unit_code,
                                                  Household.moved_out_on.is_(None))).scalar()
    if household_id is None:
        raise DomainError(_("Aucun foyer n'habite le logement %(code)s.", code=unit_code),
                          field="unit_code")
    return household_id


def _borrower(household_id: int | None) -> Household:
    if household_id is None:
        raise DomainError(_("Choisissez le foyer à qui l'équipement est prêté."),
                          field="household_id")
    household = db.session.get(Household, household_id)
    if household is None:
        raise NotFoundError(_("Foyer %(id)s introuvable.", id=household_id),
                            field="household_id")
    if household.moved_out_on is not None:
        raise DomainError(_("Ce foyer a quitté son logement : pas de nouveau prêt."),
                          field="household_id")
    return household


def move(item: EquipmentItem, data: dict, actor: User | None, *,
         ticket_number: str | None = None) -> EquipmentMove:
    """Move ``item`` to ``data["to_state"]`` (with the household, agreement, partner, day and
    note the move needs); refused with a message when the 4R chain does not allow it."""
    to_state = TO_STATE.check(data.get("to_state"))
    _check_transition(item, to_state)
    note = NOTE.check(data.get("note"))
    on = ON.check(data.get("on")) or today()
    last_on = item.moves[-1].on if item.moves else item.acquired_on
    if on > today():
        raise DomainError(_("Un mouvement ne peut pas être daté dans le futur."), field="on")
    if on < last_on:
        raise DomainError(_("Le mouvement ne peut pas précéder le précédent (%(d)s).",
                            d=last_on.isoformat()), field="on")
    partner = partner_by_code(data.get("partner_code"))
    household_id = HOUSEHOLD_ID.check(data.get("household_id"))
    # Built once every check has passed: attached to the item, it would join its moves at once.
    recorded = {"from_state": item.state, "to_state": to_state, "on": on, "note": note,
                "actor_id": actor.id if actor else None, "ticket_number": ticket_number,
                "partner_id": partner.id if partner else None}
    unit_code = UNIT_CODE.check(data.get("unit_code"))
    if to_state == State.LENT:
        if household_id is None and unit_code:
            household_id = _current_household_of(unit_code)
        household = _borrower(household_id)
        agreement = AGREEMENT_REF.check(data.get("agreement_ref"))
        if agreement is None:
            raise DomainError(_("La référence de la convention de prêt signée est obligatoire."),
                              field="agreement_ref")
        signed_on = SIGNED_ON.check(data.get("signed_on"))
        if signed_on is None:
            raise DomainError(_("La date de signature de la convention est obligatoire."),
                              field="signed_on")
        if signed_on > on:
            raise DomainError(_("La convention est signée au plus tard le jour du prêt."),
                              field="signed_on")
        item.household_id = household.id
        item.loan_agreement_ref, item.loan_signed_on = agreement, signed_on
        recorded.update(household_id=household.id, agreement_ref=agreement)
    else:
        if household_id is not None and household_id != item.household_id:
            raise DomainError(_("Seul un prêt désigne un foyer."), field="household_id")
        recorded["household_id"] = item.household_id
        if to_state == State.RETURNED:
            item.household_id = None
            item.loan_agreement_ref = item.loan_signed_on = None
    if to_state == State.RECYCLED:
        if partner is None:
            raise DomainError(_("Nommez le partenaire qui recycle l'équipement."),
                              field="partner_code")
        item.recycled_by, item.recycled_on = partner, on
    item.state = to_state
    created = EquipmentMove(item=item, **recorded)
    db.session.add(created)
    db.session.flush()
    return created


def end_loans_on_move_out(household: Household, *, moved_out_on: date,
                          actor: User | None) -> list[EquipmentMove]:
    """The household left: each loan becomes « to collect », with a task for the operators.

    The task is a support ticket (category equipment) opened through support's published
    ``open_ticket`` when a named staff member recorded the move-out, so that it shows in the
    operators' queue with its SLA; the « to collect » state is the task itself otherwise
    (equipment list filtered on it). docs/equipment.md explains the choice.
    """
    items = [item for item in holdings(household) if item.state == State.LENT]
    if not items:
        return []
    ticket_number = _collection_ticket(household, items, actor)
    moves = []
    for item in items:
        last_on = item.moves[-1].on if item.moves else item.acquired_on
        moves.append(move(item, {"to_state": State.TO_COLLECT,
                                 "on": max(min(moved_out_on, today()), last_on),
                                 "note": _("Départ du logement : équipement à récupérer.")},
                          actor, ticket_number=ticket_number))
    return moves


def _collection_ticket(household: Household, items: list[EquipmentItem],
                       actor: User | None) -> str | None:
    if actor is None or actor.role not in ("admin", "operator"):
        return None
    listed = ", ".join(f"{item.kind} {item.serial}" for item in items)
    try:
        with db.session.begin_nested():
            ticket = open_ticket(
                actor=actor, category="equipment", source="counter", household_id=household.id,
                subject=_("Récupérer l'équipement prêté (départ du logement)"),
                description=_("Le foyer a quitté le logement %(unit)s. Équipement à récupérer : "
                              "%(items)s.", unit=household.unit.code, items=listed))
    except DomainError as error:  # the collection state still lists the task
        log.warning("no collection ticket for household %s: %s", household.id, error.message)
        return None
    return ticket.number
