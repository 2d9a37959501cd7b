"""Engine set-up: SQLite gets enforced foreign keys, real SAVEPOINTs, WAL and write-first
transactions, so that concurrent requests and jobs wait for each other instead of failing.

Why ``BEGIN IMMEDIATE`` on SQLite: a transaction that reads, then writes (a page that writes
its audit entry, an API call that stamps its token's last use) holds a read snapshot; when
another connection commits in between, SQLite cannot upgrade that snapshot to a writer and
answers "database is locked" at once (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout. A
transaction that takes the write lock when it begins waits in the busy timeout instead. WAL
keeps the cost low: the lock serialises writers only, and every transaction here is short
(jobs commit per batch and never keep one open across network I/O).
PostgreSQL needs none of this: its row locks and MVCC give the same guarantees.
"""

import functools
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, has_request_context, request
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Table,
    any_,
    bindparam,
    event,
    exc,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import BindParameter, ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal, traverse

from isp.extensions import db

_Statement = TypeVar("_Statement")


def built_once(build: Callable[..., _Statement]) -> Callable[..., _Statement]:
    """``build``'s statement, built on its first call and the same object ever after (one per
    value of its arguments, if it takes any: a kind of reader); its values are named bind
    parameters (``bindparam("household_id")``), given to ``execute``.

    Why: building a SELECT and computing its cache key cost more than running it on an index
    (billing's balance of one household: 0.85 ms of CPU built each time, 0.25 ms reused),
    and a page runs ten to twenty (issue 23.3). SQLAlchemy keeps a statement's cache key on
    the statement, and its compiled form in the engine's cache: reused, neither is redone.
    For statements whose shape does not depend on the call; those that add filters as asked
    are built each time.

    The constants written in the statement (``Building.status == "live"``) are written into
    its SQL text (``_constants_written_in``); its values stay parameters.
    """
    @functools.cache
    def built(*args, **kwargs):
        result = build(*args, **kwargs)
        for statement in result if isinstance(result, tuple) else (result,):
            _constants_written_in(statement)
        return result

    functools.update_wrapper(built, build)
    return built


#: Constants PostgreSQL can be told in the text: those SQLAlchemy renders as literals.
_CONSTANT_TYPES = (str, int, bool)


def _constants_written_in(statement) -> None:
    """Mark the constants of a statement built once to be written into its SQL text at each
    execution (SQLAlchemy's ``literal_execute``; the compiled form is still cached).

    Why: PostgreSQL plans a prepared statement once (a generic plan) only when that plan costs
    about as much as those made for each execution's values; a constant sent as a parameter
    is unknown to the generic plan, which then costs more, so the statement was planned again
    on every execution: 0.5 to 1.2 ms of the database's CPU for the analysts' and dunning
    pages' statements (issue 23.3). A statement built once holds no value of a request (those
    are named parameters without a value), so every valued parameter in it is a constant.
    """
    if not isinstance(statement, ClauseElement):
        return

    def visit(parameter: BindParameter) -> None:
        value = parameter.value
        constant = (isinstance(value, _CONSTANT_TYPES) if not parameter.expanding else
                    isinstance(value, list | tuple) and bool(value)
                    and all(isinstance(item, _CONSTANT_TYPES) for item in value))
        if constant and parameter.callable is None:
            parameter.literal_execute = True

    traverse(statement, {}, {"bindparam": visit})


class AmongIds(ColumnElement[bool]):
    """SQL condition: ``column`` is one of the list given as the bound value ``name`` (a page's
    ids), for statements built once.

    PostgreSQL receives the list as one array (``column = ANY(%(name)s)``): the statement's
    text stays the same whatever the list's length, and SQLAlchemy does not render one
    placeholder per id on each execution, which cost more than the rest of the statement's
    execution in Python (216 µs → 150 µs of CPU for 50 ids, measured December 2026, issue
    23.3). Other databases get the expanding ``IN`` SQLAlchemy offers.
    """

    inherit_cache = True
    type = Boolean()
    #: A condition in itself: SQLite's WHERE must not compare it with 1.
    _is_implicitly_boolean = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("name", InternalTraversal.dp_string)]

    def __init__(self, column: ColumnElement, name: str) -> None:
        # An ORM attribute (``Household.id``) stands for its column.
        self.column = column.__clause_element__() if hasattr(column, "__clause_element__") \
            else column
        self.name = name


@compiles(AmongIds)
def _among_ids(element: AmongIds, compiler, **kw) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(AmongIds, "postgresql")
def _among_ids_postgresql(element: AmongIds, compiler, **kw) -> str:
    values = bindparam(element.name, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column == any_(values), **kw)


