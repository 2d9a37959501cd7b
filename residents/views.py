"""Residents' sign-in without a password, their notice settings, and the operators' pages of
residents' accounts (create, welcome letter, end, notice settings) on the household page."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from sqlalchemy import select

from isp import audit
from isp.auth import (
    SESSION_ID_KEY,
    Scope,
    current_actor,
    end_session,
    public,
    require_role,
    start_session,
)
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import form_status, show_domain_error
from isp.i18n import gettext as _
from isp.models_security import UserSession
from isp.requester import once_per_request
from isp.timeutil import utcnow
from residents import accounts, notices, otp
from residents.forms import (
    AccountForm,
    CodeForm,
    ConfirmForm,
    LoginForm,
    MyNoticesForm,
    NoticeSettingsForm,
)
from residents.identity import active_account, require_resident_household
from residents.models import ResidentAccount
from subscribers.services import get_household

bp = Blueprint("resident_account", __name__, template_folder="templates")

#: The session key remembering the login typed on the first step (prefills the second).
LOGIN_KEY = "resident_login"


def _space_home() -> str:
    """The resident space's home (R2's ``residents.home``), by URL until it exists."""
    try:
        return url_for("residents.home")
    except Exception:  # werkzeug BuildError: the space is not registered
        return "/moi"


def _render(template: str, status: int = 200, **context):
    return render_template(f"residents/account/{template}", **context), status


def _throttled(form, field: str, wait: int, template: str):
    delay = format_timedelta(timedelta(seconds=wait), threshold=1.5, granularity="second")
    form[field].errors = [_("Trop de demandes. Réessayez dans %(delay)s.", delay=delay)]
    body, status = _render(template, 429, form=form)
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(wait)
    return response


# --- sign-in ---------------------------------------------------------------------------------


@bp.route("/moi/connexion", methods=["GET", "POST"])
@public
def sign_in():
    """Step 1: the resident types their e-mail or mobile number and gets a code. The answer
    is the same whether an account exists or not."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            outgoing = otp.request_code(form.login.data, request.remote_addr)
        except otp.Throttled as error:
            db.session.commit()
            return _throttled(form, "login", error.wait, "sign_in.html")
        db.session.commit()
        session[LOGIN_KEY] = form.login.data.strip()[:254]
        response = redirect(url_for("resident_account.sign_in_code"), code=303)
        if outgoing is not None:
            # Sent once the answer has left: its delay tells nothing about the login.
            response.call_on_close(outgoing.prepare())
        return response
    return _render("sign_in.html", form_status(), form=form)


@bp.route("/moi/connexion/code", methods=["GET", "POST"])
@public
def sign_in_code():
    """Step 2 (or the welcome letter's code): the code signs the resident in."""
    form = CodeForm()
    if request.method == "GET" and not form.login.data:
        form.login.data = session.get(LOGIN_KEY, "")
    if form.validate_on_submit():
        try:
            account = otp.verify(form.login.data, form.code.data, request.remote_addr)
        except otp.Throttled as error:
            db.session.commit()
            return _throttled(form, "code", error.wait, "code.html")
        if account is None:
            audit.record("login_failed", actor=None, record_type="resident_account",
                         route=f"POST {request.path}", detail="code")
            db.session.commit()
            form.code.errors = [_("Ce code ne marche pas. Il est peut-être trop ancien. "
                                  "Demandez un nouveau code.")]
            return _render("code.html", 401, form=form)
        user = account.user
        session.clear()  # a new session id: nothing of the shared browser's earlier visit
        login_user(user, remember=False)
        session[SESSION_ID_KEY] = start_session(user)
        session["last_seen"] = utcnow().timestamp()
        user.last_login_at = utcnow()
        audit.record("login", actor=user, record_type="user", record_id=user.id,
                     route=f"POST {request.path}", detail="resident code")
        db.session.commit()
        return redirect(_space_home(), code=303)
    return _render("code.html", form_status(), form=form)


