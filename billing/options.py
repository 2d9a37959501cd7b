"""The catalogue of options and its rules (docs/catalogue.md). The caller commits.

Kept in one file (~540 lines) because it is the one home of every option rule named below
(subsidy, dates held, the port's needs, the run's lines), which read each other's terms.

One home for each rule: which tiers may take an option and with what subsidy
(``subsidy_for``), which dates an option may be held over (``add_option``/``end_option``), what
the switch port needs for the options held (``switch_needs``, read by network's desired state),
and the month's option lines of the billing run (``billable_option_lines``), prorated by
``billing.money`` as the subscription lines are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from billing.accounts import lock_account
from billing.models import Invoice
from billing.models_options import (
    InvoiceOptionLine,
    OptionTierRule,
    ServiceOption,
    SubscriptionOption,
)
from billing.money import active_days, parse_period, period_of, prorate, round_half_up
from billing.tariffs import tiers
from isp.database import AmongIds, built_once
from isp.errors import DomainError, NotFoundError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.models import User
from isp.timeutil import today
from isp.validation import Choice, Day, Integer, Text
from network.provisioning.queue import reprovision_subscription
from subscribers.lifecycle import OPEN_STATUSES
from subscribers.models import Subscription

#: What an option needs on the switch port.
SWITCH_NEEDS = ("none", "vlan", "policy")
#: A subsidy is a fixed amount a month or a share (percent) of the price.
SUBSIDY_KINDS = ("cents", "percent")
#: 200 € a month: far above any option of a social offer; a larger figure is a typing error.
MAX_OPTION_PRICE_CENTS = 20_000

CODE = Text("code", 30, required=True)
NAME = Text("name", 120, required=True)
DESCRIPTION = Text("description", 2000, multiline=True)
MONTHLY_PRICE = Integer("monthly_price_cents", minimum=0, maximum=MAX_OPTION_PRICE_CENTS,
                        required=True)
SWITCH_NEED = Choice("switch_need", SWITCH_NEEDS)
#: VLAN 1 is every port's default VLAN: an option's VLAN is another one.
VLAN_ID = Integer("vlan_id", minimum=2, maximum=4094)
POLICY_NAME = Text("policy_name", 40)
OPTION_CODE = Text("option_code", 30, required=True)
STARTS_ON = Day("starts_on")
ENDS_ON = Day("ends_on")
#: A code as people type it on the page and in the API: capitals, digits, ``-`` and ``_``.
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_POLICY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class TierRule:
    """One tier allowed to take an option, and its subsidy (checked by ``check_rules``)."""

    tier: str
    subsidy_kind: str = "cents"
    subsidy_value: int = 0


@dataclass(frozen=True)
class SwitchNeeds:
    """What the port of a subscription carries for its options (None: nothing)."""

    vlan_id: int | None = None
    policy_name: str | None = None


# --- the subsidy rule -------------------------------------------------------------------------

def monthly_subsidy(price_cents: int, rule: OptionTierRule | TierRule) -> int:
    """The tier's subsidy of a month of the option: a fixed amount (never above the price) or
    a share of the price rounded half-up."""
    if rule.subsidy_kind == "percent":
        return round_half_up(price_cents * rule.subsidy_value, 100)
    return min(rule.subsidy_value, price_cents)


@dataclass(frozen=True)
class OptionTerms:
    """What an option costs a month and how each tier open to it shares the price:
    ``tiers`` maps a tier to (the tier's subsidy, the household's share), in cents."""

    code: str
    name: str
    monthly_price_cents: int
    tiers: dict[str, tuple[int, int]]


def terms(option: ServiceOption) -> OptionTerms:
    """The option's terms as the next billing run would bill a whole month (the one subsidy
    rule, ``monthly_subsidy``): what the expansion scenarios read, never re-stating it."""
    price = option.monthly_price_cents
    return OptionTerms(option.code, option.name, price,
                       {rule.tier: (monthly_subsidy(price, rule),
                                    price - monthly_subsidy(price, rule))
                        for rule in option.rules})


def catalogue_terms(*, active_only: bool = True) -> list[OptionTerms]:
    """The terms of every option of the catalogue (the active ones by default), by code."""
    return [terms(option) for option in db.session.execute(
        _catalogue_terms_statement(active_only)).unique().scalars()]


@built_once
def _catalogue_terms_statement(active_only: bool):
    # The options with their rules in one statement (was one per option, then two); built
    # once (isp.database.built_once): the scenarios page reads it on every view.
    return catalogue(active_only=active_only).options(joinedload(ServiceOption.rules))


def subsidy_for(option: ServiceOption, tier: str) -> OptionTierRule:
    """The option's rule for a tier; DomainError when the tier may not take the option."""
    rule = option.rule_for(tier)
    if rule is None:
        raise DomainError(_(
            "L'option %(code)s n'est pas ouverte au palier %(tier)s", code=option.code,
            tier=tier), field="option_code")
    return rule


