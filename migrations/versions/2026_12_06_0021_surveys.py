"""needs surveys (issue 21)

Revision ID: 0021_surveys
Revises: 0020_impact
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0021_surveys'
down_revision = '0020_impact'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
