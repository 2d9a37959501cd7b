"""Core pages: home, login, logout, language, password."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta, get_locale
from flask_login import current_user, login_user, logout_user

from isp import audit, throttle
from isp.auth import (
    SESSION_ID_KEY,
    current_actor,
    end_session,
    end_sessions_of,
    logged_in,
    public,
    start_session,
    verify_login,
)
from isp.choices import AUDIT_ACTION_LABELS
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import ChangePasswordForm, LoginForm, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.nav import nav_for, nav_links
from isp.requester import once_per_request
from isp.services import check_password_strength
from isp.timeutil import utcnow

#: CR, LF and other control characters split a Location header (and never name a page).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")

bp = Blueprint("core", __name__, template_folder="templates")


@bp.app_context_processor
def _layout_context():
    # Once per request, kept on it: a page renders up to six templates (the household page's
    # panels), and this cost ~30 µs each time (issue 23.3).
    return once_per_request("isp_layout_context", _layout_values)


def _layout_values() -> dict:
    user = current_user if current_user.is_authenticated else None
    language = _current_lang()
    return {"nav_links": nav_links(user.role, language) if user else (), "current_lang": language,
            "AUDIT_ACTION_LABELS": AUDIT_ACTION_LABELS}


def _current_lang() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


@bp.get("/")
@logged_in
def index():
    """Home: the first entry of the user's navigation."""
    items = nav_for(current_actor().role)
    if items:
        return redirect(url_for(items[0].endpoint))
    return render_template("home.html")


def _safe_next(target: str | None) -> str:
    if not target:
        return url_for("core.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or \
            _CONTROL_CHARACTER.search(target):
        return url_for("core.index")
    return target


def _login_throttles(email: str) -> list[tuple[throttle.Rule, str]]:
    """The counters a login from this address for this account is checked against."""
    address = request.remote_addr
    return [(throttle.LOGIN_ADDRESS, throttle.key(throttle.LOGIN_ADDRESS, address)),
            (throttle.LOGIN_ADDRESS_ACCOUNT,
             throttle.key(throttle.LOGIN_ADDRESS_ACCOUNT, address, email))]


def _too_many_attempts(form: LoginForm, wait_seconds: int):
    """429 on the login page, in the user's language, saying how long to wait."""
    delay = format_timedelta(timedelta(seconds=wait_seconds), threshold=1.5,
                             granularity="second")
    message = _("Trop de tentatives de connexion depuis votre adresse. "
                "Réessayez dans %(delay)s.", delay=delay)
    form.password.errors = [message]
    response = current_app.make_response((render_template("login.html", form=form), 429))
    response.headers["Retry-After"] = str(wait_seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        checks = _login_throttles(email)
        wait = throttle.longest_wait(checks)
        if wait:
            return _too_many_attempts(form, wait)
        user = verify_login(email, form.password.data)
        if user is not None:
            if user.totp_secret and not _otp_ok(user.totp_secret, form.otp.data):
                for rule, counter_key in checks:
                    throttle.record_failure(rule, counter_key)
                audit.record("login_failed", actor=user, route="POST /login", detail="otp")
                db.session.commit()
                form.otp.errors = [_("Code à usage unique incorrect.")]
                return render_template("login.html", form=form), 401
            throttle.forget(checks[1][1])  # this address's failures on this account
            session.clear()
            login_user(user)
            session[SESSION_ID_KEY] = start_session(user)
            session["last_seen"] = utcnow().timestamp()
            user.last_login_at = utcnow()
            audit.record("login", actor=user, record_type="user", record_id=user.id,
                         route="POST /login")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        for rule, counter_key in checks:
            throttle.record_failure(rule, counter_key)
        audit.record("login_failed", actor=None, record_type="user", route="POST /login",
                     detail=email[:254])
        db.session.commit()
        form.password.errors = [_("Adresse e-mail ou mot de passe incorrect.")]
        return render_template("login.html", form=form), 401
    return render_template("login.html", form=form), form_status()


def _otp_ok(secret: str, code: str | None) -> bool:
    return bool(code) and pyotp.TOTP(secret).verify(code.strip(), valid_window=1)


@bp.post("/logout")
@logged_in
def logout():
    end_session()
    audit.record("logout", actor=current_actor(), record_type="user",
                 record_id=current_actor().id, route="POST /logout")
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("core.login"))


@bp.get("/lang/<code>")
@public
def set_language(code: str):
    """The language switch is a link; it is remembered on the user's account."""
    if code not in current_app.config["LANGUAGES"]:
        code = "fr"
    target = request.args.get("next")
    if target and _CONTROL_CHARACTER.search(target):  # a header split, not a page of ours
        raise DomainError(_("Adresse de retour invalide."), field="next", status=400)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(target))


@bp.route("/account/password", methods=["GET", "POST"])
@logged_in
def change_password():
    user = current_actor()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not user.check_password(form.current.data):
            form.current.errors = [_("Mot de passe actuel incorrect.")]
        else:
            try:
                check_password_strength(form.new.data)
            except DomainError as error:
                show_domain_error(form, error, "new")
            else:
                user.set_password(form.new.data)
                user.must_change_password = False
                end_sessions_of(user, keep_current=True)  # a thief's session ends here
                audit.record("update", actor=user, record_type="user", record_id=user.id,
                             route="POST /account/password", detail="password changed")
                db.session.commit()
                flash(_("Mot de passe modifié."), "success")
                return redirect(url_for("core.index"))
        return render_template("change_password.html", form=form), 400
    return render_template("change_password.html", form=form), \
        form_status()
