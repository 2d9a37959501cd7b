"""JSON API of the bank statements (issue 22): the same services as the pages."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from banking import services
from banking.models import BankLine, BankStatement
from banking.schemas import ImportOut, LineOut, LineQuery, StatementDetailOut, StatementOut
from isp import audit
from isp.auth import current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.query import parse
from isp.validation import body_schema, json_body

bp = Blueprint("banking_api", __name__, url_prefix="/api/v1")

_XML_TYPES = ("application/xml", "text/xml")


def statement_json(statement: BankStatement) -> dict:
    return {"id": statement.id, "account": statement.account,
            "identifier": statement.identifier, "message_id": statement.message_id,
            "version": statement.version,
            "from_on": statement.from_on.isoformat() if statement.from_on else None,
            "to_on": statement.to_on.isoformat() if statement.to_on else None,
            "lines_count": statement.lines_count, "duplicates": statement.duplicates,
            "debits_ignored": statement.debits_ignored,
            "others_ignored": statement.others_ignored,
            "imported_at": statement.imported_at.isoformat()}


def line_json(line: BankLine) -> dict:
    return {"id": line.id, "statement_id": line.statement_id, "reference": line.reference,
            "amount_cents": line.amount_cents, "booked_on": line.booked_on.isoformat(),
            "value_on": line.value_on.isoformat() if line.value_on else None,
            "debtor_name": line.debtor_name, "debtor_iban": line.debtor_iban,
            "remittance": line.remittance, "structured": line.structured or None,
            "status": line.status, "match_kind": line.match_kind,
            "invoice_number": line.invoice_number, "household_id": line.household_id,
            "payment_id": line.payment_id,
            "suggested_household_id": line.suggested_household_id,
            "suggestion": services.terms_text(line.suggestion_terms),
            "waiting": services.terms_text(line.waiting_terms),
            "not_ours_reason": line.not_ours_reason,
            "decided_at": line.decided_at.isoformat() if line.decided_at else None}


@bp.get("/bank-statements")
@require_role(Role.OPERATOR)
@documented(items=StatementOut)
def statement_list():
    """Imported bank statements, newest first."""
    return api_list(services.statements_query(), statement_json, values={})  # built once


def _uploaded_file() -> tuple[bytes, str | None]:
    """The statement sent as the body (``application/xml``) or as the ``file`` of a form."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise DomainError(_("Envoyez le relevé dans le champ « file »."), field="file",
                              status=400)
        return upload.read(), upload.filename
    if request.mimetype in _XML_TYPES:
        return request.get_data(), None
    raise DomainError(_("Envoyez le relevé CAMT.053 en corps application/xml ou en "
                        "multipart/form-data (champ « file »)."), field="file", status=400)


@bp.post("/bank-statements")
@require_role(Role.OPERATOR)
@documented({"type": "string", "description": "CAMT.053 XML (application/xml), or "
             "multipart/form-data with the file in the field 'file'"}, response=ImportOut)
def statement_import():
    """Import a CAMT.053 statement, all or nothing (422 naming the problems, nothing recorded).

    201 with what was done; importing the same statement again answers 200 and changes nothing.
    """
    data, filename = _uploaded_file()
    outcome = services.import_statement(data, actor=current_actor(), filename=filename)
    audit.record_request("import", "bank_statement", outcome.audit_id,
                         detail=outcome.audit_detail)
    body = {"statements": [statement_json(s) for s in outcome.statements],
            "new_lines": outcome.new_lines, "duplicates": outcome.duplicates,
            "matched": outcome.matched, "pending": outcome.pending,
            "suggested": outcome.suggested, "debits_ignored": outcome.debits_ignored,
            "others_ignored": outcome.others_ignored,
            "changed_nothing": outcome.changed_nothing}
    db.session.commit()
    return jsonify(body), 200 if outcome.changed_nothing else 201


@bp.get("/bank-statements/<int:statement_id>")
@require_role(Role.OPERATOR)
@documented(response=StatementDetailOut)
def statement_detail(statement_id: int):
    """One statement with its credit lines."""
    statement = services.get_statement(statement_id)
    body = statement_json(statement) | {"lines": [line_json(line) for line in statement.lines]}
    audit.record_request("read", "bank_line_list", None, detail=f"statement {statement.id}")
    db.session.commit()
    return jsonify(body)


@bp.get("/bank-statements/lines")
@require_role(Role.OPERATOR)
@documented(query=LineQuery, items=LineOut)
def line_list():
    """Credit lines, oldest first; ``status=pending`` is the queue of lines to place."""
    status = parse(LineQuery).status
    statement = services.lines_query(status=status)
    audit.record_request("read", "bank_line_list", None, detail=f"API status={status}")
    response = api_list(statement, line_json)
    db.session.commit()
    return response


@bp.get("/bank-statements/lines/<int:line_id>")
@require_role(Role.OPERATOR)
@documented(response=LineOut)
def line_detail(line_id: int):
    """One credit line: what the bank said, and where it went or why it waits."""
    line = services.get_line(line_id)
    audit.record_request("read", "bank_line", line.id)
    body = line_json(line)
    db.session.commit()
    return jsonify(body)


def _done(line: BankLine, action: str):
    audit.record_request(action, "household", line.household_id,
                         detail=f"bank line {line.id}: {line.status}")
    body = line_json(line)
    db.session.commit()
    return jsonify(body)


@bp.post("/bank-statements/lines/<int:line_id>/assign")
@require_role(Role.OPERATOR)
@documented(body_schema(services.HOUSEHOLD_ID), response=LineOut)
def line_assign(line_id: int):
    """Place a waiting line on a household: it becomes that household's payment (409 if the
    line was already placed or set aside)."""
    payload = json_body(allowed=("household_id",))
    return _done(services.assign(line_id, payload.get("household_id"), actor=current_actor()),
                 "create")


@bp.post("/bank-statements/lines/<int:line_id>/confirm")
@require_role(Role.OPERATOR)
@documented(response=LineOut)
def line_confirm(line_id: int):
    """Confirm the household suggested by amount and name (422 when there is none)."""
    return _done(services.confirm_suggestion(line_id, actor=current_actor()), "create")


@bp.post("/bank-statements/lines/<int:line_id>/not-ours")
@require_role(Role.OPERATOR)
@documented(body_schema(services.NOT_OURS_REASON), response=LineOut)
def line_not_ours(line_id: int):
    """Set a waiting line aside (not a household's payment), with a reason."""
    payload = json_body(allowed=("reason",))
    return _done(services.mark_not_ours(line_id, payload.get("reason"), actor=current_actor()),
                 "decision")