# --- the catalogue ----------------------------------------------------------------------------

def get_option(code: str) -> ServiceOption:
    option = db.session.execute(select(ServiceOption).where(ServiceOption.code == code)) \
        .scalar_one_or_none()
    if option is None:
        raise NotFoundError(_("Option %(code)s inconnue", code=code), field="option_code")
    return option


def catalogue(*, active_only: bool = False):
    statement = select(ServiceOption).order_by(ServiceOption.code)
    if active_only:
        statement = statement.where(ServiceOption.active.is_(True))
    return statement


def check_rules(rules: list[TierRule], price_cents: int) -> list[TierRule]:
    """Known tiers, each once, a subsidy kind and a value within the price."""
    known = {tier.code for tier in tiers()}
    seen: set[str] = set()
    for rule in rules:
        if rule.tier not in known:
            raise DomainError(_("Palier inconnu : %(tier)s", tier=rule.tier),
                              field=f"tiers.{rule.tier}")
        if rule.tier in seen:
            raise DomainError(_("Le palier %(tier)s est donné deux fois", tier=rule.tier),
                              field=f"tiers.{rule.tier}")
        seen.add(rule.tier)
        if rule.subsidy_kind not in SUBSIDY_KINDS:
            raise DomainError(_("Type d'aide inconnu : %(kind)s", kind=rule.subsidy_kind),
                              field=f"tiers.{rule.tier}")
        value = rule.subsidy_value
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError(_("L'aide doit être un nombre entier positif ou nul"),
                              field=f"tiers.{rule.tier}")
        if rule.subsidy_kind == "percent" and value > 100:
            raise DomainError(_("Une aide en pourcentage va de 0 à 100"),
                              field=f"tiers.{rule.tier}")
        if rule.subsidy_kind == "cents" and value > price_cents:
            raise DomainError(_("L'aide du palier %(tier)s dépasse le prix de l'option",
                                tier=rule.tier), field=f"tiers.{rule.tier}")
    return rules


def rules_from_json(value: object) -> list[TierRule]:
    """``[{"tier": "T1", "subsidy_kind": "cents", "subsidy_value": 500}, ...]`` (the API)."""
    if not isinstance(value, list):
        raise DomainError(_("tiers doit être une liste d'objets {tier, subsidy_kind, "
                            "subsidy_value}"), field="tiers")
    rules = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("tier"), str) \
                or set(item) - {"tier", "subsidy_kind", "subsidy_value"}:
            raise DomainError(_("tiers doit être une liste d'objets {tier, subsidy_kind, "
                                "subsidy_value}"), field="tiers")
        rules.append(TierRule(item["tier"], item.get("subsidy_kind", "cents"),
                              item.get("subsidy_value", 0)))
    return rules


