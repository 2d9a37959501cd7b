"""mediation: association details, slots, bookings, sessions

Revision ID: 0006_mediation
Revises: 0005_support
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_mediation'
down_revision = '0005_support'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
