"""evaluation: scenarios, daily aggregates

Revision ID: 0007_evaluation
Revises: 0006_mediation
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0007_evaluation'
down_revision = '0006_mediation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
