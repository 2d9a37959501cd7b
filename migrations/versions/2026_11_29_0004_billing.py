"""billing: tariffs, eligibility, invoices, payments, dunning

Revision ID: 0004_billing
Revises: 0003_provisioning
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_billing'
down_revision = '0003_provisioning'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
