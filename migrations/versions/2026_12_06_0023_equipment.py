"""lent equipment and its 4R life (issue 22)

Revision ID: 0023_equipment
Revises: 0022_outreach
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0023_equipment'
down_revision = '0022_outreach'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
