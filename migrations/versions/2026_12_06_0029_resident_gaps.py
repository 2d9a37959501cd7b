"""resident_gaps (issue 20): operators process the residents' SEPA direct-debit requests

Revision ID: 0029_resident_gaps
Revises: 0026_usage_store
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

revision = '0029_resident_gaps'
down_revision = '0026_usage_store'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resident_sepa_requests") as batch:
        batch.add_column(sa.Column("status", sa.String(12), nullable=False,
                                   server_default="open"))
        batch.add_column(sa.Column("staff_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_resident_sepa_requests_status", "resident_sepa_requests",
                    ["status", "requested_at"])


def downgrade():
    op.drop_index("ix_resident_sepa_requests_status", table_name="resident_sepa_requests")
    with op.batch_alter_table("resident_sepa_requests") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("staff_note")
        batch.drop_column("status")
