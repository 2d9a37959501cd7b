"""a catalogue of services: options on subscriptions (issue 22)

Revision ID: 0024_catalogue
Revises: 0023_equipment
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0024_catalogue'
down_revision = '0023_equipment'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
