"""t0 baselines and follow-ups (issue 21)

Revision ID: 0020_impact
Revises: 0019_resident_space
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0020_impact'
down_revision = '0019_resident_space'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
