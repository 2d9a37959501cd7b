"""provisioning jobs, desired port state, config backups

Revision ID: 0003_provisioning
Revises: 0002_network
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0003_provisioning'
down_revision = '0002_network'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