def _check_switch(need: str | None, vlan_id: object, policy_name: object
                  ) -> tuple[str, int | None, str | None]:
    need = SWITCH_NEED.check(need) or "none"
    vlan = VLAN_ID.check(vlan_id)
    policy = POLICY_NAME.check(policy_name)
    if need == "vlan":
        if vlan is None:
            raise DomainError(_("Indiquez le VLAN de l'option"), field="vlan_id")
        if vlan == int(current_app.config["PROVISIONING_ACCESS_VLAN"]):
            raise DomainError(_("Ce VLAN est celui des abonnés : l'option en demande un autre"),
                              field="vlan_id")
        return need, vlan, None
    if need == "policy":
        if not policy or not set(policy) <= _POLICY_CHARS or not policy[0].isalpha():
            raise DomainError(_(
                "Le nom de la politique commence par une lettre et ne contient que des "
                "lettres, chiffres, « - », « _ » et « . »"), field="policy_name")
        if policy.upper().startswith("PM-"):
            # PM-… names are the rate limits the provisioner makes from the plans.
            raise DomainError(_("Les noms PM-… sont réservés aux débits des offres"),
                              field="policy_name")
        return need, None, policy
    return need, None, None


def _values(values: dict, option: ServiceOption | None) -> dict:
    """The checked fields of an option (the page and the API give the same dict)."""
    def given(name: str, current: object) -> object:
        return values.get(name, current)

    name = NAME.check(given("name", option.name if option else None))
    description = DESCRIPTION.check(given("description", option.description if option else None))
    price = MONTHLY_PRICE.check(given("monthly_price_cents",
                                      option.monthly_price_cents if option else None))
    need, vlan, policy = _check_switch(
        given("switch_need", option.switch_need if option else None),
        given("vlan_id", option.vlan_id if option else None),
        given("policy_name", option.policy_name if option else None))
    active = given("active", option.active if option else True)
    if not isinstance(active, bool):
        raise DomainError(_("active doit valoir true ou false"), field="active")
    if "tiers" in values or option is None:
        rules = check_rules(list(values.get("tiers") or []), price)
    else:
        rules = check_rules([TierRule(r.tier, r.subsidy_kind, r.subsidy_value)
                             for r in option.rules], price)
    return {"name": name, "description": description, "monthly_price_cents": price,
            "switch_need": need, "vlan_id": vlan, "policy_name": policy, "active": active,
            "rules": rules}


def _set_rules(option: ServiceOption, rules: list[TierRule]) -> None:
    by_tier = {rule.tier: rule for rule in option.rules}
    wanted = {rule.tier for rule in rules}
    for tier, row in by_tier.items():
        if tier not in wanted:
            option.rules.remove(row)
    for rule in rules:
        row = by_tier.get(rule.tier)
        if row is None:
            option.rules.append(OptionTierRule(tier=rule.tier, subsidy_kind=rule.subsidy_kind,
                                               subsidy_value=rule.subsidy_value))
        else:
            row.subsidy_kind, row.subsidy_value = rule.subsidy_kind, rule.subsidy_value


def create_option(values: dict, *, actor: User) -> ServiceOption:
    """Add an option to the catalogue (admin): code, name, price, tiers, switch need."""
    code = CODE.check(values.get("code")).upper()
    if not set(code) <= _CODE_CHARS:
        raise DomainError(_("Le code ne contient que des lettres, chiffres, « - » et « _ »"),
                          field="code")
    if db.session.execute(select(ServiceOption.id).where(ServiceOption.code == code)).first():
        raise DomainError(_("L'option %(code)s existe déjà", code=code), field="code",
                          status=409)
    clean = _values(values, None)
    rules = clean.pop("rules")
    option = ServiceOption(code=code, **clean)
    _set_rules(option, rules)
    db.session.add(option)
    db.session.flush()
    return option


def update_option(option: ServiceOption, values: dict, *, actor: User) -> ServiceOption:
    """Edit an option (admin; the code stays). A new switch need re-provisions the ports of the
    subscriptions that hold it; a new price or subsidy applies to the drafts prepared next."""
    clean = _values(values, option)
    rules = clean.pop("rules")
    before = (option.switch_need, option.vlan_id, option.policy_name)
    for key, value in clean.items():
        setattr(option, key, value)
    _set_rules(option, rules)
    db.session.flush()
    if (option.switch_need, option.vlan_id, option.policy_name) != before:
        for subscription in holders(option):
            _reprovision(subscription, actor)
    return option


