"""residents' space (issue 20): mandates, coaching proposals

Revision ID: 0019_resident_space
Revises: 0018_residents
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0019_resident_space'
down_revision = '0018_residents'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
