"""bad input and imports at scale (issue 19)

Revision ID: 0016_input
Revises: 0015_security
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401


revision = '0016_input'
down_revision = '0015_security'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
