"""Money in from the bank: CAMT.053 statements matched to households' invoices."""
