"""residents' sign-in (issue 20): resident accounts, one-time codes, SMS, notices

Revision ID: 0018_residents
Revises: 0017_messages
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0018_residents'
down_revision = '0017_messages'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
