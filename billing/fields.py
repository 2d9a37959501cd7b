"""Payment fields, checked once in ``record_payment`` for the form, the API and the import."""

from __future__ import annotations

from isp.validation import MAX_PAYMENT_CENTS, Day, Integer, Text

#: One payment is at most 100,000.00 €: far above any household's debt, far below int4.
AMOUNT_CENTS = Integer("amount_cents", minimum=1, maximum=MAX_PAYMENT_CENTS, required=True)
RECEIVED_ON = Day("received_on", required=True)
REFERENCE = Text("reference", 80)
HOUSEHOLD_ID = Integer("household_id")
