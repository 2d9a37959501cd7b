"""Administration and data protection pages: users, tokens, audit log, register, charter.

A household's data-subject pages (export, erasure) are subscribers' (``views_data_subject``):
they load the household, which the core does not import."""

from __future__ import annotations

import re

import pyotp
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from isp import audit, gdpr
from isp.auth import (
    access_matrix,
    current_actor,
    end_sessions_of,
    logged_in,
    public,
    require_role,
)
from isp.choices import ROLE_LABELS, Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import flash_domain_error, form_status, show_domain_error
from isp.i18n import gettext as _
from isp.i18n import lazy_gettext as _l
from isp.models import ApiToken, AuditEntry, User
from isp.nav import register_nav
from isp.pagination import paginate, paginate_list
from isp.requester import authenticated_user
from isp.services import check_password_strength, create_token, create_user
from isp.timeutil import utcnow

bp = Blueprint("admin", __name__)
#: Rules a page on the access matrix: a table of 60 stays in EcoIndex grade A.
ACCESS_MATRIX_PER_PAGE = 60

register_nav(_l("Utilisateurs"), "admin.users", order=95)
register_nav(_l("Journal d'accès"), "admin.audit_log", order=96)


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=120)])
    # A resident account belongs to a household: it is made from the household's page.
    role = SelectField(_l("Rôle"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()
                                             if r is not Role.RESIDENT])
    association = StringField(_l("Code de l'association (médiateurs)"),
                              validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Mot de passe provisoire (12 caractères au moins)"),
                             validators=[DataRequired()])


class ResetForm(FlaskForm):
    password = PasswordField(_l("Mot de passe provisoire"), validators=[DataRequired()])


#: A base32 TOTP key as pyotp makes them (a forged one made pyotp raise: a 500).
TOTP_SECRET = re.compile(r"[A-Z2-7]{16,64}")


class TotpForm(FlaskForm):
    code = StringField(_l("Code affiché par l'application"), validators=[DataRequired(),
                                                                        Length(max=8)])


@bp.route("/admin/users", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.role.data, password=form.password.data,
                               name=form.name.data or "",
                               association_code=form.association.data or None)
            user.must_change_password = True
        except DomainError as error:
            show_domain_error(form, error, "email")
        else:
            audit.record_request("create", "user", user.id)
            db.session.commit()
            flash(_("Utilisateur créé ; il changera son mot de passe à la première connexion."),
                  "success")
            return redirect(url_for("admin.users"))
    page = paginate(select(User).order_by(User.role, User.email))
    status = form_status()
    return render_template("admin/users.html", page=page, form=form, reset=ResetForm(),
                           ROLE_LABELS=ROLE_LABELS), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/admin/users/<int:user_id>/reset-password")
@require_role(Role.ADMIN)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("Mot de passe provisoire manquant."), "error")
        return redirect(url_for("admin.users")), 302
    try:
        check_password_strength(form.password.data)
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("admin.users"))
    user.set_password(form.password.data)
    user.must_change_password = True
    end_sessions_of(user)  # whoever knew the old password is logged out everywhere
    audit.record_request("update", "user", user.id, detail="password reset by admin")
    db.session.commit()
    flash(_("Mot de passe réinitialisé : changement obligatoire à la prochaine connexion."),
          "success")
    return redirect(url_for("admin.users"))


@bp.post("/admin/users/<int:user_id>/toggle")
@require_role(Role.ADMIN)
def toggle_user(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_actor().id:
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("admin.users"))
    user.is_enabled = not user.is_enabled
    audit.record_request("update", "user", user.id,
                         detail="enabled" if user.is_enabled else "disabled")
    db.session.commit()
    return redirect(url_for("admin.users"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@logged_in
def tokens():
    """One's own API tokens: create (shown once), list with last use, revoke."""
    user = current_actor()
    new_token = None
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        new_token = create_token(user)
        audit.record_request("create", "api_token", user.id)
        db.session.commit()
    rows = db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc())).scalars().all()
    return render_template("admin/tokens.html", tokens=rows, new_token=new_token,
                           form=FlaskForm())


@bp.post("/account/tokens/<int:token_id>/revoke")
@logged_in
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    user = current_actor()
    if token is None or (token.user_id != user.id and user.role != Role.ADMIN):
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record_request("update", "api_token", token.id, detail="revoked")
        db.session.commit()
    return redirect(url_for("admin.tokens"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@require_role(Role.OPERATOR)
def two_factor():
    """Optional TOTP second factor for admins and operators."""
    user = authenticated_user()
    form = TotpForm()
    secret = request.form.get("secret", "")
    if not TOTP_SECRET.fullmatch(secret):  # not the key this page showed: start afresh
        secret = pyotp.random_base32()
    if form.validate_on_submit():
        if pyotp.TOTP(secret).verify(form.code.data.strip(), valid_window=1):
            user.totp_secret = secret
            audit.record_request("update", "user", user.id, detail="TOTP enabled")
            db.session.commit()
            flash(_("Double authentification activée."), "success")
            return redirect(url_for("core.index"))
        form.code.errors = [_("Code incorrect.")]
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="social-isp")
    return render_template("admin/two_factor.html", form=form, secret=secret, uri=uri,
                           enabled=bool(user.totp_secret)), \
        form_status()


@bp.get("/admin/audit")
@require_role(Role.ADMIN)
def audit_log():
    statement = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    query = request.args.get("q", "").strip()
    if query:
        pattern = f"%{query}%"
        statement = statement.where(or_(AuditEntry.actor_email.ilike(pattern),
                                        AuditEntry.record_type.ilike(pattern),
                                        AuditEntry.record_id == query,
                                        AuditEntry.route.ilike(pattern),
                                        AuditEntry.action == query))
    # 25 entries keep the log in EcoIndex grade A (50 made ~450 elements, grade B).
    return render_template("admin/audit.html", page=paginate(statement, per_page=25), q=query)


@bp.get("/admin/access-matrix")
@require_role(Role.ADMIN)
def access_matrix_page():
    # A page of rules at a time: one table of every rule of the application weighed ~800
    # elements (EcoIndex B); `isp access-matrix` prints them all at once.
    return render_template("admin/access_matrix.html",
                           page=paginate_list(access_matrix(current_app),
                                              per_page=ACCESS_MATRIX_PER_PAGE))


@bp.get("/register")
@logged_in
def register():
    """Register of processing: each kind of data, purpose, legal basis, retention."""
    return render_template("admin/register.html", rows=gdpr.REGISTER,
                           retention=current_app.config["RETENTION"])


@bp.get("/charter")
@public
def charter():
    """The data charter: what the software suggests, and who decides."""
    return render_template("admin/charter.html")
