"""network inventory, polling, usage, outages

Revision ID: 0002_network
Revises: 0001_core
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0002_network'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
