"""Forms of the billing domain (types and formats; rules live in services)."""

from decimal import ROUND_HALF_UP, Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from billing.choices import (
    CREDIT_NOTE_KIND_LABELS,
    EVIDENCE_LABELS,
    FSL_DECISION_LABELS,
    PAYMENT_METHOD_LABELS,
)
from isp.i18n import lazy_gettext as _l


def cents(value: Decimal | None) -> int:
    """Euros typed in a form to integer cents (half-up)."""
    return int((Decimal(value or 0) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class RunForm(FlaskForm):
    """The month to prepare; ``services.check_period`` says whether it is well formed and ended."""

    period = StringField(_l("Mois (AAAA-MM)"), validators=[DataRequired(), Length(max=40)])


class PaymentForm(FlaskForm):
    amount = DecimalField(_l("Montant (€)"), places=2, validators=[
        InputRequired(_l("Indiquez le montant reçu.")),
        NumberRange(min=Decimal("0.01"), message=_l(
            "Le montant doit être positif : 0,01 € au moins."))])
    #: Shown once an amount far above the debt was refused (a second step, no script); it
    #: confirms only the amount it was shown for (``confirmed_amount``, in cents).
    confirm_overpayment = BooleanField(_l("Je confirme ce montant, supérieur à ce que le foyer "
                                          "doit : le surplus restera en avoir."))
    confirmed_amount = HiddenField()
    method = SelectField(_l("Moyen de paiement"),
                         choices=[(k.value, v) for k, v in PAYMENT_METHOD_LABELS.items()])
    received_on = DateField(_l("Reçu le"), validators=[DataRequired()])
    reference = StringField(_l("Référence"), validators=[Optional(), Length(max=80)])


class EligibilityForm(FlaskForm):
    evidence_type = SelectField(_l("Justificatif"),
                                choices=[(k.value, v) for k, v in EVIDENCE_LABELS.items()])
    quotient_familial = IntegerField(_l("Quotient familial CAF (€)"),
                                     validators=[Optional(), NumberRange(min=0, max=100000)])
    evidence_reference = StringField(_l("Référence du justificatif (jamais le document)"),
                                     validators=[Optional(), Length(max=80)])
    evidence_valid_until = DateField(_l("Justificatif valable jusqu'au"),
                                     validators=[Optional()])
    decided_tier = SelectField(_l("Palier décidé"))
    reason = TextAreaField(_l("Motif (obligatoire si le palier diffère de la suggestion)"),
                           validators=[Optional(), Length(max=2000)])


class CreditNoteForm(FlaskForm):
    amount = DecimalField(_l("Montant (€)"), places=2, validators=[DataRequired(),
                                                                    NumberRange(min=0.01)])
    kind = SelectField(_l("Type"), choices=[(k.value, v) for k, v in
                                            CREDIT_NOTE_KIND_LABELS.items()])
    reason = StringField(_l("Motif"), validators=[DataRequired(), Length(max=500)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Motif"), validators=[DataRequired(), Length(max=500)])


class PostponeForm(FlaskForm):
    until = DateField(_l("Reporter jusqu'au"), validators=[DataRequired()])
    reason = StringField(_l("Motif du report"), validators=[DataRequired(), Length(max=500)])


class PaymentPlanForm(FlaskForm):
    monthly = DecimalField(_l("Mensualité (€)"), places=2, validators=[DataRequired(),
                                                                        NumberRange(min=0.01)])
    months = IntegerField(_l("Nombre de mois"), validators=[DataRequired(),
                                                            NumberRange(min=1, max=36)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class FslForm(FlaskForm):
    filed_on = DateField(_l("Demande FSL déposée le"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class FslDecisionForm(FlaskForm):
    decision = SelectField(_l("Réponse du FSL"), choices=[
        (k.value, v) for k, v in FSL_DECISION_LABELS.items() if k != "pending"])
    decided_on = DateField(_l("Date de la réponse"), validators=[DataRequired()])
    amount = DecimalField(_l("Montant accordé (€)"), places=2, validators=[Optional()])


class MandateForm(FlaskForm):
    iban = StringField(_l("IBAN"), validators=[DataRequired(), Length(max=42)])
    bic = StringField(_l("BIC"), validators=[Optional(), Length(max=11)])
    account_holder = StringField(_l("Titulaire du compte"), validators=[DataRequired(),
                                                                        Length(max=70)])
    reference = StringField(_l("Référence unique du mandat (RUM)"),
                            validators=[DataRequired(), Length(max=35)])
    signed_on = DateField(_l("Signé le"), validators=[DataRequired()])


class TierForm(FlaskForm):
    label = StringField(_l("Libellé"), validators=[DataRequired(), Length(max=120)])
    rule_text = TextAreaField(_l("Règle en langage clair"), validators=[DataRequired()])
    price = DecimalField(_l("Prix mensuel TTC (€), à partir du mois prochain"), places=2,
                         validators=[DataRequired(), NumberRange(min=0)])
