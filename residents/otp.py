"""Sign-in without a password: a one-time code sent by SMS or e-mail, or printed on a welcome
letter.

- A sent code has 6 digits, lives ``CODE_MINUTES`` minutes, serves once, and dies after
  ``MAX_ATTEMPTS`` wrong tries; asking for a new one kills the earlier ones.
- A letter's activation code (``XXXX-XXXX``, no look-alike characters) lives
  ``ACTIVATION_DAYS`` days; printing a new letter kills the earlier one.
- Only an HMAC of the code (keyed with the app's secret, bound to the account) is stored.
- Asking for a code is throttled per login and per client address, and answers the same
  whether the login has an account or not; wrong codes are throttled the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from isp import throttle
from isp.extensions import db
from isp.i18n import gettext as _
from isp.timeutil import utcnow
from residents import mail, sms
from residents.accounts import account_by_login, parse_login
from residents.models import ResidentAccount, SignInCode
from residents.sms import Delivery

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
ACTIVATION_DAYS = 30
#: A new code replaces the last one only after this: a double submit sends one code.
RESEND_AFTER = timedelta(seconds=60)
#: Letters and digits nobody mistakes for another (no 0/O, 1/I/L).
_LETTER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

#: Codes asked for one login: three an hour, then a wait from 1 minute doubling to an hour.
CODE_REQUEST_LOGIN = throttle.Rule("resident-code-login", free=3,
                                   first_wait=timedelta(minutes=1), max_wait=timedelta(hours=1))
#: Codes asked from one address (a shared computer of an association asks for several).
CODE_REQUEST_ADDRESS = throttle.Rule("resident-code-ip", free=20,
                                     first_wait=timedelta(minutes=1),
                                     max_wait=timedelta(hours=1))
#: Wrong codes typed for one login, and from one address.
CODE_CHECK_LOGIN = throttle.Rule("resident-check-login", free=5,
                                 first_wait=timedelta(seconds=30),
                                 max_wait=timedelta(minutes=15))
CODE_CHECK_ADDRESS = throttle.Rule("resident-check-ip", free=20,
                                   first_wait=timedelta(seconds=30),
                                   max_wait=timedelta(minutes=15))


class Throttled(Exception):
    """Too many requests: try again in ``wait`` seconds."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


def _hash(account_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"resident-code:{account_id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def normalise_code(typed: str) -> str:
    """What the resident typed, as stored: spaces and dashes out, letters upper-case."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())[:16]


def _checks(rule_login: throttle.Rule, rule_address: throttle.Rule, login: str,
            address: str | None) -> list[tuple[throttle.Rule, str]]:
    return [(rule_login, throttle.key(rule_login, None, login)),
            (rule_address, throttle.key(rule_address, address))]


@dataclass
class OutgoingCode:
    """A code to send once the transaction that stored it is committed."""

    account: ResidentAccount
    code: str

    def send(self) -> Delivery:
        return self.prepare()()

    def prepare(self) -> Callable[[], Delivery]:
        """The sending, made ready inside the request (settings, language) to run after the
        response has left: the answer takes as long whether the login has an account or not."""
        text = _("Votre code pour Internet solidaire : %(code)s. Il marche 10 minutes. "
                 "Ne le donnez à personne.", code=self.code)
        if self.account.login_kind == "phone":
            chosen, to = sms.gateway(), self.account.phone
            return lambda: sms.send_through(chosen, to, text)
        send_mail, to, subject = mail.sender(current_app.config), self.account.email, \
            _("Votre code de connexion")
        return lambda: send_mail(to, subject, text)


def request_code(typed_login: str, address: str | None) -> OutgoingCode | None:
    """Store a new 6-digit code for the account of this login, if there is one; the caller
    commits, then sends the ``OutgoingCode``. Raises ``Throttled`` alike for every login."""
    parsed = parse_login(typed_login)
    login = parsed[1] if parsed else (typed_login or "").strip().lower()[:254]
    checks = _checks(CODE_REQUEST_LOGIN, CODE_REQUEST_ADDRESS, login, address)
    wait = throttle.longest_wait(checks)
    if wait:
        raise Throttled(wait)
    # Every request counts, whether the login exists or not: the throttle tells nothing.
    for rule, counter_key in checks:
        throttle.record_failure(rule, counter_key)
    account = account_by_login(login) if parsed else None
    if account is None or not account.user.is_enabled:
        return None
    now = utcnow()
    if db.session.execute(select(SignInCode.id).where(
            SignInCode.account_id == account.id, SignInCode.purpose == "sign_in",
            SignInCode.used_at.is_(None), SignInCode.created_at > now - RESEND_AFTER)).first():
        return None  # a double click, or a second tap at once: the first code stays good
    db.session.execute(update(SignInCode).where(
        SignInCode.account_id == account.id, SignInCode.purpose == "sign_in",
        SignInCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(SignInCode(account_id=account.id, purpose="sign_in",
                              code_hash=_hash(account.id, code), channel=account.login_kind
                              .replace("phone", "sms"), created_at=now,
                              expires_at=now + timedelta(minutes=CODE_MINUTES)))
    db.session.flush()
    return OutgoingCode(account, code)


def activation_code(account: ResidentAccount) -> tuple[str, SignInCode]:
    """A new activation code for a printed welcome letter (the earlier one dies; flushes)."""
    now = utcnow()
    db.session.execute(update(SignInCode).where(
        SignInCode.account_id == account.id, SignInCode.purpose == "activation",
        SignInCode.used_at.is_(None)).values(used_at=now))
    raw = "".join(secrets.choice(_LETTER_ALPHABET) for _i in range(8))
    row = SignInCode(account_id=account.id, purpose="activation",
                     code_hash=_hash(account.id, raw), channel="letter", created_at=now,
                     expires_at=now + timedelta(days=ACTIVATION_DAYS))
    db.session.add(row)
    db.session.flush()
    return f"{raw[:4]}-{raw[4:]}", row


def verify(typed_login: str, typed_code: str, address: str | None) -> ResidentAccount | None:
    """The account when the code is one of its live codes (then used up), else None; wrong
    codes count against the login and the address. Raises ``Throttled``. The caller commits."""
    parsed = parse_login(typed_login)
    login = parsed[1] if parsed else (typed_login or "").strip().lower()[:254]
    checks = _checks(CODE_CHECK_LOGIN, CODE_CHECK_ADDRESS, login, address)
    wait = throttle.longest_wait(checks)
    if wait:
        raise Throttled(wait)
    account = account_by_login(login) if parsed else None
    code = normalise_code(typed_code)
    if account is not None and code and account.user.is_enabled:
        now = utcnow()
        live = db.session.execute(select(SignInCode).where(
            SignInCode.account_id == account.id, SignInCode.used_at.is_(None),
            SignInCode.expires_at > now, SignInCode.attempts < MAX_ATTEMPTS)
            .with_for_update()).scalars().all()
        expected = _hash(account.id, code)
        for row in live:
            if hmac.compare_digest(row.code_hash, expected):
                row.used_at = now
                account.last_sign_in_at = now
                throttle.forget(checks[0][1])
                db.session.flush()
                return account
        for row in live:
            row.attempts += 1
    for rule, counter_key in checks:
        throttle.record_failure(rule, counter_key)
    db.session.flush()
    return None
