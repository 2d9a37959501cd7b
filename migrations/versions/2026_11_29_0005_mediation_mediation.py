"""mediation: associations details, slots, bookings, sessions

Revision ID: 0005_mediation
Revises: 0004_support
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_mediation'
down_revision = '0004_support'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
