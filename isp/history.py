"""Per-record history: who changed which business record, when, from what to what.

One generic mechanism instead of a log call in every service: an SQLAlchemy ``after_flush``
listener compares the flushed rows of the tables declared in ``TRACKED`` with their previous
values and writes one ``RecordChange`` per created, changed or deleted row, in the same
transaction (so a rolled-back change leaves no history). The actor is the person acting in
this context: ``acting_as(user)`` (commands, jobs, tests), else the request's logged-in user
or API token owner, else nobody (a scheduled job).

Encrypted credentials and other secrets are never written: their change is recorded as
``{"changed": true}`` without values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import has_request_context
from sqlalchemy import (
    BindParameter,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from isp.database import built_once, insert_rows
from isp.extensions import db
from isp.formatting import money, short_date, short_datetime
from isp.i18n import lazy_gettext as _l
from isp.requester import authenticated_user
from isp.timeutil import utcnow
from isp.types import UTCDateTime


@dataclass(frozen=True)
class Tracked:
    """How one table's changes are recorded."""

    #: The record type shown and queried ("household", "device"...).
    record_type: str
    #: Columns not recorded at all: derived keys, timestamps, state the poller rewrites.
    ignored: frozenset[str] = field(default_factory=frozenset)
    #: Columns whose change is recorded without values.
    secret: frozenset[str] = field(default_factory=frozenset)
    #: (record type, foreign key column) of the record whose page also shows these changes.
    parent: tuple[str, str] | None = None


_SECRET_SUFFIXES = ("_enc", "_hash", "_secret")

#: The business records whose every change is kept, by table name. A test checks each name
#: against the metadata, so a renamed table fails the suite rather than going untracked.
TRACKED: dict[str, Tracked] = {
    "districts": Tracked("district"),
    "buildings": Tracked("building"),
    "units": Tracked("unit"),
    "households": Tracked("household", ignored=frozenset({"search_key", "unit_code",
                                                          "created_at"})),
    "subscriptions": Tracked("subscription", ignored=frozenset({"created_at"})),
    "assignments": Tracked("assignment", ignored=frozenset({"suggestion"})),
    "associations": Tracked("association"),
    "mediation_places": Tracked("place", parent=("association", "association_id")),
    "devices": Tracked("device", ignored=frozenset({
        "status", "last_polled_at", "sys_uptime_ticks", "failed_polls", "last_error",
        "last_error_kind", "last_ok_at", "failing_since", "poll_lease_owner",
        "poll_lease_until", "next_poll_at", "counters_alerted_at"})),
    "tiers": Tracked("tier"),
    "tier_prices": Tracked("tier_price", ignored=frozenset({"set_at"}),
                           parent=("tier", "tier_id")),
    "plans": Tracked("plan"),
}

#: Household fields a mediator may see (docs/design.md §1): their history shows only these.
MEDIATOR_FIELDS = frozenset({"holder_name", "phone", "language", "needs", "unit_id",
                             "moved_out_on"})
#: Household columns holding identity: blanked in the history when a household is anonymised.
IDENTITY_FIELDS = frozenset({"holder_name", "other_members", "phone", "email", "needs"})
REDACTED = "[anonymisé]"


