"""invoice_list_index (issue 23.3): the invoice lists read their first page from an index in
their order

The invoice list (page, API) is ordered by period, number and id, newest first. With only
``(period, status)`` and ``number`` indexed, PostgreSQL read and sorted a whole month's
invoices for each page (~41 ms for the first page of 1.2 million invoices, ~30 ms for one
month's); this index in the list's order gives the page by a backward scan (~0.1 ms).

Revision ID: 0031_invoice_list_index
Revises: 0030_page_indexes
Create Date: 2026-12-07

"""

from alembic import op

revision = '0031_invoice_list_index'
down_revision = '0030_page_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_invoices_period_number_id", "invoices", ["period", "number", "id"])


def downgrade():
    op.drop_index("ix_invoices_period_number_id", table_name="invoices")
