"""Notices to residents: an outage in their building and its end, an invoice available, an
appointment tomorrow, a dunning letter — on the channels each account opted in to.

Each notice is stored first (``Notice``, in the transaction of the event that caused it: a
rolled-back event notifies nobody) and delivered afterwards by ``deliver_pending`` — after
the request's commit, by the scheduler's job, or ``isp residents deliver-notices``. One
notice per cause, account and channel: an event seen twice notifies once. The wording is
kind and never mentions cutting the line off (tests/residents/test_notices.py reads it).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import g, has_request_context
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, or_, select, update

from isp.database import built_once
from isp.errors import DomainError
from isp.extensions import db
from isp.formatting import money, short_date, short_datetime
from isp.i18n import lazy_gettext as _l
from isp.timeutil import utcnow
from residents import mail, sms
from residents.accounts import display_phone
from residents.models import Notice, ResidentAccount
from subscribers.models import Household

log = logging.getLogger(__name__)

KIND_LABELS = {
    "outage_started": _l("Panne dans l'immeuble"),
    "outage_ended": _l("Fin de la panne"),
    "invoice_issued": _l("Facture disponible"),
    "appointment_reminder": _l("Rappel de rendez-vous"),
    "dunning_step": _l("Courrier au sujet d'une facture"),
}
CHANNEL_LABELS = {"sms": _l("SMS"), "email": _l("E-mail")}
STATUS_LABELS = {"pending": _l("à envoyer"), "sending": _l("en cours d'envoi"),
                 "sent": _l("envoyé"), "failed": _l("non délivré")}

#: Tries before a notice is given up (it stays visible to staff, with its error).
MAX_ATTEMPTS = 3
#: A claim older than this is a sender that died: another may send the notice again.
STALE_CLAIM = timedelta(minutes=10)
_LANGUAGES = ("fr", "en")


def _texts(kind: str, values: dict) -> tuple[str, str]:
    """(subject, text) of a notice, in the active locale. Short sentences, common words."""
    if kind == "outage_started":
        return (gettext("Panne d'internet dans votre immeuble"),
                gettext("Internet solidaire : une panne touche votre immeuble depuis le "
                        "%(when)s. Nos techniciens sont prévenus. Vous n'avez rien à faire.",
                        when=values["when"]))
    if kind == "outage_ended":
        return (gettext("La panne est réparée"),
                gettext("Internet solidaire : la panne de votre immeuble est réparée. "
                        "Internet marche à nouveau. Si ce n'est pas le cas, éteignez votre "
                        "box, attendez 10 secondes et rallumez-la."))
    if kind == "invoice_issued":
        return (gettext("Votre facture est disponible"),
                gettext("Internet solidaire : votre facture %(number)s est prête. Vous "
                        "payez %(amount)s, la ville paie le reste. Vous la trouvez dans votre "
                        "espace, page Mes factures.", number=values["number"],
                        amount=values["amount"]))
    if kind == "appointment_reminder":
        return (gettext("Rappel : votre rendez-vous de demain"),
                gettext("Internet solidaire : rappel, vous avez rendez-vous demain, le "
                        "%(when)s, avec %(association)s%(place)s. Vous ne pouvez pas venir ? "
                        "Annulez dans votre espace ou appelez l'association.",
                        when=values["when"], association=values["association"],
                        place=values["place"]))
    if kind == "dunning_step":
        return (gettext("Un courrier au sujet d'une facture"),
                gettext("Internet solidaire : une facture n'est pas encore payée. Nous vous "
                        "avons écrit. Votre internet n'est jamais coupé. Vous pouvez avoir "
                        "de l'aide : appelez votre association%(phone)s.",
                        phone=values.get("phone", "")))
    raise ValueError(f"unknown notice kind {kind!r}")


def render(kind: str, values: dict, language: str = "fr") -> tuple[str, str]:
    """The notice's subject and text in the household's language (French otherwise)."""
    with force_locale(language if language in _LANGUAGES else "fr"):
        return _texts(kind, values)


def _formatted(values: dict, language: str) -> dict:
    """Dates, times and amounts written in the household's language."""
    with force_locale(language if language in _LANGUAGES else "fr"):
        out = {}
        for key, value in values.items():
            if key.endswith("_at"):
                out[key[:-3]] = short_datetime(value)
            elif key.endswith("_on"):
                out[key[:-3]] = short_date(value)
            elif key.endswith("_cents"):
                out[key[:-6]] = money(value)
            else:
                out[key] = value
        return out


def accounts_to_notify(household_ids) -> list[ResidentAccount]:
    """Active accounts of these households with at least one channel opted in."""
    ids = list(household_ids)
    if not ids:
        return []
    rows = []
    for start in range(0, len(ids), 500):
        rows += db.session.execute(select(ResidentAccount).where(
            ResidentAccount.household_id.in_(ids[start:start + 500]),
            ResidentAccount.ended_at.is_(None),
            or_(ResidentAccount.notify_sms, ResidentAccount.notify_email))).scalars().all()
    return rows


def households_with_opt_in() -> set[int]:
    """Households having an account that opted in, remembered for the transaction: an
    invoice run sends one signal per invoice and asks once."""
    session = db.session()
    transaction = session.get_transaction()
    key = ("residents_opted_in", id(transaction))
    if key not in session.info:
        for stale in [k for k in session.info if isinstance(k, tuple)
                      and k[0] == "residents_opted_in"]:
            del session.info[stale]
        session.info[key] = set(db.session.execute(select(ResidentAccount.household_id).where(
            ResidentAccount.ended_at.is_(None),
            or_(ResidentAccount.notify_sms, ResidentAccount.notify_email))).scalars())
    return session.info[key]


