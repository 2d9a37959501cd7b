"""bank statements CAMT.053 (issue 22)

Revision ID: 0025_banking
Revises: 0024_catalogue
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0025_banking'
down_revision = '0024_catalogue'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
