"""Gapless FA-/AV- number series, one per calendar year, given inside the caller's transaction.

The counter row of the series is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite locks
the whole database on the first write) until the caller commits, so two concurrent issuers
queue up and never take the same number or leave a hole: a rollback gives the numbers back.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from billing.models import NumberCounter
from isp.extensions import db

INVOICE_PREFIX = "FA"
CREDIT_NOTE_PREFIX = "AV"


def format_number(prefix: str, year: int, value: int) -> str:
    """FA-2026-000042."""
    return f"{prefix}-{year:04d}-{value:06d}"


def _insert_ignore(series: str):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(NumberCounter).values(series=series, last_value=0).on_conflict_do_nothing()


def lock_series(series: str) -> int:
    """Lock the series' counter row for this transaction and return its last value."""
    db.session.execute(_insert_ignore(series))
    return db.session.execute(
        select(NumberCounter.last_value).where(NumberCounter.series == series).with_for_update()
    ).scalar_one()


def number_sql(prefix: str, year: int, value):
    """``format_number`` as an SQL expression of the integer expression ``value`` (a run
    numbers its invoices in one UPDATE); tests/billing/test_run_streamed.py proves both agree,
    past six digits too."""
    head = literal(f"{prefix}-{year:04d}-")
    if db.session.get_bind().dialect.name == "postgresql":
        digits = cast(value, String)
        return head.concat(func.lpad(digits, func.greatest(6, func.length(digits)), "0"))
    return head.concat(func.printf("%06d", value))


def reserve_block(prefix: str, year: int, count: int) -> int:
    """Reserve the next ``count`` values of the series; the last value before them (the block
    is ``last + 1 … last + count``; the caller commits)."""
    series = f"{prefix}-{year:04d}"
    last = lock_series(series)
    if count > 0:
        db.session.execute(update(NumberCounter).where(NumberCounter.series == series)
                           .values(last_value=last + count))
    return last


def reserve(prefix: str, year: int, count: int = 1) -> list[str]:
    """The next ``count`` numbers of the series, in order (the caller commits)."""
    if count <= 0:
        lock_series(f"{prefix}-{year:04d}")
        return []
    last = reserve_block(prefix, year, count)
    return [format_number(prefix, year, value) for value in range(last + 1, last + count + 1)]


def lock_period(period: str) -> None:
    """Serialise the preparation of one month's drafts (a counter row used as a lock)."""
    lock_series(f"RUN-{period}")


# --- the structured reference printed on an invoice (issue 22) ---------------------------------

def _iso7064_mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 over letters (A=10 … Z=35) and digits, as IBAN and ISO 11649 use."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def structured_reference(number: str) -> str:
    """The ISO 11649 creditor reference ("RF" reference) of an invoice number, for transfers.

    ``FA-2026-000042`` → ``RF`` + two check digits + ``FA2026000042``: the invoice number
    without its dashes, so that a bank line carrying the reference names the invoice
    (``invoice_number_of_reference`` reads it back); a typo changes the check digits.
    """
    body = "".join(char for char in number.upper() if char.isalnum())
    check = 98 - _iso7064_mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def invoice_number_of_reference(reference: str) -> str | None:
    """The invoice number an ``RF`` reference names, or None when it is not a valid one of ours
    (wrong check digits, or another creditor's reference)."""
    compact = "".join(reference.split()).upper()
    if not (compact.startswith("RF") and 5 <= len(compact) <= 25 and compact.isalnum()):
        return None
    if _iso7064_mod97(compact[4:] + compact[:4]) != 1:
        return None
    body = compact[4:]
    if len(body) != 12 or not body[2:].isdigit() or body[:2] not in (INVOICE_PREFIX,):
        return None
    return format_number(body[:2], int(body[2:6]), int(body[6:]))
