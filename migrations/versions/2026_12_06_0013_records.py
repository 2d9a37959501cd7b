"""records (issue 16): per-record history, assignment end, retention

Revision ID: 0013_records
Revises: 0012_network_seams
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0013_records'
down_revision = '0012_network_seams'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
