"""The billing run's temporary tables: one window's new invoices and subscription lines,
bulk-loaded (``COPY`` on PostgreSQL) then written by ``INSERT … SELECT`` (``billing.runs``).

A temporary table belongs to the connection: two runs at once never see each other's rows.
"""

from __future__ import annotations

from sqlalchemy import column, table, text

from isp.extensions import db

#: The run's temporary tables: one window's new invoices and its subscription lines.
INVOICES = table("billing_run_invoices", column("household_id"), column("total_cents"),
                 column("vat_cents"), column("full_cost_cents"), column("holder_name"),
                 column("unit_code"))
LINES = table("billing_run_lines", column("household_id"), column("subscription_id"),
              column("tier"), column("plan_code"), column("days"), column("days_in_month"),
              column("unit_price_cents"), column("amount_cents"), column("full_cost_cents"))
_DDL = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS billing_run_invoices (household_id INTEGER, "
    "total_cents BIGINT, vat_cents BIGINT, full_cost_cents BIGINT, holder_name VARCHAR(120), "
    "unit_code VARCHAR(30))",
    "CREATE TEMPORARY TABLE IF NOT EXISTS billing_run_lines (household_id INTEGER, "
    "subscription_id INTEGER, tier VARCHAR(10), plan_code VARCHAR(30), days INTEGER, "
    "days_in_month INTEGER, unit_price_cents BIGINT, amount_cents BIGINT, "
    "full_cost_cents BIGINT)",
)


def open_stage() -> None:
    """Create (or empty) the run's temporary tables on this transaction's connection."""
    for ddl in _DDL:
        db.session.execute(text(ddl))
    clear()


def clear() -> None:
    names = f"{INVOICES.name}, {LINES.name}"
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {names}"))  # a temporary table is never vacuumed
        return
    for stage in (INVOICES, LINES):
        db.session.execute(text(f"DELETE FROM {stage.name}"))


def load(stage, rows: list[tuple]) -> None:
    """Bulk-load ``rows`` (tuples in the stage's column order): COPY on PostgreSQL."""
    if not rows:
        return
    names = [c.name for c in stage.columns]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {stage.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    connection.exec_driver_sql(
        f"INSERT INTO {stage.name} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _name in names)})", rows)