# --- options held by subscriptions ------------------------------------------------------------

def _held_on(on: date):
    return (SubscriptionOption.starts_on <= on,
            or_(SubscriptionOption.ends_on.is_(None), SubscriptionOption.ends_on > on))


def holders(option: ServiceOption, *, on: date | None = None) -> list:
    """The subscriptions holding the option on a day (default today)."""
    return list(db.session.execute(
        select(Subscription).join(SubscriptionOption,
                                  SubscriptionOption.subscription_id == Subscription.id)
        .where(SubscriptionOption.option_id == option.id, *_held_on(on or today()))
        .order_by(Subscription.id)).scalars())


def options_of_query(subscription_id: int):
    """Every option period of a subscription, the current ones first (page and API)."""
    return (select(SubscriptionOption)
            .where(SubscriptionOption.subscription_id == subscription_id)
            .order_by(SubscriptionOption.ends_on.is_not(None),
                      SubscriptionOption.starts_on.desc(), SubscriptionOption.id.desc()))


def options_of(subscription_id: int) -> list[SubscriptionOption]:
    return list(db.session.execute(options_of_query(subscription_id)).scalars())


def held_options(subscription_id: int, *, on: date | None = None) -> list[SubscriptionOption]:
    """The options a subscription holds on a day (default today)."""
    return list(db.session.execute(
        select(SubscriptionOption).where(SubscriptionOption.subscription_id == subscription_id,
                                         *_held_on(on or today()))
        .order_by(SubscriptionOption.id)).scalars())


def held_options_of(subscription_ids: list[int], *, on: date | None = None
                    ) -> dict[int, list[SubscriptionOption]]:
    """``held_options`` of several subscriptions in one statement, each with its option
    (a household's page: one statement, not one per subscription and per option)."""
    held: dict[int, list[SubscriptionOption]] = {i: [] for i in subscription_ids}
    if not subscription_ids:
        return held
    for row in db.session.execute(_held_options_statement(),
                                  {"ids": subscription_ids, "on": on or today()}).scalars():
        held[row.subscription_id].append(row)
    return held


@built_once
def _held_options_statement():
    # The household page's: built once (isp.database.built_once).
    return (select(SubscriptionOption).options(joinedload(SubscriptionOption.option))
            .where(AmongIds(SubscriptionOption.subscription_id, "ids"),
                   *_held_on(bindparam("on")))
            .order_by(SubscriptionOption.id))


def switch_needs(subscription_id: int, *, on: date | None = None) -> SwitchNeeds:
    """What the port of a subscription carries for the options it holds (network's desired
    state reads this: the one home of which option touches the switch)."""
    vlan = policy = None
    for held in held_options(subscription_id, on=on):
        if held.option.switch_need == "vlan":
            vlan = held.option.vlan_id
        elif held.option.switch_need == "policy":
            policy = held.option.policy_name
    return SwitchNeeds(vlan, policy)


def _check_not_invoiced(household_id: int, day: date, field: str) -> None:
    """A date in a month already invoiced to the household would change an issued invoice."""
    issued = db.session.execute(
        select(func.max(Invoice.period)).where(Invoice.household_id == household_id,
                                               Invoice.number.is_not(None),
                                               Invoice.period >= period_of(day))).scalar_one()
    if issued is not None:
        raise DomainError(_(
            "Le mois %(period)s est déjà facturé à ce foyer : choisissez une date d'un mois "
            "pas encore facturé", period=issued), field=field, status=409)


def _check_day(value: object, field, *, default: date) -> date:
    day = field.check(value) or default
    if day > today():
        raise DomainError(_("La date ne peut pas être dans le futur"), field=field.name)
    return day