def notify(accounts: list[ResidentAccount], kind: str, source_ref: str,
           values: dict | None = None) -> list[Notice]:
    """Store one pending notice per account and opted-in channel (none twice for a cause);
    flushes, the caller commits; delivery comes after (``deliver_pending``)."""
    created: list[Notice] = []
    for account in accounts:
        channels = [channel for channel, wanted, to in (
            ("sms", account.notify_sms, account.phone),
            ("email", account.notify_email, account.email)) if wanted and to]
        if not channels:
            continue
        existing = set(db.session.execute(select(Notice.channel).where(
            Notice.account_id == account.id, Notice.source_ref == source_ref)).scalars())
        household = db.session.get(Household, account.household_id)
        language = household.language if household is not None else "fr"
        subject, text = render(kind, _formatted(values or {}, language), language)
        for channel in channels:
            if channel in existing:
                continue
            notice = Notice(household_id=account.household_id, account_id=account.id,
                            kind=kind, source_ref=source_ref[:60], channel=channel,
                            recipient=account.phone if channel == "sms" else account.email,
                            subject=subject[:200], text=text, created_at=utcnow(),
                            status="pending", attempts=0)
            db.session.add(notice)
            created.append(notice)
    if created:
        db.session.flush()
        if has_request_context():
            g.resident_notices_pending = True  # delivered after this request's commit
    return created


def _claim(limit: int) -> list[Notice]:
    """Take up to ``limit`` pending notices for this process and commit the claim (each is
    sent by one sender only, even with several processes)."""
    now = utcnow()
    due = (select(Notice.id).where(
        or_(Notice.status == "pending",
            (Notice.status == "sending") & (Notice.claimed_at < now - STALE_CLAIM)),
        Notice.attempts < MAX_ATTEMPTS).order_by(Notice.id).limit(limit))
    if db.session.get_bind().dialect.name != "sqlite":
        due = due.with_for_update(skip_locked=True)
    due_ids = list(db.session.execute(due).scalars())
    if not due_ids:
        db.session.commit()
        return []
    claimed = list(db.session.execute(
        update(Notice).where(Notice.id.in_(due_ids), Notice.status.in_(("pending", "sending")))
        .values(status="sending", claimed_at=now).returning(Notice.id)
        .execution_options(synchronize_session=False)).scalars())
    db.session.commit()
    return list(db.session.execute(select(Notice).where(Notice.id.in_(claimed))
                                   .order_by(Notice.id)).scalars())


def deliver(notice: Notice) -> bool:
    """Send one notice through its channel and record the outcome (flushes)."""
    if notice.channel == "sms":
        delivery = sms.send(notice.recipient, notice.text)
    else:
        delivery = mail.send(notice.recipient, notice.subject, notice.text)
    notice.attempts += 1
    if delivery.ok:
        notice.status = "sent"
        notice.sent_at = utcnow()
        notice.provider_ref = delivery.provider_ref
        notice.error = None
    else:
        notice.error = delivery.error
        notice.status = "failed" if notice.attempts >= MAX_ATTEMPTS else "pending"
    db.session.flush()
    return delivery.ok


def deliver_pending(limit: int = 200) -> tuple[int, int]:
    """Send the stored notices not sent yet; returns (sent, not sent). Commits."""
    sent = failed = 0
    for notice in _claim(limit):
        if deliver(notice):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    if sent or failed:
        log.info("Residents' notices: %d sent, %d not sent", sent, failed)
    return sent, failed


def deliver_after_request() -> None:
    """Called once a request that stored notices has committed: send them now."""
    if not g.pop("resident_notices_pending", False):
        return
    if db.session.new or db.session.dirty or db.session.deleted:
        return  # the request did not commit its work: the job sends them later
    try:
        deliver_pending()
    except Exception:  # the response is made; the job retries
        db.session.rollback()
        log.exception("Residents' notices: delivery after the request failed")


def notices_of(household_id: int, limit: int = 50) -> list[Notice]:
    """The household's notices, newest first (the staff's panel)."""
    return list(db.session.execute(_notices_statement(),
                                   {"household_id": household_id, "limit": limit}).scalars())


@built_once
def _notices_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(Notice).where(Notice.household_id == bindparam("household_id"))
            .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(bindparam("limit")))


def set_preferences(account: ResidentAccount, *, sms: bool, email: bool) -> ResidentAccount:
    """The channels the resident wants notices on; a channel needs its address (flushes)."""
    if sms and not account.phone:
        raise DomainError(gettext("Pas de numéro de portable sur ce compte : les SMS ne "
                                  "peuvent pas être envoyés."), field="notify_sms")
    if email and not account.email:
        raise DomainError(gettext("Pas d'adresse e-mail sur ce compte : les e-mails ne "
                                  "peuvent pas être envoyés."), field="notify_email")
    account.notify_sms = bool(sms)
    account.notify_email = bool(email)
    db.session.flush()
    return account


def recipient_label(notice: Notice) -> str:
    return display_phone(notice.recipient) if notice.channel == "sms" else notice.recipient