#: How long a SQLite connection waits for another's write transaction (milliseconds).
DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 30_000


def init_database(app: Flask) -> None:
    """Give SQLite the behaviour PostgreSQL has: enforced foreign keys, SAVEPOINTs, waits."""
    with app.app_context():
        engine = db.engine
        ping_after_idle(engine, float(app.config["DATABASE_PING_AFTER_IDLE_SECONDS"]))
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, int(app.config.get(
                "SQLITE_BUSY_TIMEOUT_MS", DEFAULT_SQLITE_BUSY_TIMEOUT_MS)))
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _without_jit)
            if app.config["DATABASE_AUTOCOMMIT_READS"]:
                reads_without_transaction(engine)


def reads_without_transaction(engine: Engine) -> None:
    """A GET runs its statements without BEGIN … COMMIT/ROLLBACK, on PostgreSQL (issue 23.3).

    psycopg sends ``BEGIN`` and the end of a transaction as round trips of their own: two of
    the six a light page makes, about 10 % of its time under load. A GET is safe (HTTP): it
    reads, and writes at most records that stand alone — its audit entry, a session's
    last-seen stamp, an expired mandate marked ended — each one statement, which autocommit
    keeps whole. So a GET view must not
    open a SAVEPOINT (``begin_nested``: PostgreSQL refuses one outside a transaction) nor count
    on several writes landing together; what changes state is a POST. The statements of one
    page may see different snapshots, as two pages do. Jobs and commands (no request) keep
    their transactions.

    Set on the driver's connection when SQLAlchemy begins (psycopg has not sent ``BEGIN`` yet:
    it does so with the first statement), for every connection a GET takes, also after a
    commit; given back to the pool, the connection is transactional again. psycopg's commit
    and rollback send nothing outside a transaction.
    """
    @event.listens_for(engine, "begin")
    def _autocommit_if_get(connection) -> None:
        if has_request_context() and request.method in ("GET", "HEAD"):
            connection.connection.dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def _transactional_again(dbapi_connection, _record) -> None:
        if dbapi_connection is not None and not dbapi_connection.closed \
                and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection with a ping before use only when it has been idle ``seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings before every checkout, i.e. every request: one more
    round trip to PostgreSQL each time, about 7 % of a page's time under load (issue 23.3). A
    connection given back less than ``seconds`` ago was working then; HikariCP skips its check
    the same way (``aliveBypassWindowMs``, 500 ms). A dead connection found by the ping is
    discarded and the pool hands a fresh one (SQLAlchemy's ``DisconnectionError`` contract);
    one that dies within the window fails its request once and the pool drops every connection
    of that generation (SQLAlchemy's disconnect handling), as without a ping.
    """
    @event.listens_for(engine, "checkin")
    def _given_back(_dbapi_connection, record) -> None:
        record.info["given_back_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        given_back_at = record.info.get("given_back_at")
        if given_back_at is None or time.monotonic() - given_back_at <= seconds:
            return  # new (just connected) or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection was closed")


def _without_jit(dbapi_connection, _record) -> None:
    """No JIT compilation on our connections: PostgreSQL compiles any statement whose estimated
    cost passes ``jit_above_cost``, and a list's count over 100,000 households does; compiling
    took 1.1-1.9 s for a count that runs in 0.1 s (issue 23.3). Our statements are short."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and always begins DEFERRED:
    # the SQLAlchemy docs' recipe ("Serializable isolation / Savepoints / Transactional
    # DDL") hands BEGIN to us, and we make it IMMEDIATE (see the module docstring).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def allocate_ids(table: Table, count: int) -> list[int]:
    """``count`` new ids for rows of ``table`` about to be bulk-inserted (caller's transaction).

    PostgreSQL: from the table's sequence. SQLite: after the largest id, which no other
    connection can take before this transaction ends, because it holds the write lock since
    its ``BEGIN IMMEDIATE``.
    """
    if count <= 0:
        return []
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}).scalars())
    largest = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(largest + 1, largest + 1 + count))


def insert_rows(table: Table, rows: list[dict]) -> None:
    """Insert many rows with the same keys in the session's transaction, the fastest way the
    database has: ``COPY`` on PostgreSQL (10× an executemany of 1,000-row INSERTs, whose
    statement psycopg parses each time), an executemany elsewhere. No ORM events fire."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    statement = (f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                 "FROM STDIN")
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])
