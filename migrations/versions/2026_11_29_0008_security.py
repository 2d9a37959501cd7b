"""security and data protection

Revision ID: 0008_security
Revises: 0007_evaluation
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_security'
down_revision = '0007_evaluation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