def _reprovision(subscription, actor: User | None) -> None:
    reprovision_subscription(subscription, actor=actor)


def add_option(subscription, option_code: object, *, actor: User,
               starts_on: object = None) -> SubscriptionOption:
    """An operator adds an option to a subscription from ``starts_on`` (default today).

    The subscription's tier must be open to the option (``subsidy_for``); the option is held
    once at a time; a port carries one option VLAN and one option policy. An option touching
    the switch queues the port's job (its diff shows the VLAN or the policy).
    """
    option = get_option(OPTION_CODE.check(option_code).upper())
    if not option.active:
        raise DomainError(_("L'option %(code)s n'est plus proposée", code=option.code),
                          field="option_code", status=409)
    if str(subscription.status) not in {str(status) for status in OPEN_STATUSES}:
        raise DomainError(_("Cet abonnement est résilié"), field="option_code", status=409)
    subsidy_for(option, subscription.tier)
    start = _check_day(starts_on, STARTS_ON, default=today())
    lock_account(subscription.household_id)  # two operators at once: one option period
    _check_not_invoiced(subscription.household_id, start, "starts_on")
    periods = db.session.execute(select(SubscriptionOption).where(
        SubscriptionOption.subscription_id == subscription.id)).scalars().all()
    for held in periods:
        if held.option_id == option.id and (held.ends_on is None or held.ends_on > start):
            raise DomainError(_("L'abonnement a déjà l'option %(code)s à cette date",
                                code=option.code), field="option_code", status=409)
        if held.ends_on is None and option.switch_need != "none" \
                and held.option.switch_need == option.switch_need:
            raise DomainError(_(
                "Le port porte déjà l'option %(code)s sur le commutateur : retirez-la d'abord",
                code=held.option.code), field="option_code", status=409)
    held = SubscriptionOption(subscription_id=subscription.id, option_id=option.id,
                              starts_on=start, added_by_id=actor.id)
    db.session.add(held)
    db.session.flush()
    if option.switch_need != "none":
        _reprovision(subscription, actor)
    return held


def get_held(subscription_id: int | None, held_id: int) -> SubscriptionOption:
    """An option period, of ``subscription_id`` when given."""
    held = db.session.get(SubscriptionOption, held_id)
    if held is None or subscription_id not in (None, held.subscription_id):
        raise NotFoundError(_("Option introuvable sur cet abonnement"))
    return held


def end_option(held: SubscriptionOption, *, actor: User,
               ends_on: object = None) -> SubscriptionOption:
    """Remove an option from ``ends_on`` (default today: the last day billed is yesterday).
    Removing an option already removed changes nothing (a double submit is harmless)."""
    subscription = held.subscription
    lock_account(subscription.household_id)
    db.session.refresh(held)
    if held.ends_on is not None:
        return held
    end = _check_day(ends_on, ENDS_ON, default=today())
    if end < held.starts_on:
        raise DomainError(_("La fin précède le début de l'option (%(day)s)",
                            day=held.starts_on.isoformat()), field="ends_on")
    _check_not_invoiced(subscription.household_id, end, "ends_on")
    held.ends_on, held.ended_by_id = end, actor.id
    db.session.flush()
    if held.option.switch_need != "none":
        _reprovision(subscription, actor)
    return held


def end_options_at_termination(subscription, *, actor: User | None) -> list[SubscriptionOption]:
    """A terminated subscription holds no option from its last day on: each option period still
    open then ends on ``terminated_on`` (the terminate job already clears the port, so nothing
    is re-provisioned). Flushes only: it runs inside the termination's transaction."""
    end = subscription.terminated_on
    if end is None:
        return []
    ended = []
    for held in db.session.execute(select(SubscriptionOption).where(
            SubscriptionOption.subscription_id == subscription.id,
            or_(SubscriptionOption.ends_on.is_(None), SubscriptionOption.ends_on > end))
            ).scalars():
        held.ends_on = max(end, held.starts_on)
        held.ended_by_id = getattr(actor, "id", None)
        ended.append(held)
    db.session.flush()
    return ended


