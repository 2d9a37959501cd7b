"""support tickets

Revision ID: 0005_support
Revises: 0004_billing
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_support'
down_revision = '0004_billing'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
