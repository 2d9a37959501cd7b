"""billing seams (issues 16 and 19): dunning, idempotency, tariffs

Revision ID: 0011_billing_seams
Revises: 0010_household_keys
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0011_billing_seams'
down_revision = '0010_household_keys'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