# --- the billing run --------------------------------------------------------------------------

@dataclass
class OptionLines:
    """The period's option lines to bill, by household, and what could not be billed."""

    by_household: dict[int, list[dict]]
    skipped: int
    anomalies: list[str]


def billable_option_lines(period: str) -> OptionLines:
    """One line per (subscription, option) held in the period and not yet billed.

    The days are those the option and the subscription are both active (``active_days`` of
    ``billing.money``, as the subscription lines); the household pays the price less the
    tier's subsidy, prorated; the line keeps the full price too, so the invoice shows the
    subsidy. A tier no longer open to the option bills nothing and is reported.
    """
    first, last = parse_period(period)
    month_days = (last - first).days + 1
    already = select(InvoiceOptionLine.id).where(
        InvoiceOptionLine.subscription_id == SubscriptionOption.subscription_id,
        InvoiceOptionLine.option_id == SubscriptionOption.option_id,
        InvoiceOptionLine.period == period).exists()
    rows = db.session.execute(
        select(SubscriptionOption, Subscription)
        .join(Subscription, Subscription.id == SubscriptionOption.subscription_id)
        .where(SubscriptionOption.starts_on <= last,
               or_(SubscriptionOption.ends_on.is_(None), SubscriptionOption.ends_on > first),
               Subscription.activated_on.is_not(None), Subscription.activated_on <= last,
               ~already)
        .order_by(Subscription.household_id, Subscription.id, SubscriptionOption.option_id,
                  SubscriptionOption.starts_on)).all()
    days: dict[tuple[int, int], int] = defaultdict(int)
    found: dict[tuple[int, int], tuple] = {}
    for held, subscription in rows:
        start = max(subscription.activated_on, held.starts_on)
        ends = [day for day in (subscription.terminated_on, held.ends_on) if day is not None]
        key = (subscription.id, held.option_id)
        days[key] += active_days(period, start, min(ends) if ends else None)
        found[key] = (held.option, subscription)
    result = OptionLines(defaultdict(list), 0, [])
    for key, (option, subscription) in found.items():
        if days[key] == 0:
            continue
        rule = option.rule_for(subscription.tier)
        if rule is None:
            result.skipped += 1
            result.anomalies.append(
                f"Abonnement {subscription.id} : option {option.code} non ouverte au palier "
                f"{subscription.tier}, non facturée")
            continue
        price = option.monthly_price_cents
        subsidy = monthly_subsidy(price, rule)
        result.by_household[subscription.household_id].append({
            "subscription_id": subscription.id, "option_id": option.id, "period": period,
            "option_code": option.code, "option_name": option.name, "tier": subscription.tier,
            "days": days[key], "days_in_month": month_days, "unit_price_cents": price,
            "monthly_subsidy_cents": subsidy,
            "amount_cents": prorate(price - subsidy, days[key], month_days),
            "full_cost_cents": prorate(price, days[key], month_days)})
    return result


def option_json(option: ServiceOption) -> dict:
    return {"code": option.code, "name": option.name, "description": option.description,
            "monthly_price_cents": option.monthly_price_cents,
            "switch_need": option.switch_need, "vlan_id": option.vlan_id,
            "policy_name": option.policy_name, "active": option.active,
            "tiers": [{"tier": rule.tier, "subsidy_kind": rule.subsidy_kind,
                       "subsidy_value": rule.subsidy_value,
                       "monthly_subsidy_cents": monthly_subsidy(option.monthly_price_cents, rule),
                       "monthly_share_cents": option.monthly_price_cents
                       - monthly_subsidy(option.monthly_price_cents, rule)}
                      for rule in option.rules]}


def held_json(held: SubscriptionOption) -> dict:
    return {"id": held.id, "subscription_id": held.subscription_id,
            "option_code": held.option.code, "option_name": held.option.name,
            "starts_on": held.starts_on.isoformat(),
            "ends_on": held.ends_on.isoformat() if held.ends_on else None}