@bp.before_app_request
def _residents_sign_in_here():
    """A resident sent to the staff's login page from their space signs in here instead."""
    if request.endpoint == "core.login" and request.method == "GET" and \
            (request.args.get("next") or "").startswith("/moi"):
        return redirect(url_for("resident_account.sign_in"))
    if request.endpoint == "core.logout" and current_user.is_authenticated and \
            current_user.role == Role.RESIDENT:
        g.resident_signing_out = True
    return None


#: The Flask session's key of the resident's last request (the core's ``last_seen`` is
#: refreshed before this check runs).
SEEN_KEY = "resident_seen"


@bp.before_app_request
def _short_resident_sessions():
    """Sign a resident out of a session left idle or open too long (a shared phone)."""
    if request.endpoint == "static" or request.path.startswith("/api/") or \
            not current_user.is_authenticated or current_user.role != Role.RESIDENT:
        return None
    now = utcnow()
    seen = session.get(SEEN_KEY)
    idle = timedelta(minutes=current_app.config["RESIDENT_SESSION_IDLE_MINUTES"])
    longest = timedelta(minutes=current_app.config["RESIDENT_SESSION_MAX_MINUTES"])
    token = session.get(SESSION_ID_KEY)
    started = db.session.execute(select(UserSession.created_at).where(
        UserSession.token_hash == UserSession.hash(token))).scalar() if token else None
    if (seen is not None and now.timestamp() - seen > idle.total_seconds()) or \
            (started is not None and now - started > longest):
        end_session()
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Vous êtes déconnecté·e, pour votre sécurité. Reconnectez-vous."), "info")
        return redirect(url_for("resident_account.sign_in"), code=303)
    session[SEEN_KEY] = now.timestamp()
    return None


@bp.after_app_request
def _after(response):
    if g.pop("resident_signing_out", False) and response.status_code in (301, 302, 303):
        response.headers["Location"] = url_for("resident_account.sign_in")
    notices.deliver_after_request()
    return response


@bp.app_context_processor
def _account_label() -> dict:
    """The header names a resident by the login they type (``06 12 34 56 78`` or their
    e-mail), not by the users table's reserved address of a phone login (base.html's
    ``account_label``; staff keep their e-mail)."""
    return once_per_request("resident_account_label", _account_label_values)


def _account_label_values() -> dict:
    if not current_user.is_authenticated or current_user.role != Role.RESIDENT:
        return {}
    account = active_account(current_user)
    return {"account_label": _login_shown(account) if account is not None
            else (current_user.name or "")}


# --- the resident's notice settings ----------------------------------------------------------


@bp.route("/moi/avis", methods=["GET", "POST"])
@require_role(Role.RESIDENT, scope="self")
def notice_settings():
    """The channels the resident wants notices on (off until they choose)."""
    household = require_resident_household()
    account = active_account(current_actor())
    if account is None:  # an admin has no account of their own
        abort(404)
    form = MyNoticesForm(obj=account)
    form.contact.label.text = _("Votre portable, pour recevoir aussi des SMS (pas obligatoire)") \
        if accounts.other_contact_kind(account) == "phone" else \
        _("Votre e-mail, pour recevoir aussi des e-mails (pas obligatoire)")
    if request.method == "GET":
        form.contact.data = accounts.other_contact(account) or ""
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with db.session.begin_nested():
                    accounts.set_other_contact(account, form.contact.data)
                    notices.set_preferences(account, sms=form.notify_sms.data,
                                            email=form.notify_email.data)
            except DomainError as error:
                show_domain_error(form, error, "notify_sms")
            else:
                audit.record_request("update", "resident_account", account.id,
                                     detail="notice settings")
                db.session.commit()
                return _render("notice_settings.html", form=form, account=account,
                               household=household, saved=True, home_url=_space_home())
        status = 400
    return _render("notice_settings.html", status, form=form, account=account,
                   household=household, saved=False, home_url=_space_home())


# --- operators: accounts of a household ------------------------------------------------------


def _household(household_id: int):
    return get_household(household_id, Scope.of(current_actor()))


def _account(household_id: int, account_id: int) -> ResidentAccount:
    household = _household(household_id)
    account = db.session.get(ResidentAccount, account_id)
    if account is None or account.household_id != household.id:
        abort(404)
    return account


