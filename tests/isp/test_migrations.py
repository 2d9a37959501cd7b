"""Migrations from empty produce exactly the models' schema (our `makemigrations --check`)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import text

from isp import create_app, load_all_models
from isp.extensions import db
from network.usage_store import is_usage_partition


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        load_all_models()
        upgrade()
        with db.engine.connect() as connection:
            # the partitions of usage_hours are made by migration 0026 and the nightly job, not
            # by the models (network.usage_store); the partitioned parent itself is compared
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: not (
                    kind == "table" and is_usage_partition(name))})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_household_keys_are_filled_for_existing_households(empty_database_url):
    """0010 adds the flat code and the search key: households already there get theirs."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        load_all_models()
        upgrade(revision="0009_performance")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO districts (id, code, name, commune) "
                "VALUES (1, 'D1', 'Quartier', 'Nantes')"))
            connection.execute(text(
                "INSERT INTO buildings (id, code, name, address, postcode, commune, "
                "district_id, status) VALUES (1, 'B1', 'Immeuble', '1 rue', '44000', "
                "'Nantes', 1, 'live')"))
            connection.execute(text(
                "INSERT INTO units (id, code, building_id, staircase, floor, door) "
                "VALUES (1, 'B1-A-01', 1, 'A', 1, '1')"))
            connection.execute(text(
                "INSERT INTO households (id, unit_id, holder_name, language, moved_in_on, "
                "created_at) VALUES (1, 1, 'Zoé Ngô', 'fr', '2025-01-01', "
                "'2025-01-01 00:00:00')"))
        upgrade()
        with db.engine.connect() as connection:
            keys = connection.execute(text(
                "SELECT unit_code, search_key FROM households")).one()
        db.engine.dispose()
    assert tuple(keys) == ("B1-A-01", "zoe ngo b1-a-01")
