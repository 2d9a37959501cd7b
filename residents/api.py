"""JSON API of residents' accounts and notices (issue 20): operators create and end accounts
and read the notices sent; a resident reads and sets the channels of their notices."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from isp import audit
from isp.auth import Scope, current_actor, require_role
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import iso
from isp.i18n import gettext as _
from isp.openapi import documented
from isp.pagination import api_list
from isp.validation import Text, body_schema, json_body
from residents import accounts, notices
from residents.identity import active_account, require_resident_household
from residents.models import Notice, ResidentAccount
from residents.schemas import AccountOut, NoticeOut, NoticeSettingsOut
from subscribers.services import get_household

bp = Blueprint("residents_api", __name__, url_prefix="/api/v1")

LOGIN = Text("login", 254, required=True)
#: A second contact, of the other kind than the login (for notices; never a login).
CONTACT = Text("contact", 254)
_BOOLEAN = {"type": "boolean"}



def account_json(account: ResidentAccount) -> dict:
    return {"id": account.id, "household_id": account.household_id,
            "login_kind": account.login_kind, "login": account.login,
            "email": account.email, "phone": account.phone,
            "notify_sms": account.notify_sms, "notify_email": account.notify_email,
            "started_at": iso(account.started_at), "ended_at": iso(account.ended_at),
            "ended_reason": account.ended_reason,
            "last_sign_in_at": iso(account.last_sign_in_at)}


def notice_json(notice: Notice) -> dict:
    return {"id": notice.id, "household_id": notice.household_id,
            "account_id": notice.account_id, "kind": notice.kind, "channel": notice.channel,
            "recipient": notice.recipient, "subject": notice.subject, "text": notice.text,
            "created_at": iso(notice.created_at), "status": notice.status,
            "attempts": notice.attempts, "sent_at": iso(notice.sent_at),
            "error": notice.error}


def _household(household_id: int):
    return get_household(household_id, Scope.of(current_actor()))


@bp.route("/households/<int:household_id>/resident-accounts", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
@documented(body_schema(LOGIN, CONTACT), items=AccountOut, response=AccountOut)
def household_accounts(household_id: int):
    """GET: the household's residents' accounts, active first. POST: create one; ``login``
    is an e-mail or a French mobile number (one view for both: one URL rule)."""
    household = _household(household_id)
    if request.method == "POST":
        body = json_body(allowed=("login", "contact"))
        account = accounts.create_account(household, LOGIN.check(body.get("login")),
                                          actor=current_actor(),
                                          contact=CONTACT.check(body.get("contact")))
        audit.record_request("create", "resident_account", account.id)
        db.session.commit()
        return jsonify(account_json(account)), 201
    audit.record_request("read", "resident_account", household.id)
    db.session.commit()
    return api_list(select(ResidentAccount).where(ResidentAccount.household_id == household.id)
                    .order_by(ResidentAccount.ended_at.is_not(None),
                              ResidentAccount.id.desc()), account_json)


@bp.post("/households/<int:household_id>/resident-accounts/<int:account_id>/end")
@require_role(Role.OPERATOR)
@documented(response=AccountOut)
def end_account(household_id: int, account_id: int):
    """End an account before the move-out (its sessions and tokens end too)."""
    household = _household(household_id)
    account = db.session.get(ResidentAccount, account_id)
    if account is None or account.household_id != household.id:
        abort(404)
    if account.is_active:
        accounts.end_account(account, "operator")
        audit.record_request("update", "resident_account", account.id, detail="ended")
        db.session.commit()
    return jsonify(account_json(account))


@bp.get("/households/<int:household_id>/resident-notices")
@require_role(Role.OPERATOR, Role.MEDIATOR, scope="own_association")
@documented(items=NoticeOut)
def household_notices(household_id: int):
    """The notices sent to the household's residents, newest first."""
    household = _household(household_id)
    audit.record_request("read", "resident_notice", household.id)
    db.session.commit()
    return api_list(select(Notice).where(Notice.household_id == household.id)
                    .order_by(Notice.created_at.desc(), Notice.id.desc()), notice_json)


def _own_account() -> ResidentAccount:
    require_resident_household()
    account = active_account(current_actor())
    if account is None:
        abort(404)
    return account


@bp.get("/me/notice-settings")
@require_role(Role.RESIDENT, scope="self")
@documented(response=NoticeSettingsOut)
def my_notice_settings():
    """The channels the resident gets notices on, and which are possible."""
    account = _own_account()
    return jsonify({"notify_sms": account.notify_sms, "notify_email": account.notify_email,
                    "sms_possible": account.phone is not None,
                    "email_possible": account.email is not None,
                    "login_kind": account.login_kind, "email": account.email,
                    "phone": account.phone})


@bp.put("/me/notice-settings")
@require_role(Role.RESIDENT, scope="self")
@documented(body_schema(CONTACT, required=("notify_sms", "notify_email"),
                        notify_sms=_BOOLEAN, notify_email=_BOOLEAN), response=NoticeSettingsOut)
def set_my_notice_settings():
    """Choose the channels (``notify_sms``, ``notify_email``: true or false) and, when given,
    the second contact (``contact``: a mobile for an e-mail login, an e-mail for a phone
    login; empty removes it)."""
    account = _own_account()
    body = json_body(allowed=("notify_sms", "notify_email", "contact"))
    for name in ("notify_sms", "notify_email"):
        if not isinstance(body.get(name), bool):
            raise DomainError(_("%(field)s doit valoir true ou false.", field=name),
                              field=name)
    if "contact" in body:
        accounts.set_other_contact(account, CONTACT.check(body["contact"]))
    notices.set_preferences(account, sms=body["notify_sms"], email=body["notify_email"])
    audit.record_request("update", "resident_account", account.id, detail="notice settings")
    db.session.commit()
    return my_notice_settings()
