"""Reading a CAMT.053 bank statement (ISO 20022 BankToCustomerStatement), versions 001.02 to 001.13.

Parsed with the standard library's ElementTree behind ``defusedxml`` (a file declaring a DTD or
entities is refused: no entity expansion, no external fetch). No database here: the file becomes
``CamtDocument`` (statements, their credit lines, the counts of what was left aside) or a
``CamtRejected`` naming every problem found; ``banking.services`` records it all or nothing.

What is read, and why:
- credits only (``CdtDbtInd`` = CRDT), booked only (``Sts`` BOOK), not reversals: the money a
  household sent; debits, pending entries and reversals are counted, not kept;
- amounts as ``Decimal`` to whole cents, exactly (an amount with a fraction of a cent is an
  error, never rounded); EUR only;
- an entry bundling several transfers (``NtryDtls/TxDtls`` each with its amount) gives one line
  per transfer, whose amounts must add up to the entry's;
- the line's key, for idempotency: the bank's reference ``AcctSvcrRef``, else ``NtryRef``, else a
  digest of what the line says (see docs/banking.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from isp.errors import DomainError
from isp.i18n import gettext as _
from isp.timeutil import PARIS, local_date

#: A month's statement of a small operator is a few hundred kB; beyond this it is not one.
MAX_STATEMENT_BYTES = 10 * 1024 * 1024
#: Problems listed in a rejection (the rest are counted).
MAX_PROBLEMS = 20
CURRENCY = "EUR"

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.(\d{3})\.001\.(\d{2})")
SUPPORTED_VERSIONS = tuple(f"{n:02d}" for n in range(2, 14))
_AMOUNT = re.compile(r"\d{1,18}(\.\d{1,5})?")


class CamtRejected(DomainError):
    """The file was refused whole; ``problems`` says why, one sentence each."""

    def __init__(self, problems: list[str]):
        self.problems = problems[:MAX_PROBLEMS]
        self.total = len(problems)
        message = _("Relevé refusé, rien n'a été enregistré : %(problem)s",
                    problem=problems[0])
        if self.total > 1:
            message += " " + _("(et %(n)s autre(s) problème(s))", n=self.total - 1)
        super().__init__(message, field="file", status=422)


@dataclass(frozen=True)
class CamtLine:
    """One credit of the statement: money received."""

    #: The bank's unique reference of the line (the key of idempotency).
    reference: str
    #: Where ``reference`` comes from: ``AcctSvcrRef``, ``NtryRef`` or ``digest``.
    reference_kind: str
    amount_cents: int
    booked_on: date
    value_on: date | None
    debtor_name: str | None
    debtor_iban: str | None
    end_to_end_id: str | None
    #: Unstructured remittance information (``Ustrd``), joined.
    remittance: str
    #: Structured references (``Strd/CdtrRefInf/Ref``, ``Strd/RfrdDocInf/Nb``).
    structured: tuple[str, ...]
    #: Position of the entry in its statement (1 = first ``Ntry``), for messages.
    position: int


@dataclass
class CamtStatement:
    identifier: str
    account: str
    created_at: datetime | None
    from_on: date | None
    to_on: date | None
    lines: list[CamtLine] = field(default_factory=list)
    debits_ignored: int = 0
    #: Pending or informative entries, reversals, zero amounts.
    others_ignored: int = 0


@dataclass
class CamtDocument:
    version: str
    message_id: str | None
    statements: list[CamtStatement]


def parse_statement(data: bytes) -> CamtDocument:
    """The CAMT.053 document in ``data``, or ``CamtRejected`` naming what is wrong."""
    if not data or not data.strip():
        raise CamtRejected([_("le fichier est vide.")])
    if len(data) > MAX_STATEMENT_BYTES:
        raise CamtRejected([_("le fichier dépasse %(n)s Mo : ce n'est pas un relevé de compte.",
                              n=MAX_STATEMENT_BYTES // (1024 * 1024))])
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException:
        raise CamtRejected([_("le fichier déclare une DTD ou des entités XML, ce qu'un relevé "
                              "bancaire ne fait jamais : refusé par sécurité.")]) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise CamtRejected([_("XML mal formé (ligne %(line)s, colonne %(column)s).",
                              line=line, column=column)]) from None
    namespace, _sep, local = root.tag[1:].partition("}") if root.tag.startswith("{") \
        else ("", "", root.tag)
    match = _NAMESPACE.fullmatch(namespace)
    if local != "Document" or match is None:
        raise CamtRejected([_("ce n'est pas un document ISO 20022 (élément racine %(tag)s) : "
                              "exportez le relevé au format CAMT.053.", tag=root.tag)])
    message, version = match.group(1), match.group(2)
    if message != "053":
        raise CamtRejected([_("c'est un message camt.%(message)s, pas un relevé de compte "
                              "camt.053.", message=message)])
    if version not in SUPPORTED_VERSIONS:
        raise CamtRejected([_("version camt.053.001.%(version)s inconnue (versions lues : "
                              "001.02 à 001.13).", version=version)])
    return _Reader(namespace, f"camt.053.001.{version}").read(root)


class _Reader:
    def __init__(self, namespace: str, version: str):
        self.ns = namespace
        self.version = version
        self.problems: list[str] = []
        self.digests: dict[str, int] = {}

    # -- helpers over namespaced paths ---------------------------------------------------------
    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(self._path(path))

    def findall(self, element: Element, path: str) -> list[Element]:
        return element.findall(self._path(path))

    def text(self, element: Element, *paths: str) -> str | None:
        """The stripped text of the first of ``paths`` present (None if none)."""
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and found.text.strip():
                return " ".join(found.text.split())
        return None

    def day(self, element: Element, path: str, where: str) -> date | None:
        """``<path><Dt>`` or ``<path><DtTm>`` (a time is taken as a Paris day)."""
        value = self.text(element, f"{path}/Dt")
        if value is not None:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                self.problems.append(_("%(where)s : date « %(value)s » illisible.",
                                       where=where, value=value))
                return None
        value = self.text(element, f"{path}/DtTm")
        if value is not None:
            moment = self._moment(value, where)
            return local_date(moment) if moment else None
        return None

    def _moment(self, value: str, where: str) -> datetime | None:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.problems.append(_("%(where)s : date et heure « %(value)s » illisibles.",
                                   where=where, value=value))
            return None
        # A time without offset is the bank's local time: a French bank's is Paris.
        return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)

    def amount(self, element: Element | None, where: str) -> tuple[int, str] | None:
        """(cents, currency) of an ``Amt`` element, exactly, or None with a problem noted."""
        if element is None or not (element.text or "").strip():
            self.problems.append(_("%(where)s : montant absent.", where=where))
            return None
        raw = element.text.strip()
        currency = (element.get("Ccy") or "").strip()
        if not _AMOUNT.fullmatch(raw):
            self.problems.append(_("%(where)s : montant « %(value)s » illisible.", where=where,
                                   value=raw))
            return None
        try:
            cents = Decimal(raw) * 100
        except InvalidOperation:  # pragma: no cover - the pattern above is stricter
            self.problems.append(_("%(where)s : montant « %(value)s » illisible.", where=where,
                                   value=raw))
            return None
        if cents != cents.to_integral_value():
            self.problems.append(_("%(where)s : le montant %(value)s n'est pas un nombre entier "
                                   "de centimes.", where=where, value=raw))
            return None
        if not currency:
            self.problems.append(_("%(where)s : devise du montant absente.", where=where))
            return None
        return int(cents), currency

    # -- the document ----------------------------------------------------------------------------
    def read(self, root: Element) -> CamtDocument:
        body = self.find(root, "BkToCstmrStmt")
        if body is None:
            raise CamtRejected([_("élément BkToCstmrStmt absent : ce n'est pas un relevé "
                                  "camt.053.")])
        statements = [self.statement(element, number)
                      for number, element in enumerate(self.findall(body, "Stmt"), start=1)]
        if not statements and not self.problems:
            self.problems.append(_("le relevé ne contient aucun compte (élément Stmt)."))
        if self.problems:
            raise CamtRejected(self.problems)
        return CamtDocument(self.version, self.text(body, "GrpHdr/MsgId"), statements)

    def statement(self, element: Element, number: int) -> CamtStatement:
        identifier = self.text(element, "Id")
        where = _("relevé %(id)s", id=identifier or number)
        if identifier is None:
            self.problems.append(_("%(where)s : identifiant (Stmt/Id) absent.", where=where))
        account = self.text(element, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
        if account is None:
            self.problems.append(_("%(where)s : compte (Acct/Id) absent.", where=where))
        account_currency = self.text(element, "Acct/Ccy")
        if account_currency and account_currency != CURRENCY:
            self.problems.append(_("%(where)s : compte en %(currency)s ; seuls les comptes en "
                                   "euros sont lus.", where=where, currency=account_currency))
        created = self.text(element, "CreDtTm")
        statement = CamtStatement(
            identifier=identifier or "", account=(account or "").replace(" ", "").upper(),
            created_at=self._moment(created, where) if created else None,
            from_on=self._bound(element, "FrToDt/FrDtTm", where),
            to_on=self._bound(element, "FrToDt/ToDtTm", where))
        for position, entry in enumerate(self.findall(element, "Ntry"), start=1):
            self.entry(statement, entry, position, where)
        return statement

    def _bound(self, element: Element, path: str, where: str) -> date | None:
        value = self.text(element, path)
        if value is None:
            return None
        moment = self._moment(value, where)
        return local_date(moment) if moment else None

    def entry(self, statement: CamtStatement, entry: Element, position: int,
              statement_where: str) -> None:
        entry_ref = self.text(entry, "NtryRef")
        servicer_ref = self.text(entry, "AcctSvcrRef")
        where = _("%(statement)s, écriture %(n)s", statement=statement_where, n=position)
        if servicer_ref or entry_ref:
            where += f" ({servicer_ref or entry_ref})"
        amount = self.amount(self.find(entry, "Amt"), where)
        direction = self.text(entry, "CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            self.problems.append(_("%(where)s : sens (CdtDbtInd) absent ou inconnu.",
                                   where=where))
            return
        status = self.text(entry, "Sts/Cd", "Sts/Prtry") or self.text(entry, "Sts")
        if status is None:
            self.problems.append(_("%(where)s : statut (Sts) absent.", where=where))
            return
        if amount is None:
            return
        if direction == "DBIT":
            statement.debits_ignored += 1
            return
        cents, currency = amount
        reversal = (self.text(entry, "RvslInd") or "").lower() == "true"
        if status != "BOOK" or reversal or cents == 0:
            statement.others_ignored += 1
            return
        if currency != CURRENCY:
            self.problems.append(_("%(where)s : crédit en %(currency)s ; seuls les euros sont "
                                   "lus.", where=where, currency=currency))
            return
        booked_on = self.day(entry, "BookgDt", where) or self.day(entry, "ValDt", where)
        if booked_on is None:
            self.problems.append(_("%(where)s : date de comptabilisation (BookgDt) absente.",
                                   where=where))
            return
        value_on = self.day(entry, "ValDt", where)
        details = self.findall(entry, "NtryDtls/TxDtls")
        with_amounts = [(tx, self._tx_amount(tx)) for tx in details]
        if len(details) > 1 and all(found is not None for _tx, found in with_amounts):
            parts = []
            for index, (tx, found) in enumerate(with_amounts, start=1):
                part_where = f"{where} / {index}"
                part = self.amount(found, part_where)
                if part is None:
                    return
                if part[1] != CURRENCY:
                    self.problems.append(_("%(where)s : crédit en %(currency)s ; seuls les euros "
                                           "sont lus.", where=part_where, currency=part[1]))
                    return
                parts.append((tx, part[0], index))
            total = sum(cents_of for _tx, cents_of, _i in parts)
            if total != cents:
                self.problems.append(_("%(where)s : les virements détaillés font %(parts)s "
                                       "centimes, l'écriture %(total)s.", where=where,
                                       parts=total, total=cents))
                return
            for tx, part_cents, index in parts:
                own = self.text(tx, "Refs/AcctSvcrRef")
                base, kind = self._key(statement, servicer_ref, entry_ref, tx, part_cents,
                                       booked_on)
                reference, kind = (own, "AcctSvcrRef") if own and own != servicer_ref else \
                    (f"{base}/{index}", kind)
                statement.lines.append(self._line(tx, reference, kind, part_cents, booked_on,
                                                  value_on, position))
            return
        tx = details[0] if details else None
        reference, kind = self._key(statement, servicer_ref, entry_ref, tx, cents, booked_on)
        statement.lines.append(self._line(tx, reference, kind, cents, booked_on, value_on,
                                          position, entry=entry))

    def _tx_amount(self, tx: Element) -> Element | None:
        return self.find(tx, "Amt") if self.find(tx, "Amt") is not None else \
            self.find(tx, "AmtDtls/TxAmt/Amt")

    def _key(self, statement: CamtStatement, servicer_ref: str | None, entry_ref: str | None,
             tx: Element | None, cents: int, booked_on: date) -> tuple[str, str]:
        if servicer_ref:
            return servicer_ref, "AcctSvcrRef"
        if entry_ref:
            return entry_ref, "NtryRef"
        # No reference at all: what the line says, numbered when the same line recurs.
        said = "|".join([statement.account, booked_on.isoformat(), str(cents),
                         (tx is not None and self.text(tx, "Refs/EndToEndId")) or "",
                         self._remittance(tx) if tx is not None else "",
                         (tx is not None and self._debtor_name(tx)) or ""])
        digest = hashlib.sha256(said.encode()).hexdigest()[:24]
        self.digests[digest] = self.digests.get(digest, 0) + 1
        return f"sha-{digest}-{self.digests[digest]}", "digest"

    def _remittance(self, tx: Element) -> str:
        return " ".join(" ".join((found.text or "").split())
                        for found in self.findall(tx, "RmtInf/Ustrd")).strip()

    def _debtor_name(self, tx: Element) -> str | None:
        # 001.02: RltdPties/Dbtr/Nm; 001.08 and later: RltdPties/Dbtr/Pty/Nm.
        return self.text(tx, "RltdPties/Dbtr/Pty/Nm", "RltdPties/Dbtr/Nm",
                         "RltdPties/UltmtDbtr/Pty/Nm", "RltdPties/UltmtDbtr/Nm")

    def _line(self, tx: Element | None, reference: str, kind: str, cents: int, booked_on: date,
              value_on: date | None, position: int, *, entry: Element | None = None) -> CamtLine:
        remittance, structured = "", []
        debtor_name = debtor_iban = end_to_end = None
        if tx is not None:
            remittance = self._remittance(tx)
            structured = [" ".join((found.text or "").split()) for found in (
                self.findall(tx, "RmtInf/Strd/CdtrRefInf/Ref")
                + self.findall(tx, "RmtInf/Strd/RfrdDocInf/Nb"))]
            debtor_name = self._debtor_name(tx)
            debtor_iban = self.text(tx, "RltdPties/DbtrAcct/Id/IBAN")
            end_to_end = self.text(tx, "Refs/EndToEndId")
            if end_to_end == "NOTPROVIDED":
                end_to_end = None
        if entry is not None and not remittance:
            remittance = self.text(entry, "AddtlNtryInf") or ""
        return CamtLine(reference=reference[:80], reference_kind=kind, amount_cents=cents,
                        booked_on=booked_on, value_on=value_on,
                        debtor_name=debtor_name[:140] if debtor_name else None,
                        debtor_iban=debtor_iban.replace(" ", "")[:34] if debtor_iban else None,
                        end_to_end_id=end_to_end[:35] if end_to_end else None,
                        remittance=remittance[:500], structured=tuple(s for s in structured if s),
                        position=position)
