"""Importing bank statements and placing their credits (issue 22). The caller commits.

Order of matching (docs/banking.md):
1. the invoice number (``FA-2026-000042``, spaces or dashes tolerated) or its RF reference
   (``billing.numbering.structured_reference``) in the remittance information: the line becomes
   a payment of that invoice's household at once;
2. otherwise amount and payer's name point to a household: a *suggestion* that an operator
   confirms (never applied alone);
3. otherwise the line waits in the queue, where an operator assigns it to a household or sets
   it aside as not ours, with a reason.

Every payment goes through ``billing.payments.record_payment`` (method transfer, received on
the booking day, the bank's reference as the payment's reference).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select

from banking.camt import CamtLine, parse_statement
from banking.choices import LineStatus, MatchKind
from banking.models import BankLine, BankStatement
from billing.choices import OPEN_STATUSES
from billing.models import Invoice
from billing.numbering import (
    INVOICE_PREFIX,
    format_number,
    invoice_number_of_reference,
    lock_series,
)
from billing.payments import record_payment
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import utcnow
from isp.validation import Integer, Text
from subscribers.models import Household, search_text
from subscribers.services import household_search_condition

NOT_OURS_REASON = Text("reason", 500, required=True, multiline=True)
SEARCH = Text("q", 100)
HOUSEHOLD_ID = Integer("household_id", required=True)

# "FA-2026-000042", "FA 2026 000042", "fa2026000042": payers retype the number as they can.
_INVOICE_NUMBER = re.compile(rf"\b{INVOICE_PREFIX}[\s\-_/.]*(\d{{4}})[\s\-_/.]*(\d{{6}})\b",
                             re.IGNORECASE)
_RF_START = re.compile(r"RF\s*\d\s*\d", re.IGNORECASE)
#: Our RF references are "RF" + 2 check digits + the 12 characters of the invoice number.
_RF_LENGTH = 16
#: Words of a payer's name that say nothing about who it is.
_NAME_NOISE = frozenset((
    "m", "mr", "mme", "mlle", "mm", "monsieur", "madame", "mademoiselle", "ou", "et", "ep",
    "epoux", "epouse", "vve", "veuve", "dr", "me", "sci", "sarl", "sas", "ste", "scp",
    "association", "assoc", "des", "du", "de", "la", "le", "les", "l", "d"))


# --- what a line says -------------------------------------------------------------------------

def invoice_numbers_in(*texts: str | None) -> list[str]:
    """Invoice numbers named in the texts, by number or RF reference, in order, once each."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        for match in _INVOICE_NUMBER.finditer(text):
            found.append(format_number(INVOICE_PREFIX, int(match.group(1)),
                                       int(match.group(2))))
        for start in _RF_START.finditer(text):
            # A printed reference may be typed in groups of four: read 16 characters, spaces
            # aside, and let the check digits decide.
            compact = "".join(text[start.start():start.start() + 2 * _RF_LENGTH].split())
            number = invoice_number_of_reference(compact[:_RF_LENGTH])
            if number:
                found.append(number)
    return list(dict.fromkeys(found))


def _line_texts(line: BankLine) -> tuple[str | None, ...]:
    return (line.structured, line.remittance, line.end_to_end_id)


# --- import -----------------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    """What an import did (nothing at all when every line was already known)."""

    statements: list[BankStatement] = field(default_factory=list)
    new_lines: int = 0
    duplicates: int = 0
    matched: int = 0
    suggested: int = 0
    pending: int = 0
    debits_ignored: int = 0
    others_ignored: int = 0

    @property
    def changed_nothing(self) -> bool:
        return self.new_lines == 0

    @property
    def audit_id(self) -> int | None:
        """The statement's id for the audit entry (None for a file of several statements)."""
        return self.statements[0].id if len(self.statements) == 1 else None

    @property
    def audit_detail(self) -> str:
        ids = ",".join(str(statement.id) for statement in self.statements)
        return f"statements {ids}: {self.new_lines} new lines, {self.matched} matched"


def _lock_account(account: str) -> None:
    """Two imports of the same account's statements queue up (the second then sees the first's
    lines as known): a counter row of billing's numbering, locked until the commit."""
    lock_series("BK-" + hashlib.sha256(account.encode()).hexdigest()[:16])


