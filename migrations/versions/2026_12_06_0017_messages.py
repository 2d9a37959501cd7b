"""item 7 of issue 18: reason codes stored, read in the reader's language

Revision ID: 0017_messages
Revises: 0016_input
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0017_messages'
down_revision = '0016_input'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
