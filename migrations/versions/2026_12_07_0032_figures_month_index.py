"""figures_month_index (issue 23.3): the evaluation pages read one month's figures from an index
on the month, its level and its metric

Once the nightly refresh holds 1,000 buildings (204,466 figures over 12 months), the pages read
a month's figures through ``(level, period)``, 17,000 rows a month, to keep the pilots' five
metrics (5,000 rows) or the buildings' "flats" (1,000); and the latest month of every level
was a DISTINCT over the whole table (~20-45 ms). Led by the month, this index gives the latest
month by a backward scan (0.03 ms), a month's metrics without reading the others, and a month's
codes from the index alone.

Revision ID: 0032_figures_month_index
Revises: 0031_invoice_list_index
Create Date: 2026-12-07

"""

from alembic import op

revision = '0032_figures_month_index'
down_revision = '0031_invoice_list_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_evaluation_monthly_period_level_metric", "evaluation_monthly",
                    ["period", "level", "metric", "code"])


def downgrade():
    op.drop_index("ix_evaluation_monthly_period_level_metric", table_name="evaluation_monthly")
