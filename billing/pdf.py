"""Invoice PDF with fpdf2 (core fonts, Latin-1: enough for French)."""

from __future__ import annotations

from fpdf import FPDF

from billing.models import Invoice
from billing.money import format_euros
from billing.numbering import structured_reference


def _text(value: str) -> str:
    # Core PDF fonts are Latin-1: keep accents, replace what they cannot show.
    return value.replace("\u202f", " ").replace("€", "EUR").encode("latin-1", "replace") \
        .decode("latin-1")


def invoice_pdf(invoice: Invoice) -> bytes:
    """The printable invoice as PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(invoice.number or "")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"Facture {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    for label, value in (("Titulaire", f"{invoice.holder_name} - logement {invoice.unit_code}"),
                         ("Mois facturé", invoice.period),
                         ("Émise le", invoice.issued_on.strftime("%d/%m/%Y")),
                         ("À payer avant le", invoice.due_on.strftime("%d/%m/%Y"))):
        pdf.cell(0, 6, _text(f"{label} : {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(60, 20, 25, 35, 35), text_align="LEFT") as table:
        table.row([_text(h) for h in ("Abonnement", "Palier", "Jours", "Prix mensuel",
                                      "Montant TTC")])
        for line in invoice.lines:
            table.row([_text(f"{line.plan_code} n° {line.subscription_id}"), line.tier,
                       f"{line.days} / {line.days_in_month}",
                       _text(format_euros(line.unit_price_cents)),
                       _text(format_euros(line.amount_cents))])
        for line in invoice.option_lines:  # one line per option, with its price and subsidy
            table.row([_text(f"Option {line.option_name} n° {line.subscription_id} (prix "
                             f"{format_euros(line.full_cost_cents)}, aide "
                             f"{format_euros(line.subsidy_cents)})"), line.tier,
                       f"{line.days} / {line.days_in_month}",
                       _text(format_euros(line.unit_price_cents)),
                       _text(format_euros(line.amount_cents))])
    pdf.ln(4)
    for label, cents in (("Coût complet du service", invoice.full_cost_cents),
                         ("Aide publique", invoice.subsidy_cents),
                         ("Votre part (TTC)", invoice.total_cents),
                         ("dont TVA", invoice.vat_cents)):
        pdf.cell(0, 6, _text(f"{label} : {format_euros(cents)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.multi_cell(0, 5, _text("Paiement au guichet, auprès de votre association, par carte, "
                               "virement ou prélèvement. En cas de difficulté, contactez-nous : "
                               "votre accès ne sera pas coupé."))
    if invoice.number:  # the bank statement import finds the invoice by this reference
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _text("Référence à indiquer pour un virement : "
                             f"{structured_reference(invoice.number)}"),
                 new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
