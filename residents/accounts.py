"""Creating and ending residents' accounts; logins are an e-mail or a French mobile number."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import bindparam, select, update

from isp.auth import end_sessions_of
from isp.choices import Role
from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import ApiToken, User
from isp.timeutil import utcnow
from residents.identity import lives_in_its_flat
from residents.models import ResidentAccount, SignInCode
from subscribers.models import Household

#: A French mobile number: 06 or 07 then eight digits, written as people write them.
_MOBILE = re.compile(r"^(?:\+33|0033|0)([67]\d{8})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: The users' e-mail column is required and unique: a phone login gets an address of this
#: reserved domain (never mailed), and an ended account frees its login this way too.
RESERVED_DOMAIN = "residents.invalid"


def normalise_phone(value: str) -> str | None:
    """``+336…`` for a French mobile number however it is typed, else None."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    match = _MOBILE.match(digits)
    return f"+33{match.group(1)}" if match else None


def display_phone(e164: str) -> str:
    """``06 12 34 56 78`` as the resident knows it."""
    national = "0" + e164[3:] if e164.startswith("+33") else e164
    return " ".join(national[i:i + 2] for i in range(0, len(national), 2))


def parse_login(value: str) -> tuple[str, str] | None:
    """(kind, login) for an e-mail or a French mobile number, None for anything else."""
    value = (value or "").strip()
    if "@" in value:
        email = value.lower()
        return ("email", email) if _EMAIL.match(email) and len(email) <= 254 else None
    phone = normalise_phone(value)
    return ("phone", phone) if phone else None


def account_by_login(login: str) -> ResidentAccount | None:
    """The active account signing in with this (normalised) login."""
    return db.session.execute(
        select(ResidentAccount).where(ResidentAccount.login == login,
                                      ResidentAccount.ended_at.is_(None))
        .order_by(ResidentAccount.id.desc()).limit(1)).scalar_one_or_none()


def accounts_of(household_id: int) -> list[ResidentAccount]:
    """The household's accounts, active first, newest first."""
    return list(db.session.execute(_accounts_statement(),
                                   {"household_id": household_id}).scalars())


@built_once
def _accounts_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(ResidentAccount)
            .where(ResidentAccount.household_id == bindparam("household_id"))
            .order_by(ResidentAccount.ended_at.is_not(None), ResidentAccount.id.desc()))


def create_account(household: Household, login: str, *, actor: User | None,
                   name: str = "", contact: str | None = None) -> ResidentAccount:
    """A resident account for a household living in its flat; the login is an e-mail or a
    French mobile number, not already the login of another active account; ``contact`` is an
    optional second contact of the other kind (flushes)."""
    if household is None or household.anonymised_at is not None or not lives_in_its_flat(
            household):
        raise DomainError(_("Ce foyer n'habite plus son logement : pas de compte possible."),
                          field="login", status=409)
    parsed = parse_login(login)
    if parsed is None:
        raise DomainError(_("Indiquez une adresse e-mail ou un numéro de portable "
                            "(06 ou 07)."), field="login")
    kind, normalised = parsed
    if account_by_login(normalised) is not None:
        raise DomainError(_("Cet identifiant est déjà celui d'un compte résident."),
                          field="login", status=409)
    user_email = normalised if kind == "email" else \
        f"tel{normalised.lstrip('+')}@{RESERVED_DOMAIN}"
    if db.session.execute(select(User.id).where(User.email == user_email)).first():
        raise DomainError(_("Cette adresse est déjà celle d'un compte de l'équipe."),
                          field="login", status=409)
    user = User(email=user_email, role=Role.RESIDENT, name=name or household.holder_name,
                locale=household.language if household.language in ("fr", "en") else "fr")
    # No password: sign-in is by one-time code; this one is never told to anybody.
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    account = ResidentAccount(user_id=user.id, household_id=household.id, login_kind=kind,
                              login=normalised,
                              email=normalised if kind == "email" else None,
                              phone=normalised if kind == "phone" else None,
                              started_at=utcnow(),
                              created_by_id=actor.id if actor is not None else None)
    db.session.add(account)
    db.session.flush()
    if contact:
        set_other_contact(account, contact)
    return account


def other_contact_kind(account: ResidentAccount) -> str:
    """``phone`` for an e-mail login, ``email`` for a phone login."""
    return "phone" if account.login_kind == "email" else "email"


def other_contact(account: ResidentAccount) -> str | None:
    """The second contact as people read it (``06 12 34 56 78`` or an e-mail), if any."""
    if other_contact_kind(account) == "phone":
        return display_phone(account.phone) if account.phone else None
    return account.email


def set_other_contact(account: ResidentAccount, value: str | None) -> ResidentAccount:
    """A second contact for notices, of the other kind than the login (a phone login's
    e-mail, an e-mail login's mobile); empty removes it and stops that channel's notices.
    It is never a login: sign-in codes go to the login only (flushes)."""
    kind = other_contact_kind(account)
    value = (value or "").strip()
    if not value:
        if kind == "phone":
            account.phone, account.notify_sms = None, False
        else:
            account.email, account.notify_email = None, False
        db.session.flush()
        return account
    parsed = parse_login(value)
    if parsed is None or parsed[0] != kind:
        raise DomainError(_("Indiquez un numéro de portable (06 ou 07).") if kind == "phone"
                          else _("Indiquez une adresse e-mail."), field="contact")
    setattr(account, kind, parsed[1])
    db.session.flush()
    return account


def end_account(account: ResidentAccount, reason: str) -> None:
    """End the account: its sessions, tokens and codes die, the login is freed (flushes)."""
    if account.ended_at is not None:
        return
    now = utcnow()
    account.ended_at = now
    account.ended_reason = reason
    user = db.session.get(User, account.user_id)
    if user is not None:
        user.is_enabled = False
        user.email = f"ended{account.id}-{user.id}@{RESERVED_DOMAIN}"
        end_sessions_of(user)
        db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                                  ApiToken.revoked_at.is_(None))
                           .values(revoked_at=now))
    db.session.execute(update(SignInCode).where(SignInCode.account_id == account.id,
                                                SignInCode.used_at.is_(None))
                       .values(used_at=now))
    db.session.flush()
