"""Core services: users and tokens."""

from __future__ import annotations

from sqlalchemy import select

from isp import registry
from isp.choices import Role
from isp.errors import DomainError
from isp.extensions import db
from isp.forms import MIN_PASSWORD_LENGTH
from isp.i18n import gettext as _
from isp.models import ApiToken, User

#: A short list of passwords refused whatever their length (the most common leaked ones).
COMMON_PASSWORDS = frozenset({
    "123456789012", "password1234", "motdepasse123", "azertyuiop12", "qwertyuiop12",
    "000000000000", "111111111111", "123123123123", "passwordpassword", "iloveyou1234",
    "administrateur", "motdepasse1234", "azertyuiopqs", "abcdefghijkl", "changeme1234",
})


def check_password_strength(password: str) -> None:
    """Refuse short or common passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_(
            "Le mot de passe doit avoir au moins %(min_password_length)s caractères",
            min_password_length=MIN_PASSWORD_LENGTH),
                          field="password")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError(_("Ce mot de passe est trop courant"), field="password")


def get_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def create_user(email: str, role: str, *, password: str, name: str = "",
                association_code: str | None = None) -> User:
    """Create a user; mediators must name their association, other roles must not."""
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(_("Adresse e-mail invalide"), field="email")
    try:
        role_value = Role(role)
    except ValueError:
        raise DomainError(_("Rôle inconnu : %(role)s", role=role), field="role") from None
    if get_user_by_email(email) is not None:
        raise DomainError(_(
            "Un utilisateur %(email)s existe déjà", email=email), field="email", status=409)
    association_id = None
    if role_value is Role.MEDIATOR:
        if not association_code:
            raise DomainError(_(
                "Un médiateur appartient à une association : indiquez --association"),
                              field="association")
        # Mediation publishes the lookup (its ``provides``): the core names no domain.
        association_id = registry.provider("association_id")(association_code)
        if association_id is None:
            raise DomainError(_(
                "Association inconnue : %(association_code)s",
                association_code=association_code), field="association")
    elif association_code:
        raise DomainError(_(
            "Seuls les médiateurs appartiennent à une association"), field="association")
    check_password_strength(password)
    user = User(email=email, role=role_value.value, name=name or email.split("@")[0],
                association_id=association_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def create_token(user: User) -> str:
    """Issue a new API token; only its hash is kept."""
    token, clear = ApiToken.issue(user)
    db.session.add(token)
    db.session.flush()
    return clear