def import_statement(data: bytes, *, actor: User | None,
                     filename: str | None = None) -> ImportOutcome:
    """Record a CAMT.053 file all or nothing: new credit lines, matched or queued.

    A line already recorded (same account and bank reference, from this statement or an
    overlapping one) is skipped; a file imported twice changes nothing. A malformed or hostile
    file raises ``CamtRejected`` before anything is written.
    """
    document = parse_statement(data)
    outcome = ImportOutcome()
    savepoint = db.session.begin_nested()
    try:
        for parsed in document.statements:
            _lock_account(parsed.account)
            statement = db.session.execute(select(BankStatement).where(
                BankStatement.account == parsed.account,
                BankStatement.identifier == parsed.identifier[:80])).scalar_one_or_none()
            references = [line.reference for line in parsed.lines]
            known = set(db.session.execute(select(BankLine.reference).where(
                BankLine.account == parsed.account,
                BankLine.reference.in_(references))).scalars()) if references else set()
            fresh = []
            for line in parsed.lines:  # known before, or twice in this file: counted once
                if line.reference not in known:
                    known.add(line.reference)
                    fresh.append(line)
            duplicates = len(parsed.lines) - len(fresh)
            outcome.duplicates += duplicates
            if statement is not None and not fresh:
                outcome.statements.append(statement)
                continue  # seen before, nothing new: change nothing, not even its counts
            if statement is None:
                statement = BankStatement(
                    account=parsed.account, identifier=parsed.identifier[:80],
                    message_id=(document.message_id or "")[:80] or None,
                    version=document.version, created_by_bank_at=parsed.created_at,
                    from_on=parsed.from_on, to_on=parsed.to_on,
                    filename=(filename or "")[:200] or None, lines_count=0, duplicates=0,
                    debits_ignored=parsed.debits_ignored, others_ignored=parsed.others_ignored,
                    imported_by_id=actor.id if actor else None)
                db.session.add(statement)
                outcome.debits_ignored += parsed.debits_ignored
                outcome.others_ignored += parsed.others_ignored
            statement.lines_count += len(fresh)
            statement.duplicates += duplicates
            db.session.flush()
            outcome.statements.append(statement)
            for parsed_line in fresh:
                line = _new_line(statement, parsed_line)
                outcome.new_lines += 1
                _place(line, actor)
                if line.status == LineStatus.MATCHED:
                    outcome.matched += 1
                else:
                    outcome.pending += 1
                    outcome.suggested += line.suggested_household_id is not None
        db.session.flush()
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return outcome


def _new_line(statement: BankStatement, parsed: CamtLine) -> BankLine:
    line = BankLine(statement_id=statement.id, account=statement.account,
                    reference=parsed.reference, reference_kind=parsed.reference_kind,
                    position=parsed.position, amount_cents=parsed.amount_cents,
                    booked_on=parsed.booked_on, value_on=parsed.value_on,
                    debtor_name=parsed.debtor_name, debtor_iban=parsed.debtor_iban,
                    end_to_end_id=parsed.end_to_end_id, remittance=parsed.remittance,
                    structured=" ".join(parsed.structured)[:200], status=LineStatus.PENDING)
    db.session.add(line)
    db.session.flush()
    return line


def _place(line: BankLine, actor: User | None) -> None:
    """Match by invoice number or RF reference; else suggest by amount and name; else wait."""
    numbers = invoice_numbers_in(*_line_texts(line))
    waiting: list = []
    if numbers:
        invoices = list(db.session.execute(select(Invoice).where(
            Invoice.number.in_(numbers))).scalars())
        households = {invoice.household_id for invoice in invoices}
        unknown = sorted(set(numbers) - {invoice.number for invoice in invoices})
        if unknown:
            waiting.append(["unknown_invoice", {"numbers": ", ".join(unknown)}])
        if len(households) == 1 and not unknown:
            invoice = invoices[0]
            kind = MatchKind.INVOICE_NUMBER if _INVOICE_NUMBER.search(
                " ".join(text or "" for text in _line_texts(line))) else \
                MatchKind.STRUCTURED_REFERENCE
            line.invoice_number = invoice.number
            refused = _pay(line, invoice.household, actor, kind, LineStatus.MATCHED)
            if refused is None:
                return
            waiting.append(["refused", {"message": refused}])
        elif len(households) > 1:
            waiting.append(["several_households", {"numbers": ", ".join(numbers)}])
    line.waiting_terms = waiting or None
    _suggest(line)


