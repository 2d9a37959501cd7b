"""The acknowledgement e-mail to whoever asked for the service, when they gave an e-mail.

Sent after the request is committed, through the e-mail stand-in the residents' space uses
(``residents.mail``: the SMTP server of ``SMTP_URL`` / ``ISP_SMTP_URL``, else the simulator's
``OUTBOX`` and the log), in the language the page was read in. A refused or unreachable server
does not undo the request: the acknowledgement page has already given the reference; the
request's history says whether the e-mail left (``acknowledged``: ``sent`` or ``not_sent``,
never the address). Nothing is sent for a honeypot catch (nothing was stored).
"""

from __future__ import annotations

from isp.extensions import db
from isp.i18n import gettext as _
from outreach.models import RequestEvent
from outreach.services import Outcome
from residents.mail import send


def message(outcome: Outcome) -> tuple[str, str]:
    """(subject, text) of the acknowledgement, in the current language."""
    item = outcome.request
    lines = [_("Bonjour,"), "",
             _("Nous avons bien reçu votre demande d'internet solidaire pour l'adresse : "
               "%(street)s, %(postcode)s %(commune)s.", street=item.street,
               postcode=item.postcode, commune=item.commune),
             _("Numéro de la demande : %(reference)s.", reference=outcome.reference)]
    if outcome.kind == "supported":
        lines.append(_("Une demande existait déjà pour cette adresse : la vôtre la soutient. "
                       "Nous ne garderons pas votre adresse e-mail."))
    else:
        lines.append(_("Nous étudions chaque demande et vous recontacterons avec les "
                       "coordonnées que vous avez données."))
    lines += ["", _("Ce message est envoyé automatiquement : merci de ne pas y répondre.")]
    return _("Votre demande %(reference)s est bien reçue", reference=outcome.reference), \
        "\n".join(lines)


def send_acknowledgement(outcome: Outcome) -> bool | None:
    """E-mail the acknowledgement of a committed submission; None when there is nothing to
    send (no e-mail given, honeypot), else whether it left. Commits the history line."""
    if outcome.kind not in ("created", "supported") or not outcome.contact_email \
            or outcome.request is None:
        return None
    subject, text = message(outcome)
    delivery = send(outcome.contact_email, subject, text)
    outcome.request.events.append(RequestEvent(
        kind="acknowledged", actor_email="public", to_value="sent" if delivery.ok else "not_sent"))
    db.session.commit()
    return delivery.ok
