"""Forms of the catalogue of options (types and formats; the rules live in billing/options.py).

The option form has one group of fields per tier (open to the tier, kind and value of the
subsidy), built from the tiers of the grid.
"""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from billing.forms import cents
from billing.options import MAX_OPTION_PRICE_CENTS, TierRule
from isp.i18n import lazy_gettext as _l

SWITCH_NEED_LABELS = {"none": _l("Aucun"), "vlan": _l("Un VLAN"),
                      "policy": _l("Une politique de port")}
SUBSIDY_KIND_LABELS = {"cents": _l("Montant fixe (€ par mois)"),
                       "percent": _l("Part du prix (%)")}


class OptionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    price = DecimalField(_l("Prix mensuel TTC (€)"), places=2, validators=[
        DataRequired(), NumberRange(min=0, max=MAX_OPTION_PRICE_CENTS / 100)])
    switch_need = SelectField(_l("Sur le commutateur"),
                              choices=list(SWITCH_NEED_LABELS.items()))
    vlan_id = DecimalField(_l("VLAN (si l'option demande un VLAN)"), places=0,
                           validators=[Optional(), NumberRange(min=2, max=4094)])
    policy_name = StringField(_l("Politique de port (si l'option en demande une)"),
                              validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Proposée aux abonnés"), default=True)


def option_form(tiers: list, *, creating: bool, **kwargs) -> OptionForm:
    """The option form with one group of fields per tier; the code is typed only on creation."""

    class _Form(OptionForm):
        pass

    for tier in tiers:
        setattr(_Form, f"tier_{tier.code}_open",
                BooleanField(_l("Palier %(t)s : peut prendre l'option", t=tier.code)))
        setattr(_Form, f"tier_{tier.code}_kind",
                SelectField(_l("Palier %(t)s : type d'aide", t=tier.code),
                            choices=list(SUBSIDY_KIND_LABELS.items())))
        setattr(_Form, f"tier_{tier.code}_value",
                DecimalField(_l("Palier %(t)s : aide (€ par mois ou %%)", t=tier.code),
                             places=2, validators=[Optional(), NumberRange(min=0, max=100_000)]))
    form = _Form(**kwargs)
    if not creating:
        del form.code
    return form


def form_values(form: OptionForm, tiers: list) -> dict:
    """The dict ``billing.options.create_option``/``update_option`` check (as the API's)."""
    rules = []
    for tier in tiers:
        if not form[f"tier_{tier.code}_open"].data:
            continue
        kind = form[f"tier_{tier.code}_kind"].data
        raw = form[f"tier_{tier.code}_value"].data or Decimal(0)
        value = cents(raw) if kind == "cents" else int(raw)
        rules.append(TierRule(tier.code, kind, value))
    values = {"name": form.name.data, "description": form.description.data,
              "monthly_price_cents": cents(form.price.data),
              "switch_need": form.switch_need.data,
              "vlan_id": int(form.vlan_id.data) if form.vlan_id.data is not None else None,
              "policy_name": form.policy_name.data or None, "active": bool(form.active.data),
              "tiers": rules}
    if "code" in form:
        values["code"] = form.code.data
    return values


def fill_tiers(form: OptionForm, option) -> None:
    """Show an option's rules in the tier fields (GET of the edit page)."""
    for rule in option.rules:
        if f"tier_{rule.tier}_open" not in form:
            continue
        form[f"tier_{rule.tier}_open"].data = True
        form[f"tier_{rule.tier}_kind"].data = rule.subsidy_kind
        form[f"tier_{rule.tier}_value"].data = (Decimal(rule.subsidy_value) / 100
                                                if rule.subsidy_kind == "cents"
                                                else Decimal(rule.subsidy_value))


class AddOptionForm(FlaskForm):
    option_code = SelectField(_l("Option"), validators=[DataRequired()])
    starts_on = DateField(_l("À partir du (aujourd'hui si vide)"), validators=[Optional()])


class EndOptionForm(FlaskForm):
    ends_on = DateField(_l("Retirée à partir du (aujourd'hui si vide)"),
                        validators=[Optional()])
