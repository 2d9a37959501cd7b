"""evaluation: scenarios, daily aggregates

Revision ID: 0006_evaluation
Revises: 0005_mediation
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_evaluation'
down_revision = '0005_mediation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
