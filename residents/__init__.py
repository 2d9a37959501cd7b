"""Residents' own space: sign-in by one-time code, their connection, invoices, help, data."""
