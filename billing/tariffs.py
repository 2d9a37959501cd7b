"""Tariffs: the plans (speeds) and the social tiers with their monthly prices (docs/design.md §3.1).

The caller commits. Split from the former ``billing/services.py`` (issue 17.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, bindparam, func, select

from billing.models import Invoice, InvoiceLine, Plan, Tier, TierPrice
from billing.money import next_period_start, parse_period
from isp.database import built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.signals import plan_speeds_changed
from isp.timeutil import today, utcnow

#: The default grid of docs/design.md §3.1 (the migration inserts the same rows).
DEFAULT_PLAN = {"code": "SOLIDAIRE-1G", "name": "Internet solidaire", "down_kbps": 1_000_000,
                "up_kbps": 1_000_000, "reduced_down_kbps": 8_000, "reduced_up_kbps": 2_000,
                "description": "Fibre 1 Gbit/s symétrique ; débit réduit : 8 Mbit/s / 2 Mbit/s."}
DEFAULT_TIERS = (
    ("T1", "Tarif solidaire 1", "Le foyer perçoit le RSA, l'ASS, l'AAH ou la CSS, ou son quotient "
     "familial CAF est inférieur ou égal à 600 €.", 1, True, 600, 290),
    ("T2", "Tarif solidaire 2", "Quotient familial CAF entre 601 € et 900 €.", 2, False, 900, 590),
    ("T3", "Tarif solidaire 3", "Quotient familial CAF au-dessus de 900 €, ou aucun justificatif.",
     3, False, None, 990),
)


def ensure_default_grid() -> bool:
    """Create the default plan and tiers when the tables are empty (demo, fresh databases)."""
    created = False
    if db.session.execute(select(Plan.id).limit(1)).first() is None:
        db.session.add(Plan(**DEFAULT_PLAN))
        created = True
    if db.session.execute(select(Tier.id).limit(1)).first() is None:
        for code, label, rule, position, minima, qf_max, price in DEFAULT_TIERS:
            tier = Tier(code=code, label=label, rule_text=rule, position=position,
                        covers_minima=minima, qf_max_euros=qf_max)
            tier.prices.append(TierPrice(valid_from=date(2000, 1, 1), price_cents=price))
            db.session.add(tier)
        created = True
    db.session.flush()
    return created


def tiers() -> list[Tier]:
    return list(db.session.execute(select(Tier).order_by(Tier.position, Tier.code)).scalars())


def get_tier(code: str) -> Tier:
    tier = db.session.execute(select(Tier).where(Tier.code == code)).scalar_one_or_none()
    if tier is None:
        raise NotFoundError(_("Palier %(code)s inconnu", code=code), field="tier")
    return tier


def get_plan(code: str) -> Plan:
    plan = db.session.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none()
    if plan is None:
        raise NotFoundError(_("Offre %(code)s inconnue", code=code), field="plan")
    return plan


def price_on(tier: Tier, day: date) -> int | None:
    """The tier's monthly price for a month starting on ``day``."""
    prices = [p for p in tier.prices if p.valid_from <= day]
    return prices[-1].price_cents if prices else None


def prices_for_period(period: str) -> dict[str, int]:
    """Tier code → monthly price (cents) applying to the period."""
    first, _last = parse_period(period)
    return dict(db.session.execute(_prices_statement(), {"first": first}).all())


@built_once
def _prices_statement():
    """Each tier's price valid on ``:first``; built once (isp.database.built_once)."""
    latest = select(TierPrice.tier_id, func.max(TierPrice.valid_from).label("valid_from")) \
        .where(TierPrice.valid_from <= bindparam("first")).group_by(TierPrice.tier_id).subquery()
    return (select(Tier.code, TierPrice.price_cents).join(TierPrice, TierPrice.tier_id == Tier.id)
            .join(latest, and_(latest.c.tier_id == TierPrice.tier_id,
                               latest.c.valid_from == TierPrice.valid_from)))


#: Highest monthly price accepted for a social tier (a typo guard: 1 000 €).
MAX_TIER_PRICE_CENTS = 100_000


