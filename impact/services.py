"""Rules of the impact evaluation: who records which stage, when, with which answers.

Services take the acting person as ``actor`` and never touch the request; the caller commits.
The same ``record_answers`` serves the staff's page, the API and (later) the residents' space.

Stages (docs/impact.md): the baseline (t0) is recorded once the household has a subscription;
the 6- and 12-month follow-ups count from the connection (the first ``activated_on`` of its
subscriptions) and may be recorded from one month before they are due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Select, and_, bindparam, exists, func, or_, select

from impact.choices import (
    AUTONOMY_LEVELS,
    DEVICES,
    EARLY_MONTHS,
    MAX_MONTHLY_COST_CENTS,
    STAGE_MONTHS,
    Stage,
)
from impact.models import ImpactAnswer
from isp.auth import Scope
from isp.choices import Role
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.pagination import ListStatements
from isp.timeutil import month_bounds, start_of_day, today, utcnow
from isp.validation import Choice, Codes, Day, Integer
from mediation.assignments import current_assignment
from mediation.choices import HOLDING_STATUSES, BookingStatus
from mediation.models import Booking, CoachingSlot, SessionRecord
from mediation.sessions import sessions_query
from network.usage_store import unit_usage_days
from residents.identity import household_of
from subscribers.models import Household, Subscription
from subscribers.services import households_query, households_rows

#: The answers a stage takes (the same at every stage).
ANSWER_KEYS = ("answered_on", "home_connection", "monthly_cost_cents", "devices", "autonomy")
MONTHLY_COST = Integer("monthly_cost_cents", minimum=0, maximum=MAX_MONTHLY_COST_CENTS)
DEVICES_FIELD = Codes("devices", tuple(DEVICES))
AUTONOMY = Choice("autonomy", tuple(AUTONOMY_LEVELS))
ANSWERED_ON = Day("answered_on")


# --- calendar ----------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier); the 31st becomes the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(day.day, month_bounds(first)[1].day))


def full_months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is before ``start``)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return months


def parse_stage(value: str | None) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise DomainError(_("Étape inconnue : %(value)s (t0, m6 ou m12)", value=str(value)[:10]),
                          field="stage", status=400) from None


# --- facts about a household ---------------------------------------------------------------------

def connection_date(household: Household) -> date | None:
    """The day the household was first connected (its first subscription's activation)."""
    days = [s.activated_on for s in household.subscriptions if s.activated_on is not None]
    return min(days) if days else None


def connection_dates(household_ids: list[int]) -> dict[int, date]:
    """``connection_date`` of many households in one query."""
    if not household_ids:
        return {}
    return dict(db.session.execute(
        select(Subscription.household_id, func.min(Subscription.activated_on))
        .where(Subscription.household_id.in_(household_ids),
               Subscription.activated_on.is_not(None))
        .group_by(Subscription.household_id)).all())


def answers_of(household_id: int) -> dict[Stage, ImpactAnswer]:
    rows = db.session.execute(_answers_statement(), {"household_id": household_id}).scalars()
    return {Stage(row.stage): row for row in rows}


@built_once
def _answers_statement():
    # The household page's: built once (isp.database.built_once).
    return select(ImpactAnswer).where(ImpactAnswer.household_id == bindparam("household_id"))


def opens_on(stage: Stage, connected_on: date | None) -> date | None:
    """First day a follow-up may be recorded (None: not before a connection)."""
    if stage is Stage.T0:
        return None
    if connected_on is None:
        return None
    return add_months(connected_on, STAGE_MONTHS[stage] - EARLY_MONTHS)


def due_on(stage: Stage, connected_on: date | None) -> date | None:
    if stage is Stage.T0 or connected_on is None:
        return None
    return add_months(connected_on, STAGE_MONTHS[stage])


@dataclass(frozen=True)
class StageStatus:
    """Where a household stands for one stage: ``state`` is recorded | due | open | upcoming |
    not_applicable (no subscription yet for t0, no connection yet for a follow-up)."""

    stage: Stage
    state: str
    answer: ImpactAnswer | None
    due_on: date | None
    opens_on: date | None

    @property
    def may_record(self) -> bool:
        return self.state in ("recorded", "due", "open")


def stage_statuses(household: Household, *, on: date | None = None) -> list[StageStatus]:
    on = on or today()
    answers = answers_of(household.id)
    connected = connection_date(household)
    statuses = []
    for stage in Stage:
        answer = answers.get(stage)
        opening, due = opens_on(stage, connected), due_on(stage, connected)
        if answer is not None:
            state = "recorded"
        elif stage is Stage.T0:
            state = "due" if household.subscriptions else "not_applicable"
        elif connected is None:
            state = "not_applicable"
        elif due <= on:
            state = "due"
        elif opening <= on:
            state = "open"
        else:
            state = "upcoming"
        statuses.append(StageStatus(stage, state, answer, due, opening))
    return statuses


# --- who may record ------------------------------------------------------------------------------

def check_may_record(actor: User | None, household: Household) -> str:
    """The recorder's role, after checking their scope; out of scope looks like not found."""
    if actor is None:  # the demo, an import: the system itself
        return "system"
    role = str(actor.role)
    if role in (Role.ADMIN, Role.OPERATOR):
        return role
    if role == Role.MEDIATOR:
        assignment = current_assignment(household.id)
        if assignment is not None and assignment.association_id == actor.association_id:
            return role
    elif role == Role.RESIDENT:
        own = household_of(actor)  # the residents' one rule: active account, still living there
        if own is not None and own.id == household.id:
            return role
    raise NotFoundError(_("Foyer %(household_id)s introuvable", household_id=household.id))


# --- answers -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answers:
    answered_on: date
    home_connection: bool
    monthly_cost_cents: int | None
    devices: list[str]
    autonomy: str | None


def check_answers(household: Household, stage: Stage, answers: dict, *,
                  on: date | None = None) -> Answers:
    """The answers checked field by field; a DomainError names the field at fault."""
    on = on or today()
    unknown = sorted(set(answers) - set(ANSWER_KEYS))
    if unknown:
        raise DomainError(_("Champ inconnu : %(field)s", field=unknown[0][:40]),
                          field=unknown[0][:40], status=400)
    answered_on = ANSWERED_ON.check(answers.get("answered_on")) or on
    home_connection = answers.get("home_connection")
    if not isinstance(home_connection, bool):
        raise DomainError(_("Dites si le foyer a une connexion à domicile (oui ou non)."),
                          field="home_connection")
    cost = MONTHLY_COST.check(answers.get("monthly_cost_cents"))
    if home_connection and cost is None:
        raise DomainError(_("Indiquez le coût mensuel de la connexion (0 si gratuite)."),
                          field="monthly_cost_cents")
    if not home_connection:
        if cost:
            raise DomainError(_("Pas de coût sans connexion à domicile."),
                              field="monthly_cost_cents")
        cost = None
    devices = DEVICES_FIELD.check(answers.get("devices"))
    if not devices:
        raise DomainError(_("Cochez les équipements du foyer, ou « Aucun »."), field="devices")
    if "none" in devices and len(devices) > 1:
        raise DomainError(_("« Aucun » ne se coche pas avec un équipement."), field="devices")
    autonomy = AUTONOMY.check(answers.get("autonomy"))
    _check_date(household, stage, answered_on, on=on)
    return Answers(answered_on, home_connection, cost, devices, autonomy)


def _check_date(household: Household, stage: Stage, answered_on: date, *, on: date) -> None:
    if answered_on > on:
        raise DomainError(_("La date des réponses ne peut pas être dans le futur."),
                          field="answered_on")
    if answered_on < household.moved_in_on:
        raise DomainError(_("La date des réponses précède l'arrivée du foyer (%(day)s).",
                            day=household.moved_in_on.isoformat()), field="answered_on")
    if stage is Stage.T0:
        if not household.subscriptions:
            raise DomainError(_("La situation de départ se recueille à l'abonnement : ce foyer "
                                "n'a pas encore d'abonnement."), field="stage", status=409)
        return
    connected = connection_date(household)
    if connected is None:
        raise DomainError(_("Le suivi compte à partir de la connexion : ce foyer n'est pas "
                            "encore connecté."), field="stage", status=409)
    opening = opens_on(stage, connected)
    if answered_on < opening:
        raise DomainError(_("Ce suivi se recueille à partir du %(day)s (connexion le "
                            "%(connected)s).", day=opening.isoformat(),
                            connected=connected.isoformat()), field="answered_on")
    baseline = db.session.execute(select(ImpactAnswer.answered_on).where(
        ImpactAnswer.household_id == household.id, ImpactAnswer.stage == Stage.T0)).scalar()
    if baseline is not None and answered_on < baseline:
        raise DomainError(_("Un suivi ne peut pas précéder la situation de départ (%(day)s).",
                            day=baseline.isoformat()), field="answered_on")


def record_answers(household: Household, stage: Stage | str, answers: dict,
                   actor: User | None) -> ImpactAnswer:
    """Record (or correct) a household's answers for one stage; the caller commits.

    ``answers``: ``answered_on`` (date or ``YYYY-MM-DD``, default today), ``home_connection``
    (bool), ``monthly_cost_cents`` (int, required with a connection), ``devices`` (codes of
    ``DEVICES``), ``autonomy`` (a code of mediation's levels, optional). A second recording of
    the same stage corrects the first (a repeated submission changes nothing).
    """
    stage = parse_stage(stage)
    role = check_may_record(actor, household)
    if household.moved_out_on is not None and household.moved_out_on <= today():
        raise DomainError(_("Ce foyer a quitté son logement : plus de suivi."), status=409)
    clean = check_answers(household, stage, answers)
    # Everything read before the row joins the session (a query would flush it half-filled).
    building_id = household.unit.building_id
    connected = connection_date(household)
    figures = (system_figures(household, connected, clean.answered_on)
               if stage is not Stage.T0 else None)
    answer = db.session.execute(select(ImpactAnswer).where(
        ImpactAnswer.household_id == household.id, ImpactAnswer.stage == stage)
        .with_for_update()).scalar_one_or_none()
    if answer is None:
        answer = ImpactAnswer(household_id=household.id, stage=stage,
                              recorded_by_id=actor.id if actor else None, recorded_by_role=role)
    else:
        answer.updated_at = utcnow()
    answer.building_id = building_id
    answer.answered_on = clean.answered_on
    answer.connected_on = connected
    answer.home_connection = clean.home_connection
    answer.monthly_cost_cents = clean.monthly_cost_cents
    answer.devices = ";".join(clean.devices)
    answer.autonomy = clean.autonomy
    if figures is not None:
        _complete_baseline_autonomy(household.id)
        answer.usage_month = figures.usage_month
        answer.usage_octets = figures.usage_octets
        answer.sessions_count = figures.sessions
        answer.bookings_count = figures.bookings
        answer.attended_count = figures.attended
    db.session.add(answer)
    db.session.flush()
    return answer


def _complete_baseline_autonomy(household_id: int) -> None:
    """The first coaching session often comes after the baseline: at a follow-up, a baseline
    without autonomy takes the grade the mediator gave at that first session, if any."""
    baseline = db.session.execute(select(ImpactAnswer).where(
        ImpactAnswer.household_id == household_id, ImpactAnswer.stage == Stage.T0,
        ImpactAnswer.autonomy.is_(None))).scalar_one_or_none()
    if baseline is not None:
        baseline.autonomy = first_session_autonomy(household_id)


# --- figures the system already has ----------------------------------------------------------

@dataclass(frozen=True)
class SystemFigures:
    #: The last whole month before the answers, and its traffic (down + up), if connected then.
    usage_month: str | None
    usage_octets: int | None
    #: Coaching since the connection, up to the answers: session records, bookings (holding
    #: a seat), attended bookings.
    sessions: int
    bookings: int
    attended: int


def system_figures(household: Household, connected_on: date | None,
                   answered_on: date) -> SystemFigures:
    """Usage (network's published query) and coaching (mediation's) frozen at a follow-up:
    session links are cut and daily usage rolled up later, the figures must stay."""
    first, last = month_bounds(add_months(answered_on, -1))
    start = max(d for d in (first, connected_on, household.moved_in_on) if d is not None)
    month, octets = None, None
    if connected_on is not None and start <= last:
        month = f"{first.year}-{first.month:02d}"
        days = unit_usage_days(household.unit_id, start, last)
        # No day counted (port not polled, usage purged): unknown, not zero.
        octets = sum(down + up for _day, down, up in days) if days else None
    sessions, bookings, attended = coaching_received(household.id, connected_on, answered_on)
    return SystemFigures(month, octets, sessions, bookings, attended)


def coaching_received(household_id: int, since: date | None,
                      until: date) -> tuple[int, int, int]:
    """(sessions recorded, bookings holding a seat, attended) for a household in a period.

    Sessions come from mediation's published ``sessions_query``; mediation publishes no
    per-household booking count, so bookings are counted here with its statuses
    (``HOLDING_STATUSES``, ``ATTENDED``) and the slot's date.
    """
    isp_scope = Scope(Role.ADMIN)
    records = sessions_query(isp_scope).where(SessionRecord.household_id == household_id,
                                              SessionRecord.held_on <= until)
    if since is not None:
        records = records.where(SessionRecord.held_on >= since)
    sessions = db.session.execute(select(func.count()).select_from(
        records.order_by(None).subquery())).scalar_one()
    held = select(Booking.status).join(Booking.slot).where(
        Booking.household_id == household_id, Booking.status.in_(HOLDING_STATUSES),
        CoachingSlot.starts_at < start_of_day(until + timedelta(days=1)))
    if since is not None:
        held = held.where(CoachingSlot.starts_at >= start_of_day(since))
    statuses = list(db.session.execute(held).scalars())
    return sessions, len(statuses), sum(1 for s in statuses if s == BookingStatus.ATTENDED)


def first_session_autonomy(household_id: int) -> str | None:
    """The autonomy graded at the household's first coaching session, if recorded (mediation's
    session records): the t0 form offers it."""
    statement = sessions_query(Scope(Role.ADMIN)).where(
        SessionRecord.household_id == household_id, SessionRecord.autonomy.is_not(None))
    rows = list(db.session.execute(statement.order_by(None).order_by(
        SessionRecord.first_session.desc(), SessionRecord.held_on, SessionRecord.id)
        .limit(1)).scalars())
    return rows[0].autonomy if rows else None


# --- households due ------------------------------------------------------------------------------

def _has_stage(stage: Stage):
    return exists().where(and_(ImpactAnswer.household_id == Household.id,
                               ImpactAnswer.stage == stage))


def due_condition(stage: Stage):
    """SQL condition on households: ``stage`` is due and not recorded, on the day whose
    ``due_thresholds`` are the statement's parameters."""
    connected = (select(func.min(Subscription.activated_on))
                 .where(Subscription.household_id == Household.id)
                 .correlate(Household).scalar_subquery())
    if stage is Stage.T0:
        return and_(exists().where(Subscription.household_id == Household.id), ~_has_stage(stage))
    # A follow-up is due from its month on; the 6-month one is no longer listed once the
    # 12-month one is due (it is missed, still recordable from the household's page).
    condition = and_(connected <= _connected_by(stage), ~_has_stage(stage))
    if stage is Stage.M6:
        condition = and_(condition, connected > _connected_by(Stage.M12))
    return condition


def _connected_by(stage: Stage):
    """The bind parameter of the latest connection date for which ``stage`` is due."""
    return bindparam(f"connected_by_{stage.value}", type_=Date)


def due_thresholds(on: date) -> dict[str, date]:
    """The values of ``due_condition``'s parameters on ``on``: a follow-up is due for a
    household connected at least its number of months before."""
    return {f"connected_by_{stage.value}": add_months(on, -STAGE_MONTHS[stage])
            for stage in Stage if STAGE_MONTHS[stage]}


def due_query(scope: Scope, stage: Stage | None = None, *, on: date | None = None) -> Select:
    """Current households the scope may see with ``stage`` (or any stage) due on ``on``
    (default today): ``due_list``'s statement with its values bound, ORM households."""
    return _due_households(scope.is_mediator, stage).params(**_due_values(scope, on))


def due_list(scope: Scope, stage: Stage | None = None, *, on: date | None = None) -> ListStatements:
    """The households ``due_query`` selects, as the due lists read them: statements built once
    per kind of reader and stage (isp.database.built_once), the day and the association as
    values (building them cost a fifth of the page, issue 23.3). ``rows``: id, flat code and
    holder in list order; ``count_rows``: the households' ids."""
    rows, count_rows = _due_list_statements(scope.is_mediator, stage)
    return ListStatements(rows, _due_values(scope, on), count_rows)


def _due_values(scope: Scope, on: date | None) -> dict[str, object]:
    values: dict[str, object] = due_thresholds(on or today())
    if scope.is_mediator:
        values["association_id"] = scope.association_id
    return values


@built_once
def _due_list_statements(is_mediator: bool, stage: Stage | None) -> tuple[Select, Select]:
    statement = _due_households(is_mediator, stage)
    return due_list_columns(statement), households_rows(statement)


@built_once
def _due_households(is_mediator: bool, stage: Stage | None) -> Select:
    """``due_query``'s statement, its values as bind parameters: ``connected_by_*``
    (``due_thresholds``) and, for a mediator, ``association_id``.

    The same rule as ``due_condition``, written for large lists: every stage needs a
    subscription, so that test stands alone (a semi-join: a page walks the flat index and
    looks each household's subscription up, instead of hashing every subscription first), and
    a follow-up's connection date comes from one grouped subquery, not one per household (whose
    estimated cost, ×3 per household, made PostgreSQL compile the count with JIT: 1.7 s at
    100,000 households).
    """
    scope = (Scope(Role.MEDIATOR, bindparam("association_id")) if is_mediator
             else Scope(Role.OPERATOR))
    stages = [stage] if stage else list(Stage)
    subscribed = exists().where(Subscription.household_id == Household.id)
    # With the baseline among the stages, a follow-up only decides for a household that has
    # answered it (the others are due anyway): their connection dates alone are grouped.
    among = (select(ImpactAnswer.household_id).where(ImpactAnswer.stage == Stage.T0)
             if Stage.T0 in stages else None)
    # The lists show the household's own copy of the flat code: no flat to load.
    return households_query(scope, load_flats=False).where(
        subscribed, or_(*(_due_once_subscribed(s, among) for s in stages)))


def _due_once_subscribed(stage: Stage, among: Select | None = None):
    """``due_condition`` for a household known to have a subscription (and, for a follow-up,
    to be among ``among`` when given), with the same ``connected_by_*`` parameters."""
    if stage is Stage.T0:
        return ~_has_stage(stage)
    connected = select(Subscription.household_id).group_by(Subscription.household_id)
    if among is not None:
        connected = connected.where(Subscription.household_id.in_(among))
    connected = connected.having(func.min(Subscription.activated_on) <= _connected_by(stage))
    if stage is Stage.M6:
        connected = connected.having(
            func.min(Subscription.activated_on) > _connected_by(Stage.M12))
    return and_(Household.id.in_(connected), ~_has_stage(stage))


def due_stages(household_ids: list[int], *, on: date | None = None) -> dict[int, list[Stage]]:
    """For a page of households, which stages are due (same rule as ``due_condition``)."""
    return {household_id: row.stages
            for household_id, row in due_page(household_ids, on=on).items()}


@dataclass(frozen=True)
class DueRow:
    """A listed household's stages due (``due_condition``) and connection date
    (``connection_date``)."""

    stages: list[Stage]
    connected_on: date | None


def due_page(household_ids: list[int], *, on: date | None = None) -> dict[int, DueRow]:
    """``due_stages`` and ``connection_dates`` of a page of households in one statement (the
    due lists asked for them in two, issue 23.3)."""
    on = on or today()
    result = {household_id: DueRow([], None) for household_id in household_ids}
    if not household_ids:
        return result
    rows = db.session.execute(_due_page_statement(),
                              {"ids": household_ids, **due_thresholds(on)})
    for household_id, connected_on, *due in rows:
        result[household_id] = DueRow(
            [stage for stage, is_due in zip(Stage, due, strict=True) if is_due], connected_on)
    return result


@built_once
def _due_page_statement():
    # Each stage's condition a column (was: one statement per stage); min() skips the
    # subscriptions never activated, as ``connection_dates`` does. Built once
    # (isp.database.built_once): building it cost more than running it.
    connected = (select(func.min(Subscription.activated_on))
                 .where(Subscription.household_id == Household.id)
                 .correlate(Household).scalar_subquery())
    return select(
        Household.id, connected,
        *(due_condition(stage).label(f"due_{stage.value}") for stage in Stage)
    ).where(AmongIds(Household.id, "ids"))


def due_list_columns(statement: Select) -> Select:
    """A ``due_query`` reading only what the due lists show (no ORM household per row)."""
    return statement.with_only_columns(Household.id, Household.unit_code,
                                       Household.holder_name)


# --- the resident answers their own follow-up ----------------------------------------------------

#: The stages a resident answers in their space (the baseline is asked at subscription, with
#: the operator or the mediator).
RESIDENT_STAGES = (Stage.M6, Stage.M12)
#: What a resident answers (the date is today; the autonomy grade is the mediators' grid).
RESIDENT_ANSWER_KEYS = ("home_connection", "monthly_cost_cents", "devices")


def pending_follow_up(household: Household, *, on: date | None = None) -> StageStatus | None:
    """The follow-up the household may answer now, if any: the 12-month one once it may be
    recorded, else the 6-month one while it may be (a 6-month one not answered by the time the
    12-month one opens is missed, as in ``due_query``)."""
    statuses = {s.stage: s for s in stage_statuses(household, on=on)}
    later = statuses[Stage.M12]
    if later.state in ("due", "open"):
        return later
    if later.state == "recorded":
        return None
    earlier = statuses[Stage.M6]
    return earlier if earlier.state in ("due", "open") else None


def check_resident_may_answer(household: Household, stage: Stage | str, actor: User) -> None:
    """Refuse (409) a resident's answer to a stage that is not their pending follow-up, or that
    was answered with a staff member; a correction of their own answer is allowed."""
    stage = parse_stage(stage)
    check_may_record(actor, household)
    pending = pending_follow_up(household)
    existing = answers_of(household.id).get(stage)
    if existing is not None and existing.recorded_by_role == Role.RESIDENT \
            and stage in RESIDENT_STAGES:
        pass  # a correction of their own answer (a double submission changes nothing)
    elif existing is not None:
        raise DomainError(_("Vous avez déjà répondu à ces questions. Merci !"), field="stage",
                          status=409)
    elif pending is None or pending.stage is not stage:
        raise DomainError(_("Il n'y a pas de questions à répondre pour le moment."),
                          field="stage", status=409)


def record_resident_answers(household: Household, stage: Stage | str, answers: dict,
                            actor: User) -> ImpactAnswer:
    """A resident answers their household's pending follow-up (``pending_follow_up``); the
    caller commits. Only ``RESIDENT_ANSWER_KEYS`` are taken (unknown key: 400). The resident
    may correct their own answer of that stage, not one recorded with a staff member (409).
    Scope, dates and values: ``record_answers``."""
    stage = parse_stage(stage)
    unknown = sorted(set(answers) - set(RESIDENT_ANSWER_KEYS))
    if unknown:
        raise DomainError(_("Champ inconnu : %(field)s", field=unknown[0][:40]),
                          field=unknown[0][:40], status=400)
    check_resident_may_answer(household, stage, actor)
    existing = answers_of(household.id).get(stage)
    # A grade a mediator added to the resident's answer stays (the resident is not asked it).
    kept = {"autonomy": existing.autonomy} if existing is not None else {}
    return record_answers(household, stage, {**answers, **kept, "answered_on": today()}, actor)
