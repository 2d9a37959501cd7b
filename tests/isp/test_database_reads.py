"""GET requests run without BEGIN … ROLLBACK on PostgreSQL; writes stay in transactions
(isp.database.reads_without_transaction). On a database of the test's own: the suite's usual
session is bound to an outer transaction, which a request cannot leave."""

import pytest
from flask import has_request_context, request
from sqlalchemy import event, select

from isp import create_app, load_all_models
from isp.extensions import db as _db
from isp.models import AuditEntry
from isp.services import create_token
from tests import factories
from tests.statements import page_selects


def test_a_get_reads_in_autocommit_and_a_post_in_a_transaction(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        postgresql = _db.engine.dialect.name == "postgresql"
        load_all_models()
        _db.create_all()
        unit_code = factories.make_unit("AUTO-1").code
        token = create_token(factories.make_user(role="operator"))
        _db.session.commit()
        _db.session.remove()
        seen: list[tuple[str, bool]] = []

        def _record(connection, _cursor, statement, _parameters, _context, _executemany):
            if not has_request_context() or statement.startswith("BEGIN"):
                return
            driver = connection.connection.dbapi_connection
            in_transaction = not driver.autocommit if postgresql else driver.in_transaction
            seen.append((request.method, in_transaction))

        event.listen(_db.engine, "before_cursor_execute", _record)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/households", headers=headers).status_code == 200
        created = client.post("/api/v1/households", headers=headers,
                              json={"unit_code": unit_code, "holder_name": "Foyer Auto"})
        assert created.status_code == 201, created.get_json()
        event.remove(_db.engine, "before_cursor_execute", _record)
        reads = [in_transaction for method, in_transaction in seen if method == "GET"]
        writes = [in_transaction for method, in_transaction in seen if method == "POST"]
        assert reads and writes and all(writes)
        if postgresql:
            assert not any(reads)
        else:  # SQLite keeps its write-first transactions (BEGIN IMMEDIATE) for every request
            assert all(reads)
        # The list's audit entry is stored.
        assert _db.session.execute(select(AuditEntry.id).where(
            AuditEntry.record_type == "household_list",
            AuditEntry.route == "GET /api/v1/households")).first() is not None
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.long
def test_every_page_of_each_bar_answers_on_the_demo(empty_database_url):
    """Each role's bar on the seeded demo, through a fresh app (no outer transaction): on
    PostgreSQL every page runs in autocommit, so a GET that opened a SAVEPOINT or needed a
    transaction would fail here."""
    from flask import url_for

    from config.default import DefaultConfig
    from isp.nav import nav_for
    from tests.ui.server import seed_database

    seed_database(empty_database_url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    roles = {"admin@demo.social-isp.fr": "admin", "operateur@demo.social-isp.fr": "operator",
             "mediateur@demo.social-isp.fr": "mediator",
             "analyste@demo.social-isp.fr": "analyst"}
    answered = {}
    with app.app_context():
        for email, role in roles.items():
            client = app.test_client()
            login = client.post("/login", data={"email": email,
                                                "password": DefaultConfig.DEMO_PASSWORDS[email]})
            assert login.status_code == 302, (email, login.status_code)
            with app.test_request_context():
                paths = [url_for(item.endpoint) for item in nav_for(role)]
            for path in paths:
                answered[(role, path)] = client.get(path).status_code
        _db.session.remove()
        _db.engine.dispose()
    assert len(answered) > 40
    assert {key: status for key, status in answered.items() if status != 200} == {}


def test_a_statement_built_once_runs_with_each_call_s_values(db):
    """isp.database.built_once: the builder runs once, the same statement object comes back
    (its cache key kept on it), and each execution reads the values it is given."""
    from sqlalchemy import bindparam

    from isp.database import built_once
    from subscribers.models import Unit

    builds = []

    @built_once
    def unit_by_code():
        builds.append(1)
        return select(Unit.code).where(Unit.code == bindparam("code"))

    first, second = factories.make_unit("ONCE-1"), factories.make_unit("ONCE-2")
    read = [db.session.execute(unit_by_code(), {"code": unit.code}).scalar_one()
            for unit in (first, second, first)]
    assert read == ["ONCE-1", "ONCE-2", "ONCE-1"]
    assert unit_by_code() is unit_by_code() and builds == [1]
    assert unit_by_code()._generate_cache_key() is unit_by_code()._generate_cache_key()


def test_a_list_of_ids_is_one_value_of_a_statement_built_once(db):
    """isp.database.AmongIds: the rows whose id is in the list given at execution, whatever its
    length (none included); on PostgreSQL the list is one array, so the statement's text does
    not change with it."""
    from isp.database import AmongIds
    from subscribers.models import Unit

    units = [factories.make_unit(f"AMONG-{n}") for n in range(4)]
    statement = select(Unit.code).where(AmongIds(Unit.id, "ids")).order_by(Unit.code)
    sent = []

    def keep(_conn, _cursor, sql, *_rest) -> None:
        sent.append(sql)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        for chosen in ([units[2], units[0]], [], [units[3]], units):
            codes = db.session.execute(statement, {"ids": [u.id for u in chosen]}).scalars()
            assert list(codes) == sorted(u.code for u in chosen)
        assert db.session.execute(statement, {"ids": [2_000_000_000]}).scalars().all() == []
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    if db.engine.dialect.name == "postgresql":
        assert len(set(sent)) == 1 and "ANY" in sent[0], sent
    else:
        assert {sql.count("?") for sql in sent if "IN" in sql} >= {1, 2, 4}, sent


def test_a_statement_built_once_writes_its_constants_into_its_sql(db):
    """isp.database.built_once writes the constants of its statement into the SQL text, so that
    PostgreSQL can plan the prepared statement once (issue 23.3); its values stay parameters,
    each execution's own."""
    from sqlalchemy import bindparam

    from isp.database import built_once
    from subscribers.models import Building

    @built_once
    def live_or_pilot_named():
        return select(Building.code).where(Building.status.in_(["live", "pilot"]),
                                           Building.name != "Sans nom",
                                           Building.code == bindparam("code"))

    factories.make_building("CST-1", status="live")
    factories.make_building("CST-2", status="planned")
    with page_selects() as selects:
        found = [db.session.execute(live_or_pilot_named(), {"code": code}).scalars().all()
                 for code in ("CST-1", "CST-2")]
    assert found == [["CST-1"], []]
    assert all("'live'" in sql and "'pilot'" in sql and "'Sans nom'" in sql
               and "CST-" not in sql for sql in selects), selects
