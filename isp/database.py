"""Engine set-up: SQLite needs foreign keys and real SAVEPOINTs switched on."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def init_database(app: Flask) -> None:
    """Give SQLite the behaviour PostgreSQL has: enforced foreign keys and SAVEPOINT support."""
    from isp.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; the SQLAlchemy docs' recipe.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN")
