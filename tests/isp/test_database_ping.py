"""The pool pings a connection only after it idled (isp.database.ping_after_idle), on a real
PostgreSQL server (the one every machine here runs), whatever database the suite uses."""

import time

import psycopg
import pytest
from sqlalchemy import create_engine, exc, text

from isp.database import ping_after_idle

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _engine(seconds: float):
    engine = create_engine(SERVER, pool_size=1, max_overflow=0)
    ping_after_idle(engine, seconds)
    return engine


def _backend_of(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    with psycopg.connect(SERVER.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.2)  # the backend exits after the signal


def test_an_idle_connection_that_died_is_replaced_before_use():
    engine = _engine(seconds=0)  # every given-back connection counts as idle
    try:
        first = _backend_of(engine)
        _terminate(first)
        second = _backend_of(engine)  # the ping finds it closed; the pool connects again
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged():
    engine = _engine(seconds=3600)
    try:
        first = _backend_of(engine)
        _terminate(first)
        # No ping within the window: the request meets the closed connection and fails once...
        with pytest.raises(exc.OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        # ...and the pool, told of the disconnect, connects afresh for the next one.
        assert _backend_of(engine) != first
    finally:
        engine.dispose()
