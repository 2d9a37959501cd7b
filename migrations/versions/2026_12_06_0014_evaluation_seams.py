"""evaluation seams (issue 16 and 19): subsidy, suppression

Revision ID: 0014_evaluation_seams
Revises: 0013_records
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0014_evaluation_seams'
down_revision = '0013_records'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
