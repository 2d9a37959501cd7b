"""SMS to residents through a gateway: an HTTP provider adapter, or the local simulator.

``SMS_BACKEND`` chooses: ``simulator`` (the lab, the tests, the demo) writes each message to
the log — the ``make run`` terminal shows the codes — and keeps the last ones in ``OUTBOX``;
``http`` posts JSON to the provider at ``SMS_URL`` (environment ``ISP_SMS_URL``) with the
bearer ``SMS_TOKEN`` and the sender name ``SMS_SENDER``. Sending never raises: the caller gets
a ``Delivery`` saying whether the message left and why not.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from isp.extensions import db
from residents.accounts import display_phone, normalise_phone
from residents.models import ResidentAccount

log = logging.getLogger(__name__)

#: The simulator's last messages (to, text), newest last: the tests read codes here.
OUTBOX: deque[tuple[str, str]] = deque(maxlen=200)


@dataclass(frozen=True)
class Delivery:
    """What became of one message: accepted by the gateway (with its id) or the error."""

    ok: bool
    provider_ref: str | None = None
    error: str | None = None


class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> Delivery: ...


def _display(number: str) -> str:
    return display_phone(number)


class SimulatorGateway:
    """Logs each SMS at INFO and keeps it in ``OUTBOX``; never fails."""

    def send(self, to: str, text: str) -> Delivery:
        OUTBOX.append((to, text))
        log.info("SMS to %s: %s", _display(to), text)
        return Delivery(ok=True, provider_ref=f"sim-{len(OUTBOX)}")


class HttpGateway:
    """A provider's HTTP API: ``POST url`` with ``{"from", "to", "text"}`` as JSON and
    ``Authorization: Bearer token``; a 2xx answer is accepted, its ``id`` kept."""

    def __init__(self, url: str, token: str | None, sender: str, timeout: float = 10.0):
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def send(self, to: str, text: str) -> Delivery:
        body = json.dumps({"from": self.sender, "to": to, "text": text}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode(errors="replace").strip()
            return Delivery(ok=False, error=f"HTTP {error.code} {detail}"[:500])
        except (urllib.error.URLError, OSError, ValueError) as error:
            return Delivery(ok=False, error=f"unreachable: {error}"[:500])
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        reference = answer.get("id") if isinstance(answer, dict) else None
        return Delivery(ok=True, provider_ref=str(reference)[:100] if reference else None)


def gateway() -> SmsGateway:
    """The configured gateway (``SMS_BACKEND``)."""
    config = current_app.config
    if config.get("SMS_BACKEND") == "http":
        if not config.get("SMS_URL"):
            raise RuntimeError("SMS_BACKEND is http but ISP_SMS_URL is not set")
        return HttpGateway(config["SMS_URL"], config.get("SMS_TOKEN"),
                           config.get("SMS_SENDER") or "SocialISP")
    return SimulatorGateway()


def send(to: str, text: str) -> Delivery:
    """Send one SMS to a ``+33…`` number through the configured gateway."""
    try:
        return send_through(gateway(), to, text)
    except RuntimeError as error:  # misconfigured: said, not raised
        log.error("SMS gateway: %s", error)
        return Delivery(ok=False, error=str(error)[:500])


def send_through(chosen: SmsGateway, to: str, text: str) -> Delivery:
    """Send through ``chosen`` (a gateway picked while the app's context was there)."""
    try:
        delivery = chosen.send(to, text)
    except Exception as error:  # a broken gateway must not break the caller
        log.exception("SMS gateway failed")
        return Delivery(ok=False, error=str(error)[:500])
    if not delivery.ok:
        log.warning("SMS to %s not delivered: %s", _display(to), delivery.error)
    return delivery


def mobile_of_household(household) -> str | None:
    """The number to text the household on: an active account's phone login, else the
    household's phone when it is a French mobile number."""
    phone = db.session.execute(
        select(ResidentAccount.phone).where(ResidentAccount.household_id == household.id,
                                            ResidentAccount.ended_at.is_(None),
                                            ResidentAccount.phone.is_not(None))
        .order_by(ResidentAccount.id.desc()).limit(1)).scalar()
    return phone or normalise_phone(household.phone or "")


def send_to_household(household, text: str) -> Delivery | None:
    """Text the household (a mandate's consent code…); None when it has no mobile number."""
    number = mobile_of_household(household)
    if number is None:
        return None
    return send(number, text)