def _pay(line: BankLine, household, actor: User | None, kind: str, status: str) -> str | None:
    """Record the line as the household's payment; the refusal's message if billing refuses."""
    try:
        with db.session.begin_nested():
            payment = record_payment(household, actor=actor, amount_cents=line.amount_cents,
                                     method="transfer", received_on=line.booked_on,
                                     reference=line.reference)
    except DomainError as error:
        return error.message
    line.payment_id = payment.id
    line.household_id = household.id
    line.match_kind = kind
    line.status = status
    return None


# --- suggestion by amount and name ------------------------------------------------------------

def name_words(name: str | None) -> set[str]:
    """The words of a name that may tell who it is (no titles, no one-letter initials)."""
    words = re.split(r"[^0-9a-z]+", search_text(name or ""))
    return {word for word in words if len(word) >= 2 and word not in _NAME_NOISE}


def _suggest(line: BankLine) -> None:
    """Point to the one household whose holder's name matches the payer's and, better, whose
    open invoices add up to the amount; none when two households score the same."""
    line.suggested_household_id, line.suggestion_terms = None, None
    words = {word for word in name_words(line.debtor_name) if len(word) >= 3}
    if not words:
        return
    candidates = list(db.session.execute(
        select(Household).where(Household.anonymised_at.is_(None),
                                or_(*(Household.search_key.contains(word, autoescape=True)
                                      for word in sorted(words))))
        .order_by(Household.id).limit(50)).scalars())
    if not candidates:
        return
    due = dict(db.session.execute(
        select(Invoice.household_id, func.sum(Invoice.total_cents - Invoice.paid_cents))
        .where(Invoice.household_id.in_([h.id for h in candidates]),
               Invoice.status.in_(OPEN_STATUSES)).group_by(Invoice.household_id)).all())
    open_amounts = {(household_id, number) for household_id, number in db.session.execute(
        select(Invoice.household_id, Invoice.number)
        .where(Invoice.household_id.in_([h.id for h in candidates]),
               Invoice.status.in_(OPEN_STATUSES),
               Invoice.total_cents - Invoice.paid_cents == line.amount_cents)).all()}
    scored = []
    for household in candidates:
        holder = name_words(household.holder_name)
        common = holder & name_words(line.debtor_name)
        if not common:
            continue
        terms: list = [["name", {"name": household.holder_name}]]
        score = 2 if holder and holder <= common else 1
        numbers = sorted(number for household_id, number in open_amounts
                         if household_id == household.id)
        if numbers:
            score += 2
            terms.append(["amount_invoice", {"number": numbers[0]}])
        elif due.get(household.id) == line.amount_cents:
            score += 2
            terms.append(["amount_due", {}])
        scored.append((score, household, terms))
    if not scored:
        return
    scored.sort(key=lambda item: -item[0])
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        line.waiting_terms = [*(line.waiting_terms or []),
                              ["ambiguous", {"count": sum(1 for s in scored
                                                          if s[0] == scored[0][0])}]]
        return
    _score, household, terms = scored[0]
    line.suggested_household_id = household.id
    line.suggestion_terms = terms


def term_text(code: str, params: dict) -> str:
    """A suggestion or waiting term in the reader's language."""
    texts = {
        "name": lambda: _("le nom du payeur ressemble à celui du titulaire (%(name)s)",
                          name=params.get("name", "")),
        "amount_invoice": lambda: _("le montant est le reste dû de la facture %(number)s",
                                    number=params.get("number", "")),
        "amount_due": lambda: _("le montant est ce que le foyer doit"),
        "unknown_invoice": lambda: _("facture inconnue : %(numbers)s",
                                     numbers=params.get("numbers", "")),
        "several_households": lambda: _("les factures nommées (%(numbers)s) sont de foyers "
                                        "différents", numbers=params.get("numbers", "")),
        "refused": lambda: _("paiement refusé : %(message)s", message=params.get("message", "")),
        "ambiguous": lambda: _("%(count)s foyers ressemblent autant au payeur : choisissez",
                               count=params.get("count", 0)),
    }
    return texts[code]() if code in texts else code


