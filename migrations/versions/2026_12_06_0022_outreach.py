"""public requests and district contours (issue 21)

Revision ID: 0022_outreach
Revises: 0021_surveys
Create Date: 2026-12-06

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0022_outreach'
down_revision = '0021_surveys'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
