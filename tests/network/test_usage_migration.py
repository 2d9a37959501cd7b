"""Migration 0026 keeps the port hours already stored (issue 23.2): copied into the new table,
on PostgreSQL into the monthly partitions created for their months."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from isp import create_app, load_all_models
from isp.extensions import db

SEED = [
    "INSERT INTO districts (id, code, name, commune) VALUES (1, 'D1', 'Quartier', 'Nantes')",
    "INSERT INTO buildings (id, code, name, address, postcode, commune, district_id, status) "
    "VALUES (1, 'B1', 'Immeuble', '1 rue', '44000', 'Nantes', 1, 'live')",
    "INSERT INTO devices (id, building_id, hostname, mgmt_address, role, device_type, "
    "snmp_port, snmp_version, ssh_port, lifecycle_state, status, failed_polls) VALUES "
    "(1, 1, 'sw1', '192.0.2.1', 'access', 'cisco_ios', 161, '2c', 22, 'in_service', "
    "'unknown', 0)",
    "INSERT INTO ports (id, device_id, if_index, if_name) VALUES (1, 1, 1, 'Gi1/0/1')",
    "INSERT INTO usage_hours (id, port_id, hour, octets_in, octets_out) VALUES "
    "(1, 1, '2025-01-15 10:00:00+00:00', 5, 50), (2, 1, '2026-11-30 23:00:00+00:00', 7, 70)",
]


def test_port_hours_survive_the_migration(empty_database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        load_all_models()
        upgrade(revision="0025_banking")
        with db.engine.begin() as connection:
            for statement in SEED:
                connection.execute(text(statement))
        upgrade(revision="0026_usage_store")
        with db.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT port_id, octets_in, octets_out FROM usage_hours ORDER BY octets_in")).all()
            postgres = connection.dialect.name == "postgresql"
            if postgres:  # each row in its Paris month's partition (Dec 1, 00:00 Paris)
                placed = dict(connection.execute(text(
                    "SELECT octets_in, tableoid::regclass::text FROM usage_hours")).all())
        downgrade(revision="0025_banking")
        with db.engine.connect() as connection:
            back = connection.execute(text(
                "SELECT port_id, octets_in FROM usage_hours ORDER BY octets_in")).all()
        db.engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 5, 50), (1, 7, 70)]
    if postgres:
        assert placed == {5: "usage_hours_2025_01", 7: "usage_hours_2026_12"}
    assert [tuple(r) for r in back] == [(1, 5), (1, 7)]
