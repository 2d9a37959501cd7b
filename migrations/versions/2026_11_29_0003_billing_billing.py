"""billing: tariffs, eligibility, invoices, payments, dunning

Revision ID: 0003_billing
Revises: 0002_network
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_billing'
down_revision = '0002_network'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