def _back(household_id: int):
    return redirect(url_for("subscribers.household_tab", household_id=household_id,
                            tab_slug="resident") + "#resident-accounts", code=303)


@bp.route("/households/<int:household_id>/resident-accounts/new", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def account_new(household_id: int):
    """Give a resident of the household a sign-in (an e-mail or a mobile number)."""
    household = _household(household_id)
    form = AccountForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                with db.session.begin_nested():
                    account = accounts.create_account(household, form.login.data,
                                                      actor=current_actor(),
                                                      contact=form.contact.data)
            except DomainError as error:
                show_domain_error(form, error, "login")
            else:
                audit.record_request("create", "resident_account", account.id)
                db.session.commit()
                return _back(household.id)
        return _render("account_form.html", 400, form=form, household=household)
    return _render("account_form.html", form=form, household=household)


@bp.post("/households/<int:household_id>/resident-accounts/<int:account_id>/letter")
@require_role(Role.OPERATOR)
def welcome_letter(household_id: int, account_id: int):
    """A printable welcome letter with a new one-time activation code (shown only here)."""
    account = _account(household_id, account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not account.is_active:
        abort(409)
    code, row = otp.activation_code(account)
    audit.record_request("create", "resident_activation_code", account.id)
    html = render_template("residents/account/letter.html", account=account,
                           household=account.household, code=code, expires_at=row.expires_at,
                           sign_in_url=url_for("resident_account.sign_in_code", _external=True),
                           login=_login_shown(account))
    db.session.commit()
    response = current_app.make_response(html)
    response.headers["Cache-Control"] = "no-store"  # the code must not stay in a cache
    return response


@bp.post("/households/<int:household_id>/resident-accounts/<int:account_id>/end")
@require_role(Role.OPERATOR)
def account_end(household_id: int, account_id: int):
    """End an account before the move-out (lost phone, asked by the resident)."""
    account = _account(household_id, account_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if account.is_active:
        accounts.end_account(account, "operator")
        audit.record_request("update", "resident_account", account.id, detail="ended")
        db.session.commit()
    return _back(household_id)


@bp.post("/households/<int:household_id>/resident-accounts/<int:account_id>/notices")
@require_role(Role.OPERATOR)
def account_notices(household_id: int, account_id: int):
    """The operator records the resident's choice of channels (asked at the desk)."""
    account = _account(household_id, account_id)
    form = NoticeSettingsForm()
    if not form.validate_on_submit() or not account.is_active:
        abort(400)
    try:
        notices.set_preferences(account, sms=form.notify_sms.data, email=form.notify_email.data)
    except DomainError as error:
        raise DomainError(error.message, field=error.field, status=400) from None
    audit.record_request("update", "resident_account", account.id, detail="notice settings")
    db.session.commit()
    return _back(household_id)


def _login_shown(account: ResidentAccount) -> str:
    return accounts.display_phone(account.login) if account.login_kind == "phone" \
        else account.login


#: The latest notices on the household page (each row weighs the page; the API has them all:
#: GET /api/v1/households/<id>/resident-notices).
NOTICES_ON_PANEL = 3


def _household_panel(household, scope) -> Markup | None:
    """Residents' accounts and the notices sent to them, on the household page."""
    if scope.role not in (Role.ADMIN, Role.OPERATOR, Role.MEDIATOR):
        return None
    rows = accounts.accounts_of(household.id)
    sent = notices.notices_of(household.id, limit=NOTICES_ON_PANEL)
    may_manage = scope.role in (Role.ADMIN, Role.OPERATOR)
    settings_forms = {account.id: NoticeSettingsForm(obj=account, formdata=None)
                      for account in rows if account.is_active}
    return Markup(render_template(
        "residents/account/_household_panel.html", household=household, accounts=rows,
        notices=sent, may_manage=may_manage, confirm=ConfirmForm(), settings=settings_forms,
        login_shown=_login_shown, other_contact=accounts.other_contact,
        recipient=notices.recipient_label,
        KIND_LABELS=notices.KIND_LABELS, CHANNEL_LABELS=notices.CHANNEL_LABELS,
        STATUS_LABELS=notices.STATUS_LABELS))
