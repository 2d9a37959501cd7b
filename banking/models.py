"""Bank statements (CAMT.053) and their credit lines, matched to households (issue 22).

A line is the bank's record of money received. It becomes a billing ``Payment`` when it names an
invoice (number or RF reference) or when an operator places it; otherwise it waits in the queue.
A line is unique per account and bank reference: importing it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isp.extensions import db
from isp.timeutil import utcnow
from isp.types import UTCDateTime


class BankStatement(db.Model):
    """One account statement (``Stmt``) of an imported file."""

    __tablename__ = "bank_statements"
    __table_args__ = (UniqueConstraint("account", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: IBAN (or the bank's account id) without spaces.
    account: Mapped[str] = mapped_column(String(34))
    #: ``Stmt/Id``: the bank's identifier of the statement.
    identifier: Mapped[str] = mapped_column(String(80))
    #: ``GrpHdr/MsgId`` of the file it came in.
    message_id: Mapped[str | None] = mapped_column(String(80))
    #: ``camt.053.001.08``…
    version: Mapped[str] = mapped_column(String(20))
    created_by_bank_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    from_on: Mapped[date | None] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)
    filename: Mapped[str | None] = mapped_column(String(200))
    #: Credit lines recorded from this statement (a line already known is not counted again).
    lines_count: Mapped[int] = mapped_column(default=0)
    #: Lines seen again (already recorded from this or an overlapping statement).
    duplicates: Mapped[int] = mapped_column(default=0)
    #: Debits: money going out, not the households'.
    debits_ignored: Mapped[int] = mapped_column(default=0)
    #: Pending or informative entries, reversals, zero amounts.
    others_ignored: Mapped[int] = mapped_column(default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    imported_by = relationship("User")
    lines: Mapped[list[BankLine]] = relationship(back_populates="statement",
                                                 order_by="BankLine.id")


class BankLine(db.Model):
    """A credit of a statement: where it came from, what it says, and where it went."""

    __tablename__ = "bank_lines"
    __table_args__ = (UniqueConstraint("account", "reference"),
                      Index("ix_bank_lines_status_booked", "status", "booked_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), index=True)
    account: Mapped[str] = mapped_column(String(34))
    #: The bank's reference of the line (``AcctSvcrRef``, else ``NtryRef``, else a digest).
    reference: Mapped[str] = mapped_column(String(80))
    reference_kind: Mapped[str] = mapped_column(String(12))
    #: Position of the entry in its statement.
    position: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column()
    booked_on: Mapped[date] = mapped_column(Date)
    value_on: Mapped[date | None] = mapped_column(Date)
    debtor_name: Mapped[str | None] = mapped_column(String(140))
    debtor_iban: Mapped[str | None] = mapped_column(String(34))
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    #: Unstructured remittance information, as the payer typed it.
    remittance: Mapped[str] = mapped_column(Text, default="")
    #: Structured references (creditor reference, document numbers), space-separated.
    structured: Mapped[str] = mapped_column(String(200), default="")
    #: ``matched`` (by reference), ``pending`` (in the queue), ``assigned`` (placed by an
    #: operator), ``not_ours`` (set aside with a reason).
    status: Mapped[str] = mapped_column(String(12))
    #: How its household was found: ``invoice_number``, ``structured_reference``,
    #: ``suggestion`` (confirmed by an operator) or ``manual``.
    match_kind: Mapped[str | None] = mapped_column(String(20))
    #: The invoice the line named, when one was found.
    invoice_number: Mapped[str | None] = mapped_column(String(20))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    #: SET NULL: billing's 10-year purge of payments must never be blocked by a line.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id",
                                                              ondelete="SET NULL"))
    #: The household that amount and payer's name point to: a suggestion, never applied alone.
    suggested_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    #: Why it is suggested, as [code, figures] pairs written in the reader's language.
    suggestion_terms: Mapped[list | None] = mapped_column(JSON)
    #: Why it waits (e.g. the invoice named is unknown), as [code, figures] pairs.
    waiting_terms: Mapped[list | None] = mapped_column(JSON)
    not_ours_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[BankStatement] = relationship(back_populates="lines")
    household = relationship("Household", foreign_keys=[household_id])
    suggested_household = relationship("Household", foreign_keys=[suggested_household_id])
    payment = relationship("Payment")
    decided_by = relationship("User")