class RecordChange(db.Model):
    """One change of a business record: who, when, what it was, what it became."""

    __tablename__ = "record_changes"
    __table_args__ = (Index("ix_record_changes_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Copied so that the line stays readable if the account is removed.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(40))
    #: The household the record belongs to (the household itself, its subscriptions...).
    household_id: Mapped[int | None] = mapped_column(index=True)
    #: create | update | delete
    action: Mapped[str] = mapped_column(String(10))
    #: JSON {column: {"before": ..., "after": ...}} or {column: {"changed": true}} (secrets).
    changes: Mapped[str] = mapped_column(Text)

    @property
    def change_dict(self) -> dict:
        return json.loads(self.changes or "{}")


_acting_user: ContextVar = ContextVar("isp_history_actor", default=None)


@contextmanager
def acting_as(actor) -> Iterator[None]:
    """Record the changes made inside the block in ``actor``'s name (commands, jobs)."""
    token = _acting_user.set(actor)
    try:
        yield
    finally:
        _acting_user.reset(token)


def _current_actor():
    actor = _acting_user.get()
    if actor is not None:
        return actor
    if not has_request_context():
        return None
    return authenticated_user()


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _is_secret(rule: Tracked, name: str) -> bool:
    return name in rule.secret or name.endswith(_SECRET_SUFFIXES)


def _row_changes(session: Session, instance, rule: Tracked, action: str) -> dict:
    state = inspect(instance)
    mapper = state.mapper
    changes: dict = {}
    old_row = None
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        name = column.key
        if name in rule.ignored or column.primary_key:
            continue
        history = state.attrs[attr.key].history
        if action == "create":
            value = getattr(instance, attr.key)
            if value is None:
                continue
            changes[name] = ({"changed": True} if _is_secret(rule, name)
                             else {"before": None, "after": _plain(value)})
            continue
        if action == "delete":
            continue
        if not history.added:
            continue
        after = history.added[0]
        if history.deleted:
            before = history.deleted[0]
        else:  # the attribute was expired (after a commit): read the stored value
            if old_row is None:
                table = mapper.local_table
                key = state.identity or mapper.primary_key_from_instance(instance)
                old_row = session.connection().execute(select(table).where(*[
                    pk == value for pk, value in zip(mapper.primary_key, key, strict=True)])
                ).mappings().first() or {}
            before = old_row.get(column)
        if before == after:
            continue
        changes[name] = ({"changed": True} if _is_secret(rule, name)
                         else {"before": _plain(before), "after": _plain(after)})
    return changes


def _household_of(instance, rule: Tracked) -> int | None:
    if rule.record_type == "household":
        return instance.id
    return getattr(instance, "household_id", None)


def _collect(session: Session, actions: tuple[str, ...]) -> list[dict]:
    """The change rows of this flush for ``actions``.

    Updates and deletes are read before the flush (the stored row still has the old values),
    creations after it (foreign keys set through relationships and defaults are filled in).
    """
    pending = []
    lists = {"create": session.new, "update": session.dirty, "delete": session.deleted}
    for action in actions:
        instances = lists[action]
        for instance in instances:
            table = getattr(instance, "__table__", None)
            rule = TRACKED.get(table.name) if table is not None else None
            if rule is None:
                continue
            if action == "update" and not session.is_modified(instance,
                                                              include_collections=False):
                continue
            changes = _row_changes(session, instance, rule, action)
            if action == "update" and not changes:
                continue
            pending.append({"instance": instance, "rule": rule, "action": action,
                            "changes": changes})
    return pending


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    pending = _collect(session, ("update", "delete"))
    if pending:
        session.info.setdefault("isp_history_pending", []).extend(pending)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    pending = session.info.pop("isp_history_pending", []) + _collect(session, ("create",))
    if not pending:
        return
    actor = _current_actor()
    actor_id = getattr(actor, "id", None)
    actor_email = getattr(actor, "email", None)
    now = utcnow()
    rows = []
    for item in pending:
        instance, rule = item["instance"], item["rule"]
        # Ids of new rows exist only now; deleted rows keep theirs on the instance.
        identity = inspect(instance).mapper.primary_key_from_instance(instance)
        rows.append({"at": now, "actor_id": actor_id, "actor_email": actor_email,
                     "record_type": rule.record_type,
                     "record_id": ":".join(str(part) for part in identity),
                     "household_id": _household_of(instance, rule), "action": item["action"],
                     "changes": json.dumps(item["changes"], ensure_ascii=False,
                                           sort_keys=True)})
    # Core insert on the flush's own connection: no second flush, same transaction.
    session.connection().execute(insert(RecordChange.__table__), rows)


def record_bulk_creations(table_name: str, rows: list[dict]) -> None:
    """The ``create`` changes of rows inserted in bulk (large imports), as a flush writes them.

    A bulk insert fires no flush, so its caller hands the inserted rows here: every column
    value, the generated id included, defaults filled in.
    """
    rule = TRACKED.get(table_name)
    if rule is None or not rows:
        return
    keys = [column.key for column in db.metadata.tables[table_name].primary_key.columns]
    actor = _current_actor()
    now = utcnow()
    payload = []
    for row in rows:
        changes = {name: ({"changed": True} if _is_secret(rule, name)
                          else {"before": None, "after": _plain(value)})
                   for name, value in row.items()
                   if value is not None and name not in rule.ignored and name not in keys}
        payload.append({"at": now, "actor_id": getattr(actor, "id", None),
                        "actor_email": getattr(actor, "email", None),
                        "record_type": rule.record_type,
                        "record_id": ":".join(str(row[key]) for key in keys),
                        "household_id": (row["id"] if rule.record_type == "household"
                                         else row.get("household_id")),
                        "action": "create",
                        "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True)})
    insert_rows(RecordChange.__table__, payload)


# --- reading ---------------------------------------------------------------------------------

def _since_creation(record_type: str, record_key: str | BindParameter):
    """Rows written since the record's latest creation.

    An id can come back after a purge (SQLite reuses the highest rowid; a test's records are
    rolled back or deleted): what an earlier record of the same id did is not this one's history.
    """
    created = select(func.max(RecordChange.id)).where(
        RecordChange.record_type == record_type, RecordChange.record_id == record_key,
        RecordChange.action == "create").scalar_subquery()
    return RecordChange.id >= func.coalesce(created, 0)


def changes_query(record_type: str, record_id: object) -> Select:
    """A record's changes and those of its dependent records (a tier's prices), newest first
    (in the order they were written: the clock of a change is not its order)."""
    return _changes_statement(record_type).params(**_record_values(record_id))


def _record_values(record_id: object) -> dict[str, object]:
    # A record's id as changes record it (text), and as its dependents' foreign key.
    key = str(record_id)
    return {"record_key": key, "record_number": int(key) if key.isdigit() else None}


@built_once
def _changes_statement(record_type: str) -> Select:
    """``changes_query`` of a kind of record, built once (isp.database.built_once): values
    ``record_key`` and ``record_number`` (``_record_values``); the dependents' ids in a
    subquery instead of read first (issue 23.3)."""
    record_key = bindparam("record_key", type_=String)
    condition = and_(RecordChange.record_type == record_type,
                     RecordChange.record_id == record_key)
    for table_name, rule in TRACKED.items():
        if rule.parent is None or rule.parent[0] != record_type:
            continue
        table = db.metadata.tables[table_name]
        children = select(cast(table.c.id, String)).where(
            table.c[rule.parent[1]] == bindparam("record_number", type_=Integer))
        condition = or_(condition, and_(RecordChange.record_type == rule.record_type,
                                        RecordChange.record_id.in_(children)))
    return select(RecordChange).where(condition, _since_creation(record_type, record_key)) \
        .order_by(RecordChange.id.desc())


@built_once
def _page_changes_statement(record_type: str) -> Select:
    return _changes_statement(record_type).limit(PAGE_LINES)


def household_changes_query(household_id: int, *, mediator: bool = False) -> Select:
    """Every change of a household and of the records that belong to it, newest first.

    A mediator sees only the household's own changes (not its subscriptions, tariffs or
    assignments), and ``visible_changes`` keeps only the fields coaching needs.
    """
    return _household_changes(household_id, str(household_id), mediator=mediator)


def _household_changes(household_id, record_key, *, mediator: bool) -> Select:
    statement = select(RecordChange).where(RecordChange.household_id == household_id,
                                           _since_creation("household", record_key))
    if mediator:
        statement = statement.where(RecordChange.record_type == "household")
    return statement.order_by(RecordChange.id.desc())


@built_once
def _household_page_changes(mediator: bool) -> Select:
    # The household page's (one per kind of reader): built once (isp.database.built_once).
    return _household_changes(bindparam("household_id"), bindparam("record_key"),
                              mediator=mediator).limit(PAGE_LINES)


def visible_changes(change: RecordChange, *, mediator: bool = False) -> dict:
    """The change's columns the reader may see."""
    changes = change.change_dict
    if mediator:
        changes = {name: value for name, value in changes.items() if name in MEDIATOR_FIELDS}
    return changes


def change_json(change: RecordChange, *, mediator: bool = False) -> dict:
    return {"at": change.at.isoformat(), "actor": change.actor_email,
            "record_type": change.record_type, "record_id": change.record_id,
            "action": change.action, "changes": visible_changes(change, mediator=mediator)}


def redact_household(household_id: int) -> int:
    """Blank the identity values in a household's history (anonymisation); returns rows hit."""
    hit = 0
    changes = db.session.execute(select(RecordChange).where(
        RecordChange.household_id == household_id,
        RecordChange.record_type == "household")).scalars()
    for change in changes:
        values = change.change_dict
        redacted = {name: ({key: (REDACTED if value is not None else None)
                            for key, value in entry.items()}
                           if name in IDENTITY_FIELDS and "changed" not in entry else entry)
                    for name, entry in values.items()}
        if redacted != values:
            change.changes = json.dumps(redacted, ensure_ascii=False, sort_keys=True)
            hit += 1
    db.session.flush()
    return hit


# --- pages -----------------------------------------------------------------------------------

#: Changes shown on a record's page, newest first: the household page gathers every domain's
#: section, so it shows the latest 3 and stays light whatever the record's age; the API
#: (GET /api/v1/households/<id>/history) pages through all of them.
PAGE_LINES = 3


@dataclass(frozen=True)
class HistoryLine:
    """One change as a page shows it."""

    at: datetime
    actor_email: str | None
    record_type: str
    record_id: str
    action: str
    #: (column, before, after, is_secret)
    columns: tuple[tuple[str, object, object, bool], ...]


def _lines(changes, *, mediator: bool) -> list[HistoryLine]:
    lines = []
    for change in changes:
        columns = tuple((name, entry.get("before"), entry.get("after"), "changed" in entry)
                        for name, entry in sorted(visible_changes(change,
                                                                  mediator=mediator).items()))
        if columns or change.action != "update":
            lines.append(HistoryLine(change.at, change.actor_email, change.record_type,
                                     change.record_id, change.action, columns))
    return lines


#: Field labels of the history list: the French source, read through gettext in the reader's
#: language; a column not listed shows its name.
FIELD_LABELS = {
    "holder_name": _l("Nom du titulaire"), "other_members": _l("Autres membres du foyer"),
    "phone": _l("Téléphone"), "email": _l("Courriel"), "language": _l("Langue"),
    "needs": _l("Besoins"), "unit_id": _l("Logement"), "moved_out_on": _l("Date de départ"),
    "moved_in_on": _l("Date d'arrivée"), "status": _l("Statut"), "name": _l("Nom"),
    "address": _l("Adresse"), "started_on": _l("Début"), "ended_on": _l("Fin"),
    "tier_id": _l("Palier"), "plan_id": _l("Offre"), "price_cents": _l("Prix"),
}
#: Codes shown through their label, by column: each domain registers its labels dict
#: (register_value_labels) so that the vocabulary keeps one home.
VALUE_LABELS: dict[str, dict] = {}


def register_value_labels(column: str, labels: dict) -> None:
    """Show this column's codes through ``labels`` in the history list."""
    VALUE_LABELS[column] = labels


#: How _plain stores a date (its datetimes add "T" and the time).
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def field_label(name: str) -> str:
    """The reader's-language label of a recorded column."""
    return str(FIELD_LABELS.get(name, name))


def field_value(name: str, value: object) -> str:
    """A recorded value as the reader reads it: dates in the reader's format, codes labelled."""

    if value is None:
        return "—"
    labels = VALUE_LABELS.get(name)
    if labels is not None and value in labels:
        return str(labels[value])
    if name.endswith("_cents") and isinstance(value, int):
        return money(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value) and "T" in value:
        return short_datetime(value)
    return str(value)


def page_history(record_type: str, record_id: object) -> list[HistoryLine]:
    """The newest changes of one record for its page, for the logged-in reader.

    A household's page also shows its subscriptions' and follow-ups' changes; a mediator sees
    only the household's coaching fields, and nothing of any other record.
    """
    reader = authenticated_user()
    mediator = reader is None or reader.role == "mediator"
    if record_type == "household":
        changes = db.session.execute(_household_page_changes(mediator), {
            "household_id": int(record_id), "record_key": str(int(record_id))}).scalars()
    elif mediator:
        return []
    else:
        changes = db.session.execute(_page_changes_statement(record_type),
                                     _record_values(record_id)).scalars()
    return _lines(changes, mediator=mediator)

