"""network seams (issue 16): uplinks, reduced speeds, poll intervals, scrubbed backups

Revision ID: 0012_network_seams
Revises: 0011_billing_seams
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0012_network_seams'
down_revision = '0011_billing_seams'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
