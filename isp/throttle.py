"""Slowing down password and token guessing, with counters every process shares.

Failed attempts are rows of ``failed_attempts`` in the application's database, so two
gunicorn workers (or two machines) count together and a restart forgets nothing. Only
failures count. Each rule lets a few failures through, then asks the client to wait before
the next try, the wait doubling with each further failure up to a ceiling: guessing becomes
slow, and nobody is locked out for long. Keys hold the client's address, alone or with the
account tried: failures from one address never slow down the account's owner elsewhere.

Behind a reverse proxy the address is the proxy's unless ``ISP_PROXY_HOPS`` says how many
proxies to trust (isp.create_app applies Werkzeug's ProxyFix; see the README).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from isp.extensions import db
from isp.models_security import FailedAttempt
from isp.timeutil import utcnow


@dataclass(frozen=True)
class Rule:
    """``free`` failures within ``window``, then a wait from ``first_wait`` doubling up to
    ``max_wait``."""

    name: str
    free: int
    first_wait: timedelta
    max_wait: timedelta
    window: timedelta = timedelta(hours=1)

    def wait_after(self, failures: int) -> timedelta:
        """How long to wait after the last of ``failures`` failures (zero while free)."""
        if failures < self.free:
            return timedelta(0)
        doublings = min(failures - self.free, 16)
        return min(self.first_wait * 2**doublings, self.max_wait)


#: One address trying one account: five tries, then 30 s, 1 min, 2 min… up to 15 min.
LOGIN_ADDRESS_ACCOUNT = Rule("login-ip-account", free=5, first_wait=timedelta(seconds=30),
                             max_wait=timedelta(minutes=15))
#: One address trying many accounts (credential stuffing); offices behind one address fail
#: now and then, hence more room.
LOGIN_ADDRESS = Rule("login-ip", free=20, first_wait=timedelta(seconds=30),
                     max_wait=timedelta(minutes=15))
#: One address sending unknown or revoked API tokens.
API_TOKEN_ADDRESS = Rule("token-ip", free=20, first_wait=timedelta(seconds=30),
                         max_wait=timedelta(minutes=15))


def key(rule: Rule, address: str | None, account: str | None = None) -> str:
    """The counter's key; the account (an e-mail) is kept only as a digest."""
    parts = [rule.name, address or "unknown"]
    if account is not None:
        parts.append(hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32])
    return ":".join(parts)


def _enabled() -> bool:
    return bool(current_app.config.get("THROTTLE_ENABLED", True))


def wait_for(rule: Rule, counter_key: str, *, now: datetime | None = None) -> int:
    """Seconds the client must still wait before trying again under ``rule`` (0: go on)."""
    if not _enabled():
        return 0
    now = now or utcnow()
    failures, last = db.session.execute(
        select(func.count(), func.max(FailedAttempt.at)).where(
            FailedAttempt.key == counter_key, FailedAttempt.at >= now - rule.window)).one()
    if not failures:
        return 0
    remaining = (last + rule.wait_after(failures) - now).total_seconds()
    return max(0, math.ceil(remaining))


def longest_wait(checks: list[tuple[Rule, str]]) -> int:
    """The longest wait among several (rule, key) counters."""
    return max((wait_for(rule, counter_key) for rule, counter_key in checks), default=0)


def record_failure(rule: Rule, counter_key: str, *, now: datetime | None = None) -> None:
    """Count one failure (the caller commits); failures older than the window are dropped."""
    if not _enabled():
        return
    now = now or utcnow()
    db.session.execute(delete(FailedAttempt).where(
        FailedAttempt.key == counter_key, FailedAttempt.at < now - rule.window))
    db.session.add(FailedAttempt(key=counter_key, at=now))


def forget(counter_key: str) -> None:
    """A success: the failures of this key no longer count (the caller commits)."""
    db.session.execute(delete(FailedAttempt).where(FailedAttempt.key == counter_key))