def set_tier_price(tier: Tier, *, actor: User, price_cents: int, valid_from: date,
                   on: date | None = None) -> TierPrice | None:
    """The tier's monthly price from the month starting ``valid_from`` (the page and the API).

    A price never changes a month already invoiced: ``valid_from`` is the first day of a
    month with no issued invoice of it or of a later month. None when the price is unchanged.
    """
    if not isinstance(price_cents, int) or isinstance(price_cents, bool):
        raise DomainError(_("Le prix doit être un nombre entier de centimes"),
                          field="monthly_price_cents", status=400)
    if price_cents < 0:
        raise DomainError(_("Le prix ne peut pas être négatif"), field="monthly_price_cents")
    if price_cents > MAX_TIER_PRICE_CENTS:
        raise DomainError(_(
            "Le prix dépasse %(value)s € par mois", value=MAX_TIER_PRICE_CENTS // 100),
                          field="monthly_price_cents")
    if valid_from.day != 1:
        raise DomainError(_("Un prix s'applique à partir du premier jour d'un mois"),
                          field="valid_from")
    period = valid_from.strftime("%Y-%m")
    issued = db.session.execute(
        select(func.max(InvoiceLine.period)).join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.tier == tier.code, InvoiceLine.period >= period,
               Invoice.number.is_not(None))).scalar_one()
    if issued is not None:
        raise DomainError(_(
            "Des factures du palier %(code)s sont déjà émises pour %(issued)s : un nouveau "
            "prix s'applique à un mois pas encore facturé", code=tier.code, issued=issued),
                          field="valid_from", status=409)
    if price_on(tier, valid_from) == price_cents:
        return None
    new_price = next((p for p in tier.prices if p.valid_from == valid_from), None)
    if new_price is None:
        new_price = TierPrice(valid_from=valid_from, price_cents=price_cents)
        tier.prices.append(new_price)
    new_price.price_cents, new_price.set_by_id, new_price.set_at = \
        price_cents, actor.id, utcnow()
    db.session.flush()
    db.session.expire(tier, ["prices"])  # kept in valid_from order
    return new_price


def update_tier(tier: Tier, *, actor: User, label: str, rule_text: str, price_cents: int,
                on: date | None = None) -> TierPrice | None:
    """Edit a tier (page); a new price applies from the next month, past invoices never change."""
    if not label.strip() or not rule_text.strip():
        raise DomainError(_("Le libellé et la règle sont obligatoires"), field="rule_text")
    tier.label, tier.rule_text = label.strip(), rule_text.strip()
    return set_tier_price(tier, actor=actor, price_cents=price_cents,
                          valid_from=next_period_start(on or today()))


@dataclass(frozen=True)
class PlanSpeeds:
    """A plan's rates in kbit/s: full service and reduced service (dunning), down and up."""

    down_kbps: int
    up_kbps: int
    reduced_down_kbps: int
    reduced_up_kbps: int


def _speeds_of(plan: Plan | None) -> PlanSpeeds:
    if plan is None:
        return PlanSpeeds(*(DEFAULT_PLAN[key] for key in PlanSpeeds.__dataclass_fields__))
    return PlanSpeeds(plan.down_kbps, plan.up_kbps, plan.reduced_down_kbps,
                      plan.reduced_up_kbps)


def plan_speeds_kbps(plan_code: str) -> PlanSpeeds:
    """The speeds a subscription to ``plan_code`` gets (the one home of this rule).

    A code with no plan row (a fresh database before ``ensure_default_grid``) gets the default
    plan's speeds, which the migration also inserts.
    """
    return _speeds_of(db.session.execute(
        select(Plan).where(Plan.code == plan_code)).scalar_one_or_none())


def create_plan(*, actor: User, code: str, name: str, down_kbps: int, up_kbps: int,
                reduced_down_kbps: int, reduced_up_kbps: int, description: str | None) -> Plan:
    """Add a plan (admin): a new code, a name and speeds checked as ``update_plan`` does.
    No port uses it yet, so nothing is provisioned."""
    code = (code or "").strip().upper()
    if not code or len(code) > 30 or not set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"):
        raise DomainError(_("Le code ne contient que des lettres, chiffres, « - » et « _ »"),
                          field="code")
    if db.session.execute(select(Plan.id).where(Plan.code == code)).first() is not None:
        raise DomainError(_("L'offre %(code)s existe déjà", code=code), field="code", status=409)
    _check_speeds(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps)
    plan = Plan(code=code, name=name.strip(), description=(description or "").strip() or None,
                down_kbps=down_kbps, up_kbps=up_kbps, reduced_down_kbps=reduced_down_kbps,
                reduced_up_kbps=reduced_up_kbps)
    db.session.add(plan)
    db.session.flush()
    return plan


def _check_speeds(down_kbps: int, up_kbps: int, reduced_down_kbps: int,
                  reduced_up_kbps: int) -> None:
    if min(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps) <= 0:
        raise DomainError(_("Les débits doivent être positifs"), field="down_kbps")
    if reduced_down_kbps > down_kbps or reduced_up_kbps > up_kbps:
        raise DomainError(_("Le débit réduit dépasse le débit normal"), field="reduced_down_kbps")


def update_plan(plan: Plan, *, actor: User, name: str, down_kbps: int, up_kbps: int,
                reduced_down_kbps: int, reduced_up_kbps: int, description: str | None) -> Plan:
    """Edit a plan's name and speeds (admin); changed speeds are announced
    (``plan_speeds_changed``) so that the switches get them."""
    _check_speeds(down_kbps, up_kbps, reduced_down_kbps, reduced_up_kbps)
    plan.name, plan.description = name.strip(), (description or "").strip() or None
    before = _speeds_of(plan)
    plan.down_kbps, plan.up_kbps = down_kbps, up_kbps
    plan.reduced_down_kbps, plan.reduced_up_kbps = reduced_down_kbps, reduced_up_kbps
    db.session.flush()
    after = _speeds_of(plan)
    if after != before:
        plan_speeds_changed.send(plan, before=before, after=after, actor=actor)
    return plan
