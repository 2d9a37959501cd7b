"""E-mail to residents through the SMTP server of ``SMTP_URL`` (``ISP_SMTP_URL``), as the
tickets' notifications do; without one (the lab, the demo, the tests) the message is logged
and kept in ``OUTBOX``, as the SMS simulator does."""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from collections.abc import Callable
from email.message import EmailMessage

from flask import current_app

from residents.sms import Delivery
from support.notifications import _smtp_connect

log = logging.getLogger(__name__)

#: Messages (to, subject, text) of the no-SMTP simulator, newest last.
OUTBOX: deque[tuple[str, str, str]] = deque(maxlen=200)


def send(to: str, subject: str, text: str) -> Delivery:
    """Send one e-mail; never raises (the Delivery says what happened)."""
    return sender(current_app.config)(to, subject, text)


def sender(config) -> Callable[[str, str, str], Delivery]:
    """``send`` bound to these settings: usable once the request's context is gone."""
    url = config.get("SMTP_URL")
    mail_from = config.get("MAIL_FROM", "noreply@localhost")

    def _send(to: str, subject: str, text: str) -> Delivery:
        if not url:
            OUTBOX.append((to, subject, text))
            log.info("E-mail to %s: %s — %s", to, subject, text)
            return Delivery(ok=True, provider_ref=f"sim-mail-{len(OUTBOX)}")
        message = EmailMessage()
        message["From"] = mail_from
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        try:
            with _smtp_connect(url) as client:
                client.send_message(message)
        except (OSError, smtplib.SMTPException, ValueError) as error:
            log.warning("E-mail to a resident not delivered: %s", error)
            return Delivery(ok=False, error=str(error)[:500])
        return Delivery(ok=True)

    return _send
