"""security pass (issue 19): sessions, throttling, audit, job leases

Revision ID: 0015_security
Revises: 0014_evaluation_seams
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0015_security'
down_revision = '0014_evaluation_seams'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