def terms_text(terms: list | None) -> list[str]:
    return [term_text(code, params or {}) for code, params in (terms or [])]


# --- the queue --------------------------------------------------------------------------------

def lines_query(*, status: str | None = None, statement_id: int | None = None) -> Select:
    """Bank lines, oldest booking first (the queue: ``status=pending``)."""
    statement = select(BankLine)
    if status is not None:
        if status not in list(LineStatus):
            raise DomainError(_("Statut inconnu : %(s)s", s=status), field="status", status=400)
        statement = statement.where(BankLine.status == status)
    if statement_id is not None:
        statement = statement.where(BankLine.statement_id == statement_id)
    return statement.order_by(BankLine.booked_on, BankLine.id)


@built_once
def statements_query() -> Select:
    """Imported statements, newest first; built once (isp.database.built_once): lists paginate
    it with ``values={}``."""
    return select(BankStatement).order_by(BankStatement.imported_at.desc(),
                                          BankStatement.id.desc())


def get_statement(statement_id: int) -> BankStatement:
    statement = db.session.get(BankStatement, statement_id)
    if statement is None:
        raise NotFoundError(_("Relevé %(id)s introuvable", id=statement_id))
    return statement


def get_line(line_id: int, *, for_update: bool = False) -> BankLine:
    query = select(BankLine).where(BankLine.id == line_id)
    if for_update:  # two operators placing the same line: the second waits, then is refused
        query = query.with_for_update()
    line = db.session.execute(query).scalar_one_or_none()
    if line is None:
        raise NotFoundError(_("Ligne de relevé %(id)s introuvable", id=line_id))
    return line


def _pending(line_id: int) -> BankLine:
    line = get_line(line_id, for_update=True)
    db.session.refresh(line)
    if line.status != LineStatus.PENDING:
        raise DomainError(_("Cette ligne a déjà été traitée."), status=409)
    return line


def _household(household_id: object):
    household_id = HOUSEHOLD_ID.check(household_id)
    household = db.session.get(Household, household_id)
    if household is None or household.anonymised_at is not None:
        raise DomainError(_("Foyer %(household_id)s introuvable", household_id=household_id),
                          field="household_id", status=404)
    return household


def _decided(line: BankLine, actor: User) -> None:
    line.decided_by_id = actor.id
    line.decided_at = utcnow()


def _pay_or_refuse(line: BankLine, household, actor: User, kind: str) -> None:
    refused = _pay(line, household, actor, kind, LineStatus.ASSIGNED)
    if refused is not None:
        raise DomainError(refused, field="household_id")
    _decided(line, actor)


def assign(line_id: int, household_id: object, *, actor: User) -> BankLine:
    """An operator places a waiting line on a household: it becomes that household's payment."""
    line = _pending(line_id)
    _pay_or_refuse(line, _household(household_id), actor, MatchKind.MANUAL)
    return line


def confirm_suggestion(line_id: int, *, actor: User) -> BankLine:
    """An operator confirms the household that amount and name point to."""
    line = _pending(line_id)
    if line.suggested_household_id is None:
        raise DomainError(_("Cette ligne n'a pas de suggestion : choisissez un foyer."),
                          field="household_id")
    _pay_or_refuse(line, _household(line.suggested_household_id), actor, MatchKind.SUGGESTION)
    return line


def mark_not_ours(line_id: int, reason: object, *, actor: User) -> BankLine:
    """An operator sets a line aside (not a household's payment), saying why."""
    reason = NOT_OURS_REASON.check(reason)
    line = _pending(line_id)
    line.status = LineStatus.NOT_OURS
    line.not_ours_reason = reason
    _decided(line, actor)
    return line


def household_choices(search: str | None, *, limit: int = 20) -> list:
    """Households whose holder's name or flat code contains ``search`` (the assign form)."""
    search = SEARCH.check(search)
    if not search:
        return []
    return list(db.session.execute(
        select(Household).where(household_search_condition(search),
                                Household.anonymised_at.is_(None))
        .order_by(Household.moved_out_on.is_not(None), Household.unit_code, Household.id)
        .limit(limit)).scalars())


def queue_count() -> int:
    return db.session.execute(_queue_count_statement()).scalar_one()


@built_once
def _queue_count_statement() -> Select:
    return select(func.count(BankLine.id)).where(BankLine.status == LineStatus.PENDING)
