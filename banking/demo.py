"""Banking demo: one imported CAMT.053 statement, with a credit matched by its RF reference and
two waiting in the queue (one with a suggestion by amount and name, one that is not ours)."""

from __future__ import annotations

from datetime import timedelta
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from banking import services
from banking.models import BankStatement
from billing.choices import OPEN_STATUSES
from billing.models import Invoice
from billing.numbering import structured_reference
from isp.extensions import db
from isp.models import User
from isp.timeutil import today

DEMO_ACCOUNT = "FR7630004000031234567890143"


def _entry(reference: str, cents: int, booked_on, debtor: str, remittance: str = "",
           creditor_reference: str = "") -> str:
    structured = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                  f"<Ref>{escape(creditor_reference)}</Ref></CdtrRefInf></Strd>"
                  if creditor_reference else "")
    unstructured = f"<Ustrd>{escape(remittance)}</Ustrd>" if remittance else ""
    amount = f"{cents // 100}.{cents % 100:02d}"
    return (f"<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{booked_on.isoformat()}</Dt></BookgDt>"
            f"<ValDt><Dt>{booked_on.isoformat()}</Dt></ValDt>"
            f"<AcctSvcrRef>{escape(reference)}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            f"<RltdPties><Dbtr><Pty><Nm>{escape(debtor)}</Nm></Pty></Dbtr></RltdPties>"
            f"<RmtInf>{unstructured}{structured}</RmtInf></TxDtls></NtryDtls></Ntry>")


def demo_statement(entries: list[str], identifier: str, created_on) -> bytes:
    """A CAMT.053.001.08 document holding ``entries`` (as a French bank exports it)."""
    return (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            f"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"
            f"<BkToCstmrStmt><GrpHdr><MsgId>DEMO-{identifier}</MsgId>"
            f"<CreDtTm>{created_on.isoformat()}T07:00:00+01:00</CreDtTm></GrpHdr>"
            f"<Stmt><Id>{identifier}</Id><Acct><Id><IBAN>{DEMO_ACCOUNT}</IBAN></Id>"
            f"<Ccy>EUR</Ccy></Acct>{''.join(entries)}</Stmt></BkToCstmrStmt></Document>"
            ).encode()


def _demo_invoices(limit: int) -> list:
    """Invoices of distinct households whose payment moves no dunning step: a household's only
    open invoice, else the latest invoice of a household owing nothing (the credit then waits
    for its next invoice)."""
    owing = {household_id: count for household_id, count in db.session.execute(
        select(Invoice.household_id, func.count(Invoice.id))
        .where(Invoice.status.in_(OPEN_STATUSES)).group_by(Invoice.household_id)).all()}
    chosen: dict[int, object] = {}
    for invoice in db.session.execute(select(Invoice).where(Invoice.number.is_not(None))
                                      .order_by(Invoice.number.desc()).limit(200)).scalars():
        if invoice.household_id in chosen or owing.get(invoice.household_id, 0) > 1:
            continue
        if owing.get(invoice.household_id) == 1 and invoice.status not in OPEN_STATUSES:
            continue  # pay its open invoice, not an older paid one
        chosen[invoice.household_id] = invoice
        if len(chosen) == limit:
            break
    return list(chosen.values())


def _amount(invoice) -> int:
    return invoice.total_cents - invoice.paid_cents or invoice.total_cents


def seed_demo() -> str | None:
    """Import the demo statement once (none imported yet, two open invoices to work with)."""
    if db.session.execute(select(BankStatement.id).limit(1)).first() is not None:
        return None
    invoices = _demo_invoices(2)
    if len(invoices) < 2:
        return None
    operator = db.session.execute(select(User).where(
        User.email == "operateur@demo.social-isp.fr")).scalar_one_or_none()
    paid, suggested = invoices
    day = today()
    holder = suggested.household.holder_name.split()
    # A payer who writes "SURNAME FIRST NAME" and no reference: a suggestion to confirm.
    payer = " ".join([*holder[1:], holder[0]]).upper() if len(holder) > 1 else holder[0].upper()
    entries = [
        _entry(f"DEMO{day:%Y%m%d}0001", _amount(paid),
               day - timedelta(days=3), paid.household.holder_name.upper(),
               creditor_reference=structured_reference(paid.number)),
        _entry(f"DEMO{day:%Y%m%d}0002", _amount(suggested),
               day - timedelta(days=2), payer, remittance="ABONNEMENT INTERNET"),
        _entry(f"DEMO{day:%Y%m%d}0003", 4500, day - timedelta(days=1),
               "AMICALE DES LOCATAIRES", remittance="COTISATION SALLE COMMUNE"),
    ]
    outcome = services.import_statement(
        demo_statement(entries, f"DEMO-{day:%Y-%m}", day), actor=operator,
        filename="releve-demo.xml")
    return (f"banking: 1 statement, {outcome.matched} credit matched, "
            f"{outcome.pending} waiting ({outcome.suggested} suggested)")
